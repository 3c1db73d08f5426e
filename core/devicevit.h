// The Vision Transformer's training step on the GPU: VisionTransformer's forward and backward
// pass (vit.cpp) for a batch of images at once, and Adam, with the operations of gpubackend.h.
// The training images, cut into patches, are uploaded once; the weights, Adam's moments, the
// gradients and every intermediate matrix stay on the device between steps, and a pass brings
// back only its images' probabilities (for the loss and the accuracy). VitTrainer uses it in
// place of its CPU passes when it trains on a GPU (VitTrainer::trainOn).
//
// Layout: the images of a pass are laid one after another, T = patches + 1 rows each, row 0 of
// each the class token. The patches of image b sit in rows b·T + 1 … b·T + patches of a matrix
// whose rows b·T are zero, so one product embeds them all; the class token and the patch
// embedding's bias join the position embedding, added to every image.
//
// The numbers agree with the CPU's to float rounding, not bit for bit: cuBLAS and the kernels
// add in other orders. With dropout the masks are the device's (deviceencoder.h).
#pragma once

#include "adam.h"
#include "deviceencoder.h"
#include "gpubackend.h"
#include "imageset.h"
#include "vit.h"

#include <memory>
#include <span>
#include <vector>

namespace attnlab {

// The Vision Transformer's weights on the device, in the order of VitParams::all().
struct DeviceVitWeights
{
    DeviceVitWeights(gpu::Session& s, int layers);
    std::vector<gpu::DeviceMatrix*> all();
    gpu::DeviceMatrix patchW, patchB, cls, pos;
    std::vector<DeviceBlockParams> blocks;
    gpu::DeviceMatrix lnfGamma, lnfBeta, headW, headB;
};

// update(), undo(), download() and the rest: DeviceModel (deviceencoder.h).
class DeviceVitEngine : public DeviceModel<DeviceVitWeights, VitParams<float>>
{
public:
    // Uploads the weights, the optimizer's step count and moments, and the training images.
    // Throws gpu::GpuError when CUDA fails (out of memory, say).
    DeviceVitEngine(std::shared_ptr<gpu::Session> session, const VitConfig& config,
                    const VitParams<float>& params, const Adam<float>& adam, const ImageSet& train);

    // What a pass over some of a batch's images gave.
    struct Pass
    {
        double lossSum = 0; // Σ over the images of −log p(label)
        int correct = 0;    // images whose most probable class is their label
    };
    // Starts a step: zero gradients, and the dropout masks of the batch of `images` images
    // drawn from `dropoutSeed`.
    void beginStep(int images, std::uint64_t dropoutSeed);
    // Forward and backward of training images `indices` (with their labels), which are images
    // first … first + size − 1 of the step's batch; each adds 1/images of its gradient, as
    // the CPU does. Waits for the queue (the probabilities come back).
    Pass forwardBackward(std::span<const int> indices, int first);
    // The logits (count×C) of the first `count` images of `set` (of the model's size), without
    // dropout, a slice at a time; changes nothing of the step.
    Matrix logits(const ImageSet& set, int count);

private:
    // Images of a set moved at once.
    static constexpr int kSlice = 512;

    // Images first … first + count − 1 of `set` as padded patches: T rows each, row 0 zero.
    Matrix paddedPatches(const ImageSet& set, int first, int count) const;
    // The forward pass of `count` images whose padded patches are in m_patches.
    // first: the position of the pass in its batch, for the dropout masks; -1: no dropout.
    // first: the position of the pass in its batch, for the dropout masks; -1: no dropout.
    void forward(int count, int first);
    void backward(int count);

    VitConfig m_config;
    TransformerConfig m_encoderConfig;
    gpu::DeviceMatrix m_images; // every training image's padded patches: (count·T)×P²
    std::vector<int> m_labels;  // the training labels

    // The step's batch.
    int m_batch = 1;
    DeviceDropout m_dropout;

    // One pass.
    gpu::DeviceMatrix m_patches; // (n·T)×P², rows b·T zero
    gpu::DeviceMatrix m_posPlus; // T×E: pos, with cls in row 0 and patchB in the others
    DeviceEncoder m_encoder;
    gpu::DeviceMatrix m_logits, m_probs, m_dlogits, m_ones, m_dnormed, m_posSum;
};

} // namespace attnlab
