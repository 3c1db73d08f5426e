// A small transformer, built from the operations of ops.h and blockops.h: the lesson's next
// step after the single head.
//
//   inputs  X = tok[ids] + pos[0..T)                              T×E
//   each of L blocks (pre-norm; every part can be switched off):
//     a = LN1(x);  Q, K, V = a·Wq, a·Wk, a·Wv                      T×H, N heads of D = H/N
//     heads: weights = softmax(Q_h·K_hᵀ/√D, masked), out_h = weights·V_h
//     x = x + dropout(concat(out_h)·Wo + bo)                      T×E (residual)
//     m = LN2(x);  x = x + dropout(GELU(m·W1 + b1)·W2 + b2)       MLP of width F
//   logits = LNf(x)·Wout + bout                                   T×V
//
// Masks: Causal (GPT: a token sees itself and what came before) or None (BERT, and the
// "next token without the mask" demonstration). Padding: only the first `length` tokens are
// real; padding is masked on the key axis, so real tokens compute exactly what they compute
// alone, and the loss counts only real positions with a target.
//
// Initialization as PyTorch's defaults: embeddings N(0, 1); linear layers weights and biases
// uniform in ±1/√fan_in; layer norm γ = 1, β = 0.
#pragma once

#include "blockops.h"
#include "matrix.h"
#include "ops.h"
#include "random.h"

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace attnlab {

struct TransformerConfig
{
    int vocab = 8;     // V
    int embed = 16;    // E
    int heads = 2;     // N
    int headSize = 16; // H, the width of all heads together; each head has H/N
    int layers = 1;    // L
    int context = 8;   // T
    int mlpWidth = 64; // F
    bool mlp = true;
    bool layerNorm = true;
    bool residual = true;
    double dropout = 0.0;
    bool causal = true;
    std::uint64_t seed = 1;
};

// Throws InputError naming the setting and its allowed range (e.g. H not divisible by N).
void validate(const TransformerConfig& config);

// (rows, cols) of a parameter.
using ParamShape = std::pair<int, int>;
// The shape of each parameter a model of this config has, in the order of
// TransformerParams::all(), without making the model: a saved session's weights are checked
// against them before a model of that size is allocated. The block's part: blockShapes().
std::vector<ParamShape> parameterShapes(const TransformerConfig& config);
std::vector<ParamShape> blockShapes(const TransformerConfig& config);

template <typename S> struct BlockParams
{
    MatrixT<S> ln1Gamma, ln1Beta; // 1×E
    MatrixT<S> wq, wk, wv;        // E×H
    MatrixT<S> wo;                // H×E
    MatrixT<S> bo;                // 1×E
    MatrixT<S> ln2Gamma, ln2Beta; // 1×E
    MatrixT<S> w1;                // E×F
    MatrixT<S> b1;                // 1×F
    MatrixT<S> w2;                // F×E
    MatrixT<S> b2;                // 1×E
};

template <typename S> struct TransformerParams
{
    MatrixT<S> tok; // V×E
    MatrixT<S> pos; // T×E
    std::vector<BlockParams<S>> blocks;
    MatrixT<S> lnfGamma, lnfBeta; // 1×E
    MatrixT<S> wout;              // E×V
    MatrixT<S> bout;              // 1×V

    std::vector<MatrixT<S>*> all();
    std::vector<const MatrixT<S>*> all() const;
    // Names matching all(), e.g. "block1.wq", for messages and tests.
    std::vector<std::string> names() const;
    TransformerParams zerosLike() const;
    bool allFinite() const;
};

// What one block computed for one sequence, kept for the backward pass and the views.
template <typename S> struct BlockForward
{
    MatrixT<S> input;   // T×E
    MatrixT<S> normed1; // T×E
    ops::LayerNormCache<S> ln1;
    MatrixT<S> queries, keys, values; // T×H
    std::vector<MatrixT<S>> weights;  // N of T×T
    MatrixT<S> heads;                 // T×H, concatenated head outputs
    MatrixT<S> attnDropKeep;          // T×E
    MatrixT<S> afterAttention;        // T×E
    MatrixT<S> normed2;               // T×E
    ops::LayerNormCache<S> ln2;
    MatrixT<S> hiddenPre;   // T×F
    MatrixT<S> hidden;      // T×F, after GELU
    MatrixT<S> mlpDropKeep; // T×E
    MatrixT<S> output;      // T×E
};

template <typename S> struct TransformerForward
{
    std::vector<int> ids; // T (padded)
    int length = 0;       // real tokens
    std::vector<BlockForward<S>> blocks;
    MatrixT<S> finalInput;  // T×E
    MatrixT<S> finalNormed; // T×E
    ops::LayerNormCache<S> lnf;
    MatrixT<S> logits; // T×V
    MatrixT<S> probs;  // T×V
    S loss = 0;        // mean over the positions with a target
    int counted = 0;   // positions with a target
};

// One block on its own, as the Vision Transformer uses them too. `config` gives the sizes, the
// parts switched on, the dropout and the mask (causal or none); `f.input` is the block's T×E
// input, whose first `length` rows are real. With `rng` null, dropout is off.
template <typename S> BlockParams<S> initBlock(const TransformerConfig& config, Rng& rng);
template <typename S>
void blockForward(const TransformerConfig& config, const BlockParams<S>& params, BlockForward<S>& f,
                  int length, Rng* rng);
// Adds the block's parameter gradients into `grads`; returns the gradient of its input.
template <typename S>
MatrixT<S> blockBackward(const TransformerConfig& config, const BlockParams<S>& params,
                         const BlockForward<S>& f, const MatrixT<S>& dout, BlockParams<S>& grads);
// The block's parameters in a fixed order, and their names ("block2.wq", … for block 1).
template <typename S> std::vector<MatrixT<S>*> blockParameters(BlockParams<S>& block);
std::vector<std::string> blockParameterNames(int block);

// A target of kNoTarget leaves that position out of the loss (padding, or unmasked tokens in
// masked-token training).
inline constexpr int kNoTarget = -1;

template <typename S> class Transformer
{
public:
    // Throws InputError when the config is invalid.
    explicit Transformer(const TransformerConfig& config);

    const TransformerConfig& config() const { return m_config; }
    TransformerParams<S>& params() { return m_params; }
    const TransformerParams<S>& params() const { return m_params; }

    // ids: the sequence, padded to any length up to the context; the first `length` are real.
    // targets: same size as ids, kNoTarget where nothing is predicted. With `dropoutRng`
    // null, dropout is off (evaluation).
    TransformerForward<S> forward(std::span<const int> ids, int length,
                                  std::span<const int> targets, Rng* dropoutRng) const;
    // Gradients of forward's loss.
    TransformerParams<S> backward(const TransformerForward<S>& fwd,
                                  std::span<const int> targets) const;

private:
    TransformerConfig m_config;
    TransformerParams<S> m_params;
};

} // namespace attnlab
