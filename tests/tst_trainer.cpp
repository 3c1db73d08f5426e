// Training the lesson: the default seed learns the lesson's table, a runaway learning rate
// stops at the first non-finite loss with the last finite weights kept (C01), runs repeat
// exactly for a seed (C22), and taking snapshots never changes training (C04).
#include <adam.h>
#include <corpus.h>
#include <errors.h>
#include <trainer.h>

#include <QTest>

#include <cmath>

using namespace attnlab;

namespace {

// Every number a view or an export could show, masked scores (−∞) aside.
bool snapshotFinite(const Snapshot& snap)
{
    for (const SentenceSnapshot& s : snap.sentences) {
        const Matrix scores =
            s.scores.unaryExpr([](float v) { return std::isinf(v) && v < 0 ? 0.f : v; });
        for (const Matrix* m : {&s.inputs, &s.queries, &s.keys, &s.weights, &s.values, &s.logits,
                                &s.probs, &scores}) {
            if (!m->allFinite()) {
                return false;
            }
        }
        if (!std::isfinite(s.loss)) {
            return false;
        }
    }
    for (double loss : snap.epochLosses) {
        if (!std::isfinite(loss)) {
            return false;
        }
    }
    return true;
}

int id(const Snapshot& snap, const char* word)
{
    return int(std::find(snap.vocab.begin(), snap.vocab.end(), word) - snap.vocab.begin());
}

} // namespace

Q_DECLARE_METATYPE(attnlab::ToyConfig)

class TestTrainer : public QObject
{
    Q_OBJECT
private slots:
    void defaultSeedLearnsWhoOrderedWhat();
    void runawayLearningRateKeepsEverythingFinite();
    void nonFiniteLossStopsAndRestoresLastFiniteWeights();
    void laterDivergenceRestoresTheWeightsAndOptimizerOfTheStepBefore();
    void sameSeedRepeatsExactlyAndOtherSeedsDiffer();
    void takingSnapshotsDoesNotChangeTraining();
    void learningRateChangesWithoutRebuilding();
    void firstAdamStepMovesEachWeightByTheLearningRate();
    void adamStepIntoLeavesTheWeightsAndUndoTakesTheStepBack();
    void invalidSettingsAreRefusedNamingTheSetting_data();
    void invalidSettingsAreRefusedNamingTheSetting();
    void sentenceLongerThanContextIsRefused();
    void vocabularyTooLargeForTheToyHeadIsRefused();
};

void TestTrainer::defaultSeedLearnsWhoOrderedWhat()
{
    ToyTrainer trainer(lessonCorpus(), ToyConfig{});
    QCOMPARE(trainer.config().seed, kLessonSeed);
    trainer.runToEnd();
    QCOMPARE(trainer.stepCount(), 10000L);
    const Snapshot snap = trainer.snapshot();
    const Matrix& p1 = snap.sentences[0].probs;
    const Matrix& p2 = snap.sentences[1].probs;
    Eigen::Index best = 0;
    p1.row(3).maxCoeff(&best);
    QCOMPARE(int(best), id(snap, "chicken"));
    p2.row(3).maxCoeff(&best);
    QCOMPARE(int(best), id(snap, "beef"));
    QVERIFY(p1(3, id(snap, "chicken")) >= 0.8f);
    QVERIFY(p2(3, id(snap, "beef")) >= 0.8f);
    // With the causal mask <start> sees only itself: man or woman, half and half.
    QVERIFY(std::abs(p1(0, id(snap, "man")) - 0.5f) <= 0.1f);
    QVERIFY(std::abs(p1(0, id(snap, "woman")) - 0.5f) <= 0.1f);
    // The lesson's story: at "the" the head looks back at who ordered (position 1).
    QVERIFY(snap.sentences[0].weights(3, 1) > 0.9f);
    QVERIFY(snap.sentences[1].weights(3, 1) > 0.9f);
}

void TestTrainer::runawayLearningRateKeepsEverythingFinite()
{
    // C01: learning rate 10, seed 77, 200 steps.
    ToyConfig config;
    config.learningRate = 10;
    config.seed = 77;
    config.epochs = 100;
    ToyTrainer trainer(lessonCorpus(), config);
    while (trainer.step()) {
        QVERIFY(snapshotFinite(trainer.snapshot()));
    }
    QVERIFY(trainer.model().params().allFinite());
    if (trainer.state() == TrainState::Diverged) {
        QVERIFY(trainer.message().find("learning rate 10") != std::string::npos);
    } else {
        QCOMPARE(trainer.stepCount(), 200L);
    }
}

