#include "trainer.h"

#include "errors.h"

#include <cmath>

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

void ToyTrainer::checkCorpus() const
{
    if (m_corpus.sentences.empty()) {
        throw InputError("there is no sentence to train on");
    }
    checkContext(m_corpus, m_model.context());
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
    const std::vector<int>& ids = m_corpus.sentences[static_cast<size_t>(m_sentence)];
    const std::vector<int> targets = nextTokenTargets(ids);

    // Forward and backward.
    const ToyForward<float> fwd = m_model.forward(ids, targets);
    if (!std::isfinite(fwd.loss)) {
        diverge(fwd.loss, "the loss");
        return false;
    }
    const ToyParams<float> grads = m_model.backward(fwd, ids, targets);
    if (!grads.allFinite()) {
        diverge(fwd.loss, "a gradient");
        return false;
    }

    // Update, keeping what it replaces in case the next loss is not finite.
    m_previous = m_model.params();
    m_previousAdam = m_adam;
    const ToyParams<float>& g = grads;
    m_adam.step(m_model.params().all(), g.all());
    ++m_steps;

    // Bookkeeping of epochs.
    m_epochSum += fwd.loss;
    if (++m_sentence == static_cast<int>(m_corpus.sentences.size())) {
        m_epochLosses.push_back(m_epochSum / static_cast<double>(m_corpus.sentences.size()));
        m_epochSum = 0;
        m_sentence = 0;
        ++m_epoch;
    }
    return true;
}

void ToyTrainer::diverge(double loss, const char* what)
{
    // The parameters now in the model gave the non-finite value: go back one step.
    if (m_previous) {
        m_model.params() = *m_previous;
        m_adam = *m_previousAdam;
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
