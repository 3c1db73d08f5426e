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
#include "gpubackend.h"
#include "toymodel.h"

#include <memory>
#include <span>
#include <vector>

namespace attnlab {

class DeviceToyEngine
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
    // loss (which waits for the queue).
    float forwardBackward(int index);
    // Adam on the gradients of the latest forwardBackward(), after keeping a device copy of
    // the weights and moments for undo().
    void update();
    // Back to the weights and moments from before the latest update(); false when there is
    // none to go back to.
    bool undo();
    void setLearningRate(double lr) { m_adam.setLearningRate(lr); }

    // The weights and the optimizer's state, downloaded into the host's.
    void download(ToyParams<float>& params, Adam<float>& adam) const;

    gpu::Session& session() const { return *m_session; }

private:
    struct Weights
    {
        explicit Weights(gpu::Session& s);
        std::vector<gpu::DeviceMatrix*> all() { return {&tok, &pos, &wq, &wk, &wv}; }
        std::vector<const gpu::DeviceMatrix*> all() const { return {&tok, &pos, &wq, &wk, &wv}; }
        gpu::DeviceMatrix tok; // V×E
        gpu::DeviceMatrix pos; // T×E
        gpu::DeviceMatrix wq;  // E×H
        gpu::DeviceMatrix wk;  // E×H
        gpu::DeviceMatrix wv;  // E×V
    };
    // The forward pass and the intermediate gradients of one sentence (t tokens).
    struct Work
    {
        explicit Work(gpu::Session& s);
        gpu::DeviceMatrix inputs, queries, keys, values, scores, weights, logits, probs;
        gpu::DeviceMatrix dlogits, dinputs, dweights, dvalues, dqueries, dkeys;
    };

    void forward(const gpu::DeviceIds& ids, const gpu::DeviceIds& targets);
    void backward(const gpu::DeviceIds& ids);

    std::shared_ptr<gpu::Session> m_session;
    ToyConfig m_config;
    Weights m_params;
    Weights m_grads;
    Weights m_previous; // the weights before the latest update()
    bool m_hasPrevious = false;
    gpu::DeviceAdam m_adam;
    std::vector<std::unique_ptr<gpu::DeviceIds>> m_ids;     // per sentence, T
    std::vector<std::unique_ptr<gpu::DeviceIds>> m_targets; // per sentence, T
    Work m_work;
    float m_loss = 0;
};

} // namespace attnlab
