#include "trainingworker.h"

#include "logging.h"

#include <errors.h>

#include <climits>
#include <exception>

namespace {

// Everything the UI needs from a trainer, taken on the thread that owns it.
TrainingFrame makeFrame(const attnlab::ToyTrainer& trainer, bool running,
                        const std::optional<std::vector<int>>& probe, std::uint64_t generation)
{
    TrainingFrame frame;
    frame.snapshot = trainer.snapshot();
    frame.running = running;
    frame.generation = generation;
    if (probe) {
        try {
            frame.evaluation = trainer.evaluate(*probe);
        } catch (const attnlab::InputError& error) {
            frame.evaluationError = error.what();
        }
    }
    return frame;
}

} // namespace

TrainingWorker::TrainingWorker() : m_thread([this] { run(); }) {}

TrainingWorker::~TrainingWorker()
{
    m_queue.quit();
    m_thread.join();
}

void TrainingWorker::install(std::unique_ptr<attnlab::ToyTrainer> trainer, std::uint64_t generation,
                             std::optional<std::vector<int>> probe)
{
    m_slot.store(makeFrame(*trainer, false, probe, generation));
    // std::function needs a copyable callable, so the trainer travels in a shared holder.
    auto holder = std::make_shared<std::unique_ptr<attnlab::ToyTrainer>>(std::move(trainer));
    post([this, holder, generation, probe] { adopt(std::move(*holder), generation, probe); });
}

void TrainingWorker::train()
{
    post([this] {
        m_running = m_trainer && !m_trainer->done();
        restartPace();
    });
}

void TrainingWorker::pause()
{
    post([this] { m_running = false; });
}

void TrainingWorker::step()
{
    post([this] {
        m_running = false;
        if (m_trainer) {
            m_trainer->runEpoch();
        }
    });
}

void TrainingWorker::setLearningRate(double learningRate)
{
    post([this, learningRate] {
        if (m_trainer) {
            m_trainer->setLearningRate(learningRate);
        }
    });
}

void TrainingWorker::setEpochs(int epochs)
{
    post([this, epochs] {
        if (m_trainer) {
            m_trainer->setEpochs(epochs);
            m_running = m_running && !m_trainer->done();
        }
    });
}

void TrainingWorker::setPace(int epochsPerSecond)
{
    post([this, epochsPerSecond] {
        m_pace = epochsPerSecond;
        restartPace();
    });
}

std::future<attnlab::ToySession> TrainingWorker::capture()
{
    auto promise = std::make_shared<std::promise<attnlab::ToySession>>();
    std::future<attnlab::ToySession> result = promise->get_future();
    post([this, promise] {
        if (!m_trainer) {
            promise->set_exception(
                std::make_exception_ptr(attnlab::InputError("there is no model to save yet")));
            return;
        }
        promise->set_value(attnlab::sessionOf(*m_trainer));
    });
    return result;
}

void TrainingWorker::setProbe(std::optional<std::vector<int>> probe)
{
    post([this, probe] { m_probe = probe; });
}

std::shared_ptr<const TrainingFrame> TrainingWorker::latest() const
{
    return m_slot.latest();
}

// Waits for a command while paused, or until the pace allows the next epoch.
void TrainingWorker::run()
{
    std::function<void()> command;
    for (;;) {
        std::optional<Clock::time_point> wakeAt;
        if (m_running) {
            wakeAt = epochsDue() <= 0 ? nextDue() : Clock::time_point::min();
        }
        if (!m_queue.next(command, wakeAt)) {
            return;
        }
        if (command) {
            execute(command);
            command = nullptr;
        } else if (m_running && m_trainer) {
            trainOrStop();
        }
    }
}

void TrainingWorker::execute(const std::function<void()>& command)
{
    try {
        command();
    } catch (const std::exception& error) {
        qCWarning(lcCore) << "training command refused:" << error.what();
    }
    publish();
}

// The worker thread must survive anything the trainer throws: training stops and says why.
void TrainingWorker::trainOrStop()
{
    try {
        trainSlice();
    } catch (const std::exception& error) {
        qCWarning(lcCore) << "training stopped:" << error.what();
        m_running = false;
        publish();
    }
}

// Trains epoch after epoch until it is time to publish, a command arrives, the pace says wait,
// or training ends.
void TrainingWorker::trainSlice()
{
    const Clock::time_point publishAt = m_lastPublish + TrainingController::kPublishInterval;
    for (long due = epochsDue(); due > 0 && !m_queue.interrupted(); --due) {
        m_trainer->runEpoch();
        if (m_trainer->done() || Clock::now() >= publishAt) {
            break;
        }
    }
    if (m_trainer->done()) {
        m_running = false;
    }
    if (!m_running || Clock::now() >= publishAt) {
        publish();
    }
}

// How many epochs training may run now without getting ahead of the pace.
long TrainingWorker::epochsDue() const
{
    if (m_pace <= 0) {
        return LONG_MAX;
    }
    const std::chrono::duration<double> elapsed = Clock::now() - m_paceStart;
    const long allowed = static_cast<long>(elapsed.count() * m_pace);
    return allowed - (m_trainer->epoch() - m_paceEpoch);
}

TrainingWorker::Clock::time_point TrainingWorker::nextDue() const
{
    const double seconds = double(m_trainer->epoch() - m_paceEpoch + 1) / m_pace;
    return m_paceStart +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

void TrainingWorker::restartPace()
{
    m_paceStart = Clock::now();
    m_paceEpoch = m_trainer ? m_trainer->epoch() : 0;
}

void TrainingWorker::adopt(std::unique_ptr<attnlab::ToyTrainer> trainer, std::uint64_t generation,
                           std::optional<std::vector<int>> probe)
{
    m_trainer = std::move(trainer);
    m_generation = generation;
    m_probe = std::move(probe);
    m_running = false;
}

void TrainingWorker::publish()
{
    if (m_trainer) {
        m_slot.store(makeFrame(*m_trainer, m_running, m_probe, m_generation));
    }
    m_lastPublish = Clock::now();
}
