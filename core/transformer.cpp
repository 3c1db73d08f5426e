#include "transformer.h"

#include "errors.h"

#include <cmath>
#include <string>

namespace attnlab {

namespace {

template <typename S>
MatrixT<S> uniform(Rng& rng, Eigen::Index rows, Eigen::Index cols, double fanIn)
{
    const double bound = 1.0 / std::sqrt(fanIn);
    MatrixT<S> m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        m.data()[i] = static_cast<S>(rng.uniform(-bound, bound));
    }
    return m;
}

template <typename S> MatrixT<S> normal(Rng& rng, Eigen::Index rows, Eigen::Index cols)
{
    MatrixT<S> m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        m.data()[i] = static_cast<S>(rng.normal());
    }
    return m;
}

template <typename S> BlockParams<S> initBlockImpl(const TransformerConfig& c, Rng& rng)
{
    const int e = c.embed, h = c.headSize, f = c.mlpWidth;
    BlockParams<S> p;
    p.ln1Gamma = MatrixT<S>::Ones(1, e);
    p.ln1Beta = MatrixT<S>::Zero(1, e);
    p.wq = uniform<S>(rng, e, h, e);
    p.wk = uniform<S>(rng, e, h, e);
    p.wv = uniform<S>(rng, e, h, e);
    p.wo = uniform<S>(rng, h, e, h);
    p.bo = uniform<S>(rng, 1, e, h);
    p.ln2Gamma = MatrixT<S>::Ones(1, e);
    p.ln2Beta = MatrixT<S>::Zero(1, e);
    p.w1 = uniform<S>(rng, e, f, e);
    p.b1 = uniform<S>(rng, 1, f, e);
    p.w2 = uniform<S>(rng, f, e, f);
    p.b2 = uniform<S>(rng, 1, e, f);
    return p;
}

template <typename S> MatrixT<S> zerosLike(const MatrixT<S>& m)
{
    return MatrixT<S>::Zero(m.rows(), m.cols());
}

template <typename S> std::vector<MatrixT<S>*> blockMembersImpl(BlockParams<S>& b)
{
    return {&b.ln1Gamma, &b.ln1Beta, &b.wq, &b.wk, &b.wv, &b.wo, &b.bo,
            &b.ln2Gamma, &b.ln2Beta, &b.w1, &b.b1, &b.w2, &b.b2};
}

const char* const kBlockNames[] = {"ln1.gamma", "ln1.beta", "wq", "wk", "wv", "wo", "bo",
                                   "ln2.gamma", "ln2.beta", "w1", "b1", "w2", "b2"};

// Layer norm, or a copy when layer norm is switched off.
template <typename S>
void maybeNorm(bool on, const MatrixT<S>& x, const MatrixT<S>& g, const MatrixT<S>& b,
               MatrixT<S>& y, ops::LayerNormCache<S>& cache)
{
    if (on) {
        ops::layerNormForward(x, g, b, y, cache);
    } else {
        y = x;
    }
}

template <typename S>
void maybeNormBackward(bool on, const MatrixT<S>& g, const ops::LayerNormCache<S>& cache,
                       const MatrixT<S>& dy, MatrixT<S>& dx, MatrixT<S>& dg, MatrixT<S>& db)
{
    if (on) {
        ops::layerNormBackward(g, cache, dy, dx, dg, db);
    } else {
        dx += dy;
    }
}

} // namespace

std::vector<ParamShape> blockShapes(const TransformerConfig& c)
{
    const int e = c.embed, h = c.headSize, f = c.mlpWidth;
    return {{1, e}, {1, e}, {e, h}, {e, h}, {e, h}, {h, e}, {1, e},
            {1, e}, {1, e}, {e, f}, {1, f}, {f, e}, {1, e}};
}

std::vector<ParamShape> parameterShapes(const TransformerConfig& c)
{
    std::vector<ParamShape> out{{c.vocab, c.embed}, {c.context, c.embed}};
    for (int l = 0; l < c.layers; ++l) {
        const std::vector<ParamShape> block = blockShapes(c);
        out.insert(out.end(), block.begin(), block.end());
    }
    out.insert(out.end(), {{1, c.embed}, {1, c.embed}, {c.embed, c.vocab}, {1, c.vocab}});
    return out;
}

