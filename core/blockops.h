// The operations a transformer block adds to those of ops.h, on the CPU, each as a
// forward/backward pair with the same conventions: templates over the scalar, row-major
// matrices, backward functions ADD into their gradient outputs.
//
// Shapes: T tokens, E model width, N heads, D = H/N the width of one head, F the MLP width.
#pragma once

#include "matrix.h"
#include "ops.h"
#include "random.h"

#include <vector>

namespace attnlab::ops {

// y = x·w + b. x: T×In, w: In×Out, b: 1×Out, y: T×Out.
template <typename S>
void affineForward(const MatrixT<S>& x, const MatrixT<S>& w, const MatrixT<S>& b, MatrixT<S>& y);
// dx += dy·wᵀ; dw += xᵀ·dy; db += column sums of dy.
template <typename S>
void affineBackward(const MatrixT<S>& x, const MatrixT<S>& w, const MatrixT<S>& dy, MatrixT<S>& dx,
                    MatrixT<S>& dw, MatrixT<S>& db);

// What layer norm keeps for its backward pass: the normalized rows and 1/σ of each row.
template <typename S> struct LayerNormCache
{
    MatrixT<S> normalized; // T×E, (x − μ)/σ
    MatrixT<S> invStd;     // T×1
};

// Layer normalization of each row: y = γ ⊙ (x − μ)/√(var + ε) + β, with the biased
// variance (as PyTorch's LayerNorm) and ε = 1e-5. x, y: T×E; gamma, beta: 1×E. Finite for a
// constant row (the normalized row is then 0).
template <typename S>
void layerNormForward(const MatrixT<S>& x, const MatrixT<S>& gamma, const MatrixT<S>& beta,
                      MatrixT<S>& y, LayerNormCache<S>& cache);
template <typename S>
void layerNormBackward(const MatrixT<S>& gamma, const LayerNormCache<S>& cache,
                       const MatrixT<S>& dy, MatrixT<S>& dx, MatrixT<S>& dgamma, MatrixT<S>& dbeta);

// GELU, the exact form x·Φ(x) with the normal CDF Φ (PyTorch's default), element-wise.
template <typename S> void geluForward(const MatrixT<S>& x, MatrixT<S>& y);
template <typename S> void geluBackward(const MatrixT<S>& x, const MatrixT<S>& dy, MatrixT<S>& dx);

// Inverted dropout: each entry is kept with probability 1 − p and scaled by 1/(1 − p), or set
// to 0. `keep` receives the scale of each entry (0 or 1/(1 − p)) for the backward pass. With
// p = 0 (evaluation) y = x and the generator is not touched. 0 ≤ p < 1.
template <typename S>
void dropoutForward(const MatrixT<S>& x, double p, Rng& rng, MatrixT<S>& y, MatrixT<S>& keep);
// dx += dy ⊙ keep.
template <typename S>
void dropoutBackward(const MatrixT<S>& keep, const MatrixT<S>& dy, MatrixT<S>& dx);

// Multi-head scaled dot-product attention over a sequence whose first `length` tokens are
// real and the rest padding. q, k, v: T×(N·D), head h in columns [h·D, (h+1)·D).
// For each head: scores = q_h·k_hᵀ/√D; keys at or after `length` are masked (minus infinity,
// on the key axis only, so a padded sequence computes for its real tokens exactly what it
// computes alone); with Mask::Causal, keys after the query too; weights = softmaxRows(scores);
// out_h = weights·v_h. out: T×(N·D). weights[h]: T×T per head.
template <typename S>
void multiHeadAttentionForward(const MatrixT<S>& q, const MatrixT<S>& k, const MatrixT<S>& v,
                               int heads, int length, Mask mask, std::vector<MatrixT<S>>& weights,
                               MatrixT<S>& out);
// From dout (T×(N·D)): dq, dk, dv accumulate.
template <typename S>
void multiHeadAttentionBackward(const MatrixT<S>& q, const MatrixT<S>& k, const MatrixT<S>& v,
                                int heads, const std::vector<MatrixT<S>>& weights,
                                const MatrixT<S>& dout, MatrixT<S>& dq, MatrixT<S>& dk,
                                MatrixT<S>& dv);

} // namespace attnlab::ops
