#include "texttrainer.h"

#include "blockops.h"
#include "checkpoint.h"
#include "devicetext.h"
#include "errors.h"
#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace attnlab {

namespace {

// Separate streams, so that switching dropout on does not change which tokens get masked.
constexpr std::uint64_t kDropoutStream = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kMaskStream = 0xc2b2ae3d27d4eb4fULL;
constexpr std::uint64_t kOrderStream = 0x165667b19e3779f9ULL;

Vocab vocabFor(const Corpus& corpus, Objective objective)
{
    Vocab vocab = corpus.vocab;
    if (objective == Objective::Masked) {
        vocab.add(std::string(kMaskToken));
    }
    return vocab;
}

TransformerConfig modelFor(const TextConfig& config, const Vocab& vocab)
{
    TransformerConfig model = config.model;
    model.vocab = vocab.size();
    model.causal = config.objective == Objective::Causal;
    return model;
}

// The softmax of the final projection applied to one layer's output: the "logit lens".
Matrix lensProbs(const TransformerParams<float>& p, bool layerNorm, const Matrix& x)
{
    Matrix normed = x;
    if (layerNorm) {
        ops::LayerNormCache<float> cache;
        ops::layerNormForward(x, p.lnfGamma, p.lnfBeta, normed, cache);
    }
    Matrix logits, probs;
    ops::affineForward(normed, p.wout, p.bout, logits);
    ops::softmaxRows(logits, probs);
    return probs;
}

Matrix topLeft(const Matrix& m, int rows, int cols)
{
    return m.topLeftCorner(rows, cols);
}

} // namespace

const char* objectiveName(Objective objective)
{
    switch (objective) {
    case Objective::Causal:
        return "causal";
    case Objective::Unmasked:
        return "unmasked";
    case Objective::Masked:
        return "masked";
    }
    return "causal";
}

std::optional<Objective> parseObjective(std::string_view name)
{
    for (Objective o : {Objective::Causal, Objective::Unmasked, Objective::Masked}) {
        if (name == objectiveName(o)) {
            return o;
        }
    }
    return std::nullopt;
}

const char* objectiveTitle(Objective objective)
{
    switch (objective) {
    case Objective::Causal:
        return "next token, causal mask (GPT)";
    case Objective::Unmasked:
        return "next token, no mask (looks ahead)";
    case Objective::Masked:
        return "masked token (BERT)";
    }
    return "";
}

void validate(const TextConfig& config)
{
    TransformerConfig model = config.model;
    model.vocab = std::max(model.vocab, 2);
    validate(model);
    requireRange("context", config.model.context, 2, 4096);
    requireRange("mask fraction", config.maskFraction, 0.01, 1.0);
    requireRange("batch size", config.batchSize, 1, 4096);
    requireRange("learning rate", config.learningRate, 1e-12, 1e30);
    requireRange("number of epochs", config.epochs, 1, 100000000);
}

TransformerConfig modelConfig(const TextConfig& config, const Corpus& corpus)
{
    return modelFor(config, vocabFor(corpus, config.objective));
}

std::vector<std::string> fitToContext(Corpus& corpus, int context, LongSentences policy)
{
    if (policy == LongSentences::Refuse) {
        checkContext(corpus, context);
        return {};
    }
    std::vector<std::string> messages;
    for (size_t s = 0; s < corpus.sentences.size(); ++s) {
        std::vector<int>& ids = corpus.sentences[s];
        if (ids.size() > static_cast<size_t>(context)) {
            messages.push_back(
                "sentence " + std::to_string(s + 1) + " has " + std::to_string(ids.size()) +
                " tokens (<start> included); cut to the context of " + std::to_string(context));
            ids.resize(static_cast<size_t>(context));
        }
    }
    return messages;
}