template <typename S> std::vector<MatrixT<S>*> blockParameters(BlockParams<S>& block)
{
    return blockMembersImpl(block);
}

std::vector<std::string> blockParameterNames(int block)
{
    std::vector<std::string> out;
    for (const char* name : kBlockNames) {
        out.push_back("block" + std::to_string(block + 1) + "." + name);
    }
    return out;
}

void validate(const TransformerConfig& c)
{
    requireRange("vocabulary size", c.vocab, 2, 1000000);
    requireRange("embedding width", c.embed, 1, 4096);
    requireRange("number of heads", c.heads, 1, 64);
    requireRange("head size", c.headSize, 1, 4096);
    requireRange("number of layers", c.layers, 0, 64);
    requireRange("context", c.context, 1, 4096);
    requireRange("MLP width", c.mlpWidth, 1, 16384);
    requireRange("dropout", c.dropout, 0.0, 0.95);
    if (c.headSize % c.heads != 0) {
        throw InputError("the head size " + std::to_string(c.headSize) +
                         " must divide evenly among " + std::to_string(c.heads) + " heads");
    }
}

template <typename S> std::vector<MatrixT<S>*> TransformerParams<S>::all()
{
    std::vector<MatrixT<S>*> out{&tok, &pos};
    for (BlockParams<S>& b : blocks) {
        for (MatrixT<S>* m : blockMembersImpl(b)) {
            out.push_back(m);
        }
    }
    for (MatrixT<S>* m : {&lnfGamma, &lnfBeta, &wout, &bout}) {
        out.push_back(m);
    }
    return out;
}

template <typename S> std::vector<const MatrixT<S>*> TransformerParams<S>::all() const
{
    std::vector<const MatrixT<S>*> out;
    for (MatrixT<S>* m : const_cast<TransformerParams<S>*>(this)->all()) {
        out.push_back(m);
    }
    return out;
}

template <typename S> std::vector<std::string> TransformerParams<S>::names() const
{
    std::vector<std::string> out{"tok", "pos"};
    for (size_t l = 0; l < blocks.size(); ++l) {
        for (std::string& name : blockParameterNames(static_cast<int>(l))) {
            out.push_back(std::move(name));
        }
    }
    for (const char* name : {"lnf.gamma", "lnf.beta", "wout", "bout"}) {
        out.emplace_back(name);
    }
    return out;
}

template <typename S> TransformerParams<S> TransformerParams<S>::zerosLike() const
{
    TransformerParams<S> z = *this;
    for (MatrixT<S>* m : z.all()) {
        m->setZero();
    }
    return z;
}

template <typename S> bool TransformerParams<S>::allFinite() const
{
    for (const MatrixT<S>* m : all()) {
        if (!m->allFinite()) {
            return false;
        }
    }
    return true;
}

template <typename S>
Transformer<S>::Transformer(const TransformerConfig& config) : m_config(config)
{
    validate(config);
    Rng rng(config.seed);
    const int e = config.embed;
    m_params.tok = normal<S>(rng, config.vocab, e);
    m_params.pos = normal<S>(rng, config.context, e);
    for (int l = 0; l < config.layers; ++l) {
        m_params.blocks.push_back(initBlockImpl<S>(config, rng));
    }
    m_params.lnfGamma = MatrixT<S>::Ones(1, e);
    m_params.lnfBeta = MatrixT<S>::Zero(1, e);
    m_params.wout = uniform<S>(rng, e, config.vocab, e);
    m_params.bout = uniform<S>(rng, 1, config.vocab, e);
}

template <typename S> BlockParams<S> initBlock(const TransformerConfig& config, Rng& rng)
{
    return initBlockImpl<S>(config, rng);
}

