// The worker thread behind VitController: it owns the trainer and nothing else touches it.
// Commands arrive through a CommandQueue, whose interrupt flag the training loop reads between
// two steps; frames go into a FrameSlot.
//
// A point of the curves evaluates up to the whole test set, which takes far longer than a
// frame. So the evaluation is a task of its own: the test images go through the model one at a
// time, and a command that arrives in between is taken at once; the evaluation then goes on
// (paused or not) until the point is complete. No step is taken meanwhile, so every image sees
// the parameters of the step the point belongs to, and the numbers are those of
// VitTrainer::evaluate() on the same images.
#pragma once

#include "vitcontroller.h"
#include "workerqueue.h"

#include <gpubackend.h>
#include <vitsession.h>
#include <vittrainer.h>

#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

class VitWorker
{
public:
    using Clock = std::chrono::steady_clock;

    VitWorker();
    ~VitWorker();
    VitWorker(const VitWorker&) = delete;
    VitWorker& operator=(const VitWorker&) = delete;

    // Publishes the new model's first frame on the calling thread, then hands it over, paused,
    // with the curves drawn so far (those of a session).
    void install(std::unique_ptr<attnlab::VitTrainer> trainer, std::uint64_t generation,
                 VitImage image, std::vector<VitCurvePoint> curve = {});
    void train();
    void pause();
    void step();
    void setLearningRate(double learningRate);
    // The GPU that models installed from now on train on (null: the CPU). Should it fail to
    // take one, that model and the next stay on the CPU.
    void setDevice(std::shared_ptr<attnlab::gpu::Session> session);
    void select(VitImage image);
    // The trainer's session with the curves, taken on the worker thread after a point of the
    // curves being evaluated is complete. The future holds attnlab::InputError when there is
    // no model.
    std::future<attnlab::VitSession> capture(attnlab::VitDataSource data,
                                             std::map<std::string, std::string> view);

    std::shared_ptr<const VitFrame> latest() const { return m_slot.latest(); }

private:
    void post(CommandQueue::Command command) { m_queue.post(std::move(command)); }
    void run();
    void publishSafely();
    void fail(const attnlab::gpu::GpuError& error);
    void execute(const CommandQueue::Command& command);
    void trainSlice();
    void takeStep(int images);
    void beginCurvePoint(int testImages);
    void evaluateSome(bool yieldToCommands);
    void finishCurvePoint();
    void publish();

    // A point of the curves whose test images are being evaluated.
    struct PendingPoint
    {
        VitCurvePoint point;        // the training side filled in
        int images = 0;             // test images to evaluate
        int next = 0;               // the first not evaluated yet
        attnlab::VitEvaluation sum; // losses and right answers summed, confusion counted
    };

    CommandQueue m_queue;
    FrameSlot<VitFrame> m_slot;

    // Worker thread only.
    std::unique_ptr<attnlab::VitTrainer> m_trainer;
    std::shared_ptr<attnlab::gpu::Session> m_device;
    std::string m_fault; // why training stopped when the trainer failed (a GPU error)
    std::uint64_t m_generation = 0;
    VitImage m_image;
    std::vector<VitCurvePoint> m_curve;
    attnlab::VitEvaluation m_evaluation;
    double m_lossSum = 0; // training loss and accuracy since the last curve point
    double m_accuracySum = 0;
    int m_lossSteps = 0;
    std::optional<PendingPoint> m_pending;
    attnlab::ImageSet m_oneImage; // the test image being evaluated, as a set of one
    bool m_running = false;
    Clock::time_point m_lastPublish;

    std::thread m_thread; // last: starts after every member above exists
};
