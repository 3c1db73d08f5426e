// The lesson's model: one attention head on token plus position embeddings, a skip
// connection, and a softmax over the vocabulary.
//
//   inputs  X = tok[ids] + pos[0..T)               T×E   (E = V, so X can be added to logits)
//   queries Q = X·Wq,  keys K = X·Wk               T×H
//   values    = X·Wv                               T×V
//   scores    = Q·Kᵀ/√H, above the diagonal −∞     T×T   (causal mask; optional)
//   weights   = softmax(scores) row by row          T×T
//   logits    = weights·values + X                  T×V   (skip connection; optional)
//   probs     = softmax(logits) along the vocab     T×V   (or σ(logits): the deck's sigmoid)
//   loss      = mean over t of −log probs[t, target_t], the last target wrapping to <start>
//
// No biases. Initialization as PyTorch's defaults: embeddings N(0, 1), the three projections
// uniform in ±1/√E. Forward output is finite for finite parameters; weights rows sum to 1 and
// are exactly 0 above the diagonal with the causal mask.
#pragma once

#include "matrix.h"
#include "ops.h"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace attnlab {

enum class OutputKind
{
    Softmax,
    Sigmoid
};

// The lesson's default seed. With AttnLab's initialization it tells the story of the slides:
// "the" attends back to "man" or "woman" and predicts chicken (0.97) or beef (0.96). The
// PyTorch reference's seed 77 draws other weights here, and with them the head never
// separates the two; many other seeds solve the task another way (e.g. seed 3: "the" attends
// to itself in one sentence).
inline constexpr std::uint64_t kLessonSeed = 83;

// The most tokens the toy head takes: its embedding is V×V, so memory grows with V².
inline constexpr int kMaxToyVocab = 512;

struct ToyConfig
{
    int headSize = 20;          // H
    int context = 5;            // T, the longest sentence in tokens, <start> included
    double learningRate = 1e-4; // Adam
    int epochs = 5000;          // one optimizer step per sentence in each epoch
    std::uint64_t seed = kLessonSeed;
    bool causal = true;
    bool skip = true;
    OutputKind output = OutputKind::Softmax;
};

// Throws InputError naming the setting and its allowed range.
void validate(const ToyConfig& config);

template <typename S> struct ToyParams
{
    MatrixT<S> tok; // V×E token embedding
    MatrixT<S> pos; // T×E position embedding (T = context)
    MatrixT<S> wq;  // E×H
    MatrixT<S> wk;  // E×H
    MatrixT<S> wv;  // E×V

    std::vector<MatrixT<S>*> all() { return {&tok, &pos, &wq, &wk, &wv}; }
    std::vector<const MatrixT<S>*> all() const { return {&tok, &pos, &wq, &wk, &wv}; }
    // The same list without a heap allocation, for code that runs every step.
    std::array<MatrixT<S>*, 5> matrices() { return {&tok, &pos, &wq, &wk, &wv}; }
    std::array<const MatrixT<S>*, 5> matrices() const { return {&tok, &pos, &wq, &wk, &wv}; }
    bool allFinite() const;
    // Same shapes, every entry zero.
    ToyParams zerosLike() const;
    // Gives every matrix the shape of its counterpart in `like` and sets it to zero, keeping
    // the storage when the shape is already right.
    void setZeroLike(const ToyParams& like);
    // Exchanges the contents with `other` by exchanging storage: no entry is copied.
    void swap(ToyParams& other);
};

// Everything one forward pass computed for one sentence.
template <typename S> struct ToyForward
{
    MatrixT<S> inputs;  // T×E  X
    MatrixT<S> queries; // T×H
    MatrixT<S> keys;    // T×H
    MatrixT<S> values;  // T×V
    MatrixT<S> scores;  // T×T, −∞ where masked
    MatrixT<S> weights; // T×T
    MatrixT<S> logits;  // T×V
    MatrixT<S> probs;   // T×V
    S loss = 0;
};

// The intermediate gradients of one backward pass. A caller that keeps one between calls
// (the trainer does) lets backward reuse its storage instead of allocating every step.
template <typename S> struct ToyWorkspace
{
    MatrixT<S> dlogits;  // T×V
    MatrixT<S> dinputs;  // T×E
    MatrixT<S> dweights; // T×T
    MatrixT<S> dscores;  // T×T
    MatrixT<S> dvalues;  // T×V
    MatrixT<S> dqueries; // T×H
    MatrixT<S> dkeys;    // T×H
};

template <typename S> class ToyHead
{
public:
    // Parameters of the right shapes for a vocabulary of `vocab` tokens, initialized from
    // config.seed. Throws InputError when the config is invalid.
    ToyHead(int vocab, const ToyConfig& config);
    // Given parameters (their shapes define V, T and H). Throws InputError on a shape
    // mismatch, naming the matrix.
    ToyHead(ToyParams<S> params, const ToyConfig& config);

    int vocabSize() const { return static_cast<int>(m_params.tok.rows()); }
    int context() const { return static_cast<int>(m_params.pos.rows()); }
    int headSize() const { return static_cast<int>(m_params.wq.cols()); }
    const ToyConfig& config() const { return m_config; }
    void setConfig(const ToyConfig& config); // shapes must not change

    ToyParams<S>& params() { return m_params; }
    const ToyParams<S>& params() const { return m_params; }

    // Precondition: 1 <= ids.size() <= context(), ids and targets the same length, every id in
    // [0, V).
    ToyForward<S> forward(std::span<const int> ids, std::span<const int> targets) const;
    // The same into `out`, whose matrices keep their storage when their shapes do not change.
    void forward(std::span<const int> ids, std::span<const int> targets, ToyForward<S>& out) const;
    // Gradients of forward's loss with respect to every parameter.
    ToyParams<S> backward(const ToyForward<S>& fwd, std::span<const int> ids,
                          std::span<const int> targets) const;
    // The same into `grads` (overwritten; any shapes on entry), with the intermediate gradients
    // in `work`. Neither allocates when it holds the shapes of the call before.
    void backward(const ToyForward<S>& fwd, std::span<const int> ids, std::span<const int> targets,
                  ToyParams<S>& grads, ToyWorkspace<S>& work) const;

private:
    ToyConfig m_config;
    ToyParams<S> m_params;
};

} // namespace attnlab
