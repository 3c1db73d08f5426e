// The operations models are built from, on the CPU (Eigen), each as a forward/backward pair.
//
// Every function is a template over the scalar (float for training, double for gradient
// checks) and is instantiated for both. Backward functions ADD into their gradient outputs,
// so gradients from several uses of one buffer accumulate; callers zero them first.
// Shapes use the letters of matrix.h; all matrices are row-major.
//
// A backend with the same signatures can replace these (see device.h); the model code calls
// only these functions.
//
// Cost: products of small operands (at most 4096 multiply-adds, as all of the lesson's) run as
// plain loops that keep a strip of an output row in registers; larger ones go to Eigen's
// blocked GEMM, whose packing pays off only there. Either way a row of a product is computed
// from its own row of the left operand alone, so other rows never change its bits. An output
// that already has its shape keeps its storage, so a training loop that keeps its buffers
// allocates nothing here (the one exception: attentionBackward without a dscores buffer).
#pragma once

#include "matrix.h"

#include <span>

namespace attnlab::ops {

enum class Mask
{
    None,  // every query sees every key
    Causal // query t sees keys 0..t; the entries above the diagonal are minus infinity
};

// x = tok[ids] + pos[0..T). tok: V×E, pos: at least T×E, x: T×E.
// Precondition: every id is in [0, V) and T <= rows of pos.
template <typename S>
void embeddingForward(const MatrixT<S>& tok, const MatrixT<S>& pos, std::span<const int> ids,
                      MatrixT<S>& x);
// dtok[ids[t]] += dx[t]; dpos[t] += dx[t].
template <typename S>
void embeddingBackward(const MatrixT<S>& dx, std::span<const int> ids, MatrixT<S>& dtok,
                       MatrixT<S>& dpos);

// y = x·w (no bias). x: T×In, w: In×Out, y: T×Out.
template <typename S> void linearForward(const MatrixT<S>& x, const MatrixT<S>& w, MatrixT<S>& y);
// dx += dy·wᵀ; dw += xᵀ·dy.
template <typename S>
void linearBackward(const MatrixT<S>& x, const MatrixT<S>& w, const MatrixT<S>& dy, MatrixT<S>& dx,
                    MatrixT<S>& dw);

// Row-wise softmax that treats minus infinity as "masked": a masked entry gets exactly 0,
// a row whose entries are all masked gives a row of zeros, and the maximum is subtracted
// first so large finite entries (1e4, 1e30) stay finite. Otherwise rows sum to 1.
template <typename S> void softmaxRows(const MatrixT<S>& in, MatrixT<S>& out);
// din += out ⊙ (dout − rowsum(dout ⊙ out)). Masked entries (out = 0) get no gradient.
template <typename S>
void softmaxRowsBackward(const MatrixT<S>& out, const MatrixT<S>& dout, MatrixT<S>& din);

// Row-wise log-softmax, z − max − log Σ exp(z − max): finite for any finite row.
template <typename S> void logSoftmaxRows(const MatrixT<S>& in, MatrixT<S>& out);
// din += dout − softmax(in) · rowsum(dout).
template <typename S>
void logSoftmaxRowsBackward(const MatrixT<S>& logProbs, const MatrixT<S>& dout, MatrixT<S>& din);

// Scaled dot-product attention weights.
// scores = q·kᵀ/√H, entries above the diagonal set to minus infinity when mask is Causal;
// weights = softmaxRows(scores). q, k: T×H; scores, weights: T×T.
// Guarantees: weights rows sum to 1; masked weights are exactly 0.
template <typename S>
void attentionForward(const MatrixT<S>& q, const MatrixT<S>& k, Mask mask, MatrixT<S>& scores,
                      MatrixT<S>& weights);
// From dweights (T×T): dq += dscores·k/√H; dk += dscoresᵀ·q/√H.
template <typename S>
void attentionBackward(const MatrixT<S>& q, const MatrixT<S>& k, const MatrixT<S>& weights,
                       const MatrixT<S>& dweights, MatrixT<S>& dq, MatrixT<S>& dk);
// The same, with the gradient of the scores (T×T) left in `dscores`, whose storage is reused
// when it already has that shape: a training loop that keeps it allocates nothing here.
template <typename S>
void attentionBackward(const MatrixT<S>& q, const MatrixT<S>& k, const MatrixT<S>& weights,
                       const MatrixT<S>& dweights, MatrixT<S>& dq, MatrixT<S>& dk,
                       MatrixT<S>& dscores);

// Softmax output with mean negative log-likelihood of the targets.
// probs = softmaxRows(logits); returns −(1/T) Σ_t log probs[t, targets[t]], computed through
// log-softmax so it is finite for finite logits. dlogits += (probs − onehot(targets)) / T.
// logits, probs, dlogits: T×V; targets: T ids in [0, V).
template <typename S>
S softmaxCrossEntropy(const MatrixT<S>& logits, std::span<const int> targets, MatrixT<S>& probs,
                      MatrixT<S>* dlogits);

// Sigmoid output (the deck's alternative): probs = σ(logits) element-wise, each vocabulary
// entry a separate yes/no. Loss: mean over t of the binary cross-entropy summed over the
// vocabulary against the one-hot target, −Σ_v [y log σ(z) + (1−y) log(1−σ(z))], computed
// as softplus terms so it is finite. dlogits += (probs − onehot) / T.
template <typename S>
S sigmoidCrossEntropy(const MatrixT<S>& logits, std::span<const int> targets, MatrixT<S>& probs,
                      MatrixT<S>* dlogits);

// The gradient both losses share: dlogits += (probs − onehot(targets)) / T, from the probs
// softmaxCrossEntropy or sigmoidCrossEntropy returned, without computing them again.
template <typename S>
void crossEntropyBackward(const MatrixT<S>& probs, std::span<const int> targets,
                          MatrixT<S>& dlogits);

} // namespace attnlab::ops
