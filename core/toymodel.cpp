#include "toymodel.h"

#include "errors.h"
#include "random.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace attnlab {

namespace {

template <typename S> MatrixT<S> normalMatrix(Rng& rng, int rows, int cols)
{
    MatrixT<S> m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        m.data()[i] = static_cast<S>(rng.normal());
    }
    return m;
}

template <typename S> MatrixT<S> uniformMatrix(Rng& rng, int rows, int cols, double bound)
{
    MatrixT<S> m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        m.data()[i] = static_cast<S>(rng.uniform(-bound, bound));
    }
    return m;
}

template <typename S>
void requireShape(const MatrixT<S>& m, const char* name, Eigen::Index rows, Eigen::Index cols)
{
    if (m.rows() != rows || m.cols() != cols) {
        throw InputError(std::string("the weight matrix ") + name + " is " +
                         std::to_string(m.rows()) + "×" + std::to_string(m.cols()) +
                         " but the model needs " + std::to_string(rows) + "×" +
                         std::to_string(cols));
    }
}

} // namespace

void validate(const ToyConfig& config)
{
    requireRange("head size", config.headSize, 1, 4096);
    requireRange("context", config.context, 2, 4096);
    requireRange("learning rate", config.learningRate, 1e-12, 1e30);
    requireRange("number of epochs", config.epochs, 1, 100000000);
}

template <typename S> bool ToyParams<S>::allFinite() const
{
    for (const MatrixT<S>* m : all()) {
        if (!m->allFinite()) {
            return false;
        }
    }
    return true;
}

template <typename S> ToyParams<S> ToyParams<S>::zerosLike() const
{
    ToyParams<S> z;
    z.tok = MatrixT<S>::Zero(tok.rows(), tok.cols());
    z.pos = MatrixT<S>::Zero(pos.rows(), pos.cols());
    z.wq = MatrixT<S>::Zero(wq.rows(), wq.cols());
    z.wk = MatrixT<S>::Zero(wk.rows(), wk.cols());
    z.wv = MatrixT<S>::Zero(wv.rows(), wv.cols());
    return z;
}

template <typename S> ToyHead<S>::ToyHead(int vocab, const ToyConfig& config) : m_config(config)
{
    validate(config);
    if (vocab < 2) {
        throw InputError("the vocabulary needs at least 2 tokens, <start> and one word");
    }
    if (vocab > kMaxToyVocab) {
        throw InputError("the sentences have " + std::to_string(vocab) +
                         " different tokens; this model has one embedding column per token "
                         "(E = V) and takes at most " +
                         std::to_string(kMaxToyVocab));
    }
    // Same creation order as the reference: token, position, Wq, Wk, Wv. E = V.
    Rng rng(config.seed);
    const int e = vocab;
    const double bound = 1.0 / std::sqrt(static_cast<double>(e));
    m_params.tok = normalMatrix<S>(rng, vocab, e);
    m_params.pos = normalMatrix<S>(rng, config.context, e);
    m_params.wq = uniformMatrix<S>(rng, e, config.headSize, bound);
    m_params.wk = uniformMatrix<S>(rng, e, config.headSize, bound);
    m_params.wv = uniformMatrix<S>(rng, e, vocab, bound);
}

template <typename S>
ToyHead<S>::ToyHead(ToyParams<S> params, const ToyConfig& config)
    : m_config(config), m_params(std::move(params))
{
    const Eigen::Index v = m_params.tok.rows();
    requireShape(m_params.tok, "tok", v, v);
    requireShape(m_params.pos, "pos", m_params.pos.rows(), v);
    requireShape(m_params.wq, "wq", v, m_params.wq.cols());
    requireShape(m_params.wk, "wk", v, m_params.wq.cols());
    requireShape(m_params.wv, "wv", v, v);
    m_config.headSize = static_cast<int>(m_params.wq.cols());
    m_config.context = static_cast<int>(m_params.pos.rows());
    validate(m_config);
}

template <typename S> void ToyHead<S>::setConfig(const ToyConfig& config)
{
    validate(config);
    if (config.headSize != headSize() || config.context != context()) {
        throw InputError("the head size and context cannot change without rebuilding the model");
    }
    m_config = config;
}

template <typename S>
ToyForward<S> ToyHead<S>::forward(std::span<const int> ids, std::span<const int> targets) const
{
    ToyForward<S> f;
    const ToyParams<S>& p = m_params;

    // Embeddings.
    ops::embeddingForward(p.tok, p.pos, ids, f.inputs);

    // Projections: queries, keys, values.
    ops::linearForward(f.inputs, p.wq, f.queries);
    ops::linearForward(f.inputs, p.wk, f.keys);
    ops::linearForward(f.inputs, p.wv, f.values);

    // Scores, mask and weights.
    const ops::Mask mask = m_config.causal ? ops::Mask::Causal : ops::Mask::None;
    ops::attentionForward(f.queries, f.keys, mask, f.scores, f.weights);

    // Weighted sum of the values, plus the skip connection.
    f.logits.noalias() = f.weights * f.values;
    if (m_config.skip) {
        f.logits += f.inputs;
    }

    // Output and loss.
    f.loss = m_config.output == OutputKind::Softmax
                 ? ops::softmaxCrossEntropy<S>(f.logits, targets, f.probs, nullptr)
                 : ops::sigmoidCrossEntropy<S>(f.logits, targets, f.probs, nullptr);
    return f;
}

template <typename S>
ToyParams<S> ToyHead<S>::backward(const ToyForward<S>& f, std::span<const int> ids,
                                  std::span<const int> targets) const
{
    const ToyParams<S>& p = m_params;
    ToyParams<S> g = p.zerosLike();
    const Eigen::Index t = f.inputs.rows();

    // Loss to logits.
    MatrixT<S> dlogits = MatrixT<S>::Zero(t, f.logits.cols());
    MatrixT<S> unused;
    if (m_config.output == OutputKind::Softmax) {
        ops::softmaxCrossEntropy<S>(f.logits, targets, unused, &dlogits);
    } else {
        ops::sigmoidCrossEntropy<S>(f.logits, targets, unused, &dlogits);
    }

    // Weighted sum: logits = weights·values (+ inputs).
    MatrixT<S> dinputs = MatrixT<S>::Zero(t, f.inputs.cols());
    if (m_config.skip) {
        dinputs += dlogits;
    }
    const MatrixT<S> dweights = dlogits * f.values.transpose();
    const MatrixT<S> dvalues = f.weights.transpose() * dlogits;

    // Attention: weights to queries and keys.
    MatrixT<S> dqueries = MatrixT<S>::Zero(t, f.queries.cols());
    MatrixT<S> dkeys = MatrixT<S>::Zero(t, f.keys.cols());
    ops::attentionBackward(f.queries, f.keys, f.weights, dweights, dqueries, dkeys);

    // Projections.
    ops::linearBackward(f.inputs, p.wq, dqueries, dinputs, g.wq);
    ops::linearBackward(f.inputs, p.wk, dkeys, dinputs, g.wk);
    ops::linearBackward(f.inputs, p.wv, dvalues, dinputs, g.wv);

    // Embeddings.
    ops::embeddingBackward(dinputs, ids, g.tok, g.pos);
    return g;
}

template struct ToyParams<float>;
template struct ToyParams<double>;
template class ToyHead<float>;
template class ToyHead<double>;

} // namespace attnlab
