#include "comparisoncontroller.h"

#include "comparisonworker.h"

#include <QTimer>

ComparisonController::ComparisonController(QObject* parent)
    : QObject(parent), m_worker(std::make_unique<ComparisonWorker>()), m_timer(new QTimer(this))
{
    m_timer->setInterval(kPollInterval);
    connect(m_timer, &QTimer::timeout, this, &ComparisonController::poll);
    m_timer->start();
}

ComparisonController::~ComparisonController() = default;

const ComparisonSetup& ComparisonController::rebuild(ComparisonSetup setup)
{
    attnlab::TextConfig left = setup.config;
    left.objective = attnlab::Objective::Causal;
    attnlab::TextConfig right = setup.config;
    right.objective = setup.right;
    ComparisonWorker::Pair pair{std::make_unique<attnlab::TextTrainer>(setup.corpus, left),
                                std::make_unique<attnlab::TextTrainer>(setup.corpus, right)};
    setup.config = left;
    m_setup = std::move(setup);
    m_hasModels = true;
    m_worker->install(std::move(pair), ++m_generation, 0);
    return m_setup;
}

attnlab::TextPairSession
ComparisonController::session(std::map<std::string, std::string> view) const
{
    return m_worker->capture(m_setup.preset, std::move(view)).get();
}

void ComparisonController::restore(const attnlab::TextPairSession& session)
{
    ComparisonWorker::Pair pair = attnlab::trainersOf(session);
    ComparisonSetup setup;
    setup.corpus = pair[0]->corpus();
    setup.config = pair[0]->config();
    setup.right = pair[1]->config().objective;
    setup.preset = session.preset;
    m_setup = std::move(setup);
    m_hasModels = true;
    m_worker->install(std::move(pair), ++m_generation, 0);
}

void ComparisonController::train()
{
    m_worker->train();
}

void ComparisonController::pause()
{
    m_worker->pause();
}

void ComparisonController::step()
{
    m_worker->step();
}

void ComparisonController::reset()
{
    if (m_hasModels) {
        rebuild(m_setup);
    }
}

void ComparisonController::setLearningRate(double learningRate)
{
    attnlab::TextConfig config = m_setup.config;
    config.learningRate = learningRate;
    attnlab::validate(config);
    m_setup.config = config;
    m_worker->setLearningRate(learningRate);
}

void ComparisonController::setEpochs(int epochs)
{
    attnlab::TextConfig config = m_setup.config;
    config.epochs = epochs;
    attnlab::validate(config);
    m_setup.config = config;
    m_worker->setEpochs(epochs);
}

void ComparisonController::select(int sentence, std::vector<int> masked)
{
    m_worker->select(sentence, std::move(masked));
}

std::shared_ptr<const ComparisonFrame> ComparisonController::latest() const
{
    return m_worker->latest();
}

void ComparisonController::poll()
{
    const std::shared_ptr<const ComparisonFrame> frame = latest();
    if (frame && frame->version != m_shownVersion) {
        m_shownVersion = frame->version;
        emit frameChanged();
    }
}
