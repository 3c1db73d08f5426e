// The Vision Transformer: an image is cut into P×P patches, read like the words of a sentence,
// and a class token learns the label.
//
//   patches   (rows/P)·(cols/P) rows of P² pixels, patch by patch, left to right then top to
//             bottom: patch i sits at grid row i / patchCols(), column i % patchCols()
//   tokens    row 0 the class token (learned, 1×E); row 1+i patch i · W_patch + b_patch
//             plus a learned position embedding per row (T = patches + 1)
//   encoder   the blocks of the text transformer (transformer.h), no attention mask
//   output    final layer norm, then the class token's row · W_head + b_head: C logits;
//             loss = cross-entropy against the label
//
// Built from the same operations as the text models (ops.h, blockops.h); gradients are
// written by hand and checked against finite differences in the tests.
#pragma once

#include "matrix.h"
#include "random.h"
#include "transformer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnlab {

struct VitConfig
{
    int imageRows = 28; // image height in pixels
    int imageCols = 28; // image width in pixels
    int patch = 7;      // P; must divide both
    int embed = 64;     // E
    int heads = 4;      // N
    int headSize = 64;  // H, all heads together; a multiple of N
    int layers = 2;     // L
    int mlpWidth = 128; // F
    bool mlp = true;
    bool layerNorm = true;
    bool residual = true;
    double dropout = 0.0;
    int classes = 10; // C
    std::uint64_t seed = 1;

    int patchRows() const { return imageRows / patch; }
    int patchCols() const { return imageCols / patch; }
    int patches() const { return patchRows() * patchCols(); }
    int pixels() const { return imageRows * imageCols; }
    int tokens() const { return patches() + 1; }
    // The encoder's settings: the same block definition as the text models, without a mask.
    TransformerConfig encoder() const;
};

// Throws InputError naming the setting (e.g. a patch size that does not divide the image).
void validate(const VitConfig& config);
// The shape of each parameter a model of this config has, in the order of VitParams::all(),
// without making the model (see transformer.h).
std::vector<ParamShape> parameterShapes(const VitConfig& config);

// The image (rows × cols floats, row-major) as (rows/P)·(cols/P) × P² rows; within a patch
// the pixels are row-major too. Precondition: P divides rows and cols.
template <typename S> MatrixT<S> patchify(const float* image, int rows, int cols, int patch);

template <typename S> struct VitParams
{
    MatrixT<S> patchW; // P²×E
    MatrixT<S> patchB; // 1×E
    MatrixT<S> cls;    // 1×E
    MatrixT<S> pos;    // T×E
    std::vector<BlockParams<S>> blocks;
    MatrixT<S> lnfGamma, lnfBeta; // 1×E
    MatrixT<S> headW;             // E×C
    MatrixT<S> headB;             // 1×C

    std::vector<MatrixT<S>*> all();
    std::vector<const MatrixT<S>*> all() const;
    std::vector<std::string> names() const;
    VitParams zerosLike() const;
    bool allFinite() const;
};

template <typename S> struct VitForward
{
    MatrixT<S> patches; // patches × P²
    std::vector<BlockForward<S>> blocks;
    MatrixT<S> finalInput;  // T×E
    MatrixT<S> finalNormed; // T×E
    ops::LayerNormCache<S> lnf;
    MatrixT<S> logits; // 1×C
    MatrixT<S> probs;  // 1×C
    int label = -1;    // -1: no loss
    S loss = 0;
};

template <typename S> class VisionTransformer
{
public:
    // Throws InputError when the config is invalid.
    explicit VisionTransformer(const VitConfig& config);

    const VitConfig& config() const { return m_config; }
    VitParams<S>& params() { return m_params; }
    const VitParams<S>& params() const { return m_params; }

    // One image (imageRows × imageCols floats in [0, 1]); label in [0, C) or -1 for no loss. With
    // dropoutRng null, dropout is off.
    VitForward<S> forward(const float* image, int label, Rng* dropoutRng) const;
    // Adds the gradients of forward's loss, times `scale`, into `grads` (shaped like params).
    void backward(const VitForward<S>& fwd, S scale, VitParams<S>& grads) const;

private:
    VitConfig m_config;
    TransformerConfig m_encoder;
    VitParams<S> m_params;
};

} // namespace attnlab
