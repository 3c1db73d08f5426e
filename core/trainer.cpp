#include "trainer.h"

#include "devicetoy.h"

#include "errors.h"

#include <cmath>
#include <utility>

namespace attnlab {

std::string divergenceMessage(long step, int epoch, const char* what, double loss, double lr)
{
    return "Training stopped at step " + std::to_string(step) + " (epoch " + std::to_string(epoch) +
           "): " + what + " became non-finite (loss " + formatNumber(loss) +
           ") with learning rate " + formatNumber(lr) +
           ". The weights shown are those before the last update, the last with a finite "
           "loss. Lower the learning rate and press Reset.";
}

namespace {

} // namespace

ToyTrainer::ToyTrainer(Corpus corpus, const ToyConfig& config)
    : m_corpus(std::move(corpus)), m_model(m_corpus.vocab.size(), config),
      m_adam(AdamSettings{config.learningRate})
{
    checkCorpus();
}

ToyTrainer::ToyTrainer(Corpus corpus, const ToyConfig& config, ToyParams<float> init)
    : m_corpus(std::move(corpus)), m_model(std::move(init), config),
      m_adam(AdamSettings{config.learningRate})
{
    if (m_model.vocabSize() != m_corpus.vocab.size()) {
        throw InputError("the weights are for a vocabulary of " +
                         std::to_string(m_model.vocabSize()) + " tokens but the sentences have " +
                         std::to_string(m_corpus.vocab.size()));
    }
    checkCorpus();
}

ToyTrainer::ToyTrainer(Corpus corpus, const ToyConfig& config, ToyCheckpoint c)
    : ToyTrainer(std::move(corpus), config, std::move(c.params))
{
    const auto params = m_model.params().all();
    const auto fits = [&](const std::vector<Matrix>& moments) {
        if (moments.empty()) {
            return true;
        }
        if (moments.size() != params.size()) {
            return false;
        }
        for (size_t i = 0; i < params.size(); ++i) {
            if (moments[i].rows() != params[i]->rows() || moments[i].cols() != params[i]->cols()) {
                return false;
            }
        }
        return true;
    };
    if (!fits(c.adamM) || !fits(c.adamV) || c.adamM.size() != c.adamV.size()) {
        throw InputError("the optimizer's moments do not have the shapes of the weights");
    }
    const int sentences = static_cast<int>(m_corpus.sentences.size());
    if (c.sentence < 0 || c.sentence >= sentences || c.epoch < 0 || c.steps < 0 || c.adamStep < 0 ||
        static_cast<long>(c.epochLosses.size()) != c.epoch ||
        c.steps != static_cast<long>(c.epoch) * sentences + c.sentence) {
        throw InputError("the training position (epoch " + std::to_string(c.epoch) + ", step " +
                         std::to_string(c.steps) + ", sentence " + std::to_string(c.sentence + 1) +
                         ") does not fit " + std::to_string(sentences) + " sentences and " +
                         std::to_string(c.epochLosses.size()) + " epoch losses");
    }
    m_adam.restore(c.adamStep, std::move(c.adamM), std::move(c.adamV));
    m_epoch = c.epoch;
    m_steps = c.steps;
    m_sentence = c.sentence;
    m_epochSum = c.epochSum;
    m_epochLosses = std::move(c.epochLosses);
    m_diverged = c.diverged;
    m_message = std::move(c.message);
}

ToyTrainer::~ToyTrainer() = default;
ToyTrainer::ToyTrainer(ToyTrainer&&) noexcept = default;
ToyTrainer& ToyTrainer::operator=(ToyTrainer&&) noexcept = default;

void ToyTrainer::trainOn(std::shared_ptr<gpu::Session> session)
{
    pull();
    m_device = std::make_unique<DeviceToyEngine>(std::move(session), config(), m_model.params(),
                                                 m_adam, m_corpus.sentences, m_targets);
    m_hasPrevious = false;
}

void ToyTrainer::pull() const
{
    if (m_device && m_hostStale) {
        m_device->download(m_model.params(), m_adam);
        m_hostStale = false;
    }
}

ToyCheckpoint ToyTrainer::checkpoint() const
{
    pull();
    ToyCheckpoint c;
    c.params = m_model.params();
    c.adamStep = m_adam.stepCount();
    c.adamM = m_adam.firstMoments();
    c.adamV = m_adam.secondMoments();
    c.epoch = m_epoch;
    c.steps = m_steps;
    c.sentence = m_sentence;
    c.epochSum = m_epochSum;
    c.epochLosses = m_epochLosses;
    c.diverged = m_diverged;
    c.message = m_message;
    return c;
}

void ToyTrainer::checkCorpus()
{
    if (m_corpus.sentences.empty()) {
        throw InputError("there is no sentence to train on");
    }
    checkContext(m_corpus, m_model.context());
    for (const std::vector<int>& ids : m_corpus.sentences) {
        m_targets.push_back(nextTokenTargets(ids));
    }
}

TrainState ToyTrainer::state() const
{
    if (m_diverged) {
        return TrainState::Diverged;
    }
    if (m_epoch >= config().epochs) {
        return TrainState::Finished;
    }
    return m_steps == 0 ? TrainState::Ready : TrainState::Training;
}

bool ToyTrainer::step()
{
    if (done()) {
        return false;
    }
    if (m_device) {
        return deviceStep();
    }
    const auto sentence = static_cast<size_t>(m_sentence);
    const std::vector<int>& ids = m_corpus.sentences[sentence];
    const std::vector<int>& targets = m_targets[sentence];

    // Forward and backward.
    m_model.forward(ids, targets, m_forward);
    if (!std::isfinite(m_forward.loss)) {
        diverge(m_forward.loss, "the loss");
        return false;
    }
    m_model.backward(m_forward, ids, targets, m_grads, m_workspace);
    if (!m_grads.allFinite()) {
        diverge(m_forward.loss, "a gradient");
        return false;
    }
    update();
    finishStep(m_forward.loss);
    return true;
}

// The same step on the device: only the loss comes back.
bool ToyTrainer::deviceStep()
{
    const float loss = m_device->forwardBackward(m_sentence);
    if (!std::isfinite(loss)) {
        diverge(loss, "the loss");
        return false;
    }
    m_device->update();
    m_hostStale = true;
    finishStep(loss);
    return true;
}

// Bookkeeping of steps and epochs.
void ToyTrainer::finishStep(double loss)
{
    ++m_steps;
    m_epochSum += loss;
    if (++m_sentence == static_cast<int>(m_corpus.sentences.size())) {
        m_epochLosses.push_back(m_epochSum / static_cast<double>(m_corpus.sentences.size()));
        m_epochSum = 0;
        m_sentence = 0;
        ++m_epoch;
    }
}

void ToyTrainer::update()
{
    // The new weights go into m_previous's storage, which then trades places with the
    // model's: the weights before the step stay in m_previous, uncopied, in case the next
    // loss is not finite. Adam keeps its moments the same way.
    ToyParams<float>& params = m_model.params();
    const auto current = std::as_const(params).matrices();
    const auto grads = std::as_const(m_grads).matrices();
    m_adam.stepInto(current, grads, m_previous.matrices());
    params.swap(m_previous);
    m_hasPrevious = true;
}

void ToyTrainer::diverge(double loss, const char* what)
{
    // The parameters now in the model gave the non-finite value: go back one step.
    if (m_device) {
        m_device->undo();
        m_hostStale = true;
        pull();
    } else if (m_hasPrevious) {
        m_model.params().swap(m_previous);
        m_adam.undo();
        m_hasPrevious = false;
    }
    const long failedStep = m_steps + 1;
    m_diverged = true;
    m_message = divergenceMessage(failedStep, m_epoch + 1, what, loss, config().learningRate);
}

bool ToyTrainer::runEpoch()
{
    do {
        if (!step()) {
            return false;
        }
    } while (m_sentence != 0);
    return true;
}

void ToyTrainer::runToEnd()
{
    while (runEpoch()) {
    }
}

void ToyTrainer::setLearningRate(double lr)
{
    ToyConfig c = config();
    c.learningRate = lr;
    m_model.setConfig(c);
    m_adam.setLearningRate(lr);
    if (m_device) {
        m_device->setLearningRate(lr);
    }
}

void ToyTrainer::setEpochs(int epochs)
{
    ToyConfig c = config();
    c.epochs = epochs;
    m_model.setConfig(c);
}

SentenceSnapshot ToyTrainer::evaluate(const std::vector<int>& ids) const
{
    if (ids.size() > static_cast<size_t>(m_model.context())) {
        throw InputError("the sentence has " + std::to_string(ids.size()) +
                         " tokens (<start> included) but the context is " +
                         std::to_string(m_model.context()));
    }
    pull();
    SentenceSnapshot s;
    s.ids = ids;
    s.targets = nextTokenTargets(ids);
    for (int id : ids) {
        s.tokens.push_back(m_corpus.vocab.token(id));
    }
    const ToyForward<float> f = m_model.forward(s.ids, s.targets);
    s.inputs = f.inputs;
    s.queries = f.queries;
    s.keys = f.keys;
    s.scores = f.scores;
    s.weights = f.weights;
    s.values = f.values;
    s.logits = f.logits;
    s.probs = f.probs;
    s.loss = f.loss;
    return s;
}

Snapshot ToyTrainer::snapshot() const
{
    Snapshot snap;
    snap.state = state();
    snap.message = m_message;
    snap.epoch = m_epoch;
    snap.step = m_steps;
    snap.config = config();
    snap.vocab = m_corpus.vocab.tokens();
    snap.epochLosses = m_epochLosses;
    for (const auto& ids : m_corpus.sentences) {
        snap.sentences.push_back(evaluate(ids));
    }
    return snap;
}

} // namespace attnlab
