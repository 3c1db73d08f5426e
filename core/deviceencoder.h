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

#include "adam.h"
#include "gpubackend.h"
#include "transformer.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace attnlab {

struct DeviceBlockParams
{
    explicit DeviceBlockParams(gpu::Session& s);
    // The same order as blockParameters() (transformer.h).
    std::vector<gpu::DeviceMatrix*> all();

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

// m = zeros in the shape of `like`.
void zeroLike(gpu::DeviceMatrix& m, const gpu::DeviceMatrix& like);

// What the models on the device share: their weights listed in the order of the host's all(),
// moved up and down, and Adam with a copy of the weights from before the latest step.
void uploadAll(gpu::Session& s, const std::vector<const Matrix*>& from,
               const std::vector<gpu::DeviceMatrix*>& to);
void downloadAll(const std::vector<const gpu::DeviceMatrix*>& from, const std::vector<Matrix*>& to);
void zeroAllLike(const std::vector<gpu::DeviceMatrix*>& m,
                 const std::vector<const gpu::DeviceMatrix*>& like);
// The same list, read-only: for a `const Weights` whose all() lists its matrices.
template <typename Weights> std::vector<const gpu::DeviceMatrix*> constAll(const Weights& w)
{
    std::vector<const gpu::DeviceMatrix*> out;
    for (gpu::DeviceMatrix* m : const_cast<Weights&>(w).all()) {
        out.push_back(m);
    }
    return out;
}

class DeviceUpdater
{
public:
    // Adam's settings, step count and moments from the host's, uploaded.
    DeviceUpdater(gpu::Session& s, const Adam<float>& adam);
    // Copies the weights into `previous`, keeps Adam's state, and steps.
    void update(const std::vector<gpu::DeviceMatrix*>& params,
                const std::vector<const gpu::DeviceMatrix*>& grads,
                const std::vector<gpu::DeviceMatrix*>& previous);
    // Back to the weights in `previous` and Adam's kept state; false, changing nothing, when
    // there was no update since the last undo().
    bool undo(const std::vector<gpu::DeviceMatrix*>& params,
              const std::vector<const gpu::DeviceMatrix*>& previous);
    void setLearningRate(double lr) { m_adam.setLearningRate(lr); }
    void download(Adam<float>& adam) const { m_adam.download(adam); }

private:
    gpu::DeviceAdam m_adam;
    bool m_hasPrevious = false;
};

// The blocks and the final layer norm of a model on the device, with what their passes keep.
class DeviceEncoder
{
public:
    DeviceEncoder(gpu::Session& s, int layers);

    // Where the caller puts the first block's input (the embeddings): sequences·T rows.
    gpu::DeviceMatrix& input() { return m_blocks.empty() ? m_input : m_blocks.front().input; }
    // The blocks, then the final norm (a copy without layer norm); returns the normed output.
    const gpu::DeviceMatrix& forward(const TransformerConfig& config,
                                     const std::vector<DeviceBlockParams>& blocks,
                                     const gpu::DeviceMatrix& lnfGamma,
                                     const gpu::DeviceMatrix& lnfBeta, int sequences, int length,
                                     const DeviceDropout* dropout);
    const gpu::DeviceMatrix& normed() const { return m_normed; }
    // From the gradient of the normed output, back through the norm and the blocks: adds
    // their gradients and returns the gradient of the input.
    const gpu::DeviceMatrix&
    backward(const TransformerConfig& config, const std::vector<DeviceBlockParams>& blocks,
             const gpu::DeviceMatrix& lnfGamma, const gpu::DeviceMatrix& dnormed,
             std::vector<DeviceBlockParams>& gradBlocks, gpu::DeviceMatrix& dGamma,
             gpu::DeviceMatrix& dBeta, int sequences);

private:
    std::vector<DeviceBlockForward> m_blocks;
    gpu::DeviceMatrix m_input; // without blocks
    gpu::DeviceMatrix m_normed;
    gpu::DeviceLayerNormCache m_lnf;
    gpu::DeviceMatrix m_dx, m_dy;
};

// What a model's training engine shares with the others: its weights, their gradients and
// the weights before the latest step on the device (a `Weights` lists them as its host
// parameters `Host` do), and Adam.
template <typename Weights, typename Host> class DeviceModel
{
public:
    // Adam on the step's gradients, after keeping a device copy of the weights and moments.
    void update() { m_updater.update(m_params.all(), constAll(m_grads), m_previous.all()); }
    // Back to the weights and moments from before the latest update(); false when none.
    bool undo() { return m_updater.undo(m_params.all(), constAll(m_previous)); }
    void setLearningRate(double lr) { m_updater.setLearningRate(lr); }
    // The weights and the optimizer's state, downloaded into the host's.
    void download(Host& params, Adam<float>& adam) const
    {
        downloadAll(constAll(m_params), params.all());
        m_updater.download(adam);
    }
    // The step's gradients so far.
    void downloadGradients(Host& grads) const { downloadAll(constAll(m_grads), grads.all()); }
    gpu::Session& session() const { return *m_session; }

protected:
    // Uploads the weights and the optimizer's step count and moments. `shape` goes to the
    // Weights' constructor after the session (the text and image models' number of layers).
    template <typename... Shape>
    DeviceModel(std::shared_ptr<gpu::Session> session, const Host& params, const Adam<float>& adam,
                Shape... shape)
        : m_session(std::move(session)), m_params(*m_session, shape...),
          m_grads(*m_session, shape...), m_previous(*m_session, shape...),
          m_updater(*m_session, adam)
    {
        uploadAll(*m_session, params.all(), m_params.all());
    }
    void zeroGradients() { zeroAllLike(m_grads.all(), constAll(m_params)); }

    std::shared_ptr<gpu::Session> m_session;
    Weights m_params;
    Weights m_grads;
    Weights m_previous;
    DeviceUpdater m_updater;
};

} // namespace attnlab