template <typename S>
void blockForward(const TransformerConfig& c, const BlockParams<S>& p, BlockForward<S>& f,
                  int length, Rng* rng)
{
    const double drop = rng ? c.dropout : 0.0;
    Rng none(0);

    // Attention: norm, projections, heads, output projection, dropout, residual.
    maybeNorm(c.layerNorm, f.input, p.ln1Gamma, p.ln1Beta, f.normed1, f.ln1);
    ops::linearForward(f.normed1, p.wq, f.queries);
    ops::linearForward(f.normed1, p.wk, f.keys);
    ops::linearForward(f.normed1, p.wv, f.values);
    const ops::Mask mask = c.causal ? ops::Mask::Causal : ops::Mask::None;
    ops::multiHeadAttentionForward(f.queries, f.keys, f.values, c.heads, length, mask, f.weights,
                                   f.heads);
    MatrixT<S> projected, dropped;
    ops::affineForward(f.heads, p.wo, p.bo, projected);
    ops::dropoutForward(projected, drop, rng ? *rng : none, dropped, f.attnDropKeep);
    f.afterAttention = c.residual ? MatrixT<S>(f.input + dropped) : dropped;
    if (!c.mlp) {
        f.output = f.afterAttention;
        return;
    }

    // MLP: norm, widen, GELU, narrow, dropout, residual.
    maybeNorm(c.layerNorm, f.afterAttention, p.ln2Gamma, p.ln2Beta, f.normed2, f.ln2);
    ops::affineForward(f.normed2, p.w1, p.b1, f.hiddenPre);
    ops::geluForward(f.hiddenPre, f.hidden);
    MatrixT<S> narrowed, dropped2;
    ops::affineForward(f.hidden, p.w2, p.b2, narrowed);
    ops::dropoutForward(narrowed, drop, rng ? *rng : none, dropped2, f.mlpDropKeep);
    f.output = c.residual ? MatrixT<S>(f.afterAttention + dropped2) : dropped2;
}

template <typename S>
TransformerForward<S> Transformer<S>::forward(std::span<const int> ids, int length,
                                              std::span<const int> targets, Rng* dropoutRng) const
{
    TransformerForward<S> f;
    f.ids.assign(ids.begin(), ids.end());
    f.length = length;

    // Embeddings.
    MatrixT<S> x;
    ops::embeddingForward(m_params.tok, m_params.pos, ids, x);

    // Blocks.
    for (const BlockParams<S>& p : m_params.blocks) {
        BlockForward<S>& b = f.blocks.emplace_back();
        b.input = std::move(x);
        blockForward(m_config, p, b, length, dropoutRng);
        x = b.output;
    }

    // Final norm, logits, loss over the positions with a target.
    f.finalInput = x;
    maybeNorm(m_config.layerNorm, f.finalInput, m_params.lnfGamma, m_params.lnfBeta, f.finalNormed,
              f.lnf);
    ops::affineForward(f.finalNormed, m_params.wout, m_params.bout, f.logits);
    MatrixT<S> logProbs;
    ops::logSoftmaxRows(f.logits, logProbs);
    f.probs = logProbs.array().exp();
    for (size_t t = 0; t < targets.size(); ++t) {
        if (targets[t] != kNoTarget) {
            f.loss -= logProbs(static_cast<Eigen::Index>(t), targets[t]);
            ++f.counted;
        }
    }
    if (f.counted > 0) {
        f.loss /= static_cast<S>(f.counted);
    }
    return f;
}

