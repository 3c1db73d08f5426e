// A saved session of the single-head lesson: the sentences with their vocabulary order, every
// setting and the seed, the weights, Adam's moments and step count, where training is, the
// loss history, and the window's view (a few key/value pairs the window chooses). Loading it
// gives a trainer that goes on exactly as if it had never stopped.
//
// The file is text, one item per line, numbers in the shortest form that reads back to the
// same value, so that a session is exact and can be read by people and diffed:
//
//   attnlab-session 1                  the format's version
//   kind single-head
//   setting <name> <value>             head-size, context, learning-rate, epochs, seed,
//                                      causal, skip, output
//   vocabulary <count>, then one token per line (<start> first)
//   sentences <count>, then one sentence per line (its words, without <start>)
//   position <epoch> <steps> <sentence>
//   epoch-sum <number>
//   diverged <0|1>
//   message <text to the end of the line>
//   losses <count>, then the losses on one line
//   matrix <name> <rows> <cols>, then one line per row: tok, pos, wq, wk, wv
//   adam <step> <moments>              moments is 0 or 5, then matrix m0…m4 and v0…v4
//   view <key> <value to the end of the line>   (any number)
//   end
//
// A reader checks every count and size before it allocates, and refuses a file it does not
// understand with a message naming the file, the line and the fault, a file written by a
// later format with a message saying so, and a session of another kind (sessionio.h) naming
// the tab that opens it. Writing goes to a temporary file beside the target, flushed to the
// disk, then renamed over it: the old session or the new one is there, whole, whatever happens
// in between. The other kinds of session: textsession.h, vitsession.h.
#pragma once

#include "corpus.h"
#include "sessionio.h"
#include "trainer.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace attnlab {

struct ToySession
{
    std::vector<std::string> vocabulary; // tokens in id order, <start> first
    std::vector<std::string> sentences;  // words joined by spaces, without <start>
    ToyConfig config;
    ToyCheckpoint checkpoint;
    std::map<std::string, std::string> view; // the window's layout; keys without spaces
};

// The trainer's whole state, with the given view.
ToySession sessionOf(const ToyTrainer& trainer, std::map<std::string, std::string> view = {});
// A trainer that goes on from the session. Throws InputError when the session does not fit
// together (a sentence with a word the vocabulary lacks, weights of another size, …).
ToyTrainer trainerOf(const ToySession& session);
// The session's sentences in its own vocabulary order.
Corpus corpusOf(const ToySession& session);

std::string writeSession(const ToySession& session);
// Throws InputError naming `source`, the line and the fault; a weight, moment or loss that is not
// a finite number is a fault (a file AttnLab writes never holds one).
ToySession parseSession(std::string_view text, std::string_view source);

// Writes atomically (temporary file, flushed, renamed). Throws InputError naming the path and
// the reason when it cannot be written; the old file, if any, is then untouched.
void saveSession(const ToySession& session, const std::string& path);
// Throws InputError naming the path and the fault.
ToySession loadSession(const std::string& path);

} // namespace attnlab
