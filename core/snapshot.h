// What a model computed, frozen at one moment, for the GUI, the CLI and the exporters.
//
// A snapshot is a plain value: the worker thread builds one and hands it over whole, so
// readers never see a half-updated state. Taking one never changes training (it evaluates
// without touching the random generator or the optimizer).
#pragma once

#include "matrix.h"
#include "toymodel.h"

#include <string>
#include <vector>

namespace attnlab {

enum class TrainState
{
    Ready,    // built, no step taken yet
    Training, // steps taken, epochs left
    Finished, // every epoch done
    Diverged  // stopped at a non-finite loss; the parameters are the last finite ones
};

// One sentence through the model. Matrices are sized to this sentence (T = tokens.size()).
struct SentenceSnapshot
{
    std::vector<std::string> tokens; // T labels, <start> first
    std::vector<int> ids;            // T token ids
    std::vector<int> targets;        // T next-token ids
    Matrix inputs;                   // T×E
    Matrix queries;                  // T×H
    Matrix keys;                     // T×H
    Matrix scores;                   // T×T, −∞ where masked
    Matrix weights;                  // T×T
    Matrix values;                   // T×V
    Matrix logits;                   // T×V
    Matrix probs;                    // T×V
    double loss = 0;
};

struct Snapshot
{
    TrainState state = TrainState::Ready;
    std::string message; // why training stopped, when it did
    int epoch = 0;       // epochs completed
    long step = 0;       // optimizer steps taken
    ToyConfig config;
    std::vector<std::string> vocab;  // V labels
    std::vector<double> epochLosses; // mean loss of each completed epoch
    std::vector<SentenceSnapshot> sentences;
};

// How one prediction cell comes about: logits[row, col] = Σ_j weights[row, j]·values[j, col]
// (+ inputs[row, col] with the skip connection), then the softmax (or sigmoid) over the row.
struct PredictionTerm
{
    int key = 0;      // j
    float weight = 0; // weights[row, j]
    float value = 0;  // values[j, col]
};
struct PredictionExplanation
{
    std::vector<PredictionTerm> terms; // one per key position, masked ones included (weight 0)
    bool skip = false;
    float skipInput = 0; // inputs[row, col], counted only with the skip connection
    float logit = 0;
    float prob = 0;
};
// Precondition: row < T, col < V.
PredictionExplanation explainPrediction(const SentenceSnapshot& s, int row, int col, bool skip);

} // namespace attnlab
