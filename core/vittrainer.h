// Training the Vision Transformer on an image set in mini-batches with Adam, and what it
// computed for the views.
//
// An epoch visits every training image once, in an order drawn from the seed (when
// `shuffle`), in batches of `batchSize` (the last one smaller). A step's gradient is the mean
// over its batch. The trainer watches for a non-finite loss or gradient: at the first one it
// stops, restores the parameters and optimizer state of the step before, and records a
// message naming the step and the learning rate. Deterministic for a seed.
//
// checkpoint() takes everything the trainer needs to go on bit for bit (but not the images:
// the caller keeps them), and the constructor that takes one goes on from it. A checkpoint is
// always of a state between two steps: taken while advance() has begun a step, it is the state
// before that step, and the trainer restored from it does the step's images again, drawing the
// same dropout masks. A checkpoint holds no copy of the weights before the latest step, so
// should the first step after a restore diverge, the trainer keeps the (finite) weights it has.
//
// Not thread-safe: one thread owns a trainer.
#pragma once

#include "adam.h"
#include "imageset.h"
#include "matrix.h"
#include "random.h"
#include "snapshot.h"
#include "vit.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnlab {

class DeviceVitEngine;
namespace gpu {
class Session;
}

struct VitTrainConfig
{
    VitConfig model;
    int batchSize = 64;
    double learningRate = 1e-3;
    int epochs = 3;
    bool shuffle = true;
};

// Throws InputError naming the setting and its range.
void validate(const VitTrainConfig& config);

struct VitEvaluation
{
    int images = 0;
    double loss = 0;     // mean cross-entropy
    double accuracy = 0; // share of images whose most probable class is the label
    Matrix confusion;    // C×C counts: row the true class, column the predicted one
};

// One image through the model, for the views.
struct VitImageSnapshot
{
    int label = -1;                           // the true class, or -1 when unknown
    int predicted = 0;                        // the most probable class
    Matrix probs;                             // 1×C
    std::vector<std::vector<Matrix>> weights; // L × N attention weights, T×T (row 0: class)
    std::vector<Matrix> meanWeights;          // L head-averaged, T×T
    Matrix rollout;                           // T×T attention rollout over the layers
};

// Everything a VitTrainer needs to go on exactly where it stopped, between two steps.
struct VitCheckpoint
{
    VitParams<float> params;
    long adamStep = 0;
    std::vector<Matrix> adamM; // one per parameter, or empty before the first step
    std::vector<Matrix> adamV;
    int trainImages = 0;    // the size of the training set it was trained on
    int epoch = 0;          // epochs completed
    long steps = 0;         // optimizer steps taken
    int next = 0;           // position in `order` of the next batch's first image
    std::vector<int> order; // the current epoch's image order, a permutation
    double epochSum = 0;    // sum over the current epoch's images of their step's mean loss
    int epochImages = 0;    // images of the current epoch so far (= next)
    std::vector<double> epochLosses;
    std::vector<double> stepLosses;
    std::vector<double> stepAccuracies;
    bool diverged = false;
    std::string message;
    Rng::State dropoutRng;
    Rng::State orderRng;
};

class VitTrainer
{
public:
    // The sets are shared, not copied: a rebuild with new settings reuses them. Throws
    // InputError when the training set is empty, the sets' images are not
    // imageRows × imageCols, a label is out of range, or the config is invalid. `test` may be
    // null or empty.
    VitTrainer(std::shared_ptr<const ImageSet> train, std::shared_ptr<const ImageSet> test,
               const VitTrainConfig& config);
    // Goes on from a checkpoint taken from a trainer with this config and the same training
    // set. Throws InputError as the constructor above does and when the checkpoint does not
    // fit: a training set of another size than checkpoint.trainImages, a weight or moment of
    // another shape (naming it), an order that is not a permutation of the images, or a
    // position, step count or number of losses that do not agree.
    VitTrainer(std::shared_ptr<const ImageSet> train, std::shared_ptr<const ImageSet> test,
               const VitTrainConfig& config, VitCheckpoint checkpoint);

    ~VitTrainer();
    VitTrainer(VitTrainer&&) noexcept;
    VitTrainer& operator=(VitTrainer&&) noexcept;

    // The state between steps: mid-step (midStep()), the state before the step begun.
    VitCheckpoint checkpoint() const;

