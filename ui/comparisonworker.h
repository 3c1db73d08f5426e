// The worker thread behind ComparisonController: it owns both trainers and nothing else touches
// them. Commands queue under a mutex; posting one raises an atomic flag the training loop reads
// between two steps. Frames of an older generation never replace a newer one.
#pragma once

#include "comparisoncontroller.h"

#include <texttrainer.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
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

    std::shared_ptr<const ComparisonFrame> latest() const;

private:
    void post(std::function<void()> command);
    void store(ComparisonFrame frame);

    void run();
    bool waitForWork(std::function<void()>& command);
    void execute(const std::function<void()>& command);
    void trainSlice();
    bool done() const;
    void publish();

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_commands;
    bool m_quit = false;
    std::atomic<bool> m_interrupt{false};
    mutable std::mutex m_slotMutex;
    std::shared_ptr<const ComparisonFrame> m_slot;
    std::uint64_t m_version = 0; // guarded by m_slotMutex

    // Worker thread only.
    Pair m_pair;
    int m_sentence = 0;
    std::vector<int> m_masked;
    std::uint64_t m_generation = 0;
    bool m_running = false;
    Clock::time_point m_lastPublish;

    std::thread m_thread; // last: starts after every member above exists
};
