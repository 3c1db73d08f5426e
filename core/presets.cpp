#include "presets.h"

namespace attnlab {

namespace embedded {
extern const std::string_view kText_switch_orders;
extern const std::string_view kText_agreement;
} // namespace embedded

namespace {

const Preset kPresets[] = {
    {"lesson", "The lesson",
     "Two sentences: who ordered decides what comes after \"the\". One causal head learns it.",
     kLessonText},
    {"switch-orders", "The lesson, orders switched",
     "The man orders beef and the woman chicken: retrain and compare the attention with the "
     "lesson's.",
     embedded::kText_switch_orders},
    {"agreement", "Agreement and reference",
     "A few hundred short sentences: a verb agrees with a noun a few words back, a pronoun "
     "refers to a noun by gender or number. Look for heads that attend back to that noun.",
     embedded::kText_agreement},
};

} // namespace

std::span<const Preset> presets()
{
    return kPresets;
}

const Preset* findPreset(std::string_view name)
{
    for (const Preset& p : kPresets) {
        if (p.name == name) {
            return &p;
        }
    }
    return nullptr;
}

Corpus presetCorpus(const Preset& preset)
{
    return parseCorpusKeepingLessonOrder(preset.text, std::string(preset.title));
}

std::string presetNames()
{
    std::string names;
    for (const Preset& p : kPresets) {
        if (!names.empty()) {
            names += ", ";
        }
        names += p.name;
    }
    return names;
}

} // namespace attnlab
