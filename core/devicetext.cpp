#include "devicetext.h"

#include <utility>

namespace attnlab {

using gpu::DeviceMatrix;

DeviceTextWeights::DeviceTextWeights(gpu::Session& s, int layers)
    : tok(s, 0, 0), pos(s, 0, 0), lnfGamma(s, 0, 0), lnfBeta(s, 0, 0), wout(s, 0, 0), bout(s, 0, 0)
{
    for (int l = 0; l < layers; ++l) {
        blocks.emplace_back(s);
    }
}

std::vector<DeviceMatrix*> DeviceTextWeights::all()
{
    std::vector<DeviceMatrix*> out{&tok, &pos};
    for (DeviceBlockParams& b : blocks) {
        for (DeviceMatrix* m : b.all()) {
            out.push_back(m);
        }
    }
    for (DeviceMatrix* m : {&lnfGamma, &lnfBeta, &wout, &bout}) {
        out.push_back(m);
    }
    return out;
}

DeviceTextEngine::DeviceTextEngine(std::shared_ptr<gpu::Session> session,
                                   const TransformerConfig& config,
                                   const TransformerParams<float>& params, const Adam<float>& adam)
    : DeviceModel(std::move(session), params, adam, config.layers), m_config(config),
      m_encoder(*m_session, config.layers), m_logits(*m_session, 0, 0), m_probs(*m_session, 0, 0),
      m_dlogits(*m_session, 0, 0), m_ones(*m_session, 0, 0), m_dnormed(*m_session, 0, 0)
{
}

void DeviceTextEngine::beginStep(int sentences, int tokens, std::uint64_t dropoutSeed)
{
    zeroGradients();
    m_dropout.p = m_config.dropout;
    m_dropout.seed = dropoutSeed;
    m_dropout.batch = static_cast<std::uint64_t>(std::max(sentences, 1));
    m_dropout.perSequence = static_cast<std::uint64_t>(tokens) * m_config.embed;
}

float DeviceTextEngine::forwardBackward(std::span<const int> ids, int length,
                                        std::span<const int> targets, int index, float share)
{
    gpu::Session& s = *m_session;
    const TransformerConfig& c = m_config;
    const DeviceTextWeights& p = m_params;
    DeviceTextWeights& g = m_grads;
    const int t = static_cast<int>(ids.size());
    const gpu::DeviceIds deviceIds(s, ids);
    const gpu::DeviceIds deviceTargets(s, targets);

    // Forward: embeddings, blocks and final norm, logits, loss.
    gpu::embeddingForward(p.tok, p.pos, deviceIds, m_encoder.input());
    m_dropout.first = static_cast<std::uint64_t>(index);
    const DeviceMatrix& normed = m_encoder.forward(c, p.blocks, p.lnfGamma, p.lnfBeta, 1, length,
                                                   m_dropout.p > 0 ? &m_dropout : nullptr);
    gpu::affineForward(normed, p.wout, p.bout, m_logits);
    zeroLike(m_dlogits, m_logits);
    const float loss = gpu::softmaxCrossEntropy(m_logits, deviceTargets, m_probs, &m_dlogits);

    // Backward. m_dlogits holds (probs − onehot)/counted; the output layer takes it times
    // `share`, so the sentence adds its share of the step's gradient.
    const int v = c.vocab, e = c.embed;
    gpu::raw::matmul(s, true, false, e, v, t, share, normed.data(), e, m_dlogits.data(), v, 1.0f,
                     g.wout.data(), v);
    if (m_ones.cols() < t) {
        m_ones = DeviceMatrix(s, Matrix::Ones(1, t));
    }
    gpu::raw::matmul(s, false, false, 1, v, t, share, m_ones.data(), t, m_dlogits.data(), v, 1.0f,
                     g.bout.data(), v);
    m_dnormed.resize(t, e);
    gpu::raw::matmul(s, false, true, t, e, v, share, m_dlogits.data(), v, p.wout.data(), v, 0.0f,
                     m_dnormed.data(), e);
    const DeviceMatrix& dx =
        m_encoder.backward(c, p.blocks, p.lnfGamma, m_dnormed, g.blocks, g.lnfGamma, g.lnfBeta, 1);
    gpu::embeddingBackward(dx, deviceIds, g.tok, g.pos);
    return loss;
}

} // namespace attnlab
