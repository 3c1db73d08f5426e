// The text transformer's training step on the GPU: Transformer's forward and backward pass
// (transformer.cpp) for one padded sentence at a time, as TextTrainer takes them, and Adam,
// with the operations of gpubackend.h. The weights, Adam's moments, the gradients and every
// intermediate matrix stay on the device between steps; a sentence sends up its ids and
// targets and brings back its loss. TextTrainer uses it in place of its CPU passes when it
// trains on a GPU (TextTrainer::trainOn).
//
// The numbers agree with the CPU's to float rounding, not bit for bit: cuBLAS and the kernels
// add in other orders. With dropout the masks are the device's (deviceencoder.h).
#pragma once

#include "adam.h"
#include "deviceencoder.h"
#include "gpubackend.h"
#include "transformer.h"

#include <memory>
#include <span>
#include <vector>

namespace attnlab {

// The text transformer's weights on the device, in the order of TransformerParams::all().
struct DeviceTextWeights
{
    DeviceTextWeights(gpu::Session& s, int layers);
    std::vector<gpu::DeviceMatrix*> all();
    gpu::DeviceMatrix tok, pos;
    std::vector<DeviceBlockParams> blocks;
    gpu::DeviceMatrix lnfGamma, lnfBeta, wout, bout;
};

// update(), undo(), download() and the rest: DeviceModel (deviceencoder.h).
class DeviceTextEngine : public DeviceModel<DeviceTextWeights, TransformerParams<float>>
{
public:
    // Uploads the weights and the optimizer's step count and moments. Throws gpu::GpuError
    // when CUDA fails.
    DeviceTextEngine(std::shared_ptr<gpu::Session> session, const TransformerConfig& config,
                     const TransformerParams<float>& params, const Adam<float>& adam);

    // Starts a step of `sentences` sentences padded to `tokens`: zero gradients, and the
    // dropout masks drawn from `dropoutSeed`.
    void beginStep(int sentences, int tokens, std::uint64_t dropoutSeed);
    // Forward and backward of sentence `index` of the step (ids padded to the step's tokens,
    // the first `length` real; targets kNoTarget where nothing is predicted). Its gradient,
    // the mean over its targets, adds into the step's times `share`. Returns its loss, the
    // mean over its targets (0 without any), which waits for the queue.
    float forwardBackward(std::span<const int> ids, int length, std::span<const int> targets,
                          int index, float share);

private:
    TransformerConfig m_config;
    DeviceDropout m_dropout;
    DeviceEncoder m_encoder;
    gpu::DeviceMatrix m_logits, m_probs, m_dlogits, m_ones, m_dnormed;
};

} // namespace attnlab
