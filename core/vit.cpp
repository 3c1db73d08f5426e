#include "vit.h"

#include "blockops.h"
#include "errors.h"
#include "ops.h"

#include <cmath>
#include <string>

namespace attnlab {

namespace {

constexpr double kTokenScale = 0.02; // class token and position embeddings: N(0, 0.02²)

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

template <typename S> MatrixT<S> smallNormal(Rng& rng, Eigen::Index rows, Eigen::Index cols)
{
    MatrixT<S> m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        m.data()[i] = static_cast<S>(kTokenScale * rng.normal());
    }
    return m;
}

template <typename S> MatrixT<S> zerosLike(const MatrixT<S>& m)
{
    return MatrixT<S>::Zero(m.rows(), m.cols());
}

} // namespace

TransformerConfig VitConfig::encoder() const
{
    TransformerConfig c;
    c.vocab = classes;
    c.embed = embed;
    c.heads = heads;
    c.headSize = headSize;
    c.layers = layers;
    c.context = tokens();
    c.mlpWidth = mlpWidth;
    c.mlp = mlp;
    c.layerNorm = layerNorm;
    c.residual = residual;
    c.dropout = dropout;
    c.causal = false;
    c.seed = seed;
    return c;
}

void validate(const VitConfig& c)
{
    requireRange("image height", c.imageRows, 1, 4096);
    requireRange("image width", c.imageCols, 1, 4096);
    requireRange("patch size", c.patch, 1, 64);
    requireRange("number of classes", c.classes, 2, 1000);
    if (c.imageRows % c.patch != 0 || c.imageCols % c.patch != 0) {
        throw InputError("the patch size " + std::to_string(c.patch) +
                         " does not divide the image of " + std::to_string(c.imageCols) + "×" +
                         std::to_string(c.imageRows) + " pixels into whole patches");
    }
    validate(c.encoder());
}

template <typename S> MatrixT<S> patchify(const float* image, int rows, int cols, int patch)
{
    const int perRow = cols / patch;
    const int count = (rows / patch) * perRow;
    MatrixT<S> out(count, patch * patch);
    for (int i = 0; i < count; ++i) {
        const int top = (i / perRow) * patch;
        const int left = (i % perRow) * patch;
        for (int y = 0; y < patch; ++y) {
            for (int x = 0; x < patch; ++x) {
                out(i, y * patch + x) = static_cast<S>(image[(top + y) * cols + left + x]);
            }
        }
    }
    return out;
}

template <typename S> std::vector<MatrixT<S>*> VitParams<S>::all()
{
    std::vector<MatrixT<S>*> out{&patchW, &patchB, &cls, &pos};
    for (BlockParams<S>& b : blocks) {
        for (MatrixT<S>* m : blockParameters(b)) {
            out.push_back(m);
        }
    }
    for (MatrixT<S>* m : {&lnfGamma, &lnfBeta, &headW, &headB}) {
        out.push_back(m);
    }
    return out;
}

template <typename S> std::vector<const MatrixT<S>*> VitParams<S>::all() const
{
    std::vector<const MatrixT<S>*> out;
    for (MatrixT<S>* m : const_cast<VitParams<S>*>(this)->all()) {
        out.push_back(m);
    }
    return out;
}

template <typename S> std::vector<std::string> VitParams<S>::names() const
{
    std::vector<std::string> out{"patch.w", "patch.b", "cls", "pos"};
    for (size_t l = 0; l < blocks.size(); ++l) {
        for (std::string& name : blockParameterNames(static_cast<int>(l))) {
            out.push_back(std::move(name));
        }
    }
    for (const char* name : {"lnf.gamma", "lnf.beta", "head.w", "head.b"}) {
        out.emplace_back(name);
    }
    return out;
}

template <typename S> VitParams<S> VitParams<S>::zerosLike() const
{
    VitParams<S> z = *this;
    for (MatrixT<S>* m : z.all()) {
        m->setZero();
    }
    return z;
}

template <typename S> bool VitParams<S>::allFinite() const
{
    for (const MatrixT<S>* m : all()) {
        if (!m->allFinite()) {
            return false;
        }
    }
    return true;
}

std::vector<ParamShape> parameterShapes(const VitConfig& c)
{
    const int e = c.embed, pixels = c.patch * c.patch;
    std::vector<ParamShape> out{{pixels, e}, {1, e}, {1, e}, {c.tokens(), e}};
    const TransformerConfig encoder = c.encoder();
    for (int l = 0; l < c.layers; ++l) {
        const std::vector<ParamShape> block = blockShapes(encoder);
        out.insert(out.end(), block.begin(), block.end());
    }
    out.insert(out.end(), {{1, e}, {1, e}, {e, c.classes}, {1, c.classes}});
    return out;
}

