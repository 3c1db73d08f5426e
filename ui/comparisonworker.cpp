#include "comparisonworker.h"

#include "logging.h"

#include <errors.h>

#include <algorithm>
#include <exception>

namespace {

ComparisonSide describe(const attnlab::TextTrainer& trainer, int sentence,
                        const std::vector<int>& masked)
{
    ComparisonSide side;
    side.objective = trainer.config().objective;
    side.state = trainer.state();
    side.message = trainer.message();
    side.epoch = trainer.epoch();
    side.step = trainer.stepCount();
    side.epochLosses = trainer.epochLosses();
    side.vocab = trainer.vocab().tokens();
    const std::vector<int>& ids = trainer.corpus().sentences.at(static_cast<size_t>(sentence));
    std::vector<int> positions = masked;
    if (positions.empty()) {
        positions.push_back(static_cast<int>(ids.size()) - 1);
    }
    try {
        side.sentence = trainer.evaluate(ids, positions);
    } catch (const attnlab::InputError& error) {
        side.sentenceError = error.what();
    }
    return side;
}

ComparisonFrame makeFrame(const ComparisonWorker::Pair& pair, int sentence,
                          const std::vector<int>& masked, bool running, std::uint64_t generation)
{
    ComparisonFrame frame;
    for (size_t i = 0; i < pair.size(); ++i) {
        frame.sides[i] = describe(*pair[i], sentence, masked);
    }
    frame.sentence = sentence;
    frame.masked = masked;
    frame.running = running;
    frame.generation = generation;
    return frame;
}

} // namespace

ComparisonWorker::ComparisonWorker() : m_thread([this] { run(); }) {}

ComparisonWorker::~ComparisonWorker()
{
    m_queue.quit();
    m_thread.join();
}

void ComparisonWorker::install(Pair pair, std::uint64_t generation, int sentence)
{
    m_slot.store(makeFrame(pair, sentence, {}, false, generation));
    auto holder = std::make_shared<Pair>(std::move(pair));
    post([this, holder, generation, sentence] {
        m_pair = std::move(*holder);
        m_generation = generation;
        m_sentence = sentence;
        m_masked.clear();
        m_running = false;
    });
}

void ComparisonWorker::train()
{
    post([this] { m_running = m_pair[0] && !done(); });
}

void ComparisonWorker::pause()
{
    post([this] { m_running = false; });
}

void ComparisonWorker::step()
{
    post([this] {
        m_running = false;
        for (auto& trainer : m_pair) {
            if (trainer) {
                trainer->runEpoch();
            }
        }
    });
}

void ComparisonWorker::setLearningRate(double learningRate)
{
    post([this, learningRate] {
        for (auto& trainer : m_pair) {
            if (trainer) {
                trainer->setLearningRate(learningRate);
            }
        }
    });
}

void ComparisonWorker::setEpochs(int epochs)
{
    post([this, epochs] {
        for (auto& trainer : m_pair) {
            if (trainer) {
                trainer->setEpochs(epochs);
            }
        }
        m_running = m_running && m_pair[0] && !done();
    });
}

void ComparisonWorker::select(int sentence, std::vector<int> masked)
{
    post([this, sentence, masked = std::move(masked)] {
        if (!m_pair[0]) {
            return;
        }
        const int count = static_cast<int>(m_pair[0]->corpus().sentences.size());
        m_sentence = std::clamp(sentence, 0, count - 1);
        m_masked = masked;
    });
}

std::future<attnlab::TextPairSession>
ComparisonWorker::capture(std::string preset, std::map<std::string, std::string> view)
{
    auto promise = std::make_shared<std::promise<attnlab::TextPairSession>>();
    std::future<attnlab::TextPairSession> result = promise->get_future();
    post([this, promise, preset = std::move(preset), view = std::move(view)] {
        try {
            if (!m_pair[0] || !m_pair[1]) {
                throw attnlab::InputError("there are no models to save yet");
            }
            promise->set_value(attnlab::sessionOf(*m_pair[0], *m_pair[1], preset, view));
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
    });
    return result;
}

std::shared_ptr<const ComparisonFrame> ComparisonWorker::latest() const
{
    return m_slot.latest();
}

// Waits for a command while paused; trains between commands while running.
void ComparisonWorker::run()
{
    std::function<void()> command;
    for (;;) {
        const std::optional<Clock::time_point> wakeAt =
            m_running ? std::optional(Clock::time_point::min()) : std::nullopt;
        if (!m_queue.next(command, wakeAt)) {
            return;
        }
        if (command) {
            execute(command);
            command = nullptr;
        } else if (m_running) {
            try {
                trainSlice();
            } catch (const std::exception& error) {
                qCWarning(lcCore) << "comparison training stopped:" << error.what();
                m_running = false;
                publish();
            }
        }
    }
}

void ComparisonWorker::execute(const std::function<void()>& command)
{
    try {
        command();
    } catch (const std::exception& error) {
        qCWarning(lcCore) << "comparison command refused:" << error.what();
    }
    publish();
}

// Both models are done when neither can take another step (finished or diverged).
bool ComparisonWorker::done() const
{
    return std::all_of(m_pair.begin(), m_pair.end(),
                       [](const auto& trainer) { return !trainer || trainer->done(); });
}

// One step of each model in turn until it is time to publish, a command arrives, or both are
// done.
void ComparisonWorker::trainSlice()
{
    const Clock::time_point publishAt = m_lastPublish + ComparisonController::kPublishInterval;
    while (!m_queue.interrupted() && !done() && Clock::now() < publishAt) {
        for (auto& trainer : m_pair) {
            trainer->step();
        }
    }
    if (done()) {
        m_running = false;
    }
    if (!m_running || Clock::now() >= publishAt) {
        publish();
    }
}

void ComparisonWorker::publish()
{
    if (m_pair[0]) {
        m_slot.store(makeFrame(m_pair, m_sentence, m_masked, m_running, m_generation));
    }
    m_lastPublish = Clock::now();
}