    // Trains on the GPU from the next step on (devicevit.h): the training images, the weights
    // and the optimizer's state move to the device and stay there; model(), optimizer(),
    // snapshot() and checkpoint() download the weights when asked, and evaluate() runs its
    // images through the device, bringing back their logits. A batch's
    // images go through the device together (or advance()'s part of them: the same dropout
    // masks, but sums in another order, so not the same bits as whole steps). On the device a
    // step draws one number from the dropout generator for its masks (not one per image), and
    // a non-finite gradient shows as a non-finite loss one step later, which restores the
    // weights from before that step. Throws gpu::GpuError when CUDA fails; the trainer then
    // stays on the CPU, unchanged. Call between steps (not midStep()).
    void trainOn(std::shared_ptr<gpu::Session> session);
    bool onDevice() const { return m_device != nullptr; }

    // One optimizer step on the next batch (the rest of it, when advance() began it). False,
    // doing nothing, once finished or diverged.
    bool step();
    enum class Progress
    {
        Nothing, // finished or diverged: nothing done
        Partial, // images added to the step begun; the parameters have not changed
        Stepped  // the batch's last image added and the optimizer step taken
    };
    // Part of a step: the forward and backward passes of up to `images` (>= 1) more images of
    // the batch, so that a caller can stop between them (the window's worker answers Pause so
    // within a frame). The step's update comes with the batch's last image. The images add
    // into the gradient in the order step() adds them: the same bits as whole steps.
    Progress advance(int images);
    // Whether advance() has begun a step and not finished it.
    bool midStep() const { return m_partial.has_value(); }
    // Steps until the current epoch is complete.
    bool runEpoch();

    TrainState state() const;
    bool done() const;
    const std::string& message() const { return m_message; }
    int epoch() const { return m_epoch; }
    long stepCount() const { return m_steps; }
    int stepsPerEpoch() const;
    // Steps taken in the current epoch.
    int stepInEpoch() const;
    // Mean training loss of each completed epoch, and of every step so far; the share of each
    // step's batch that the model classified right (before the step's update).
    const std::vector<double>& epochLosses() const { return m_epochLosses; }
    const std::vector<double>& stepLosses() const { return m_stepLosses; }
    const std::vector<double>& stepAccuracies() const { return m_stepAccuracies; }

    // Throws InputError when lr is not a finite number from 1e-12 to 1e30.
    void setLearningRate(double lr);
    void setEpochs(int epochs);

    const VitTrainConfig& config() const { return m_config; }
    const VisionTransformer<float>& model() const
    {
        pull();
        return m_model;
    }
    const Adam<float>& optimizer() const
    {
        pull();
        return m_adam;
    }
    const ImageSet& trainSet() const { return *m_train; }
    const ImageSet& testSet() const { return *m_test; }

    // The first `limit` images of the set (all when limit <= 0 or larger), without dropout.
    VitEvaluation evaluate(const ImageSet& set, int limit = 0) const;
    // One image (imageRows × imageCols floats in [0, 1]); label -1 when unknown.
    VitImageSnapshot snapshot(const float* image, int label) const;

private:
    // The sums of a step begun, over the images of its batch done so far.
    struct PartialStep
    {
        VitParams<float> grads; // mean over the batch: each image adds 1/n of its own (the
                                // CPU's; on a device they stay there)
        double loss = 0;
        int correct = 0;
        int done = 0;              // images of the batch added
        int images = 0;            // n: images in the batch
        Rng::State dropoutAtStart; // the dropout generator before the step's first image
    };

    void checkPosition(const VitCheckpoint& c) const;
    // Brings the host's weights and optimizer up to date with the device's.
    void pull() const;
    void deviceImages(PartialStep& p, int last);
    void finishStep();
    void diverge(double loss, const char* what);

    std::shared_ptr<const ImageSet> m_train;
    std::shared_ptr<const ImageSet> m_test;
    VitTrainConfig m_config;
    // On a device the weights and Adam's state live there, and these are copies that pull()
    // brings up to date before anything on the host reads them.
    mutable VisionTransformer<float> m_model;
    mutable Adam<float> m_adam;
    std::unique_ptr<DeviceVitEngine> m_device;
    mutable bool m_hostStale = false;
    std::optional<VitParams<float>> m_previous;
    std::optional<Adam<float>> m_previousAdam;
    std::optional<PartialStep> m_partial;
    Rng m_dropoutRng;
    Rng m_orderRng;
    std::vector<int> m_order;
    std::vector<double> m_epochLosses;
    std::vector<double> m_stepLosses;
    std::vector<double> m_stepAccuracies;
    double m_epochSum = 0;
    int m_epochImages = 0;
    int m_next = 0;
    int m_epoch = 0;
    long m_steps = 0;
    bool m_diverged = false;
    std::string m_message;
};

} // namespace attnlab