template <typename S>
VisionTransformer<S>::VisionTransformer(const VitConfig& config)
    : m_config(config), m_encoder(config.encoder())
{
    validate(config);
    Rng rng(config.seed);
    const int e = config.embed;
    const int pixels = config.patch * config.patch;
    m_params.patchW = uniform<S>(rng, pixels, e, pixels);
    m_params.patchB = uniform<S>(rng, 1, e, pixels);
    m_params.cls = smallNormal<S>(rng, 1, e);
    m_params.pos = smallNormal<S>(rng, config.tokens(), e);
    for (int l = 0; l < config.layers; ++l) {
        m_params.blocks.push_back(initBlock<S>(m_encoder, rng));
    }
    m_params.lnfGamma = MatrixT<S>::Ones(1, e);
    m_params.lnfBeta = MatrixT<S>::Zero(1, e);
    m_params.headW = uniform<S>(rng, e, config.classes, e);
    m_params.headB = uniform<S>(rng, 1, config.classes, e);
}

template <typename S>
VitForward<S> VisionTransformer<S>::forward(const float* image, int label, Rng* dropoutRng) const
{
    const VitConfig& c = m_config;
    const int t = c.tokens();
    VitForward<S> f;
    f.label = label;
    f.patches = patchify<S>(image, c.imageRows, c.imageCols, c.patch);

    // Tokens: the class token, then the embedded patches; plus positions.
    MatrixT<S> x(t, c.embed);
    x.row(0) = m_params.cls;
    MatrixT<S> embedded;
    ops::affineForward(f.patches, m_params.patchW, m_params.patchB, embedded);
    x.bottomRows(t - 1) = embedded;
    x += m_params.pos;

    for (const BlockParams<S>& p : m_params.blocks) {
        BlockForward<S>& b = f.blocks.emplace_back();
        b.input = std::move(x);
        blockForward(m_encoder, p, b, t, dropoutRng);
        x = b.output;
    }

    f.finalInput = std::move(x);
    if (c.layerNorm) {
        ops::layerNormForward(f.finalInput, m_params.lnfGamma, m_params.lnfBeta, f.finalNormed,
                              f.lnf);
    } else {
        f.finalNormed = f.finalInput;
    }
    const MatrixT<S> clsRow = f.finalNormed.topRows(1);
    ops::affineForward(clsRow, m_params.headW, m_params.headB, f.logits);
    MatrixT<S> logProbs;
    ops::logSoftmaxRows(f.logits, logProbs);
    f.probs = logProbs.array().exp();
    if (label >= 0) {
        f.loss = -logProbs(0, label);
    }
    return f;
}

template <typename S>
void VisionTransformer<S>::backward(const VitForward<S>& f, S scale, VitParams<S>& g) const
{
    if (f.label < 0) {
        return;
    }
    const VitConfig& c = m_config;

    // Cross-entropy to logits, then the classifier on the class token's row.
    MatrixT<S> dlogits = f.probs * scale;
    dlogits(0, f.label) -= scale;
    const MatrixT<S> clsRow = f.finalNormed.topRows(1);
    MatrixT<S> dclsRow = zerosLike(clsRow);
    ops::affineBackward(clsRow, m_params.headW, dlogits, dclsRow, g.headW, g.headB);
    MatrixT<S> dnormed = zerosLike(f.finalNormed);
    dnormed.row(0) = dclsRow;

    MatrixT<S> dx = zerosLike(f.finalInput);
    if (c.layerNorm) {
        ops::layerNormBackward(m_params.lnfGamma, f.lnf, dnormed, dx, g.lnfGamma, g.lnfBeta);
    } else {
        dx = dnormed;
    }
    for (size_t l = m_params.blocks.size(); l-- > 0;) {
        dx = blockBackward(m_encoder, m_params.blocks[l], f.blocks[l], dx, g.blocks[l]);
    }

    // Positions, class token, patch embedding.
    g.pos += dx;
    g.cls += dx.topRows(1);
    // The pixels need no gradient: only the weights of the patch embedding.
    const auto dembedded = dx.bottomRows(dx.rows() - 1);
    g.patchW.noalias() += f.patches.transpose() * dembedded;
    g.patchB += dembedded.colwise().sum();
}

template MatrixT<float> patchify<float>(const float*, int, int, int);
template MatrixT<double> patchify<double>(const float*, int, int, int);
template struct VitParams<float>;
template struct VitParams<double>;
template class VisionTransformer<float>;
template class VisionTransformer<double>;

} // namespace attnlab
