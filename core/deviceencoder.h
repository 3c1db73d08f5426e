// The transformer block (transformer.h) on the GPU: blockForward and blockBackward with the
// operations of gpubackend.h, in the CPU's order, over one or several sequences laid one after
// another in the rows of a matrix (a batch of images: every sequence T rows, the same length).
// The text transformer runs one sentence at a time; the Vision Transformer a batch of images.
//
// What a pass computed stays in a DeviceBlockForward, whose matrices keep their memory from one
// pass to the next, so that a training step allocates nothing once the first has run.
//
// Dropout draws from the device's counter-based generator (gpuapi.h): the masks are
// reproducible for a seed, but they are not the CPU's masks, so a run with dropout agrees with
// the CPU only in distribution.
#pragma once

#include "gpubackend.h"
#include "transformer.h"

#include <cstdint>
#include <vector>

namespace attnlab {

struct DeviceBlockParams
{
    explicit DeviceBlockParams(gpu::Session& s);
    // The same order as blockParameters() (transformer.h).
    std::vector<gpu::DeviceMatrix*> all();
    std::vector<const gpu::DeviceMatrix*> all() const;
    void upload(const BlockParams<float>& host);
    void download(BlockParams<float>& host) const;
    // Zeros in the shapes of `like` (the gradients).
    void zerosLike(const DeviceBlockParams& like);

    gpu::DeviceMatrix ln1Gamma, ln1Beta, wq, wk, wv, wo, bo, ln2Gamma, ln2Beta, w1, b1, w2, b2;
};

// Where a pass's dropout masks come from: entry i of the mask at `site` draws the number
// (seed, offset(site) + i). See blockDropoutOffset().
struct DeviceDropout
{
    double p = 0;
    std::uint64_t seed = 0;
    // The offset of the mask of block `block`, site 0 (attention) or 1 (MLP), for sequence
    // `first` of the pass: sequences never share numbers, however a batch is cut into passes.
    std::uint64_t offset(int block, int site) const
    {
        return ((static_cast<std::uint64_t>(block) * 2 + site) * batch + first) * perSequence;
    }
    std::uint64_t batch = 1;       // sequences in the whole batch
    std::uint64_t first = 0;       // the pass's first sequence within the batch
    std::uint64_t perSequence = 0; // entries of one sequence's mask: T·E
};

struct DeviceBlockForward
{
    explicit DeviceBlockForward(gpu::Session& s);

    gpu::DeviceMatrix input, normed1;
    gpu::DeviceLayerNormCache ln1;
    gpu::DeviceMatrix queries, keys, values, weights, heads, projected, attnDropped, attnDropKeep;
    gpu::DeviceMatrix afterAttention, normed2;
    gpu::DeviceLayerNormCache ln2;
    gpu::DeviceMatrix hiddenPre, hidden, narrowed, mlpDropped, mlpDropKeep, output;
    // The backward pass's intermediate gradients.
    gpu::DeviceMatrix dAfter, dnarrowed, dhidden, dhiddenPre, dnormed2, dprojected, dheads;
    gpu::DeviceMatrix dq, dk, dv, dnormed1;
};

// f.input holds `sequences` sequences of T = rows/sequences tokens, the first `length` of
// each real. dropout null: no dropout (evaluation, or p = 0).
void blockForward(const TransformerConfig& config, const DeviceBlockParams& params,
                  DeviceBlockForward& f, int sequences, int length, int block,
                  const DeviceDropout* dropout);
// Adds the block's gradients into `grads` and writes the gradient of its input into dx.
void blockBackward(const TransformerConfig& config, const DeviceBlockParams& params,
                   DeviceBlockForward& f, int sequences, const gpu::DeviceMatrix& dout,
                   DeviceBlockParams& grads, gpu::DeviceMatrix& dx);

// dx = 0 (reshaped like `like`).
void zeroLike(gpu::DeviceMatrix& m, const gpu::DeviceMatrix& like);

} // namespace attnlab
