#include "vittrainer.h"

#include "checkpoint.h"
#include "devicevit.h"
#include "errors.h"
#include "texttrainer.h"
#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace attnlab {

namespace {

// Separate streams, so that switching dropout on does not change the order of the images.
constexpr std::uint64_t kDropoutStream = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kOrderStream = 0x165667b19e3779f9ULL;

void checkSet(const ImageSet& set, const VitConfig& c, const char* name)
{
    if (set.rows != c.imageRows || set.cols != c.imageCols) {
        throw InputError(std::string("the ") + name + " images are " + std::to_string(set.cols) +
                         "×" + std::to_string(set.rows) + " pixels; the model takes " +
                         std::to_string(c.imageCols) + "×" + std::to_string(c.imageRows));
    }
    const size_t expected = static_cast<size_t>(set.count()) * static_cast<size_t>(c.pixels());
    if (set.pixels.size() != expected) {
        throw InputError(std::string("the ") + name + " set has " +
                         std::to_string(set.pixels.size()) + " pixel values for " +
                         std::to_string(set.count()) + " images; expected " +
                         std::to_string(expected));
    }
    for (int i = 0; i < set.count(); ++i) {
        if (set.labels[static_cast<size_t>(i)] < 0 ||
            set.labels[static_cast<size_t>(i)] >= c.classes) {
            throw InputError(std::string("image ") + std::to_string(i + 1) + " of the " + name +
                             " set has the label " +
                             std::to_string(set.labels[static_cast<size_t>(i)]) +
                             "; labels go from 0 to " + std::to_string(c.classes - 1));
        }
    }
}

int argmax(const Matrix& row)
{
    Eigen::Index best = 0;
    row.row(0).maxCoeff(&best);
    return static_cast<int>(best);
}

} // namespace

void validate(const VitTrainConfig& c)
{
    validate(c.model);
    requireRange("batch size", c.batchSize, 1, 100000);
    requireRange("learning rate", c.learningRate, 1e-12, 1e30);
    requireRange("epochs", c.epochs, 1, 1000000);
}

VitTrainer::VitTrainer(std::shared_ptr<const ImageSet> train, std::shared_ptr<const ImageSet> test,
                       const VitTrainConfig& config)
    : m_train(train ? std::move(train) : std::make_shared<const ImageSet>()),
      m_test(test ? std::move(test) : std::make_shared<const ImageSet>()), m_config(config),
      m_model((validate(config), config.model)), m_adam(AdamSettings{config.learningRate}),
      m_dropoutRng(config.model.seed ^ kDropoutStream), m_orderRng(config.model.seed ^ kOrderStream)
{
    if (m_train->count() == 0) {
        throw InputError("there is no training image");
    }
    checkSet(*m_train, config.model, "training");
    if (m_test->count() > 0) {
        checkSet(*m_test, config.model, "test");
    }
    m_order.resize(static_cast<size_t>(m_train->count()));
    for (size_t i = 0; i < m_order.size(); ++i) {
        m_order[i] = static_cast<int>(i);
    }
    if (m_config.shuffle) {
        for (size_t i = m_order.size(); i > 1; --i) {
            std::swap(m_order[i - 1], m_order[m_orderRng.below(i)]);
        }
    }
}

VitTrainer::VitTrainer(std::shared_ptr<const ImageSet> train, std::shared_ptr<const ImageSet> test,
                       const VitTrainConfig& config, VitCheckpoint c)
    : VitTrainer(std::move(train), std::move(test), config)
{
    if (c.trainImages != m_train->count()) {
        throw InputError("the session was trained on " + std::to_string(c.trainImages) +
                         " training images; the set given has " + std::to_string(m_train->count()));
    }
    const std::vector<std::string> names = m_model.params().names();
    const std::vector<ParamShape> shapes = parameterShapes(m_config.model);
    checkWeights(names, shapes, std::as_const(c.params).all());
    checkMoments(names, shapes, c.adamM, c.adamV);
    checkPosition(c);
    m_dropoutRng.setState(c.dropoutRng);
    m_orderRng.setState(c.orderRng);
    m_model.params() = std::move(c.params);
    m_adam.restore(c.adamStep, std::move(c.adamM), std::move(c.adamV));
    m_order = std::move(c.order);
    m_next = c.next;
    m_epoch = c.epoch;
    m_steps = c.steps;
    m_epochSum = c.epochSum;
    m_epochImages = c.epochImages;
    m_epochLosses = std::move(c.epochLosses);
    m_stepLosses = std::move(c.stepLosses);
    m_stepAccuracies = std::move(c.stepAccuracies);
    m_diverged = c.diverged;
    m_message = std::move(c.message);
}

VitTrainer::~VitTrainer() = default;
VitTrainer::VitTrainer(VitTrainer&&) noexcept = default;
VitTrainer& VitTrainer::operator=(VitTrainer&&) noexcept = default;

void VitTrainer::trainOn(std::shared_ptr<gpu::Session> session)
{
    if (m_partial) {
        throw InputError("the GPU can take over training only between two steps");
    }
    pull();
    m_device = std::make_unique<DeviceVitEngine>(std::move(session), m_config.model,
                                                 m_model.params(), m_adam, *m_train);
    m_previous.reset();
    m_previousAdam.reset();
}

