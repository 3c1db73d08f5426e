#include "devicevit.h"

#include <algorithm>

namespace attnlab {

using gpu::DeviceMatrix;

DeviceVitEngine::Weights::Weights(gpu::Session& s, int layers)
    : patchW(s, 0, 0), patchB(s, 0, 0), cls(s, 0, 0), pos(s, 0, 0), lnfGamma(s, 0, 0),
      lnfBeta(s, 0, 0), headW(s, 0, 0), headB(s, 0, 0)
{
    for (int l = 0; l < layers; ++l) {
        blocks.emplace_back(s);
    }
}

std::vector<DeviceMatrix*> DeviceVitEngine::Weights::all()
{
    std::vector<DeviceMatrix*> out{&patchW, &patchB, &cls, &pos};
    for (DeviceBlockParams& b : blocks) {
        for (DeviceMatrix* m : b.all()) {
            out.push_back(m);
        }
    }
    for (DeviceMatrix* m : {&lnfGamma, &lnfBeta, &headW, &headB}) {
        out.push_back(m);
    }
    return out;
}

std::vector<const DeviceMatrix*> DeviceVitEngine::Weights::all() const
{
    std::vector<const DeviceMatrix*> out;
    for (DeviceMatrix* m : const_cast<Weights*>(this)->all()) {
        out.push_back(m);
    }
    return out;
}

DeviceVitEngine::DeviceVitEngine(std::shared_ptr<gpu::Session> session, const VitConfig& config,
                                 const VitParams<float>& params, const Adam<float>& adam,
                                 const ImageSet& train)
    : m_session(std::move(session)), m_config(config), m_encoder(config.encoder()),
      m_params(*m_session, config.layers), m_grads(*m_session, config.layers),
      m_previous(*m_session, config.layers), m_adam(adam.settings()), m_images(*m_session, 0, 0),
      m_labels(train.labels), m_patches(*m_session, 0, 0), m_posPlus(*m_session, 0, 0),
      m_finalNormed(*m_session, 0, 0), m_lnf(*m_session), m_logits(*m_session, 0, 0),
      m_probs(*m_session, 0, 0), m_dlogits(*m_session, 0, 0), m_ones(*m_session, 0, 0),
      m_dnormed(*m_session, 0, 0), m_dx(*m_session, 0, 0), m_dy(*m_session, 0, 0),
      m_posSum(*m_session, 0, 0)
{
    gpu::Session& s = *m_session;
    const auto host = params.all();
    const auto device = m_params.all();
    for (std::size_t i = 0; i < host.size(); ++i) {
        *device[i] = DeviceMatrix(s, *host[i]);
    }
    m_adam.restore(s, adam);
    for (int l = 0; l < config.layers; ++l) {
        m_blocks.emplace_back(s);
    }

    // The training images as padded patches, uploaded a slice at a time.
    const int t = config.tokens(), pixels = config.patch * config.patch;
    m_images = DeviceMatrix(s, static_cast<Eigen::Index>(train.count()) * t, pixels);
    constexpr int kSlice = 512;
    for (int first = 0; first < train.count(); first += kSlice) {
        const int count = std::min(kSlice, train.count() - first);
        Matrix slice = Matrix::Zero(static_cast<Eigen::Index>(count) * t, pixels);
        for (int i = 0; i < count; ++i) {
            slice.middleRows(static_cast<Eigen::Index>(i) * t + 1, t - 1) = patchify<float>(
                train.image(first + i), config.imageRows, config.imageCols, config.patch);
        }
        gpu::raw::upload(s, m_images.data() + static_cast<std::size_t>(first) * t * pixels,
                         slice.data(), static_cast<std::size_t>(slice.size()));
    }
}

void DeviceVitEngine::beginStep(int images, std::uint64_t dropoutSeed)
{
    const auto grads = m_grads.all();
    const auto params = std::as_const(m_params).all();
    for (std::size_t i = 0; i < grads.size(); ++i) {
        zeroLike(*grads[i], *params[i]);
    }
    m_batch = std::max(1, images);
    m_dropout.p = m_config.dropout;
    m_dropout.seed = dropoutSeed;
    m_dropout.batch = static_cast<std::uint64_t>(m_batch);
    m_dropout.perSequence = static_cast<std::uint64_t>(m_config.tokens()) * m_config.embed;
}

DeviceVitEngine::Pass DeviceVitEngine::forwardBackward(std::span<const int> indices, int first)
{
    gpu::Session& s = *m_session;
    const int n = static_cast<int>(indices.size());
    const int t = m_config.tokens(), pixels = m_config.patch * m_config.patch;
    const std::size_t perImage = static_cast<std::size_t>(t) * pixels;
    m_patches.resize(n * t, pixels);
    std::vector<int> labels;
    for (int b = 0; b < n; ++b) {
        const int i = indices[static_cast<std::size_t>(b)];
        gpu::raw::copy(s, m_patches.data() + b * perImage, m_images.data() + i * perImage,
                       perImage);
        labels.push_back(m_labels[static_cast<std::size_t>(i)]);
    }
    forward(n, first);

    // Loss, and dlogits = (probs − onehot)/n.
    const gpu::DeviceIds targets(s, labels);
    zeroLike(m_dlogits, m_logits);
    const float loss = gpu::softmaxCrossEntropy(m_logits, targets, m_probs, &m_dlogits);
    Pass pass;
    pass.lossSum = static_cast<double>(loss) * n;
    const Matrix probs = m_probs.download();
    for (int b = 0; b < n; ++b) {
        Eigen::Index best = 0;
        probs.row(b).maxCoeff(&best);
        pass.correct += best == labels[static_cast<std::size_t>(b)] ? 1 : 0;
    }
    backward(n);
    return pass;
}

void DeviceVitEngine::forward(int n, int first)
{
    gpu::Session& s = *m_session;
    const VitConfig& c = m_config;
    const int t = c.tokens(), e = c.embed;
    const Weights& p = m_params;

    // Tokens: padded patches · W_patch (rows b·T stay 0), plus the positions with the class
    // token in row 0 and the patch bias in the others.
    m_posPlus.copyFrom(p.pos);
    gpu::raw::addBias(s, m_posPlus.data(), p.cls.data(), 1, e);
    gpu::raw::addBias(s, m_posPlus.data() + e, p.patchB.data(), t - 1, e);
    DeviceMatrix& x = m_blocks.empty() ? m_dy : m_blocks.front().input;
    gpu::linearForward(m_patches, p.patchW, x);
    gpu::raw::addBias(s, x.data(), m_posPlus.data(), n, t * e);

    // Encoder.
    m_dropout.first = static_cast<std::uint64_t>(first);
    const DeviceDropout* dropout = m_dropout.p > 0 ? &m_dropout : nullptr;
    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        if (l > 0) {
            m_blocks[l].input.copyFrom(m_blocks[l - 1].output);
        }
        blockForward(m_encoder, p.blocks[l], m_blocks[l], n, t, static_cast<int>(l), dropout);
    }
    const DeviceMatrix& last = m_blocks.empty() ? m_dy : m_blocks.back().output;

