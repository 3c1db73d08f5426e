#include "blockops.h"

#include <cmath>
#include <limits>
#include <numbers>

namespace attnlab::ops {

namespace {

constexpr double kLayerNormEps = 1e-5;

template <typename S> S normalCdf(S x)
{
    return S(0.5) * (S(1) + std::erf(x / std::numbers::sqrt2_v<S>));
}

template <typename S> S normalPdf(S x)
{
    return std::exp(S(-0.5) * x * x) / std::sqrt(S(2) * std::numbers::pi_v<S>);
}

// Scores of one head with the key-padding and (optionally) the causal mask applied.
template <typename S>
MatrixT<S> maskedScores(const MatrixT<S>& qh, const MatrixT<S>& kh, int length, Mask mask)
{
    const S scale = S(1) / std::sqrt(static_cast<S>(qh.cols()));
    MatrixT<S> scores = (qh * kh.transpose()) * scale;
    const S minusInf = -std::numeric_limits<S>::infinity();
    for (Eigen::Index r = 0; r < scores.rows(); ++r) {
        for (Eigen::Index c = 0; c < scores.cols(); ++c) {
            if (c >= length || (mask == Mask::Causal && c > r)) {
                scores(r, c) = minusInf;
            }
        }
    }
    return scores;
}

} // namespace

template <typename S>
void affineForward(const MatrixT<S>& x, const MatrixT<S>& w, const MatrixT<S>& b, MatrixT<S>& y)
{
    y.noalias() = x * w;
    y.rowwise() += b.row(0);
}

template <typename S>
void affineBackward(const MatrixT<S>& x, const MatrixT<S>& w, const MatrixT<S>& dy, MatrixT<S>& dx,
                    MatrixT<S>& dw, MatrixT<S>& db)
{
    linearBackward(x, w, dy, dx, dw);
    db.row(0) += dy.colwise().sum();
}

template <typename S>
void layerNormForward(const MatrixT<S>& x, const MatrixT<S>& gamma, const MatrixT<S>& beta,
                      MatrixT<S>& y, LayerNormCache<S>& cache)
{
    const auto e = static_cast<S>(x.cols());
    cache.normalized.resize(x.rows(), x.cols());
    cache.invStd.resize(x.rows(), 1);
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        const S mean = x.row(r).sum() / e;
        const auto centred = (x.row(r).array() - mean).eval();
        const S var = centred.square().sum() / e;
        cache.invStd(r, 0) = S(1) / std::sqrt(var + static_cast<S>(kLayerNormEps));
        cache.normalized.row(r) = centred * cache.invStd(r, 0);
    }
    y = (cache.normalized.array().rowwise() * gamma.row(0).array()).rowwise() + beta.row(0).array();
}

template <typename S>
void layerNormBackward(const MatrixT<S>& gamma, const LayerNormCache<S>& cache,
                       const MatrixT<S>& dy, MatrixT<S>& dx, MatrixT<S>& dgamma, MatrixT<S>& dbeta)
{
    const MatrixT<S>& xhat = cache.normalized;
    dgamma.row(0) += (dy.array() * xhat.array()).colwise().sum().matrix();
    dbeta.row(0) += dy.colwise().sum();
    const auto e = static_cast<S>(xhat.cols());
    for (Eigen::Index r = 0; r < xhat.rows(); ++r) {
        const auto dxhat = (dy.row(r).array() * gamma.row(0).array()).eval();
        const S meanD = dxhat.sum() / e;
        const S meanDX = (dxhat * xhat.row(r).array()).sum() / e;
        dx.row(r).array() += cache.invStd(r, 0) * (dxhat - meanD - xhat.row(r).array() * meanDX);
    }
}

template <typename S> void geluForward(const MatrixT<S>& x, MatrixT<S>& y)
{
    y = x.unaryExpr([](S v) { return v * normalCdf(v); });
}

template <typename S> void geluBackward(const MatrixT<S>& x, const MatrixT<S>& dy, MatrixT<S>& dx)
{
    dx.array() +=
        dy.array() * x.unaryExpr([](S v) { return normalCdf(v) + v * normalPdf(v); }).array();
}

template <typename S>
void dropoutForward(const MatrixT<S>& x, double p, Rng& rng, MatrixT<S>& y, MatrixT<S>& keep)
{
    keep.resize(x.rows(), x.cols());
    if (p <= 0) {
        keep.setOnes();
        y = x;
        return;
    }
    const S scale = static_cast<S>(1.0 / (1.0 - p));
    for (Eigen::Index i = 0; i < keep.size(); ++i) {
        keep.data()[i] = rng.uniform() < p ? S(0) : scale;
    }
    y = x.cwiseProduct(keep);
}