void VitTrainer::pull() const
{
    if (m_device && m_hostStale) {
        m_device->download(m_model.params(), m_adam);
        m_hostStale = false;
    }
}

// A position finishStep() could have reached: batches of batchSize from the epoch's start, one
// optimizer step, one Adam step, one loss and one accuracy each, one loss per completed epoch.
void VitTrainer::checkPosition(const VitCheckpoint& c) const
{
    const int total = m_train->count();
    const int batch = m_config.batchSize;
    checkOrder(c.order, total, "training images");
    checkAgrees(c.next >= 0 && c.next < total && c.next % batch == 0 && c.epochImages == c.next,
                "the next batch starts at image " + std::to_string(c.next + 1) + " of " +
                    std::to_string(total) + " in batches of " + std::to_string(batch) + ", " +
                    std::to_string(c.epochImages) + " images done in the epoch");
    checkAgrees(c.epoch >= 0 && c.epochLosses.size() == static_cast<size_t>(c.epoch),
                std::to_string(c.epochLosses.size()) + " epoch losses after " +
                    std::to_string(c.epoch) + " epochs");
    const long long perEpoch = stepsPerEpoch();
    checkAgrees(c.steps == c.epoch * perEpoch + c.next / batch && c.adamStep == c.steps,
                std::to_string(c.steps) + " steps and " + std::to_string(c.adamStep) +
                    " optimizer steps at epoch " + std::to_string(c.epoch) + ", image " +
                    std::to_string(c.next + 1));
    checkAgrees(c.stepLosses.size() == static_cast<size_t>(c.steps) &&
                    c.stepAccuracies.size() == static_cast<size_t>(c.steps),
                std::to_string(c.stepLosses.size()) + " step losses and " +
                    std::to_string(c.stepAccuracies.size()) + " accuracies after " +
                    std::to_string(c.steps) + " steps");
    checkAgrees(c.steps == 0 || !c.adamM.empty(),
                "the optimizer has no moments after " + std::to_string(c.steps) + " steps");
}

VitCheckpoint VitTrainer::checkpoint() const
{
    pull();
    VitCheckpoint c;
    c.params = m_model.params();
    c.adamStep = m_adam.stepCount();
    c.adamM = m_adam.firstMoments();
    c.adamV = m_adam.secondMoments();
    c.trainImages = m_train->count();
    c.epoch = m_epoch;
    c.steps = m_steps;
    c.next = m_next;
    c.order = m_order;
    c.epochSum = m_epochSum;
    c.epochImages = m_epochImages;
    c.epochLosses = m_epochLosses;
    c.stepLosses = m_stepLosses;
    c.stepAccuracies = m_stepAccuracies;
    c.diverged = m_diverged;
    c.message = m_message;
    // A step begun has changed nothing but the dropout generator: the state before it.
    c.dropoutRng = m_partial ? m_partial->dropoutAtStart : m_dropoutRng.state();
    c.orderRng = m_orderRng.state();
    return c;
}

TrainState VitTrainer::state() const
{
    if (m_diverged) {
        return TrainState::Diverged;
    }
    if (m_epoch >= m_config.epochs) {
        return TrainState::Finished;
    }
    return m_steps == 0 ? TrainState::Ready : TrainState::Training;
}

bool VitTrainer::done() const
{
    return m_diverged || m_epoch >= m_config.epochs;
}

int VitTrainer::stepsPerEpoch() const
{
    return (m_train->count() + m_config.batchSize - 1) / m_config.batchSize;
}

int VitTrainer::stepInEpoch() const
{
    return (m_next + m_config.batchSize - 1) / m_config.batchSize;
}

bool VitTrainer::step()
{
    return advance(m_config.batchSize) == Progress::Stepped;
}

VitTrainer::Progress VitTrainer::advance(int images)
{
    if (done()) {
        return Progress::Nothing;
    }
    if (!m_partial) {
        const int n = std::min(m_config.batchSize, m_train->count() - m_next);
        m_partial = PartialStep{m_device ? VitParams<float>{} : m_model.params().zerosLike(),
                                0.0,
                                0,
                                0,
                                n,
                                m_dropoutRng.state()};
        if (m_device) {
            m_device->beginStep(n, m_dropoutRng.word());
        }
    }
    PartialStep& p = *m_partial;
    const int last = std::min(p.images, p.done + std::max(1, images));
    if (m_device) {
        deviceImages(p, last);
    }
    const float scale = 1.0f / static_cast<float>(p.images);
    Rng* dropout = m_config.model.dropout > 0 ? &m_dropoutRng : nullptr;
    for (; p.done < last; ++p.done) {
        const int i = m_order[static_cast<size_t>(m_next + p.done)];
        const int label = m_train->labels[static_cast<size_t>(i)];
        const VitForward<float> f = m_model.forward(m_train->image(i), label, dropout);
        p.loss += f.loss;
        p.correct += argmax(f.probs) == label ? 1 : 0;
        m_model.backward(f, scale, p.grads);
    }
    if (p.done < p.images) {
        return Progress::Partial;
    }
    finishStep();
    return m_diverged ? Progress::Nothing : Progress::Stepped;
}

