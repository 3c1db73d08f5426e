// The sentences AttnLab ships: the lesson, the lesson with the orders switched, and a corpus
// of a few hundred short sentences about agreement and reference, written for this project
// (resources/corpora/, compiled in, so the GUI and the CLI need no file at run time).
#pragma once

#include "corpus.h"

#include <span>
#include <string>
#include <string_view>

namespace attnlab {

struct Preset
{
    std::string_view name;        // for --preset and settings: "lesson", "switch-orders", ...
    std::string_view title;       // for menus
    std::string_view description; // one or two sentences: what to look at
    std::string_view text;        // one sentence per line
};

// Every preset, the lesson first.
std::span<const Preset> presets();
// The preset of that name, or null.
const Preset* findPreset(std::string_view name);
// The preset's sentences, parsed (the lesson's vocabulary order kept where it applies).
Corpus presetCorpus(const Preset& preset);
// "lesson, switch-orders, agreement", for messages and help.
std::string presetNames();

} // namespace attnlab