Matrix attentionRollout(const std::vector<Matrix>& meanWeights)
{
    const Eigen::Index t = meanWeights.front().rows();
    Matrix rollout = Matrix::Identity(t, t);
    for (const Matrix& w : meanWeights) {
        Matrix a = 0.5f * w + 0.5f * Matrix::Identity(t, t);
        const Eigen::VectorXf sums = a.rowwise().sum();
        for (Eigen::Index r = 0; r < t; ++r) {
            a.row(r) /= sums(r);
        }
        rollout = (a * rollout).eval();
    }
    return rollout;
}

TextTrainer::TextTrainer(Corpus corpus, const TextConfig& config)
    : m_corpus(std::move(corpus)), m_vocab(vocabFor(m_corpus, config.objective)), m_config(config),
      m_model((validate(config), modelFor(config, m_vocab))),
      m_adam(AdamSettings{config.learningRate}), m_dropoutRng(config.model.seed ^ kDropoutStream),
      m_maskRng(config.model.seed ^ kMaskStream), m_orderRng(config.model.seed ^ kOrderStream)
{
    m_config.model = m_model.config();
    checkCorpus();
    m_order = batchOrder();
}

TextTrainer::TextTrainer(Corpus corpus, const TextConfig& config, TextCheckpoint c)
    : TextTrainer(std::move(corpus), config)
{
    const std::vector<std::string> names = m_model.params().names();
    const std::vector<ParamShape> shapes = parameterShapes(m_model.config());
    checkWeights(names, shapes, std::as_const(c.params).all());
    checkMoments(names, shapes, c.adamM, c.adamV);
    checkPosition(c);
    m_dropoutRng.setState(c.dropoutRng);
    m_maskRng.setState(c.maskRng);
    m_orderRng.setState(c.orderRng);
    m_model.params() = std::move(c.params);
    m_adam.restore(c.adamStep, std::move(c.adamM), std::move(c.adamV));
    m_order = std::move(c.order);
    m_next = c.next;
    m_epoch = c.epoch;
    m_steps = c.steps;
    m_epochSum = c.epochSum;
    m_epochBatches = c.epochBatches;
    m_epochLosses = std::move(c.epochLosses);
    m_diverged = c.diverged;
    m_message = std::move(c.message);
}

// A position step() could have reached: batches of batchSize from the epoch's start, one
// optimizer step and one Adam step each, one loss per completed epoch.
void TextTrainer::checkPosition(const TextCheckpoint& c) const
{
    const int total = static_cast<int>(m_corpus.sentences.size());
    const int batch = m_config.batchSize;
    checkOrder(c.order, total, "sentences");
    checkAgrees(c.next >= 0 && c.next < total && c.next % batch == 0,
                "the next batch starts at sentence " + std::to_string(c.next + 1) + " of " +
                    std::to_string(total) + " in batches of " + std::to_string(batch));
    checkAgrees(c.epochBatches == c.next / batch, std::to_string(c.epochBatches) +
                                                      " batches done in the epoch, " +
                                                      std::to_string(c.next) + " sentences");
    checkAgrees(c.epoch >= 0 && c.epochLosses.size() == static_cast<size_t>(c.epoch),
                std::to_string(c.epochLosses.size()) + " epoch losses after " +
                    std::to_string(c.epoch) + " epochs");
    const long long perEpoch = (total + batch - 1) / batch;
    checkAgrees(c.steps == c.epoch * perEpoch + c.next / batch && c.adamStep == c.steps,
                std::to_string(c.steps) + " steps and " + std::to_string(c.adamStep) +
                    " optimizer steps at epoch " + std::to_string(c.epoch) + ", sentence " +
                    std::to_string(c.next + 1));
    checkAgrees(c.steps == 0 || !c.adamM.empty(),
                "the optimizer has no moments after " + std::to_string(c.steps) + " steps");
}

TextTrainer::~TextTrainer() = default;
TextTrainer::TextTrainer(TextTrainer&&) noexcept = default;
TextTrainer& TextTrainer::operator=(TextTrainer&&) noexcept = default;

void TextTrainer::trainOn(std::shared_ptr<gpu::Session> session)
{
    pull();
    m_device = std::make_unique<DeviceTextEngine>(std::move(session), m_model.config(),
                                                  m_model.params(), m_adam);
    m_previous.reset();
    m_previousAdam.reset();
}