// The batch's images up to `last` on the device, at once.
void VitTrainer::deviceImages(PartialStep& p, int last)
{
    const auto first = m_order.begin() + m_next + p.done;
    const std::vector<int> indices(first, first + (last - p.done));
    const DeviceVitEngine::Pass pass = m_device->forwardBackward(indices, p.done);
    p.loss += pass.lossSum;
    p.correct += pass.correct;
    p.done = last;
}

// The update of a step whose images are all done, and its bookkeeping.
void VitTrainer::finishStep()
{
    PartialStep p = std::move(*m_partial);
    m_partial.reset();
    const int n = p.images;
    const double loss = p.loss / n;
    if (!std::isfinite(loss)) {
        return diverge(loss, "the loss");
    }
    if (m_device) {
        m_device->update();
        m_hostStale = true;
    } else {
        if (!p.grads.allFinite()) {
            return diverge(loss, "a gradient");
        }
        m_previous = m_model.params();
        m_previousAdam = m_adam;
        m_adam.step(m_model.params().all(), std::as_const(p.grads).all());
    }
    ++m_steps;
    m_stepLosses.push_back(loss);
    m_stepAccuracies.push_back(static_cast<double>(p.correct) / n);
    m_epochSum += loss * n;
    m_epochImages += n;
    m_next += n;
    if (m_next >= m_train->count()) {
        m_epochLosses.push_back(m_epochSum / m_epochImages);
        m_epochSum = 0;
        m_epochImages = 0;
        m_next = 0;
        ++m_epoch;
        if (m_config.shuffle) {
            for (size_t i = m_order.size(); i > 1; --i) {
                std::swap(m_order[i - 1], m_order[m_orderRng.below(i)]);
            }
        }
    }
}

bool VitTrainer::runEpoch()
{
    const int epoch = m_epoch;
    while (m_epoch == epoch && step()) {
    }
    return !m_diverged && m_epoch > epoch;
}

void VitTrainer::diverge(double loss, const char* what)
{
    // The parameters now in the model gave the non-finite value: go back one step.
    if (m_device) {
        m_device->undo();
        m_hostStale = true;
        pull();
    } else if (m_previous) {
        m_model.params() = *m_previous;
        m_adam = *m_previousAdam;
    }
    m_diverged = true;
    m_message = divergenceMessage(m_steps + 1, m_epoch + 1, what, loss, m_config.learningRate);
}

void VitTrainer::setLearningRate(double lr)
{
    requireRange("learning rate", lr, 1e-12, 1e30);
    m_config.learningRate = lr;
    m_adam.setLearningRate(lr);
    if (m_device) {
        m_device->setLearningRate(lr);
    }
}

void VitTrainer::setEpochs(int epochs)
{
    m_config.epochs = std::max(epochs, 1);
}

VitEvaluation VitTrainer::evaluate(const ImageSet& set, int limit) const
{
    const int classes = m_config.model.classes;
    VitEvaluation e;
    e.images = limit > 0 ? std::min(limit, set.count()) : set.count();
    e.confusion = Matrix::Zero(classes, classes);
    int correct = 0;
    // On a device the images go through there, and their log-probabilities are taken here.
    Matrix logProbs;
    if (m_device && e.images > 0) {
        ops::logSoftmaxRows(Matrix(m_device->logits(set, e.images)), logProbs);
    } else {
        pull();
    }
    for (int i = 0; i < e.images; ++i) {
        const int label = set.labels[static_cast<size_t>(i)];
        int predicted = 0;
        if (m_device) {
            e.loss -= logProbs(i, label);
            predicted = argmax(logProbs.row(i));
        } else {
            const VitForward<float> f = m_model.forward(set.image(i), label, nullptr);
            e.loss += f.loss;
            predicted = argmax(f.probs);
        }
        correct += predicted == label ? 1 : 0;
        e.confusion(label, predicted) += 1.0f;
    }
    if (e.images > 0) {
        e.loss /= e.images;
        e.accuracy = static_cast<double>(correct) / e.images;
    }
    return e;
}

VitImageSnapshot VitTrainer::snapshot(const float* image, int label) const
{
    pull();
    const VitForward<float> f = m_model.forward(image, label, nullptr);
    VitImageSnapshot s;
    s.label = label;
    s.probs = f.probs;
    s.predicted = argmax(f.probs);
    const int t = m_config.model.tokens();
    for (const BlockForward<float>& b : f.blocks) {
        s.weights.push_back(b.weights);
        Matrix mean = Matrix::Zero(t, t);
        for (const Matrix& w : b.weights) {
            mean += w;
        }
        s.meanWeights.push_back(mean / static_cast<float>(b.weights.size()));
    }
    s.rollout =
        s.meanWeights.empty() ? Matrix(Matrix::Identity(t, t)) : attentionRollout(s.meanWeights);
    return s;
}

} // namespace attnlab