void TestTrainer::nonFiniteLossStopsAndRestoresLastFiniteWeights()
{
    // A learning rate of 1e30 overflows the weights on the first update.
    ToyConfig config;
    config.learningRate = 1e30;
    ToyTrainer trainer(lessonCorpus(), config);
    const ToyParams<float> initial = trainer.model().params();
    QVERIFY(trainer.step());
    QVERIFY(!trainer.runEpoch());
    QCOMPARE(trainer.state(), TrainState::Diverged);
    const QString message = QString::fromStdString(trainer.message());
    QVERIFY2(message.contains("step 2") && message.contains("learning rate 1e+30"),
             qPrintable(message));
    // The weights are those that gave the last finite loss: the initial ones.
    QVERIFY(trainer.model().params().tok == initial.tok);
    QVERIFY(trainer.model().params().wq == initial.wq);
    QVERIFY(snapshotFinite(trainer.snapshot()));
    QVERIFY(!trainer.step()); // stays stopped
    QCOMPARE(trainer.stepCount(), 1L);
    // And the optimizer is back where it was before that update: no step, no moments yet.
    QCOMPARE(trainer.optimizer().stepCount(), 0L);
    QVERIFY(trainer.optimizer().firstMoments().empty());
}

void TestTrainer::laterDivergenceRestoresTheWeightsAndOptimizerOfTheStepBefore()
{
    // Three ordinary steps, then a learning rate of 1e30: its update (step 4) makes the
    // weights huge but finite, and step 5's loss is not finite. Everything must be as it was
    // after step 3, bit for bit.
    ToyTrainer trainer(lessonCorpus(), ToyConfig{});
    for (int i = 0; i < 3; ++i) {
        QVERIFY(trainer.step());
    }
    const ToyParams<float> weights = trainer.model().params();
    const std::vector<Matrix> m = trainer.optimizer().firstMoments();
    const std::vector<Matrix> v = trainer.optimizer().secondMoments();
    trainer.setLearningRate(1e30);
    QVERIFY(trainer.step());
    QVERIFY(!trainer.step());
    QCOMPARE(trainer.state(), TrainState::Diverged);
    QVERIFY2(trainer.message().find("step 5") != std::string::npos, trainer.message().c_str());
    const auto now = trainer.model().params().all();
    const auto then = weights.all();
    for (size_t i = 0; i < now.size(); ++i) {
        QVERIFY(*now[i] == *then[i]);
    }
    QCOMPARE(trainer.optimizer().stepCount(), 3L);
    for (size_t i = 0; i < m.size(); ++i) {
        QVERIFY(trainer.optimizer().firstMoments()[i] == m[i]);
        QVERIFY(trainer.optimizer().secondMoments()[i] == v[i]);
    }
    QVERIFY(snapshotFinite(trainer.snapshot()));
}

void TestTrainer::sameSeedRepeatsExactlyAndOtherSeedsDiffer()
{
    ToyConfig config;
    config.epochs = 50;
    ToyTrainer a(lessonCorpus(), config), b(lessonCorpus(), config);
    a.runToEnd();
    b.runToEnd();
    QCOMPARE(a.epochLosses(), b.epochLosses());
    QVERIFY(a.model().params().wv == b.model().params().wv);
    config.seed = kLessonSeed + 1;
    ToyTrainer c(lessonCorpus(), config);
    c.runToEnd();
    QVERIFY(a.epochLosses() != c.epochLosses());
}

void TestTrainer::takingSnapshotsDoesNotChangeTraining()
{
    // C04: the same steps with views shown (a snapshot after every step) and hidden.
    ToyConfig config;
    config.epochs = 200;
    ToyTrainer watched(lessonCorpus(), config), unwatched(lessonCorpus(), config);
    while (watched.step()) {
        const Snapshot snap = watched.snapshot();
        QCOMPARE(snap.sentences.size(), size_t(2));
        QCOMPARE(snap.sentences[0].weights.rows(), 5);
        QCOMPARE(snap.sentences[0].weights.cols(), 5);
    }
    unwatched.runToEnd();
    QCOMPARE(watched.epochLosses(), unwatched.epochLosses());
    QVERIFY(watched.snapshot().sentences[1].probs == unwatched.snapshot().sentences[1].probs);
}

void TestTrainer::learningRateChangesWithoutRebuilding()
{
    ToyConfig config;
    config.epochs = 10;
    ToyTrainer trainer(lessonCorpus(), config);
    trainer.runEpoch();
    trainer.setLearningRate(0.01);
    QCOMPARE(trainer.epoch(), 1);
    QCOMPARE(trainer.optimizer().settings().learningRate, 0.01);
    QCOMPARE(trainer.config().learningRate, 0.01);
    QVERIFY_THROWS_EXCEPTION(InputError, trainer.setLearningRate(std::nan("")));
    QVERIFY_THROWS_EXCEPTION(InputError, trainer.setLearningRate(-1));
}

