// The bigram baseline of the lesson: what a table of next-word counts predicts.
//
// It shows why attention is needed: after "the" a bigram table can only say "chicken or
// beef, half and half", whichever noun came earlier in the sentence.
#pragma once

#include "corpus.h"
#include "matrix.h"

namespace attnlab {

// counts(a, b): how often token b follows token a in the corpus, with the wrap-round target
// of nextTokenTargets(). V×V.
Matrix bigramCounts(const Corpus& corpus);

// For one sentence: row t is the bigram distribution of the token after token t, i.e. row
// ids[t] of the counts normalized to sum to 1. T×V. A token never followed by anything gives
// a row of zeros.
Matrix bigramTable(const Corpus& corpus, int sentence);

} // namespace attnlab
