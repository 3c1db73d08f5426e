#include "devicevit.h"

#include <algorithm>

namespace attnlab {

using gpu::DeviceMatrix;

DeviceVitWeights::DeviceVitWeights(gpu::Session& s, int layers)
    : patchW(s, 0, 0), patchB(s, 0, 0), cls(s, 0, 0), pos(s, 0, 0), lnfGamma(s, 0, 0),
      lnfBeta(s, 0, 0), headW(s, 0, 0), headB(s, 0, 0)
{
    for (int l = 0; l < layers; ++l) {
        blocks.emplace_back(s);
    }
}

std::vector<DeviceMatrix*> DeviceVitWeights::all()
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

DeviceVitEngine::DeviceVitEngine(std::shared_ptr<gpu::Session> session, const VitConfig& config,
                                 const VitParams<float>& params, const Adam<float>& adam,
                                 const ImageSet& train)
    : DeviceModel(std::move(session), params, adam, config.layers), m_config(config),
      m_encoderConfig(config.encoder()), m_images(*m_session, 0, 0), m_labels(train.labels),
      m_patches(*m_session, 0, 0), m_posPlus(*m_session, 0, 0),
      m_encoder(*m_session, config.layers), m_logits(*m_session, 0, 0), m_probs(*m_session, 0, 0),
      m_dlogits(*m_session, 0, 0), m_ones(*m_session, 0, 0), m_dnormed(*m_session, 0, 0),
      m_posSum(*m_session, 0, 0)
{
    gpu::Session& s = *m_session;
    // The training images as padded patches, uploaded a slice at a time.
    const int t = config.tokens(), pixels = config.patch * config.patch;
    m_images = DeviceMatrix(s, static_cast<Eigen::Index>(train.count()) * t, pixels);
    for (int first = 0; first < train.count(); first += kSlice) {
        const Matrix slice = paddedPatches(train, first, std::min(kSlice, train.count() - first));
        gpu::raw::upload(s, m_images.data() + static_cast<std::size_t>(first) * t * pixels,
                         slice.data(), static_cast<std::size_t>(slice.size()));
    }
}

Matrix DeviceVitEngine::paddedPatches(const ImageSet& set, int first, int count) const
{
    const VitConfig& c = m_config;
    const int t = c.tokens();
    Matrix out = Matrix::Zero(static_cast<Eigen::Index>(count) * t, c.patch * c.patch);
    for (int i = 0; i < count; ++i) {
        out.middleRows(static_cast<Eigen::Index>(i) * t + 1, t - 1) =
            patchify<float>(set.image(first + i), c.imageRows, c.imageCols, c.patch);
    }
    return out;
}

Matrix DeviceVitEngine::logits(const ImageSet& set, int count)
{
    Matrix out(count, m_config.classes);
    for (int first = 0; first < count; first += kSlice) {
        const int n = std::min(kSlice, count - first);
        const Matrix slice = paddedPatches(set, first, n);
        m_patches.resize(static_cast<int>(slice.rows()), static_cast<int>(slice.cols()));
        m_patches.upload(slice);
        forward(n, -1);
        out.middleRows(first, n) = m_logits.download();
    }
    return out;
}

void DeviceVitEngine::beginStep(int images, std::uint64_t dropoutSeed)
{
    zeroGradients();
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
    const DeviceVitWeights& p = m_params;

    // Tokens: padded patches · W_patch (rows b·T stay 0), plus the positions with the class
    // token in row 0 and the patch bias in the others.
    m_posPlus.copyFrom(p.pos);
    gpu::raw::addBias(s, m_posPlus.data(), p.cls.data(), 1, e);
    gpu::raw::addBias(s, m_posPlus.data() + e, p.patchB.data(), t - 1, e);
    DeviceMatrix& x = m_encoder.input();
    gpu::linearForward(m_patches, p.patchW, x);
    gpu::raw::addBias(s, x.data(), m_posPlus.data(), n, t * e);

    // Encoder, then the classifier on each image's class-token row (every T-th row).
    m_dropout.first = static_cast<std::uint64_t>(std::max(first, 0));
    const bool dropout = first >= 0 && m_dropout.p > 0;
    const DeviceMatrix& normed = m_encoder.forward(m_encoderConfig, p.blocks, p.lnfGamma, p.lnfBeta,
                                                   n, t, dropout ? &m_dropout : nullptr);
    m_logits.resize(n, c.classes);
    gpu::raw::matmul(s, false, false, n, c.classes, e, 1.0f, normed.data(), t * e, p.headW.data(),
                     c.classes, 0.0f, m_logits.data(), c.classes);
    gpu::raw::addBias(s, m_logits.data(), p.headB.data(), n, c.classes);
}

void DeviceVitEngine::backward(int n)
{
    gpu::Session& s = *m_session;
    const VitConfig& c = m_config;
    const int t = c.tokens(), e = c.embed, pixels = c.patch * c.patch;
    const DeviceVitWeights& p = m_params;
    DeviceVitWeights& g = m_grads;
    // m_dlogits holds (probs − onehot)/n; the step's gradient is the mean over its m_batch
    // images.
    const float scale = static_cast<float>(n) / static_cast<float>(m_batch);

    // Classifier: its weights from the class-token rows; its input gradient into those rows.
    gpu::raw::matmul(s, true, false, e, c.classes, n, scale, m_encoder.normed().data(), t * e,
                     m_dlogits.data(), c.classes, 1.0f, g.headW.data(), c.classes);
    if (m_ones.cols() < n) {
        m_ones = DeviceMatrix(s, Matrix::Ones(1, n));
    }
    gpu::raw::matmul(s, false, false, 1, c.classes, n, scale, m_ones.data(), n, m_dlogits.data(),
                     c.classes, 1.0f, g.headB.data(), c.classes);
    zeroLike(m_dnormed, m_encoder.normed());
    gpu::raw::matmul(s, false, true, n, e, c.classes, scale, m_dlogits.data(), c.classes,
                     p.headW.data(), c.classes, 0.0f, m_dnormed.data(), t * e);

    // Final norm and blocks.
    const DeviceMatrix& dx = m_encoder.backward(m_encoderConfig, p.blocks, p.lnfGamma, m_dnormed,
                                                g.blocks, g.lnfGamma, g.lnfBeta, n);

    // Positions (summed over the images), class token (row 0), patch bias (the other rows),
    // patch weights (the zero rows add nothing).
    zeroLike(m_posSum, p.pos);
    gpu::raw::columnSums(s, dx.data(), m_posSum.data(), n, t * e);
    gpu::addInto(m_posSum, g.pos);
    gpu::raw::addBias(s, g.cls.data(), m_posSum.data(), 1, e);
    gpu::raw::columnSums(s, m_posSum.data() + e, g.patchB.data(), t - 1, e);
    gpu::raw::matmul(s, true, false, pixels, e, n * t, 1.0f, m_patches.data(), pixels, dx.data(), e,
                     1.0f, g.patchW.data(), e);
}

} // namespace attnlab
