// Training the transformer of transformer.h on sentences, with one of three objectives, and
// what it computed, for the side-by-side views.
//
// Objectives (the lesson's contrast between GPT and BERT):
//   Causal    next token, causal mask: a token sees itself and what came before (GPT).
//   Unmasked  next token with no mask: the model can look ahead and copy the answer, which
//             is why the mask exists.
//   Masked    masked token (BERT): no attention mask; in every training sentence a fraction of
//             the tokens after <start> (at least one) is replaced by the token [MASK], and the
//             loss counts only those positions, whose target is the original token.
// Next-token targets follow the toy lesson: each token predicts the next, the last wraps to
// <start>.
//
// A step takes the next batch of sentences (corpus order; with `shuffle`, an order drawn
// from the seed each epoch), pads them to the longest, and runs each through the model with
// its length: padding is masked on the key axis and has no target, so a padded sentence
// computes what it computes alone. The batch loss is the mean over every counted position of
// the batch, and its gradient drives one Adam step.
//
// The trainer watches for a non-finite loss or gradient. At the first one it stops, restores
// the parameters and optimizer state of the step before, and records a message naming the
// step and the learning rate. Nothing non-finite reaches a snapshot. Training is
// deterministic for a seed.
//
// checkpoint() takes everything the trainer needs to go on bit for bit, and the constructor
// that takes one goes on from it: the same steps follow as if training had never stopped. A
// checkpoint holds no copy of the weights before the latest step, so should the first step
// after a restore diverge, the trainer keeps the (finite) weights it has instead of going back.
//
// Not thread-safe: one thread owns a trainer.
#pragma once

#include "adam.h"
#include "corpus.h"
#include "matrix.h"
#include "random.h"
#include "snapshot.h"
#include "transformer.h"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attnlab {

class DeviceTextEngine;
namespace gpu {
class Session;
}

enum class Objective
{
    Causal,
    Unmasked,
    Masked
};

// "causal", "unmasked", "masked".
const char* objectiveName(Objective objective);
// The inverse of objectiveName; nothing when the name is unknown.
std::optional<Objective> parseObjective(std::string_view name);
// A sentence for people: "next token, causal mask (GPT)" and so on.
const char* objectiveTitle(Objective objective);

inline constexpr std::string_view kMaskToken = "[MASK]";

struct TextConfig
{
    // Sizes and parts of the model. `vocab` and `causal` are set by the trainer from the corpus
    // and the objective; `context` is the longest sentence the model takes.
    TransformerConfig model;
    Objective objective = Objective::Causal;
    double maskFraction = 0.15; // Masked: share of tokens after <start> replaced by [MASK]
    int batchSize = 2;          // sentences per step
    bool shuffle = false;       // a new seeded sentence order each epoch
    double learningRate = 1e-3;
    int epochs = 300;
};

// Throws InputError naming the setting and its allowed range.
void validate(const TextConfig& config);
// The model a TextTrainer makes for this corpus: config.model with the vocabulary size (one
// more for [MASK] with the Masked objective) and the mask the objective takes.
TransformerConfig modelConfig(const TextConfig& config, const Corpus& corpus);

// What to do with a sentence longer than the context.
enum class LongSentences
{
    Refuse, // throw InputError naming the sentence, its length and the limit
    Cut     // keep the first `context` tokens and say so
};
// Applies the policy; returns one message per cut sentence ("sentence 3 has 300 tokens; cut
// to the context of 16"), empty when none was cut.
std::vector<std::string> fitToContext(Corpus& corpus, int context, LongSentences policy);

// One sentence through a transformer. Matrices are sized to the sentence (T = tokens.size()).
struct TextSentenceSnapshot
{
    std::vector<std::string> tokens;          // T labels as the model saw them ([MASK] too)
    std::vector<int> ids;                     // T input ids
    std::vector<int> targets;                 // T target ids, kNoTarget where none
    std::vector<std::vector<Matrix>> weights; // L × N attention weights, T×T each
    std::vector<Matrix> meanWeights;          // L head-averaged weights, T×T
    Matrix rollout;                           // T×T attention rollout over all layers
    std::vector<Matrix> layerProbs;           // L: probs if the model stopped after layer l, T×V
    Matrix probs;                             // T×V, the model's output
    double loss = 0;                          // mean over the positions with a target
    int counted = 0;                          // positions with a target
};

struct TextSnapshot
{
    TrainState state = TrainState::Ready;
    std::string message;             // why training stopped, when it did
    int epoch = 0;                   // epochs completed
    long step = 0;                   // optimizer steps taken
    TextConfig config;               // model.vocab and model.causal as used
    std::vector<std::string> vocab;  // V labels ([MASK] last for the Masked objective)
    std::vector<double> epochLosses; // mean loss of each completed epoch
    std::vector<TextSentenceSnapshot> sentences;
};

// Attention rollout (Abnar and Zuidema, 2020): per layer Â = ½·mean-over-heads + ½·I, rows
// renormalized, multiplied from the first layer to the last. Rows sum to 1. Precondition:
// at least one layer, all T×T.
Matrix attentionRollout(const std::vector<Matrix>& meanWeights);