template <typename S>
void dropoutBackward(const MatrixT<S>& keep, const MatrixT<S>& dy, MatrixT<S>& dx)
{
    dx += dy.cwiseProduct(keep);
}

template <typename S>
void multiHeadAttentionForward(const MatrixT<S>& q, const MatrixT<S>& k, const MatrixT<S>& v,
                               int heads, int length, Mask mask, std::vector<MatrixT<S>>& weights,
                               MatrixT<S>& out)
{
    const Eigen::Index d = q.cols() / heads;
    weights.resize(static_cast<size_t>(heads));
    out.resize(q.rows(), v.cols());
    for (int h = 0; h < heads; ++h) {
        // Scores of this head, masked.
        const MatrixT<S> qh = q.middleCols(h * d, d);
        const MatrixT<S> kh = k.middleCols(h * d, d);
        const MatrixT<S> scores = maskedScores(qh, kh, length, mask);

        // Weights and the weighted sum of the values.
        MatrixT<S>& w = weights[static_cast<size_t>(h)];
        softmaxRows(scores, w);
        out.middleCols(h * d, d).noalias() = w * v.middleCols(h * d, d);
    }
}

template <typename S>
void multiHeadAttentionBackward(const MatrixT<S>& q, const MatrixT<S>& k, const MatrixT<S>& v,
                                int heads, const std::vector<MatrixT<S>>& weights,
                                const MatrixT<S>& dout, MatrixT<S>& dq, MatrixT<S>& dk,
                                MatrixT<S>& dv)
{
    const Eigen::Index d = q.cols() / heads;
    const S scale = S(1) / std::sqrt(static_cast<S>(d));
    for (int h = 0; h < heads; ++h) {
        const MatrixT<S>& w = weights[static_cast<size_t>(h)];
        const MatrixT<S> douth = dout.middleCols(h * d, d);

        // Weighted sum.
        dv.middleCols(h * d, d).noalias() += w.transpose() * douth;
        const MatrixT<S> dw = douth * v.middleCols(h * d, d).transpose();

        // Softmax and the scaled scores.
        MatrixT<S> dscores = MatrixT<S>::Zero(w.rows(), w.cols());
        softmaxRowsBackward(w, dw, dscores);
        dq.middleCols(h * d, d).noalias() += (dscores * k.middleCols(h * d, d)) * scale;
        dk.middleCols(h * d, d).noalias() += (dscores.transpose() * q.middleCols(h * d, d)) * scale;
    }
}

#define ATTNLAB_INSTANTIATE_BLOCK_OPS(S)                                                           \
    template void affineForward<S>(const MatrixT<S>&, const MatrixT<S>&, const MatrixT<S>&,        \
                                   MatrixT<S>&);                                                   \
    template void affineBackward<S>(const MatrixT<S>&, const MatrixT<S>&, const MatrixT<S>&,       \
                                    MatrixT<S>&, MatrixT<S>&, MatrixT<S>&);                        \
    template void layerNormForward<S>(const MatrixT<S>&, const MatrixT<S>&, const MatrixT<S>&,     \
                                      MatrixT<S>&, LayerNormCache<S>&);                            \
    template void layerNormBackward<S>(const MatrixT<S>&, const LayerNormCache<S>&,                \
                                       const MatrixT<S>&, MatrixT<S>&, MatrixT<S>&, MatrixT<S>&);  \
    template void geluForward<S>(const MatrixT<S>&, MatrixT<S>&);                                  \
    template void geluBackward<S>(const MatrixT<S>&, const MatrixT<S>&, MatrixT<S>&);              \
    template void dropoutForward<S>(const MatrixT<S>&, double, Rng&, MatrixT<S>&, MatrixT<S>&);    \
    template void dropoutBackward<S>(const MatrixT<S>&, const MatrixT<S>&, MatrixT<S>&);           \
    template void multiHeadAttentionForward<S>(const MatrixT<S>&, const MatrixT<S>&,               \
                                               const MatrixT<S>&, int, int, Mask,                  \
                                               std::vector<MatrixT<S>>&, MatrixT<S>&);             \
    template void multiHeadAttentionBackward<S>(                                                   \
        const MatrixT<S>&, const MatrixT<S>&, const MatrixT<S>&, int,                              \
        const std::vector<MatrixT<S>>&, const MatrixT<S>&, MatrixT<S>&, MatrixT<S>&, MatrixT<S>&);

ATTNLAB_INSTANTIATE_BLOCK_OPS(float)
ATTNLAB_INSTANTIATE_BLOCK_OPS(double)

} // namespace attnlab::ops
