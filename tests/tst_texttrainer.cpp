// The transformer trainer: the three objectives on the lesson (the unmasked model cheats by
// looking ahead, the causal one cannot), batches of padded sentences that train exactly like
// the sentences alone (C06), long sentences refused or cut (C07), masked-token training,
// rollout and the per-layer predictions, determinism.
#include <errors.h>
#include <texttrainer.h>

#include <QTest>

#include <cmath>

using namespace attnlab;

namespace {

TextConfig lessonConfig(Objective objective)
{
    TextConfig c;
    c.model.embed = 16;
    c.model.heads = 2;
    c.model.headSize = 16;
    c.model.layers = 1;
    c.model.mlpWidth = 32;
    c.model.context = 8;
    c.model.seed = 5;
    c.objective = objective;
    c.learningRate = 3e-3;
    c.epochs = 300;
    return c;
}

Corpus c06Corpus()
{
    return parseCorpus("a b\nc d e f\nb\n");
}

// A line of `count` words drawn in turn from `distinct` different ones.
std::string words(int count, int distinct)
{
    std::string line;
    for (int i = 0; i < count; ++i) {
        line += 'w';
        line += std::to_string(i % distinct);
        line += ' ';
    }
    return line;
}

double maxAbove(const Matrix& w)
{
    double most = 0;
    for (Eigen::Index r = 0; r < w.rows(); ++r) {
        for (Eigen::Index c = r + 1; c < w.cols(); ++c) {
            most = std::max(most, static_cast<double>(w(r, c)));
        }
    }
    return most;
}

} // namespace

class TestTextTrainer : public QObject
{
    Q_OBJECT
private slots:
    void unmaskedModelLooksAheadAndBeatsTheCausalOne();
    void causalWeightsAboveTheDiagonalAreExactlyZero();
    void batchOfPaddedSentencesTrainsLikeTheSentencesAlone();
    void snapshotIsSizedToEachSentence();
    void longSentenceIsRefusedOrCutWithAMessage();
    void sixtyFourTokensTrainAndSnapshot();
    void maskedObjectiveHidesTokensAndLearnsThem();
    void maskedPositionOutOfRangeIsRefused();
    void typedMaskWordStaysAWordOfItsOwn();
    void rolloutRowsSumToOneAndFollowTheFormula();
    void lastLayerPredictionsAreTheOutput();
    void sameSeedSameRun();
    void headSizeThatDoesNotDivideIsRefused();
    void nonFiniteLossStopsWithAMessage();
};

void TestTextTrainer::unmaskedModelLooksAheadAndBeatsTheCausalOne()
{
    TextTrainer causal(lessonCorpus(), lessonConfig(Objective::Causal));
    TextTrainer unmasked(lessonCorpus(), lessonConfig(Objective::Unmasked));
    causal.runToEnd();
    unmasked.runToEnd();
    QCOMPARE(causal.state(), TrainState::Finished);

    // The causal model cannot know man from woman at <start>: its loss stays near
    // ln 2 / 5 ≈ 0.139 per token. The unmasked one reads the answer off the next position.
    const double causalLoss = causal.epochLosses().back();
    const double unmaskedLoss = unmasked.epochLosses().back();
    qInfo("final loss: causal %.4f, unmasked %.4f", causalLoss, unmaskedLoss);
    QVERIFY2(causalLoss > 0.1, std::to_string(causalLoss).c_str());
    QVERIFY2(unmaskedLoss < 0.2 * causalLoss, std::to_string(unmaskedLoss).c_str());

    // Looking ahead: some query puts most of its weight on a later position.
    const TextSnapshot snap = unmasked.snapshot();
    QVERIFY(maxAbove(snap.sentences[0].meanWeights[0]) > 0.5);
    QCOMPARE(snap.config.model.causal, false);
}

