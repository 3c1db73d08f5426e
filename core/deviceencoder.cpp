#include "deviceencoder.h"

#include <utility>

namespace attnlab {

using gpu::DeviceMatrix;

void zeroLike(DeviceMatrix& m, const DeviceMatrix& like)
{
    m.resize(like.rows(), like.cols());
    m.setZero();
}

void uploadAll(gpu::Session& s, const std::vector<const Matrix*>& from,
               const std::vector<DeviceMatrix*>& to)
{
    for (std::size_t i = 0; i < to.size(); ++i) {
        *to[i] = DeviceMatrix(s, *from[i]);
    }
}

void downloadAll(const std::vector<const DeviceMatrix*>& from, const std::vector<Matrix*>& to)
{
    for (std::size_t i = 0; i < to.size(); ++i) {
        *to[i] = from[i]->download();
    }
}

void zeroAllLike(const std::vector<DeviceMatrix*>& m, const std::vector<const DeviceMatrix*>& like)
{
    for (std::size_t i = 0; i < m.size(); ++i) {
        zeroLike(*m[i], *like[i]);
    }
}

DeviceUpdater::DeviceUpdater(gpu::Session& s, const Adam<float>& adam) : m_adam(adam.settings())
{
    m_adam.restore(s, adam);
}

void DeviceUpdater::update(const std::vector<DeviceMatrix*>& params,
                           const std::vector<const DeviceMatrix*>& grads,
                           const std::vector<DeviceMatrix*>& previous)
{
    for (std::size_t i = 0; i < params.size(); ++i) {
        previous[i]->copyFrom(*params[i]);
    }
    m_hasPrevious = true;
    m_adam.keep();
    m_adam.step(params, grads);
}

bool DeviceUpdater::undo(const std::vector<DeviceMatrix*>& params,
                         const std::vector<const DeviceMatrix*>& previous)
{
    if (!m_hasPrevious || !m_adam.undo()) {
        return false;
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
        params[i]->copyFrom(*previous[i]);
    }
    m_hasPrevious = false;
    return true;
}

DeviceEncoder::DeviceEncoder(gpu::Session& s, int layers)
    : m_input(s, 0, 0), m_normed(s, 0, 0), m_lnf(s), m_dx(s, 0, 0), m_dy(s, 0, 0)
{
    for (int l = 0; l < layers; ++l) {
        m_blocks.emplace_back(s);
    }
}

const DeviceMatrix& DeviceEncoder::forward(const TransformerConfig& c,
                                           const std::vector<DeviceBlockParams>& blocks,
                                           const DeviceMatrix& lnfGamma,
                                           const DeviceMatrix& lnfBeta, int sequences, int length,
                                           const DeviceDropout* dropout)
{
    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        if (l > 0) {
            m_blocks[l].input.copyFrom(m_blocks[l - 1].output);
        }
        blockForward(c, blocks[l], m_blocks[l], sequences, length, static_cast<int>(l), dropout);
    }
    const DeviceMatrix& last = m_blocks.empty() ? m_input : m_blocks.back().output;
    if (c.layerNorm) {
        gpu::layerNormForward(last, lnfGamma, lnfBeta, m_normed, m_lnf);
    } else {
        m_normed.copyFrom(last);
    }
    return m_normed;
}

const DeviceMatrix&
DeviceEncoder::backward(const TransformerConfig& c, const std::vector<DeviceBlockParams>& blocks,
                        const DeviceMatrix& lnfGamma, const DeviceMatrix& dnormed,
                        std::vector<DeviceBlockParams>& gradBlocks, DeviceMatrix& dGamma,
                        DeviceMatrix& dBeta, int sequences)
{
    // The gradient passes between m_dx and m_dy, block by block.
    DeviceMatrix* dx = &m_dx;
    DeviceMatrix* other = &m_dy;
    zeroLike(*dx, dnormed);
    if (c.layerNorm) {
        gpu::layerNormBackward(lnfGamma, m_lnf, dnormed, *dx, dGamma, dBeta);
    } else {
        gpu::addInto(dnormed, *dx);
    }
    for (std::size_t l = m_blocks.size(); l-- > 0;) {
        blockBackward(c, blocks[l], m_blocks[l], sequences, *dx, gradBlocks[l], *other);
        std::swap(dx, other);
    }
    return *dx;
}

