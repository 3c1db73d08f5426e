// Training the lesson's model: one Adam step per sentence, sentences in corpus order, as in
// the PyTorch reference.
//
// The trainer watches for a non-finite loss or gradient. At the first one it stops, restores
// the parameters and optimizer state of the step before (the last ones that gave a finite
// loss), and records a message naming the step and the learning rate. Nothing non-finite
// ever reaches a snapshot.
//
// Cost: a step allocates nothing after the first, as long as the sentence has the length of
// the one before (the lesson's all have 5 tokens; a new length reallocates the step's
// buffers). The forward pass, the gradients and the intermediate buffers are kept between
// steps, and the state before the latest update is kept by double buffering: the update
// writes the new weights and moments into a second set, which then trades places with the
// current one, so nothing is copied to keep it.
//
// Not thread-safe: one thread owns a trainer (the GUI's worker, or the CLI's main thread).
#pragma once

#include "adam.h"
#include "corpus.h"
#include "snapshot.h"
#include "toymodel.h"

#include <memory>
#include <string>
#include <vector>

namespace attnlab {

class DeviceToyEngine;
namespace gpu {
class Session;
}

// Why training stopped: "Training stopped at step 12 (epoch 6): the loss became non-finite
// (loss NaN) with learning rate 10. ..." with what to do about it.
std::string divergenceMessage(long step, int epoch, const char* what, double loss, double lr);

// Everything a ToyTrainer needs to go on exactly where it stopped: the weights, Adam's moments
// and step count, and where training is (a saved session holds it).
struct ToyCheckpoint
{
    ToyParams<float> params;
    long adamStep = 0;
    std::vector<Matrix> adamM; // one per parameter, or empty before the first step
    std::vector<Matrix> adamV;
    int epoch = 0;
    long steps = 0;
    int sentence = 0; // the next sentence to train on
    double epochSum = 0;
    std::vector<double> epochLosses;
    bool diverged = false;
    std::string message;
};

class ToyTrainer
{
public:
    // Throws InputError when the config is invalid or a sentence is longer than the context.
    ToyTrainer(Corpus corpus, const ToyConfig& config);
    // Starts from the given weights instead of a seeded initialization (e.g. the reference's).
    ToyTrainer(Corpus corpus, const ToyConfig& config, ToyParams<float> init);
    // Goes on from a checkpoint: the same steps follow as if training had never stopped.
    // Throws InputError naming what does not fit (a shape, a sentence index, a count).
    ToyTrainer(Corpus corpus, const ToyConfig& config, ToyCheckpoint checkpoint);

    ~ToyTrainer();
    ToyTrainer(ToyTrainer&&) noexcept;
    ToyTrainer& operator=(ToyTrainer&&) noexcept;

    ToyCheckpoint checkpoint() const;

    // Trains on the GPU from the next step on (devicetoy.h): the weights and the optimizer's
    // state move to the device and stay there; snapshots, checkpoints and model() download
    // them when asked. On the device a non-finite gradient shows as a non-finite loss one step
    // later, which restores the same weights as on the CPU. Throws InputError when the model
    // cannot run there (the sigmoid output) and gpu::GpuError when CUDA fails; the trainer
    // then stays on the CPU, unchanged.
    void trainOn(std::shared_ptr<gpu::Session> session);
    bool onDevice() const { return m_device != nullptr; }

    // One optimizer step on the next sentence. Returns false, doing nothing, once finished or
    // diverged.
    bool step();
    // Steps until the current epoch is complete (one step per sentence from an epoch start).
    bool runEpoch();
    // Epochs until `epochs` are done, or divergence.
    void runToEnd();

    TrainState state() const;
    const std::string& message() const { return m_message; }
    int epoch() const { return m_epoch; }
    long stepCount() const { return m_steps; }
    bool done() const { return state() == TrainState::Finished || m_diverged; }

    // Takes effect from the next step; shapes are unaffected. Throws InputError when lr is not
    // a finite number from 1e-12 to 1e30.
    void setLearningRate(double lr);
    // Changes the number of epochs to train for; at least 1.
    void setEpochs(int epochs);

    const Corpus& corpus() const { return m_corpus; }
    const ToyConfig& config() const { return m_model.config(); }
    const ToyHead<float>& model() const
    {
        pull();
        return m_model;
    }
    const Adam<float>& optimizer() const
    {
        pull();
        return m_adam;
    }
    const std::vector<double>& epochLosses() const { return m_epochLosses; }

    // Everything the views show, for every corpus sentence. Does not change training.
    Snapshot snapshot() const;
    // One sentence (ids from encodeSentence) through the current model. Throws InputError when
    // it is longer than the context.
    SentenceSnapshot evaluate(const std::vector<int>& ids) const;

private:
    void checkCorpus();
    void update();
    bool deviceStep();
    void finishStep(double loss);
    void diverge(double loss, const char* what);
    // Brings the host's weights and optimizer up to date with the device's.
    void pull() const;

    Corpus m_corpus;
    std::vector<std::vector<int>> m_targets; // per sentence: nextTokenTargets of its ids
    // On a device the weights and Adam's state live there, and these are copies that pull()
    // brings up to date before anything on the host reads them.
    mutable ToyHead<float> m_model;
    mutable Adam<float> m_adam;
    std::unique_ptr<DeviceToyEngine> m_device;
    mutable bool m_hostStale = false;
    // The parameters before the latest step (when m_hasPrevious; the optimizer keeps its own),
    // restored on divergence; otherwise storage for the next update to write into.
    ToyParams<float> m_previous;
    bool m_hasPrevious = false;
    // Buffers of the step, kept so that the next one reuses their storage.
    ToyForward<float> m_forward;
    ToyParams<float> m_grads;
    ToyWorkspace<float> m_workspace;
    std::vector<double> m_epochLosses;
    double m_epochSum = 0;
    int m_sentence = 0; // next sentence to train on
    int m_epoch = 0;
    long m_steps = 0;
    bool m_diverged = false;
    std::string m_message;
};

} // namespace attnlab