// Everything a TextTrainer needs to go on exactly where it stopped (a saved session holds it).
struct TextCheckpoint
{
    TransformerParams<float> params;
    long adamStep = 0;
    std::vector<Matrix> adamM; // one per parameter, or empty before the first step
    std::vector<Matrix> adamV;
    int epoch = 0;          // epochs completed
    long steps = 0;         // optimizer steps taken
    int next = 0;           // position in `order` of the next batch
    std::vector<int> order; // the current epoch's sentence order, a permutation
    double epochSum = 0;    // sum of the batch losses of the current epoch
    int epochBatches = 0;   // batches of the current epoch so far
    std::vector<double> epochLosses;
    bool diverged = false;
    std::string message;
    Rng::State dropoutRng;
    Rng::State maskRng;
    Rng::State orderRng;
};

class TextTrainer
{
public:
    // Throws InputError when the corpus is empty, the config is invalid or a sentence is
    // longer than the context (the message names it).
    TextTrainer(Corpus corpus, const TextConfig& config);
    // Goes on from a checkpoint taken from a trainer with this corpus and config. Throws
    // InputError, as the constructor above does and when the checkpoint does not fit: a weight
    // or moment of another shape (naming it), an order that is not a permutation of the
    // sentences, or a position, step count or number of losses that do not agree.
    TextTrainer(Corpus corpus, const TextConfig& config, TextCheckpoint checkpoint);

    ~TextTrainer();
    TextTrainer(TextTrainer&&) noexcept;
    TextTrainer& operator=(TextTrainer&&) noexcept;

    TextCheckpoint checkpoint() const;

    // Trains on the GPU from the next step on (devicetext.h): the weights and the optimizer's
    // state move to the device and stay there; model(), optimizer(), snapshot(), evaluate()
    // and checkpoint() download them when asked. The batch's sentences go through the device
    // one after another. On the device a step draws one number from the dropout generator for
    // its masks (not one per entry), and a non-finite gradient shows as a non-finite loss one
    // step later, which restores the weights from before that step. Throws gpu::GpuError when
    // CUDA fails; the trainer then stays on the CPU, unchanged.
    void trainOn(std::shared_ptr<gpu::Session> session);
    bool onDevice() const { return m_device != nullptr; }

    // One optimizer step on the next batch. Returns false, doing nothing, once finished or
    // diverged.
    bool step();
    // Steps until the current epoch is complete.
    bool runEpoch();
    void runToEnd();

    TrainState state() const;
    const std::string& message() const { return m_message; }
    int epoch() const { return m_epoch; }
    long stepCount() const { return m_steps; }
    bool done() const { return state() == TrainState::Finished || m_diverged; }

    // Throws InputError when lr is not a finite number from 1e-12 to 1e30.
    void setLearningRate(double lr);
    // At least 1.
    void setEpochs(int epochs);

    const Corpus& corpus() const { return m_corpus; }
    // The corpus vocabulary, plus [MASK] last for the Masked objective.
    const Vocab& vocab() const { return m_vocab; }
    const TextConfig& config() const { return m_config; }
    const Transformer<float>& model() const
    {
        pull();
        return m_model;
    }
    const Adam<float>& optimizer() const
    {
        pull();
        return m_adam;
    }
    const std::vector<double>& epochLosses() const { return m_epochLosses; }

    // Every corpus sentence through the current model, without dropout. For the Masked
    // objective, sentence i has the token at maskAt[i] replaced by [MASK] (the last token when
    // maskAt is shorter or holds a position out of range). Does not change training.
    TextSnapshot snapshot(std::span<const int> maskAt = {}) const;
    // One sentence (ids in vocab(), <start> first) with the tokens at `masked` replaced by
    // [MASK] (Masked objective only; ignored otherwise). Throws InputError when it is longer
    // than the context or a position is out of range.
    TextSentenceSnapshot evaluate(const std::vector<int>& ids,
                                  std::span<const int> masked = {}) const;

private:
    void checkCorpus() const;
    void checkPosition(const TextCheckpoint& c) const;
    std::vector<int> batchOrder();
    bool trainBatch(std::span<const int> sentences);
    bool trainBatchOnDevice(std::span<const int> sentences);
    // The longest of these sentences, in tokens: the batch is padded to it.
    size_t longestOf(std::span<const int> sentences) const;
    // The ids and targets of a training sentence, padded to `tokens` (masking it for the
    // Masked objective); its length.
    int trainingSentence(int index, size_t tokens, std::vector<int>& ids,
                         std::vector<int>& targets);
    bool finishBatch(double loss);
    // Brings the host's weights and optimizer up to date with the device's.
    void pull() const;
    void maskForTraining(std::vector<int>& ids, std::vector<int>& targets);
    std::vector<int> targetsFor(const std::vector<int>& ids) const;
    TextSentenceSnapshot describe(const std::vector<int>& ids, std::vector<int> targets) const;
    void diverge(double loss, const char* what);

    Corpus m_corpus;
    Vocab m_vocab;
    TextConfig m_config;
    // On a device the weights and Adam's state live there, and these are copies that pull()
    // brings up to date before anything on the host reads them.
    mutable Transformer<float> m_model;
    mutable Adam<float> m_adam;
    std::unique_ptr<DeviceTextEngine> m_device;
    mutable bool m_hostStale = false;
    // The parameters and optimizer before the latest step, restored on divergence.
    std::optional<TransformerParams<float>> m_previous;
    std::optional<Adam<float>> m_previousAdam;
    Rng m_dropoutRng;
    Rng m_maskRng;
    Rng m_orderRng;
    std::vector<int> m_order; // sentence order of the current epoch
    std::vector<double> m_epochLosses;
    double m_epochSum = 0;
    int m_epochBatches = 0;
    int m_next = 0; // position in m_order of the next batch
    int m_epoch = 0;
    long m_steps = 0;
    bool m_diverged = false;
    std::string m_message;
};

} // namespace attnlab