    // Final norm, then the classifier on each image's class-token row (every T-th row).
    if (c.layerNorm) {
        gpu::layerNormForward(last, p.lnfGamma, p.lnfBeta, m_finalNormed, m_lnf);
    } else {
        m_finalNormed.copyFrom(last);
    }
    m_logits.resize(n, c.classes);
    gpu::raw::matmul(s, false, false, n, c.classes, e, 1.0f, m_finalNormed.data(), t * e,
                     p.headW.data(), c.classes, 0.0f, m_logits.data(), c.classes);
    gpu::raw::addBias(s, m_logits.data(), p.headB.data(), n, c.classes);
}

void DeviceVitEngine::backward(int n)
{
    gpu::Session& s = *m_session;
    const VitConfig& c = m_config;
    const int t = c.tokens(), e = c.embed, pixels = c.patch * c.patch;
    const Weights& p = m_params;
    Weights& g = m_grads;
    // m_dlogits holds (probs − onehot)/n; the step's gradient is the mean over its m_batch
    // images.
    const float scale = static_cast<float>(n) / static_cast<float>(m_batch);

    // Classifier: its weights from the class-token rows; its input gradient into those rows.
    gpu::raw::matmul(s, true, false, e, c.classes, n, scale, m_finalNormed.data(), t * e,
                     m_dlogits.data(), c.classes, 1.0f, g.headW.data(), c.classes);
    if (m_ones.cols() < n) {
        m_ones = DeviceMatrix(s, Matrix::Ones(1, n));
    }
    gpu::raw::matmul(s, false, false, 1, c.classes, n, scale, m_ones.data(), n, m_dlogits.data(),
                     c.classes, 1.0f, g.headB.data(), c.classes);
    zeroLike(m_dnormed, m_finalNormed);
    gpu::raw::matmul(s, false, true, n, e, c.classes, scale, m_dlogits.data(), c.classes,
                     p.headW.data(), c.classes, 0.0f, m_dnormed.data(), t * e);

    // Final norm, then the blocks, last to first (the gradient passes between m_dx and m_dy).
    DeviceMatrix* dx = &m_dx;
    DeviceMatrix* other = &m_dy;
    zeroLike(*dx, m_dnormed);
    if (c.layerNorm) {
        gpu::layerNormBackward(p.lnfGamma, m_lnf, m_dnormed, *dx, g.lnfGamma, g.lnfBeta);
    } else {
        gpu::addInto(m_dnormed, *dx);
    }
    for (std::size_t l = m_blocks.size(); l-- > 0;) {
        blockBackward(m_encoder, p.blocks[l], m_blocks[l], n, *dx, g.blocks[l], *other);
        std::swap(dx, other);
    }

    // Positions (summed over the images), class token (row 0), patch bias (the other rows),
    // patch weights (the zero rows add nothing).
    zeroLike(m_posSum, p.pos);
    gpu::raw::columnSums(s, dx->data(), m_posSum.data(), n, t * e);
    gpu::addInto(m_posSum, g.pos);
    gpu::raw::addBias(s, g.cls.data(), m_posSum.data(), 1, e);
    gpu::raw::columnSums(s, m_posSum.data() + e, g.patchB.data(), t - 1, e);
    gpu::raw::matmul(s, true, false, pixels, e, n * t, 1.0f, m_patches.data(), pixels, dx->data(),
                     e, 1.0f, g.patchW.data(), e);
}

