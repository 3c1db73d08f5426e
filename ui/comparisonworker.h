// The worker thread behind ComparisonController: it owns both trainers and nothing else touches
// them. Commands arrive through a CommandQueue, whose interrupt flag the training loop reads
// between two steps; frames go into a FrameSlot.
#pragma once

#include "comparisoncontroller.h"
#include "workerqueue.h"

#include <textsession.h>
#include <texttrainer.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

class ComparisonWorker
{
public:
    using Clock = std::chrono::steady_clock;
    using Pair = std::array<std::unique_ptr<attnlab::TextTrainer>, 2>;

    ComparisonWorker();
    ~ComparisonWorker();
    ComparisonWorker(const ComparisonWorker&) = delete;
    ComparisonWorker& operator=(const ComparisonWorker&) = delete;

    // Publishes the pair's first frame on the calling thread, then hands it to the worker.
    void install(Pair pair, std::uint64_t generation, int sentence);
    void train();
    void pause();
    void step();
    void setLearningRate(double learningRate);
    void setEpochs(int epochs);
    void select(int sentence, std::vector<int> masked);
    // Both trainers' session, taken on the worker thread between two steps. The future holds
    // attnlab::InputError when there are no models.
    std::future<attnlab::TextPairSession> capture(std::string preset,
                                                  std::map<std::string, std::string> view);

    std::shared_ptr<const ComparisonFrame> latest() const;

private:
    void post(CommandQueue::Command command) { m_queue.post(std::move(command)); }

    void run();
    void execute(const std::function<void()>& command);
    void trainSlice();
    bool done() const;
    void publish();

    CommandQueue m_queue;
    FrameSlot<ComparisonFrame> m_slot;

    // Worker thread only.
    Pair m_pair;
    int m_sentence = 0;
    std::vector<int> m_masked;
    std::uint64_t m_generation = 0;
    bool m_running = false;
    Clock::time_point m_lastPublish;

    std::thread m_thread; // last: starts after every member above exists
};
