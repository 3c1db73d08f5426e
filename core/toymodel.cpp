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
    // x·0 is 0 for every finite x and NaN for ±∞ and NaN, so a sum of x·0 tells. The trainer
    // asks after every step: the sums run in four packets at once, so that they are not one
    // long chain of dependent additions (Eigen's allFinite tests entry by entry).
    using Packet = Eigen::Array<S, 16 / sizeof(S), 1>;
    using Packets = Eigen::Array<S, 4 * Packet::SizeAtCompileTime, 1>;
    Packets acc = Packets::Zero();
    Packet accOne = Packet::Zero();
    S rest = 0;
    for (const MatrixT<S>* m : matrices()) {
        const S* d = m->data();
        Eigen::Index i = 0;
        for (; i + Packets::SizeAtCompileTime <= m->size(); i += Packets::SizeAtCompileTime) {
            acc += Eigen::Map<const Packets>(d + i) * S(0);
        }
        for (; i + Packet::SizeAtCompileTime <= m->size(); i += Packet::SizeAtCompileTime) {
            accOne += Eigen::Map<const Packet>(d + i) * S(0);
        }
        for (; i < m->size(); ++i) {
            rest += d[i] * S(0);
        }
    }
    return acc.sum() + accOne.sum() + rest == S(0);
}

template <typename S> void ToyParams<S>::setZeroLike(const ToyParams<S>& like)
{
    const auto from = like.matrices();
    const auto to = matrices();
    for (size_t i = 0; i < to.size(); ++i) {
        to[i]->setZero(from[i]->rows(), from[i]->cols());
    }
}

template <typename S> void ToyParams<S>::swap(ToyParams<S>& other)
{
    const auto mine = matrices();
    const auto theirs = other.matrices();
    for (size_t i = 0; i < mine.size(); ++i) {
        mine[i]->swap(*theirs[i]);
    }
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
    forward(ids, targets, f);
    return f;
}

template <typename S>
void ToyHead<S>::forward(std::span<const int> ids, std::span<const int> targets,
                         ToyForward<S>& f) const
{
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
    ops::linearForward(f.weights, f.values, f.logits);
    if (m_config.skip) {
        f.logits += f.inputs;
    }

    // Output and loss.
    f.loss = m_config.output == OutputKind::Softmax
                 ? ops::softmaxCrossEntropy<S>(f.logits, targets, f.probs, nullptr)
                 : ops::sigmoidCrossEntropy<S>(f.logits, targets, f.probs, nullptr);
}

template <typename S>
ToyParams<S> ToyHead<S>::backward(const ToyForward<S>& f, std::span<const int> ids,
                                  std::span<const int> targets) const
{
    ToyParams<S> g;
    ToyWorkspace<S> work;
    backward(f, ids, targets, g, work);
    return g;
}

template <typename S>
void ToyHead<S>::backward(const ToyForward<S>& f, std::span<const int> ids,
                          std::span<const int> targets, ToyParams<S>& g, ToyWorkspace<S>& w) const
{
    const ToyParams<S>& p = m_params;
    g.setZeroLike(p);
    const Eigen::Index t = f.inputs.rows();

    // Loss to logits: the same gradient for the softmax and the sigmoid output.
    w.dlogits.setZero(t, f.logits.cols());
    ops::crossEntropyBackward<S>(f.probs, targets, w.dlogits);

    // Weighted sum: logits = weights·values (+ inputs).
    if (m_config.skip) {
        w.dinputs = w.dlogits;
    } else {
        w.dinputs.setZero(t, f.inputs.cols());
    }
    w.dweights.setZero(t, t);
    w.dvalues.setZero(t, f.values.cols());
    ops::linearBackward(f.weights, f.values, w.dlogits, w.dweights, w.dvalues);

    // Attention: weights to queries and keys.
    w.dqueries.setZero(t, f.queries.cols());
    w.dkeys.setZero(t, f.keys.cols());
    ops::attentionBackward(f.queries, f.keys, f.weights, w.dweights, w.dqueries, w.dkeys,
                           w.dscores);

    // Projections.
    ops::linearBackward(f.inputs, p.wq, w.dqueries, w.dinputs, g.wq);
    ops::linearBackward(f.inputs, p.wk, w.dkeys, w.dinputs, g.wk);
    ops::linearBackward(f.inputs, p.wv, w.dvalues, w.dinputs, g.wv);

    // Embeddings.
    ops::embeddingBackward(w.dinputs, ids, g.tok, g.pos);
}

template struct ToyParams<float>;
template struct ToyParams<double>;
template class ToyHead<float>;
template class ToyHead<double>;

} // namespace attnlab