void TestTrainer::firstAdamStepMovesEachWeightByTheLearningRate()
{
    // After one step m̂ = g and v̂ = g²: each weight moves by lr·g/(|g| + ε), about lr.
    MatrixD p(1, 3);
    p << 1.0, 2.0, 3.0;
    MatrixD g(1, 3);
    g << 0.5, -2.0, 1e-3;
    Adam<double> adam(AdamSettings{0.1});
    adam.step({&p}, {&g});
    QVERIFY(std::abs(p(0, 0) - (1.0 - 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-12);
    QVERIFY(std::abs(p(0, 1) - (2.0 + 0.1 * 2.0 / (2.0 + 1e-8))) < 1e-12);
    QVERIFY(std::abs(p(0, 2) - (3.0 - 0.1 * 1e-3 / (1e-3 + 1e-8))) < 1e-12);
    // Second step with the same gradient: m̂ = g, v̂ = g² again (bias correction).
    adam.step({&p}, {&g});
    QVERIFY(std::abs(p(0, 0) - (1.0 - 2 * 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-9);
    QCOMPARE(adam.stepCount(), 2L);
}

void TestTrainer::adamStepIntoLeavesTheWeightsAndUndoTakesTheStepBack()
{
    // The out-of-place step: the updated weights go to `out`, the weights it read stay. After
    // one step m = (1 − β1)·g and the weights move by lr·g/(|g| + ε), as in place.
    MatrixD p(1, 3);
    p << 1.0, 2.0, 3.0;
    MatrixD g(1, 3);
    g << 0.5, -2.0, 1e-3;
    MatrixD out, out2;
    const MatrixD* params[] = {&p};
    const MatrixD* grads[] = {&g};
    MatrixD* outs[] = {&out};
    Adam<double> adam(AdamSettings{0.1});
    QVERIFY(!adam.undo()); // nothing to take back yet
    adam.stepInto(params, grads, outs);
    QCOMPARE(p(0, 0), 1.0);
    QVERIFY(std::abs(out(0, 0) - (1.0 - 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-12);
    QVERIFY(std::abs(out(0, 1) - (2.0 + 0.1 * 2.0 / (2.0 + 1e-8))) < 1e-12);
    QVERIFY(std::abs(out(0, 2) - (3.0 - 0.1 * 1e-3 / (1e-3 + 1e-8))) < 1e-12);
    const MatrixD m1 = adam.firstMoments()[0];
    const MatrixD v1 = adam.secondMoments()[0];
    QVERIFY(std::abs(m1(0, 1) - 0.1 * -2.0) < 1e-15);
    QVERIFY(std::abs(v1(0, 1) - 0.001 * 4.0) < 1e-15);

    // A second step from there, then back: the moments and count of after the first step.
    const MatrixD* params2[] = {&out};
    MatrixD* outs2[] = {&out2};
    adam.stepInto(params2, grads, outs2);
    QVERIFY(std::abs(out2(0, 0) - (1.0 - 2 * 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-9);
    QCOMPARE(adam.stepCount(), 2L);
    QVERIFY(adam.undo());
    QCOMPARE(adam.stepCount(), 1L);
    QVERIFY(adam.firstMoments()[0] == m1);
    QVERIFY(adam.secondMoments()[0] == v1);
    QVERIFY(!adam.undo()); // one step back only
}

void TestTrainer::invalidSettingsAreRefusedNamingTheSetting_data()
{
    QTest::addColumn<QString>("setting");
    QTest::addColumn<ToyConfig>("config");
    ToyConfig c;
    c.headSize = 0;
    QTest::newRow("head size") << "head size" << c;
    c = ToyConfig{};
    c.learningRate = std::numeric_limits<double>::infinity();
    QTest::newRow("learning rate") << "learning rate" << c;
    c = ToyConfig{};
    c.epochs = 0;
    QTest::newRow("epochs") << "epochs" << c;
    c = ToyConfig{};
    c.context = 1;
    QTest::newRow("context") << "context" << c;
}

void TestTrainer::invalidSettingsAreRefusedNamingTheSetting()
{
    QFETCH(QString, setting);
    QFETCH(ToyConfig, config);
    try {
        ToyTrainer trainer(lessonCorpus(), config);
        QFAIL("accepted");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains(setting), e.what());
    }
}

void TestTrainer::sentenceLongerThanContextIsRefused()
{
    ToyConfig config;
    config.context = 4;
    try {
        ToyTrainer trainer(lessonCorpus(), config);
        QFAIL("accepted");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("5 tokens") && QString(e.what()).contains("is 4"),
                 e.what());
    }
}

void TestTrainer::vocabularyTooLargeForTheToyHeadIsRefused()
{
    std::string text;
    for (int i = 0; i < kMaxToyVocab; ++i) {
        text += 'w';
        text += std::to_string(i);
        text += '\n';
    }
    try {
        ToyTrainer trainer(parseCorpus(text, "t"), ToyConfig{});
        QFAIL("accepted");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("513 different tokens"), e.what());
    }
}

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