void DeviceVitEngine::update()
{
    const auto params = m_params.all();
    const auto previous = m_previous.all();
    for (std::size_t i = 0; i < params.size(); ++i) {
        previous[i]->copyFrom(*params[i]);
    }
    m_hasPrevious = true;
    m_adam.keep();
    m_adam.step(params, std::as_const(m_grads).all());
}

bool DeviceVitEngine::undo()
{
    if (!m_hasPrevious || !m_adam.undo()) {
        return false;
    }
    const auto params = m_params.all();
    const auto previous = std::as_const(m_previous).all();
    for (std::size_t i = 0; i < params.size(); ++i) {
        params[i]->copyFrom(*previous[i]);
    }
    m_hasPrevious = false;
    return true;
}

void DeviceVitEngine::download(VitParams<float>& params, Adam<float>& adam) const
{
    const auto host = params.all();
    const auto device = m_params.all();
    for (std::size_t i = 0; i < host.size(); ++i) {
        *host[i] = device[i]->download();
    }
    m_adam.download(adam);
}

void DeviceVitEngine::downloadGradients(VitParams<float>& grads) const
{
    const auto host = grads.all();
    const auto device = m_grads.all();
    for (std::size_t i = 0; i < host.size(); ++i) {
        *host[i] = device[i]->download();
    }
}

} // namespace attnlab