template <typename S>
MatrixT<S> blockBackward(const TransformerConfig& c, const BlockParams<S>& p,
                         const BlockForward<S>& f, const MatrixT<S>& dout, BlockParams<S>& g)
{
    MatrixT<S> dAfter = MatrixT<S>::Zero(dout.rows(), dout.cols());

    // MLP.
    if (c.mlp) {
        if (c.residual) {
            dAfter += dout;
        }
        MatrixT<S> dnarrowed = zerosLike(dout);
        ops::dropoutBackward(f.mlpDropKeep, dout, dnarrowed);
        MatrixT<S> dhidden = zerosLike(f.hidden), dhiddenPre = zerosLike(f.hiddenPre);
        ops::affineBackward(f.hidden, p.w2, dnarrowed, dhidden, g.w2, g.b2);
        ops::geluBackward(f.hiddenPre, dhidden, dhiddenPre);
        MatrixT<S> dnormed2 = zerosLike(f.normed2);
        ops::affineBackward(f.normed2, p.w1, dhiddenPre, dnormed2, g.w1, g.b1);
        maybeNormBackward(c.layerNorm, p.ln2Gamma, f.ln2, dnormed2, dAfter, g.ln2Gamma, g.ln2Beta);
    } else {
        dAfter = dout;
    }

    // Attention.
    MatrixT<S> dx = c.residual ? dAfter : zerosLike(dAfter);
    MatrixT<S> dprojected = zerosLike(dAfter);
    ops::dropoutBackward(f.attnDropKeep, dAfter, dprojected);
    MatrixT<S> dheads = zerosLike(f.heads);
    ops::affineBackward(f.heads, p.wo, dprojected, dheads, g.wo, g.bo);
    MatrixT<S> dq = zerosLike(f.queries), dk = zerosLike(f.keys), dv = zerosLike(f.values);
    ops::multiHeadAttentionBackward(f.queries, f.keys, f.values, c.heads, f.weights, dheads, dq, dk,
                                    dv);
    MatrixT<S> dnormed1 = zerosLike(f.normed1);
    ops::linearBackward(f.normed1, p.wq, dq, dnormed1, g.wq);
    ops::linearBackward(f.normed1, p.wk, dk, dnormed1, g.wk);
    ops::linearBackward(f.normed1, p.wv, dv, dnormed1, g.wv);
    maybeNormBackward(c.layerNorm, p.ln1Gamma, f.ln1, dnormed1, dx, g.ln1Gamma, g.ln1Beta);
    return dx;
}

template <typename S>
TransformerParams<S> Transformer<S>::backward(const TransformerForward<S>& f,
                                              std::span<const int> targets) const
{
    TransformerParams<S> g = m_params.zerosLike();
    if (f.counted == 0) {
        return g;
    }

    // Loss to logits: (probs − onehot)/counted on the positions with a target.
    MatrixT<S> dlogits = zerosLike(f.logits);
    for (size_t t = 0; t < targets.size(); ++t) {
        if (targets[t] != kNoTarget) {
            const auto r = static_cast<Eigen::Index>(t);
            dlogits.row(r) = f.probs.row(r) / static_cast<S>(f.counted);
            dlogits(r, targets[t]) -= S(1) / static_cast<S>(f.counted);
        }
    }

    // Output projection and final norm.
    MatrixT<S> dnormed = zerosLike(f.finalNormed);
    ops::affineBackward(f.finalNormed, m_params.wout, dlogits, dnormed, g.wout, g.bout);
    MatrixT<S> dx = zerosLike(f.finalInput);
    maybeNormBackward(m_config.layerNorm, m_params.lnfGamma, f.lnf, dnormed, dx, g.lnfGamma,
                      g.lnfBeta);

    // Blocks, last to first.
    for (size_t l = m_params.blocks.size(); l-- > 0;) {
        dx = blockBackward(m_config, m_params.blocks[l], f.blocks[l], dx, g.blocks[l]);
    }

    // Embeddings.
    ops::embeddingBackward(dx, f.ids, g.tok, g.pos);
    return g;
}

template BlockParams<float> initBlock(const TransformerConfig&, Rng&);
template BlockParams<double> initBlock(const TransformerConfig&, Rng&);
template void blockForward(const TransformerConfig&, const BlockParams<float>&,
                           BlockForward<float>&, int, Rng*);
template void blockForward(const TransformerConfig&, const BlockParams<double>&,
                           BlockForward<double>&, int, Rng*);
template MatrixT<float> blockBackward(const TransformerConfig&, const BlockParams<float>&,
                                      const BlockForward<float>&, const MatrixT<float>&,
                                      BlockParams<float>&);
template MatrixT<double> blockBackward(const TransformerConfig&, const BlockParams<double>&,
                                       const BlockForward<double>&, const MatrixT<double>&,
                                       BlockParams<double>&);
template std::vector<MatrixT<float>*> blockParameters(BlockParams<float>&);
template std::vector<MatrixT<double>*> blockParameters(BlockParams<double>&);
template struct TransformerParams<float>;
template struct TransformerParams<double>;
template class Transformer<float>;
template class Transformer<double>;

} // namespace attnlab
