#include "ops.h"

#include <cmath>
#include <limits>

namespace attnlab::ops {

namespace {

// log(1 + exp(x)) without overflow.
template <typename S> S softplus(S x)
{
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

template <typename S> S sigmoid(S x)
{
    if (x >= 0) {
        return S(1) / (S(1) + std::exp(-x));
    }
    const S e = std::exp(x);
    return e / (S(1) + e);
}

} // namespace

template <typename S>
void embeddingForward(const MatrixT<S>& tok, const MatrixT<S>& pos, std::span<const int> ids,
                      MatrixT<S>& x)
{
    const auto t = static_cast<Eigen::Index>(ids.size());
    x.resize(t, tok.cols());
    for (Eigen::Index i = 0; i < t; ++i) {
        x.row(i) = tok.row(ids[static_cast<size_t>(i)]) + pos.row(i);
    }
}

template <typename S>
void embeddingBackward(const MatrixT<S>& dx, std::span<const int> ids, MatrixT<S>& dtok,
                       MatrixT<S>& dpos)
{
    for (Eigen::Index i = 0; i < dx.rows(); ++i) {
        dtok.row(ids[static_cast<size_t>(i)]) += dx.row(i);
        dpos.row(i) += dx.row(i);
    }
}

template <typename S> void linearForward(const MatrixT<S>& x, const MatrixT<S>& w, MatrixT<S>& y)
{
    y.noalias() = x * w;
}

template <typename S>
void linearBackward(const MatrixT<S>& x, const MatrixT<S>& w, const MatrixT<S>& dy, MatrixT<S>& dx,
                    MatrixT<S>& dw)
{
    dx.noalias() += dy * w.transpose();
    dw.noalias() += x.transpose() * dy;
}

template <typename S> void softmaxRows(const MatrixT<S>& in, MatrixT<S>& out)
{
    out.resize(in.rows(), in.cols());
    for (Eigen::Index r = 0; r < in.rows(); ++r) {
        const S max = in.row(r).maxCoeff();
        if (max == -std::numeric_limits<S>::infinity()) {
            out.row(r).setZero(); // every entry masked: nothing to attend to
            continue;
        }
        // Masked entries get exactly 0. exp(−∞ − max) is 0 in IEEE arithmetic, but Eigen's
        // vectorized exp clamps its argument (to about −88 for float), which gives 3e−39, so
        // they are set to 0 by hand.
        const auto masked = in.row(r).array() == -std::numeric_limits<S>::infinity();
        out.row(r) = masked.select(S(0), (in.row(r).array() - max).exp());
        out.row(r) /= out.row(r).sum();
    }
}

template <typename S>
void softmaxRowsBackward(const MatrixT<S>& out, const MatrixT<S>& dout, MatrixT<S>& din)
{
    for (Eigen::Index r = 0; r < out.rows(); ++r) {
        const S dot = out.row(r).dot(dout.row(r));
        din.row(r).array() += out.row(r).array() * (dout.row(r).array() - dot);
    }
}

template <typename S> void logSoftmaxRows(const MatrixT<S>& in, MatrixT<S>& out)
{
    out.resize(in.rows(), in.cols());
    for (Eigen::Index r = 0; r < in.rows(); ++r) {
        const S max = in.row(r).maxCoeff();
        const S logSum = std::log((in.row(r).array() - max).exp().sum());
        out.row(r) = in.row(r).array() - max - logSum;
    }
}

template <typename S>
void logSoftmaxRowsBackward(const MatrixT<S>& logProbs, const MatrixT<S>& dout, MatrixT<S>& din)
{
    for (Eigen::Index r = 0; r < logProbs.rows(); ++r) {
        const S total = dout.row(r).sum();
        din.row(r).array() += dout.row(r).array() - logProbs.row(r).array().exp() * total;
    }
}

template <typename S>
void attentionForward(const MatrixT<S>& q, const MatrixT<S>& k, Mask mask, MatrixT<S>& scores,
                      MatrixT<S>& weights)
{
    // Scores, scaled by 1/√H so their spread does not grow with the head size.
    const S scale = S(1) / std::sqrt(static_cast<S>(q.cols()));
    scores.noalias() = (q * k.transpose()) * scale;

    // Mask: minus infinity, not a large finite number, so masked weights are exactly 0.
    if (mask == Mask::Causal) {
        for (Eigen::Index r = 0; r < scores.rows(); ++r) {
            for (Eigen::Index c = r + 1; c < scores.cols(); ++c) {
                scores(r, c) = -std::numeric_limits<S>::infinity();
            }
        }
    }

    // Weights.
    softmaxRows(scores, weights);
}

template <typename S>
void attentionBackward(const MatrixT<S>& q, const MatrixT<S>& k, const MatrixT<S>& weights,
                       const MatrixT<S>& dweights, MatrixT<S>& dq, MatrixT<S>& dk)
{
    MatrixT<S> dscores = MatrixT<S>::Zero(weights.rows(), weights.cols());
    softmaxRowsBackward(weights, dweights, dscores);
    const S scale = S(1) / std::sqrt(static_cast<S>(q.cols()));
    dq.noalias() += (dscores * k) * scale;
    dk.noalias() += (dscores.transpose() * q) * scale;
}

template <typename S>
S softmaxCrossEntropy(const MatrixT<S>& logits, std::span<const int> targets, MatrixT<S>& probs,
                      MatrixT<S>* dlogits)
{
    MatrixT<S> logProbs;
    logSoftmaxRows(logits, logProbs);
    probs = logProbs.array().exp();
    const auto t = logits.rows();
    S loss = 0;
    for (Eigen::Index i = 0; i < t; ++i) {
        loss -= logProbs(i, targets[static_cast<size_t>(i)]);
    }
    if (dlogits) {
        for (Eigen::Index i = 0; i < t; ++i) {
            dlogits->row(i) += probs.row(i) / static_cast<S>(t);
            (*dlogits)(i, targets[static_cast<size_t>(i)]) -= S(1) / static_cast<S>(t);
        }
    }
    return loss / static_cast<S>(t);
}

template <typename S>
S sigmoidCrossEntropy(const MatrixT<S>& logits, std::span<const int> targets, MatrixT<S>& probs,
                      MatrixT<S>* dlogits)
{
    probs.resize(logits.rows(), logits.cols());
    const auto t = logits.rows();
    S loss = 0;
    for (Eigen::Index i = 0; i < t; ++i) {
        const int target = targets[static_cast<size_t>(i)];
        for (Eigen::Index v = 0; v < logits.cols(); ++v) {
            const S z = logits(i, v);
            probs(i, v) = sigmoid(z);
            // −log σ(z) = softplus(−z);  −log(1 − σ(z)) = softplus(z)
            loss += v == target ? softplus(-z) : softplus(z);
        }
    }
    if (dlogits) {
        for (Eigen::Index i = 0; i < t; ++i) {
            dlogits->row(i) += probs.row(i) / static_cast<S>(t);
            (*dlogits)(i, targets[static_cast<size_t>(i)]) -= S(1) / static_cast<S>(t);
        }
    }
    return loss / static_cast<S>(t);
}

#define ATTNLAB_INSTANTIATE_OPS(S)                                                                 \
    template void embeddingForward<S>(const MatrixT<S>&, const MatrixT<S>&, std::span<const int>,  \
                                      MatrixT<S>&);                                                \
    template void embeddingBackward<S>(const MatrixT<S>&, std::span<const int>, MatrixT<S>&,       \
                                       MatrixT<S>&);                                               \
    template void linearForward<S>(const MatrixT<S>&, const MatrixT<S>&, MatrixT<S>&);             \
    template void linearBackward<S>(const MatrixT<S>&, const MatrixT<S>&, const MatrixT<S>&,       \
                                    MatrixT<S>&, MatrixT<S>&);                                     \
    template void softmaxRows<S>(const MatrixT<S>&, MatrixT<S>&);                                  \
    template void softmaxRowsBackward<S>(const MatrixT<S>&, const MatrixT<S>&, MatrixT<S>&);       \
    template void logSoftmaxRows<S>(const MatrixT<S>&, MatrixT<S>&);                               \
    template void logSoftmaxRowsBackward<S>(const MatrixT<S>&, const MatrixT<S>&, MatrixT<S>&);    \
    template void attentionForward<S>(const MatrixT<S>&, const MatrixT<S>&, Mask, MatrixT<S>&,     \
                                      MatrixT<S>&);                                                \
    template void attentionBackward<S>(const MatrixT<S>&, const MatrixT<S>&, const MatrixT<S>&,    \
                                       const MatrixT<S>&, MatrixT<S>&, MatrixT<S>&);               \
    template S softmaxCrossEntropy<S>(const MatrixT<S>&, std::span<const int>, MatrixT<S>&,        \
                                      MatrixT<S>*);                                                \
    template S sigmoidCrossEntropy<S>(const MatrixT<S>&, std::span<const int>, MatrixT<S>&,        \
                                      MatrixT<S>*);

ATTNLAB_INSTANTIATE_OPS(float)
ATTNLAB_INSTANTIATE_OPS(double)

} // namespace attnlab::ops
