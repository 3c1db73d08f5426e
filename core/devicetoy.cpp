#include "devicetoy.h"

#include "errors.h"

namespace attnlab {

using gpu::DeviceMatrix;

DeviceToyWeights::DeviceToyWeights(gpu::Session& s)
    : tok(s, 0, 0), pos(s, 0, 0), wq(s, 0, 0), wk(s, 0, 0), wv(s, 0, 0)
{
}

DeviceToyEngine::Work::Work(gpu::Session& s)
    : inputs(s, 0, 0), queries(s, 0, 0), keys(s, 0, 0), values(s, 0, 0), scores(s, 0, 0),
      weights(s, 0, 0), logits(s, 0, 0), probs(s, 0, 0), dlogits(s, 0, 0), dinputs(s, 0, 0),
      dweights(s, 0, 0), dvalues(s, 0, 0), dqueries(s, 0, 0), dkeys(s, 0, 0)
{
}

DeviceToyEngine::DeviceToyEngine(std::shared_ptr<gpu::Session> session, const ToyConfig& config,
                                 const ToyParams<float>& params, const Adam<float>& adam,
                                 const std::vector<std::vector<int>>& sentences,
                                 const std::vector<std::vector<int>>& targets)
    : DeviceModel(std::move(session), params, adam), m_config(config), m_work(*m_session)
{
    if (config.output != OutputKind::Softmax) {
        throw InputError("the sigmoid output runs on the CPU only");
    }
    if (config.skip && params.tok.cols() != params.wv.cols()) {
        throw InputError("the skip connection needs as many embedding columns as tokens");
    }
    for (size_t i = 0; i < sentences.size(); ++i) {
        m_ids.push_back(std::make_unique<gpu::DeviceIds>(*m_session, sentences[i]));
        m_targets.push_back(std::make_unique<gpu::DeviceIds>(*m_session, targets[i]));
    }
}

float DeviceToyEngine::forwardBackward(int index)
{
    const gpu::DeviceIds& ids = *m_ids.at(static_cast<size_t>(index));
    forward(ids, *m_targets.at(static_cast<size_t>(index)));
    backward(ids);
    return m_loss;
}

void DeviceToyEngine::forward(const gpu::DeviceIds& ids, const gpu::DeviceIds& targets)
{
    Work& w = m_work;
    const DeviceToyWeights& p = m_params;

    // Embeddings.
    gpu::embeddingForward(p.tok, p.pos, ids, w.inputs);

    // Projections: queries, keys, values.
    gpu::linearForward(w.inputs, p.wq, w.queries);
    gpu::linearForward(w.inputs, p.wk, w.keys);
    gpu::linearForward(w.inputs, p.wv, w.values);

    // Scores, mask and weights.
    const ops::Mask mask = m_config.causal ? ops::Mask::Causal : ops::Mask::None;
    gpu::attentionForward(w.queries, w.keys, mask, w.scores, w.weights);

    // Weighted sum of the values, plus the skip connection.
    gpu::linearForward(w.weights, w.values, w.logits);
    if (m_config.skip) {
        gpu::addInto(w.inputs, w.logits);
    }

    // Output and loss, with the gradient of the loss with respect to the logits.
    zeroLike(w.dlogits, w.logits);
    m_loss = gpu::softmaxCrossEntropy(w.logits, targets, w.probs, &w.dlogits);
}

void DeviceToyEngine::backward(const gpu::DeviceIds& ids)
{
    Work& w = m_work;
    const DeviceToyWeights& p = m_params;
    zeroGradients();

    // Weighted sum: logits = weights·values (+ inputs).
    zeroLike(w.dinputs, w.inputs);
    if (m_config.skip) {
        gpu::addInto(w.dlogits, w.dinputs);
    }
    zeroLike(w.dweights, w.weights);
    zeroLike(w.dvalues, w.values);
    gpu::linearBackward(w.weights, w.values, w.dlogits, w.dweights, w.dvalues);

    // Attention: weights to queries and keys.
    zeroLike(w.dqueries, w.queries);
    zeroLike(w.dkeys, w.keys);
    gpu::attentionBackward(w.queries, w.keys, w.weights, w.dweights, w.dqueries, w.dkeys);

    // Projections.
    gpu::linearBackward(w.inputs, p.wq, w.dqueries, w.dinputs, m_grads.wq);
    gpu::linearBackward(w.inputs, p.wk, w.dkeys, w.dinputs, m_grads.wk);
    gpu::linearBackward(w.inputs, p.wv, w.dvalues, w.dinputs, m_grads.wv);

    // Embeddings.
    gpu::embeddingBackward(w.dinputs, ids, m_grads.tok, m_grads.pos);
}

} // namespace attnlab
