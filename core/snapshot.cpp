#include "snapshot.h"

namespace attnlab {

PredictionExplanation explainPrediction(const SentenceSnapshot& s, int row, int col, bool skip)
{
    PredictionExplanation e;
    for (int j = 0; j < s.weights.cols(); ++j) {
        e.terms.push_back({j, s.weights(row, j), s.values(j, col)});
    }
    e.skip = skip;
    e.skipInput = s.inputs(row, col);
    e.logit = s.logits(row, col);
    e.prob = s.probs(row, col);
    return e;
}

} // namespace attnlab
