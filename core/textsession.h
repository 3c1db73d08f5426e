// A saved session of the "Transformer: masked against unmasked" tab: the two transformers of
// texttrainer.h trained side by side on one corpus, each with its settings and its whole
// training state (weights, Adam's moments and step count, where training is, the epoch's
// order, the losses, the state of its random generators), and the window's view. Loading it
// gives two trainers that go on exactly as if they had never stopped.
//
// The file (sessionio.h has the pieces and the header):
//
//   attnlab-session 1
//   kind transformer-pair
//   preset <name>                      the preset the sentences came from (presets.h), or
//                                      nothing after the space for the user's own
//   vocabulary <count>, then one token per line (<start> first; [MASK] is not among them)
//   sentences <count>, then one sentence per line (its words, without <start>, as trained:
//                                      cut to the context where the window cut them)
//   model left, then the model's lines, then model right and its lines:
//     objective <causal|unmasked|masked>
//     setting <name> <value>           embed, heads, head-size, layers, context, mlp-width,
//                                      mlp, layer-norm, residual, dropout, seed,
//                                      mask-fraction, batch-size, shuffle, learning-rate, epochs
//     position <epoch> <steps> <next> <epoch-batches>
//     order <count>, then the epoch's sentence order on one line
//     epoch-sum <number>
//     diverged <0|1>
//     message <text to the end of the line>
//     losses <count>, then the epoch losses on one line
//     rng dropout …, rng mask …, rng order …
//     matrix <name> <rows> <cols> for every weight, in the order and with the names of
//                                      TransformerParams::names() ("tok", "block1.wq", …)
//     adam <step> <moments>, then m0 … and v0 …
//   view <key> <value to the end of the line>   (any number)
//   end
//
// Example (the start of one; numbers shortened):
//
//   attnlab-session 1
//   kind transformer-pair
//   preset lesson
//   vocabulary 7
//   <start>
//   the
//   …
//   sentences 2
//   man ordered the chicken
//   woman ordered the beef
//   model left
//   objective causal
//   setting embed 16
//   …
//   position 3 6 0 0
//   order 2
//   1 0
//
// The reader refuses what session.h's refuses, a setting out of its range (validate()), and a
// session of another kind, naming the tab that opens it.
#pragma once

#include "corpus.h"
#include "sessionio.h"
#include "texttrainer.h"

#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnlab {

struct TextPairSession
{
    std::string preset;                  // presets.h name; empty for the user's own sentences
    std::vector<std::string> vocabulary; // the corpus tokens in id order, <start> first
    std::vector<std::string> sentences;  // words joined by spaces, without <start>
    std::array<TextConfig, 2> configs;   // left (the causal model) and right
    std::array<TextCheckpoint, 2> checkpoints;
    std::map<std::string, std::string> view; // the window's layout; keys without spaces
};

using TextTrainerPair = std::array<std::unique_ptr<TextTrainer>, 2>;

// Both trainers' whole state. Throws InputError when they do not train on the same corpus.
TextPairSession sessionOf(const TextTrainer& left, const TextTrainer& right,
                          std::string preset = {}, std::map<std::string, std::string> view = {});
// Two trainers that go on from the session. Throws InputError naming the model ("the right
// model: …") and what does not fit (a sentence with a word the vocabulary lacks, weights of
// another shape than the settings make, a position that does not agree, …).
TextTrainerPair trainersOf(const TextPairSession& session);
// The session's sentences in its own vocabulary order.
Corpus corpusOf(const TextPairSession& session);

std::string writeSession(const TextPairSession& session);
// Throws InputError naming `source`, the line and the fault.
TextPairSession parseTextPairSession(std::string_view text, std::string_view source);

// Writes atomically (writeSessionFile). Throws InputError naming the path and the reason.
void saveSession(const TextPairSession& session, const std::string& path);
// Throws InputError naming the path and the fault.
TextPairSession loadTextPairSession(const std::string& path);

} // namespace attnlab