void TextTrainer::pull() const
{
    if (m_device && m_hostStale) {
        m_device->download(m_model.params(), m_adam);
        m_hostStale = false;
    }
}

TextCheckpoint TextTrainer::checkpoint() const
{
    pull();
    TextCheckpoint c;
    c.params = m_model.params();
    c.adamStep = m_adam.stepCount();
    c.adamM = m_adam.firstMoments();
    c.adamV = m_adam.secondMoments();
    c.epoch = m_epoch;
    c.steps = m_steps;
    c.next = m_next;
    c.order = m_order;
    c.epochSum = m_epochSum;
    c.epochBatches = m_epochBatches;
    c.epochLosses = m_epochLosses;
    c.diverged = m_diverged;
    c.message = m_message;
    c.dropoutRng = m_dropoutRng.state();
    c.maskRng = m_maskRng.state();
    c.orderRng = m_orderRng.state();
    return c;
}

void TextTrainer::checkCorpus() const
{
    if (m_corpus.sentences.empty()) {
        throw InputError("there is no sentence to train on");
    }
    checkContext(m_corpus, m_config.model.context);
}

std::vector<int> TextTrainer::batchOrder()
{
    std::vector<int> order(m_corpus.sentences.size());
    for (size_t i = 0; i < order.size(); ++i) {
        order[i] = static_cast<int>(i);
    }
    if (m_config.shuffle) {
        // Fisher-Yates with the trainer's own generator, the same on every platform.
        for (size_t i = order.size(); i > 1; --i) {
            std::swap(order[i - 1], order[m_orderRng.below(i)]);
        }
    }
    return order;
}

TrainState TextTrainer::state() const
{
    if (m_diverged) {
        return TrainState::Diverged;
    }
    if (m_epoch >= m_config.epochs) {
        return TrainState::Finished;
    }
    return m_steps == 0 ? TrainState::Ready : TrainState::Training;
}

std::vector<int> TextTrainer::targetsFor(const std::vector<int>& ids) const
{
    if (m_config.objective == Objective::Masked) {
        return std::vector<int>(ids.size(), kNoTarget);
    }
    return nextTokenTargets(ids);
}

void TextTrainer::maskForTraining(std::vector<int>& ids, std::vector<int>& targets)
{
    // Tokens after <start>; round the share, but mask at least one.
    const int candidates = static_cast<int>(ids.size()) - 1;
    const int count = std::clamp(static_cast<int>(std::lround(m_config.maskFraction * candidates)),
                                 1, candidates);
    std::vector<int> positions(static_cast<size_t>(candidates));
    for (int i = 0; i < candidates; ++i) {
        positions[static_cast<size_t>(i)] = i + 1;
    }
    const int maskId = m_vocab.size() - 1;
    for (int i = 0; i < count; ++i) {
        const auto pick =
            i + static_cast<int>(m_maskRng.below(static_cast<std::uint64_t>(candidates - i)));
        std::swap(positions[static_cast<size_t>(i)], positions[static_cast<size_t>(pick)]);
        const auto p = static_cast<size_t>(positions[static_cast<size_t>(i)]);
        targets[p] = ids[p];
        ids[p] = maskId;
    }
}

bool TextTrainer::step()
{
    if (done()) {
        return false;
    }
    const int total = static_cast<int>(m_order.size());
    const int count = std::min(m_config.batchSize, total - m_next);
    const std::span<const int> batch(m_order.data() + m_next, static_cast<size_t>(count));
    if (!trainBatch(batch)) {
        return false;
    }
    m_next += count;
    if (m_next == total) {
        m_epochLosses.push_back(m_epochSum / m_epochBatches);
        m_epochSum = 0;
        m_epochBatches = 0;
        m_next = 0;
        ++m_epoch;
        m_order = batchOrder();
    }
    return true;
}