DeviceBlockParams::DeviceBlockParams(gpu::Session& s)
    : ln1Gamma(s, 0, 0), ln1Beta(s, 0, 0), wq(s, 0, 0), wk(s, 0, 0), wv(s, 0, 0), wo(s, 0, 0),
      bo(s, 0, 0), ln2Gamma(s, 0, 0), ln2Beta(s, 0, 0), w1(s, 0, 0), b1(s, 0, 0), w2(s, 0, 0),
      b2(s, 0, 0)
{
}

std::vector<DeviceMatrix*> DeviceBlockParams::all()
{
    return {&ln1Gamma, &ln1Beta, &wq, &wk, &wv, &wo, &bo, &ln2Gamma, &ln2Beta, &w1, &b1, &w2, &b2};
}

DeviceBlockForward::DeviceBlockForward(gpu::Session& s)
    : input(s, 0, 0), normed1(s, 0, 0), ln1(s), queries(s, 0, 0), keys(s, 0, 0), values(s, 0, 0),
      weights(s, 0, 0), heads(s, 0, 0), projected(s, 0, 0), attnDropped(s, 0, 0),
      attnDropKeep(s, 0, 0), afterAttention(s, 0, 0), normed2(s, 0, 0), ln2(s), hiddenPre(s, 0, 0),
      hidden(s, 0, 0), narrowed(s, 0, 0), mlpDropped(s, 0, 0), mlpDropKeep(s, 0, 0),
      output(s, 0, 0), dAfter(s, 0, 0), dnarrowed(s, 0, 0), dhidden(s, 0, 0), dhiddenPre(s, 0, 0),
      dnormed2(s, 0, 0), dprojected(s, 0, 0), dheads(s, 0, 0), dq(s, 0, 0), dk(s, 0, 0),
      dv(s, 0, 0), dnormed1(s, 0, 0)
{
}

namespace {

// Layer norm, or a copy when layer norm is switched off (as maybeNorm in transformer.cpp).
void maybeNorm(bool on, const DeviceMatrix& x, const DeviceMatrix& g, const DeviceMatrix& b,
               DeviceMatrix& y, gpu::DeviceLayerNormCache& cache)
{
    if (on) {
        gpu::layerNormForward(x, g, b, y, cache);
    } else {
        y.copyFrom(x);
    }
}

void maybeNormBackward(bool on, const DeviceMatrix& g, const gpu::DeviceLayerNormCache& cache,
                       const DeviceMatrix& dy, DeviceMatrix& dx, DeviceMatrix& dg, DeviceMatrix& db)
{
    if (on) {
        gpu::layerNormBackward(g, cache, dy, dx, dg, db);
    } else {
        gpu::addInto(dy, dx);
    }
}

// out = (residual ? input : 0) + dropout(x): the dropped branch and its mask, or x itself
// without dropout.
void dropAndAdd(const DeviceMatrix& x, const DeviceDropout* dropout, int block, int site,
                bool residual, const DeviceMatrix& input, DeviceMatrix& dropped, DeviceMatrix& keep,
                DeviceMatrix& out)
{
    if (residual) {
        out.copyFrom(input);
    } else {
        zeroLike(out, x);
    }
    if (dropout) {
        gpu::dropoutForward(x, dropout->p, dropout->seed, dropout->offset(block, site), dropped,
                            keep);
        gpu::addInto(dropped, out);
    } else {
        keep.resize(0, 0); // no mask: the backward pass takes the gradient as it is
        gpu::addInto(x, out);
    }
}

// The gradient through dropout: dy ⊙ keep, or dy itself when there was no mask.
const DeviceMatrix& throughDropout(const DeviceMatrix& keep, const DeviceMatrix& dy,
                                   DeviceMatrix& scratch)
{
    if (keep.size() == 0) {
        return dy;
    }
    zeroLike(scratch, dy);
    gpu::dropoutBackward(keep, dy, scratch);
    return scratch;
}

} // namespace

