#include "trainingcontroller.h"

#include "trainingworker.h"

#include <errors.h>
#include <trainer.h>

#include <QTimer>

RunState runStateOf(const TrainingFrame& frame)
{
    switch (frame.snapshot.state) {
    case attnlab::TrainState::Diverged:
        return RunState::Stopped;
    case attnlab::TrainState::Finished:
        return RunState::Finished;
    default:
        break;
    }
    if (frame.running) {
        return RunState::Training;
    }
    return frame.snapshot.state == attnlab::TrainState::Ready ? RunState::Ready : RunState::Paused;
}

TrainingController::TrainingController(QObject* parent)
    : QObject(parent), m_worker(std::make_unique<TrainingWorker>()), m_timer(new QTimer(this))
{
    m_timer->setInterval(kPollInterval);
    connect(m_timer, &QTimer::timeout, this, &TrainingController::poll);
    m_timer->start();
}

TrainingController::~TrainingController() = default;

void TrainingController::rebuild(attnlab::Corpus corpus, const attnlab::ToyConfig& config)
{
    auto trainer = std::make_unique<attnlab::ToyTrainer>(corpus, config);
    if (corpus.vocab.tokens() != m_corpus.vocab.tokens()) {
        m_probe.reset();
    }
    m_corpus = std::move(corpus);
    m_config = config;
    m_hasModel = true;
    m_worker->install(std::move(trainer), ++m_generation, m_probe);
}

attnlab::ToySession TrainingController::session() const
{
    return m_worker->capture().get();
}

void TrainingController::restore(const attnlab::ToySession& session)
{
    auto trainer = std::make_unique<attnlab::ToyTrainer>(attnlab::trainerOf(session));
    m_probe.reset();
    m_corpus = trainer->corpus();
    m_config = trainer->config();
    m_hasModel = true;
    m_worker->install(std::move(trainer), ++m_generation, m_probe);
}

void TrainingController::train()
{
    m_worker->train();
}

void TrainingController::pause()
{
    m_worker->pause();
}

void TrainingController::step()
{
    m_worker->step();
}

void TrainingController::reset()
{
    if (m_hasModel) {
        rebuild(m_corpus, m_config);
    }
}

void TrainingController::setLearningRate(double learningRate)
{
    attnlab::ToyConfig config = m_config;
    config.learningRate = learningRate;
    attnlab::validate(config);
    m_config = config;
    m_worker->setLearningRate(learningRate);
}

void TrainingController::setEpochs(int epochs)
{
    attnlab::ToyConfig config = m_config;
    config.epochs = epochs;
    attnlab::validate(config);
    m_config = config;
    m_worker->setEpochs(epochs);
}

void TrainingController::setPace(int epochsPerSecond)
{
    m_worker->setPace(epochsPerSecond);
}

void TrainingController::evaluate(std::vector<int> ids)
{
    m_probe = std::move(ids);
    m_worker->setProbe(m_probe);
}

void TrainingController::clearEvaluation()
{
    m_probe.reset();
    m_worker->setProbe(std::nullopt);
}

std::shared_ptr<const TrainingFrame> TrainingController::latest() const
{
    return m_worker->latest();
}

void TrainingController::poll()
{
    const std::shared_ptr<const TrainingFrame> frame = latest();
    if (frame && frame->version != m_shownVersion) {
        m_shownVersion = frame->version;
        emit frameChanged();
    }
}