void TestTextTrainer::causalWeightsAboveTheDiagonalAreExactlyZero()
{
    TextConfig c = lessonConfig(Objective::Causal);
    c.model.layers = 2;
    c.epochs = 20;
    TextTrainer trainer(lessonCorpus(), c);
    trainer.runToEnd();
    for (const TextSentenceSnapshot& s : trainer.snapshot().sentences) {
        for (const std::vector<Matrix>& layer : s.weights) {
            QCOMPARE(static_cast<int>(layer.size()), 2);
            for (const Matrix& w : layer) {
                QCOMPARE(maxAbove(w), 0.0);
            }
        }
        QCOMPARE(maxAbove(s.rollout), 0.0);
    }
}

void TestTextTrainer::batchOfPaddedSentencesTrainsLikeTheSentencesAlone()
{
    // C06: sentences of 3, 5 and 2 tokens in one batch. The batch's gradient must be the
    // target-weighted mean of each sentence's own unpadded gradient; one Adam step on that
    // from the same start gives the same weights.
    TextConfig c = lessonConfig(Objective::Causal);
    c.batchSize = 3;
    c.model.layers = 2;
    TextTrainer trainer(c06Corpus(), c);
    Transformer<float> reference = trainer.model();

    TransformerParams<float> sum = reference.params().zerosLike();
    int counted = 0;
    for (const std::vector<int>& ids : trainer.corpus().sentences) {
        const std::vector<int> targets = nextTokenTargets(ids);
        const auto f = reference.forward(ids, static_cast<int>(ids.size()), targets, nullptr);
        const TransformerParams<float> g = reference.backward(f, targets);
        for (size_t k = 0; k < sum.all().size(); ++k) {
            *sum.all()[k] += static_cast<float>(f.counted) * *g.all()[k];
        }
        counted += f.counted;
    }
    for (Matrix* m : sum.all()) {
        *m /= static_cast<float>(counted);
    }
    Adam<float> adam(AdamSettings{c.learningRate});
    const TransformerParams<float>& grads = sum;
    adam.step(reference.params().all(), grads.all());

    QVERIFY(trainer.step());
    QCOMPARE(trainer.epoch(), 1);
    const auto got = trainer.model().params().all();
    const auto want = std::as_const(reference).params().all();
    for (size_t k = 0; k < got.size(); ++k) {
        const double err = (*got[k] - *want[k]).cwiseAbs().maxCoeff();
        QVERIFY2(
            err < 1e-6,
            (trainer.model().params().names()[k] + " differs by " + std::to_string(err)).c_str());
    }
}

void TestTextTrainer::snapshotIsSizedToEachSentence()
{
    TextConfig c = lessonConfig(Objective::Causal);
    c.batchSize = 3;
    TextTrainer trainer(c06Corpus(), c);
    trainer.runEpoch();
    const TextSnapshot snap = trainer.snapshot();
    const TextSentenceSnapshot& third = snap.sentences[2];
    const std::vector<std::string> tokens{"<start>", "b"};
    QCOMPARE(third.tokens, tokens);
    QCOMPARE(third.weights[0][0].rows(), 2);
    QCOMPARE(third.weights[0][0].cols(), 2);
    QCOMPARE(third.probs.rows(), 2);
    QCOMPARE(third.probs.cols(), trainer.vocab().size());
    QCOMPARE(third.layerProbs[0].rows(), 2);
}

void TestTextTrainer::longSentenceIsRefusedOrCutWithAMessage()
{
    // C07: 300 words with the context set to 16.
    const std::string line = words(300, 40);
    TextConfig c = lessonConfig(Objective::Causal);
    c.model.context = 16;
    try {
        TextTrainer refused(parseCorpus(line), c);
        QFAIL("a 301-token sentence was accepted with context 16");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("301 tokens"), e.what());
        QVERIFY2(QString(e.what()).contains("context is 16"), e.what());
    }

    Corpus corpus = parseCorpus(line);
    const std::vector<std::string> messages = fitToContext(corpus, 16, LongSentences::Cut);
    QCOMPARE(messages.size(), size_t(1));
    QVERIFY2(QString::fromStdString(messages[0]).contains("301 tokens"), messages[0].c_str());
    QVERIFY2(QString::fromStdString(messages[0]).contains("context of 16"), messages[0].c_str());
    QCOMPARE(corpus.sentences[0].size(), size_t(16));
    TextTrainer cut(corpus, c);
    QVERIFY(cut.step());
}

