// The worker thread behind VitController: it owns the trainer and nothing else touches it.
// Commands arrive through a CommandQueue, whose interrupt flag the training loop reads between
// two steps; frames go into a FrameSlot.
#pragma once

#include "vitcontroller.h"
#include "workerqueue.h"

#include <vittrainer.h>

#include <memory>
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

    // Publishes the new model's first frame on the calling thread, then hands it over, paused.
    void install(std::unique_ptr<attnlab::VitTrainer> trainer, std::uint64_t generation,
                 VitImage image);
    void train();
    void pause();
    void step();
    void setLearningRate(double learningRate);
    void select(VitImage image);

    std::shared_ptr<const VitFrame> latest() const { return m_slot.latest(); }

private:
    void post(CommandQueue::Command command) { m_queue.post(std::move(command)); }
    void run();
    void execute(const CommandQueue::Command& command);
    void trainSlice();
    void takeStep();
    void addCurvePoint(int testImages);
    void publish();

    CommandQueue m_queue;
    FrameSlot<VitFrame> m_slot;

    // Worker thread only.
    std::unique_ptr<attnlab::VitTrainer> m_trainer;
    std::uint64_t m_generation = 0;
    VitImage m_image;
    std::vector<VitCurvePoint> m_curve;
    attnlab::VitEvaluation m_evaluation;
    double m_lossSum = 0; // training loss and accuracy since the last curve point
    double m_accuracySum = 0;
    int m_lossSteps = 0;
    bool m_running = false;
    Clock::time_point m_lastPublish;

    std::thread m_thread; // last: starts after every member above exists
};