int TextTrainer::trainingSentence(int index, size_t tokens, std::vector<int>& ids,
                                  std::vector<int>& targets)
{
    ids = m_corpus.sentences[static_cast<size_t>(index)];
    const int length = static_cast<int>(ids.size());
    targets = targetsFor(ids);
    if (m_config.objective == Objective::Masked) {
        maskForTraining(ids, targets);
    }
    ids.resize(tokens, 0);
    targets.resize(tokens, kNoTarget);
    return length;
}

size_t TextTrainer::longestOf(std::span<const int> sentences) const
{
    size_t longest = 0;
    for (int s : sentences) {
        longest = std::max(longest, m_corpus.sentences[static_cast<size_t>(s)].size());
    }
    return longest;
}

bool TextTrainer::trainBatch(std::span<const int> sentences)
{
    if (m_device) {
        return trainBatchOnDevice(sentences);
    }
    // Pad to the longest sentence of the batch; padding has no target.
    const size_t longest = longestOf(sentences);

    // Forward and backward of each sentence, gradients weighted by its share of the targets.
    std::vector<TransformerForward<float>> forwards;
    std::vector<std::vector<int>> batchTargets;
    int counted = 0;
    double lossSum = 0;
    for (int s : sentences) {
        std::vector<int> ids, targets;
        const int length = trainingSentence(s, longest, ids, targets);
        forwards.push_back(m_model.forward(ids, length, targets, &m_dropoutRng));
        lossSum += static_cast<double>(forwards.back().loss) * forwards.back().counted;
        counted += forwards.back().counted;
        batchTargets.push_back(std::move(targets));
    }
    const double loss = lossSum / std::max(counted, 1);
    if (!std::isfinite(loss)) {
        diverge(loss, "the loss");
        return false;
    }
    TransformerParams<float> grads = m_model.params().zerosLike();
    for (size_t i = 0; i < forwards.size(); ++i) {
        const TransformerParams<float> g = m_model.backward(forwards[i], batchTargets[i]);
        const float share = static_cast<float>(forwards[i].counted) / std::max(counted, 1);
        const auto dst = grads.all();
        const auto src = g.all();
        for (size_t k = 0; k < dst.size(); ++k) {
            *dst[k] += share * *src[k];
        }
    }
    if (!grads.allFinite()) {
        diverge(loss, "a gradient");
        return false;
    }

    // Update, keeping what it replaces in case the next loss is not finite.
    m_previous = m_model.params();
    m_previousAdam = m_adam;
    const TransformerParams<float>& g = grads;
    m_adam.step(m_model.params().all(), g.all());
    return finishBatch(loss);
}

// The same step with the passes on the device: the sentences' ids and targets are made first,
// so that each knows its share of the batch's targets before its backward pass.
bool TextTrainer::trainBatchOnDevice(std::span<const int> sentences)
{
    const size_t longest = longestOf(sentences);
    std::vector<std::vector<int>> ids(sentences.size()), targets(sentences.size());
    std::vector<int> lengths, counts;
    int counted = 0;
    for (size_t i = 0; i < sentences.size(); ++i) {
        lengths.push_back(trainingSentence(sentences[i], longest, ids[i], targets[i]));
        counts.push_back(static_cast<int>(std::count_if(
            targets[i].begin(), targets[i].end(), [](int target) { return target != kNoTarget; })));
        counted += counts.back();
    }
    m_device->beginStep(static_cast<int>(sentences.size()), static_cast<int>(longest),
                        m_dropoutRng.word());
    double lossSum = 0;
    for (size_t i = 0; i < sentences.size(); ++i) {
        const float share = static_cast<float>(counts[i]) / std::max(counted, 1);
        const float loss =
            m_device->forwardBackward(ids[i], lengths[i], targets[i], static_cast<int>(i), share);
        lossSum += static_cast<double>(loss) * counts[i];
    }
    const double loss = lossSum / std::max(counted, 1);
    if (!std::isfinite(loss)) {
        diverge(loss, "the loss");
        return false;
    }
    m_device->update();
    m_hostStale = true;
    return finishBatch(loss);
}