void blockForward(const TransformerConfig& c, const DeviceBlockParams& p, DeviceBlockForward& f,
                  int sequences, int length, int block, const DeviceDropout* dropout)
{
    if (dropout && dropout->p <= 0) {
        dropout = nullptr;
    }

    // Attention: norm, projections, heads, output projection, dropout, residual.
    maybeNorm(c.layerNorm, f.input, p.ln1Gamma, p.ln1Beta, f.normed1, f.ln1);
    gpu::linearForward(f.normed1, p.wq, f.queries);
    gpu::linearForward(f.normed1, p.wk, f.keys);
    gpu::linearForward(f.normed1, p.wv, f.values);
    const ops::Mask mask = c.causal ? ops::Mask::Causal : ops::Mask::None;
    gpu::multiHeadAttentionForward(f.queries, f.keys, f.values, c.heads, sequences, length, mask,
                                   f.weights, f.heads);
    gpu::affineForward(f.heads, p.wo, p.bo, f.projected);
    dropAndAdd(f.projected, dropout, block, 0, c.residual, f.input, f.attnDropped, f.attnDropKeep,
               f.afterAttention);
    if (!c.mlp) {
        f.output.copyFrom(f.afterAttention);
        return;
    }

    // MLP: norm, widen, GELU, narrow, dropout, residual.
    maybeNorm(c.layerNorm, f.afterAttention, p.ln2Gamma, p.ln2Beta, f.normed2, f.ln2);
    gpu::affineForward(f.normed2, p.w1, p.b1, f.hiddenPre);
    gpu::geluForward(f.hiddenPre, f.hidden);
    gpu::affineForward(f.hidden, p.w2, p.b2, f.narrowed);
    dropAndAdd(f.narrowed, dropout, block, 1, c.residual, f.afterAttention, f.mlpDropped,
               f.mlpDropKeep, f.output);
}

void blockBackward(const TransformerConfig& c, const DeviceBlockParams& p, DeviceBlockForward& f,
                   int sequences, const DeviceMatrix& dout, DeviceBlockParams& g, DeviceMatrix& dx)
{
    // MLP.
    const DeviceMatrix* dAfter = &dout;
    if (c.mlp) {
        zeroLike(f.dAfter, dout);
        if (c.residual) {
            gpu::addInto(dout, f.dAfter);
        }
        const DeviceMatrix& dnarrowed = throughDropout(f.mlpDropKeep, dout, f.dnarrowed);
        zeroLike(f.dhidden, f.hidden);
        zeroLike(f.dhiddenPre, f.hiddenPre);
        gpu::affineBackward(f.hidden, p.w2, dnarrowed, f.dhidden, g.w2, g.b2);
        gpu::geluBackward(f.hiddenPre, f.dhidden, f.dhiddenPre);
        zeroLike(f.dnormed2, f.normed2);
        gpu::affineBackward(f.normed2, p.w1, f.dhiddenPre, f.dnormed2, g.w1, g.b1);
        maybeNormBackward(c.layerNorm, p.ln2Gamma, f.ln2, f.dnormed2, f.dAfter, g.ln2Gamma,
                          g.ln2Beta);
        dAfter = &f.dAfter;
    }

    // Attention.
    zeroLike(dx, *dAfter);
    if (c.residual) {
        gpu::addInto(*dAfter, dx);
    }
    const DeviceMatrix& dprojected = throughDropout(f.attnDropKeep, *dAfter, f.dprojected);
    zeroLike(f.dheads, f.heads);
    gpu::affineBackward(f.heads, p.wo, dprojected, f.dheads, g.wo, g.bo);
    zeroLike(f.dq, f.queries);
    zeroLike(f.dk, f.keys);
    zeroLike(f.dv, f.values);
    gpu::multiHeadAttentionBackward(f.queries, f.keys, f.values, c.heads, sequences, f.weights,
                                    f.dheads, f.dq, f.dk, f.dv);
    zeroLike(f.dnormed1, f.normed1);
    gpu::linearBackward(f.normed1, p.wq, f.dq, f.dnormed1, g.wq);
    gpu::linearBackward(f.normed1, p.wk, f.dk, f.dnormed1, g.wk);
    gpu::linearBackward(f.normed1, p.wv, f.dv, f.dnormed1, g.wv);
    maybeNormBackward(c.layerNorm, p.ln1Gamma, f.ln1, f.dnormed1, dx, g.ln1Gamma, g.ln1Beta);
}

} // namespace attnlab
