// The worker thread behind TrainingController: it owns the trainer and nothing else touches it.
//
// Commands arrive through a CommandQueue, whose interrupt flag the training loop reads between
// two epochs, so a command waits for at most one epoch. Frames go into a FrameSlot, which drops
// a frame of a model since replaced.
#pragma once

#include "trainingcontroller.h"
#include "workerqueue.h"

#include <session.h>
#include <trainer.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

class TrainingWorker
{
public:
    using Clock = std::chrono::steady_clock;

    // Starts the thread, with no model.
    TrainingWorker();
    // Stops training and joins the thread.
    ~TrainingWorker();
    TrainingWorker(const TrainingWorker&) = delete;
    TrainingWorker& operator=(const TrainingWorker&) = delete;

    // Publishes the new model's first frame at once (on the calling thread, which still owns
    // the trainer), then hands the trainer to the worker, paused.
    void install(std::unique_ptr<attnlab::ToyTrainer> trainer, std::uint64_t generation,
                 std::optional<std::vector<int>> probe);
    void train();
    void pause();
    void step();
    void setLearningRate(double learningRate);
    void setEpochs(int epochs);
    void setPace(int epochsPerSecond);
    void setProbe(std::optional<std::vector<int>> probe);
    // The trainer's whole state, taken on the worker thread between two epochs.
    std::future<attnlab::ToySession> capture();

    std::shared_ptr<const TrainingFrame> latest() const;

private:
    void post(CommandQueue::Command command) { m_queue.post(std::move(command)); }

    // Worker side.
    void run();
    void execute(const std::function<void()>& command);
    void trainOrStop();
    void trainSlice();
    long epochsDue() const;
    Clock::time_point nextDue() const;
    void restartPace();
    void adopt(std::unique_ptr<attnlab::ToyTrainer> trainer, std::uint64_t generation,
               std::optional<std::vector<int>> probe);
    void publish();

    // Shared between threads.
    CommandQueue m_queue;
    FrameSlot<TrainingFrame> m_slot;

    // Worker thread only.
    std::unique_ptr<attnlab::ToyTrainer> m_trainer;
    std::optional<std::vector<int>> m_probe;
    std::uint64_t m_generation = 0;
    bool m_running = false;
    int m_pace = 0; // epochs per second, 0 for no limit
    Clock::time_point m_paceStart;
    int m_paceEpoch = 0;
    Clock::time_point m_lastPublish;

    std::thread m_thread; // last: starts after every member above exists
};