void TestTextTrainer::sixtyFourTokensTrainAndSnapshot()
{
    const std::string line = words(63, 20);
    TextConfig c = lessonConfig(Objective::Causal);
    c.model.context = 64;
    c.epochs = 2;
    TextTrainer trainer(parseCorpus(line), c);
    trainer.runToEnd();
    const TextSentenceSnapshot s = trainer.snapshot().sentences[0];
    QCOMPARE(s.weights[0][0].rows(), 64);
    QVERIFY(s.probs.allFinite());
}

void TestTextTrainer::maskedObjectiveHidesTokensAndLearnsThem()
{
    TextConfig c = lessonConfig(Objective::Masked);
    c.maskFraction = 0.25;
    TextTrainer trainer(lessonCorpus(), c);
    QCOMPARE(trainer.vocab().tokens().back(), std::string(kMaskToken));
    const TextSnapshot before = trainer.snapshot();
    trainer.runToEnd();

    // By default the last token is masked; the model must name it from the subject.
    const TextSnapshot after = trainer.snapshot();
    const TextSentenceSnapshot& s = after.sentences[0];
    QCOMPARE(s.tokens.back(), std::string(kMaskToken));
    const int chicken = *trainer.vocab().find("chicken");
    QCOMPARE(s.targets.back(), chicken);
    QCOMPARE(s.counted, 1);
    QVERIFY(after.sentences[0].loss < 0.5 * before.sentences[0].loss);
    QVERIFY2(s.probs(s.probs.rows() - 1, chicken) > 0.8,
             std::to_string(s.probs(s.probs.rows() - 1, chicken)).c_str());
    QCOMPARE(maxAbove(s.meanWeights[0]) > 0, true);

    // Masking "man" instead asks the model for the subject.
    const int position[] = {1};
    const TextSentenceSnapshot man = trainer.evaluate(trainer.corpus().sentences[0], position);
    QCOMPARE(man.tokens[1], std::string(kMaskToken));
    QCOMPARE(man.targets[1], *trainer.vocab().find("man"));
    QCOMPARE(man.targets[2], kNoTarget);
}

// Typed "[MASK]" is the word "mask" (brackets are punctuation): it can never become the token
// that hides a slot, which stays a token of its own, last in the vocabulary.
void TestTextTrainer::typedMaskWordStaysAWordOfItsOwn()
{
    const Corpus corpus = parseCorpus("the cat sleeps\nthe [MASK] runs\n");
    QVERIFY(corpus.vocab.find("mask").has_value());
    QVERIFY(!corpus.vocab.find(std::string(kMaskToken)).has_value());
    TextConfig c;
    c.objective = Objective::Masked;
    TextTrainer trainer(corpus, c);
    QCOMPARE(trainer.vocab().size(), corpus.vocab.size() + 1);
    QCOMPARE(trainer.vocab().tokens().back(), std::string(kMaskToken));
    const TextSentenceSnapshot s = trainer.evaluate(corpus.sentences[1], std::vector<int>{3});
    const std::vector<std::string> tokens{"<start>", "the", "mask", "[MASK]"};
    QCOMPARE(s.tokens, tokens);
}

void TestTextTrainer::maskedPositionOutOfRangeIsRefused()
{
    TextTrainer trainer(lessonCorpus(), lessonConfig(Objective::Masked));
    const int position[] = {7};
    QVERIFY_THROWS_EXCEPTION(InputError, trainer.evaluate(trainer.corpus().sentences[0], position));
}