bool TextTrainer::finishBatch(double loss)
{
    ++m_steps;
    m_epochSum += loss;
    ++m_epochBatches;
    return true;
}

void TextTrainer::diverge(double loss, const char* what)
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

bool TextTrainer::runEpoch()
{
    do {
        if (!step()) {
            return false;
        }
    } while (m_next != 0);
    return true;
}

void TextTrainer::runToEnd()
{
    while (runEpoch()) {
    }
}

void TextTrainer::setLearningRate(double lr)
{
    requireRange("learning rate", lr, 1e-12, 1e30);
    m_config.learningRate = lr;
    m_adam.setLearningRate(lr);
    if (m_device) {
        m_device->setLearningRate(lr);
    }
}

void TextTrainer::setEpochs(int epochs)
{
    requireRange("number of epochs", epochs, 1, 100000000);
    m_config.epochs = epochs;
}

TextSentenceSnapshot TextTrainer::describe(const std::vector<int>& ids,
                                           std::vector<int> targets) const
{
    const int t = static_cast<int>(ids.size());
    pull();
    const TransformerForward<float> f = m_model.forward(ids, t, targets, nullptr);
    TextSentenceSnapshot s;
    s.ids = ids;
    s.targets = std::move(targets);
    for (int id : ids) {
        s.tokens.push_back(m_vocab.token(id));
    }
    const bool layerNorm = m_config.model.layerNorm;
    for (const BlockForward<float>& b : f.blocks) {
        s.weights.push_back(b.weights);
        Matrix mean = Matrix::Zero(t, t);
        for (const Matrix& w : b.weights) {
            mean += w;
        }
        s.meanWeights.push_back(mean / static_cast<float>(b.weights.size()));
        s.layerProbs.push_back(lensProbs(m_model.params(), layerNorm, b.output));
    }
    s.rollout =
        s.meanWeights.empty() ? Matrix(Matrix::Identity(t, t)) : attentionRollout(s.meanWeights);
    s.probs = topLeft(f.probs, t, m_vocab.size());
    s.loss = f.loss;
    s.counted = f.counted;
    return s;
}

TextSentenceSnapshot TextTrainer::evaluate(const std::vector<int>& ids,
                                           std::span<const int> masked) const
{
    const int t = static_cast<int>(ids.size());
    if (t > m_config.model.context) {
        throw InputError("the sentence has " + std::to_string(t) +
                         " tokens (<start> included) but the context is " +
                         std::to_string(m_config.model.context));
    }
    std::vector<int> input = ids;
    std::vector<int> targets = targetsFor(ids);
    if (m_config.objective == Objective::Masked) {
        for (int p : masked) {
            if (p < 0 || p >= t) {
                throw InputError("cannot mask token " + std::to_string(p + 1) +
                                 ": the sentence has " + std::to_string(t) + " tokens");
            }
            targets[static_cast<size_t>(p)] = ids[static_cast<size_t>(p)];
            input[static_cast<size_t>(p)] = m_vocab.size() - 1;
        }
    }
    return describe(input, std::move(targets));
}

TextSnapshot TextTrainer::snapshot(std::span<const int> maskAt) const
{
    TextSnapshot snap;
    snap.state = state();
    snap.message = m_message;
    snap.epoch = m_epoch;
    snap.step = m_steps;
    snap.config = m_config;
    snap.vocab = m_vocab.tokens();
    snap.epochLosses = m_epochLosses;
    for (size_t i = 0; i < m_corpus.sentences.size(); ++i) {
        const std::vector<int>& ids = m_corpus.sentences[i];
        const int last = static_cast<int>(ids.size()) - 1;
        int position = i < maskAt.size() ? maskAt[i] : last;
        if (position < 0 || position > last) {
            position = last;
        }
        const int masked[] = {position};
        snap.sentences.push_back(evaluate(ids, masked));
    }
    return snap;
}

} // namespace attnlab
