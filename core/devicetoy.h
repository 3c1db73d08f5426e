// The lesson's training step on the GPU: ToyHead's forward and backward pass (toymodel.cpp)
// and Adam, with the operations of gpubackend.h, in the same order. The weights, Adam's
// moments, the gradients and every intermediate matrix stay in device memory between steps;
// each step sends nothing up and brings back only its loss (4 bytes). ToyTrainer uses it in
// place of its CPU step when it trains on a GPU (ToyTrainer::trainOn), and downloads the
// weights only when something needs them on the host: a snapshot for the views, a checkpoint.
//
// The numbers agree with the CPU's to float rounding, not bit for bit: cuBLAS and the kernels
// add in other orders.
//
// Only the softmax output exists on the device (the sigmoid output has no kernel): the
// constructor refuses the sigmoid with InputError, and the trainer stays on the CPU.
#pragma once

#include "adam.h"
#include "deviceencoder.h"
#include "gpubackend.h"
#include "toymodel.h"

#include <memory>
#include <span>
#include <vector>

namespace attnlab {

// The head's weights on the device, in the order of ToyParams::all().
struct DeviceToyWeights
{
    explicit DeviceToyWeights(gpu::Session& s);
    std::vector<gpu::DeviceMatrix*> all() { return {&tok, &pos, &wq, &wk, &wv}; }
    gpu::DeviceMatrix tok; // V×E
    gpu::DeviceMatrix pos; // T×E
    gpu::DeviceMatrix wq;  // E×H
    gpu::DeviceMatrix wk;  // E×H
    gpu::DeviceMatrix wv;  // E×V
};

// update(), undo(), download() and the rest: DeviceModel (deviceencoder.h).
class DeviceToyEngine : public DeviceModel<DeviceToyWeights, ToyParams<float>>
{
public:
    // Uploads the weights, the optimizer's step count and moments, and every sentence's ids and
    // targets (one upload each, now). Throws InputError when the config cannot run on the
    // device, gpu::GpuError when CUDA fails.
    DeviceToyEngine(std::shared_ptr<gpu::Session> session, const ToyConfig& config,
                    const ToyParams<float>& params, const Adam<float>& adam,
                    const std::vector<std::vector<int>>& sentences,
                    const std::vector<std::vector<int>>& targets);

    // Forward and backward of sentence `index`; the gradients stay on the device. Returns the
    // loss (which waits for the queue). update() then takes Adam's step on them.
    float forwardBackward(int index);

private:
    // The forward pass and the intermediate gradients of one sentence (t tokens).
    struct Work
    {
        explicit Work(gpu::Session& s);
        gpu::DeviceMatrix inputs, queries, keys, values, scores, weights, logits, probs;
        gpu::DeviceMatrix dlogits, dinputs, dweights, dvalues, dqueries, dkeys;
    };

    void forward(const gpu::DeviceIds& ids, const gpu::DeviceIds& targets);
    void backward(const gpu::DeviceIds& ids);

    ToyConfig m_config;
    std::vector<std::unique_ptr<gpu::DeviceIds>> m_ids;     // per sentence, T
    std::vector<std::unique_ptr<gpu::DeviceIds>> m_targets; // per sentence, T
    Work m_work;
    float m_loss = 0;
};

} // namespace attnlab