void TestTextTrainer::rolloutRowsSumToOneAndFollowTheFormula()
{
    TextConfig c = lessonConfig(Objective::Unmasked);
    c.model.layers = 3;
    c.epochs = 5;
    TextTrainer trainer(lessonCorpus(), c);
    trainer.runToEnd();
    const TextSentenceSnapshot s = trainer.snapshot().sentences[1];
    const Eigen::VectorXf sums = s.rollout.rowwise().sum();
    QVERIFY((sums.array() - 1.0f).abs().maxCoeff() < 1e-5f);

    // One layer: ½·W + ½·I already has rows summing to one.
    const Matrix one = attentionRollout({s.meanWeights[0]});
    const Eigen::Index t = one.rows();
    const Matrix expected = 0.5f * s.meanWeights[0] + 0.5f * Matrix::Identity(t, t);
    QVERIFY((one - expected).cwiseAbs().maxCoeff() < 1e-6f);

    // Two layers: the product, later layer on the left.
    const Matrix a2 = 0.5f * s.meanWeights[1] + 0.5f * Matrix::Identity(t, t);
    const Matrix two = attentionRollout({s.meanWeights[0], s.meanWeights[1]});
    QVERIFY((two - a2 * expected).cwiseAbs().maxCoeff() < 1e-5f);
}

void TestTextTrainer::lastLayerPredictionsAreTheOutput()
{
    TextConfig c = lessonConfig(Objective::Causal);
    c.model.layers = 2;
    c.epochs = 10;
    TextTrainer trainer(lessonCorpus(), c);
    trainer.runToEnd();
    const TextSentenceSnapshot s = trainer.snapshot().sentences[0];
    QCOMPARE(static_cast<int>(s.layerProbs.size()), 2);
    QVERIFY((s.layerProbs[1] - s.probs).cwiseAbs().maxCoeff() < 1e-6f);
    QVERIFY((s.layerProbs[0] - s.probs).cwiseAbs().maxCoeff() > 1e-4f);
    const Eigen::VectorXf sums = s.layerProbs[0].rowwise().sum();
    QVERIFY((sums.array() - 1.0f).abs().maxCoeff() < 1e-5f);
}

void TestTextTrainer::sameSeedSameRun()
{
    TextConfig c = lessonConfig(Objective::Masked);
    c.model.dropout = 0.1;
    c.shuffle = true;
    c.batchSize = 1;
    c.epochs = 30;
    TextTrainer a(lessonCorpus(), c), b(lessonCorpus(), c);
    a.runToEnd();
    b.runToEnd();
    QVERIFY(a.epochLosses() == b.epochLosses());
    const auto pa = a.model().params().all();
    const auto pb = b.model().params().all();
    for (size_t k = 0; k < pa.size(); ++k) {
        QVERIFY(*pa[k] == *pb[k]);
    }
    c.model.seed = 6;
    TextTrainer other(lessonCorpus(), c);
    other.runToEnd();
    QVERIFY(other.epochLosses() != a.epochLosses());
}

void TestTextTrainer::headSizeThatDoesNotDivideIsRefused()
{
    TextConfig c = lessonConfig(Objective::Causal);
    c.model.heads = 3;
    try {
        TextTrainer trainer(lessonCorpus(), c);
        QFAIL("head size 16 with 3 heads was accepted");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("3 heads"), e.what());
    }
}

void TestTextTrainer::nonFiniteLossStopsWithAMessage()
{
    TextConfig c = lessonConfig(Objective::Causal);
    c.learningRate = 1e30;
    c.epochs = 50;
    TextTrainer trainer(lessonCorpus(), c);
    trainer.runToEnd();
    QCOMPARE(trainer.state(), TrainState::Diverged);
    QVERIFY2(QString::fromStdString(trainer.message()).contains("learning rate 1e+30"),
             trainer.message().c_str());
    QVERIFY(trainer.model().params().allFinite());
    for (const TextSentenceSnapshot& s : trainer.snapshot().sentences) {
        QVERIFY(s.probs.allFinite());
    }
}

QTEST_GUILESS_MAIN(TestTextTrainer)
#include "tst_texttrainer.moc"
