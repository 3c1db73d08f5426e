// The training controller: commands reach the worker's trainer, frames come back, and the
// worker answers quickly, stops cleanly and reports divergence as a state.
#include "trainingcontroller.h"

#include <corpus.h>
#include <errors.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <limits>
#include <memory>
#include <thread>

namespace {

constexpr int kManyEpochs = 100000000;

attnlab::ToyConfig lessonConfig(int epochs = 5000)
{
    attnlab::ToyConfig config;
    config.epochs = epochs;
    return config;
}

std::unique_ptr<TrainingController> lessonController(int epochs = 5000)
{
    auto controller = std::make_unique<TrainingController>(nullptr);
    controller->rebuild(attnlab::lessonCorpus(), lessonConfig(epochs));
    return controller;
}

int epochOf(const TrainingController& controller)
{
    return controller.latest()->snapshot.epoch;
}

bool isRunning(const TrainingController& controller)
{
    return controller.latest()->running;
}

// Waits without an event loop, as a display timer would, until the worker stops running.
qint64 millisecondsUntilStopped(const TrainingController& controller)
{
    QElapsedTimer clock;
    clock.start();
    while (isRunning(controller) && clock.elapsed() < 5000) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return clock.elapsed();
}

bool allFinite(const attnlab::Matrix& m)
{
    // Masked scores are −∞ by design; everything else must be finite.
    return (m.array().isFinite() || m.array() == -std::numeric_limits<float>::infinity()).all();
}

bool snapshotIsFinite(const attnlab::Snapshot& snapshot)
{
    for (double loss : snapshot.epochLosses) {
        if (!std::isfinite(loss)) {
            return false;
        }
    }
    for (const attnlab::SentenceSnapshot& s : snapshot.sentences) {
        const bool finite = s.inputs.allFinite() && s.queries.allFinite() && s.keys.allFinite() &&
                            allFinite(s.scores) && s.weights.allFinite() && s.values.allFinite() &&
                            s.logits.allFinite() && s.probs.allFinite();
        if (!finite || !std::isfinite(s.loss)) {
            return false;
        }
    }
    return true;
}

} // namespace

class TestTrainingController : public QObject
{
    Q_OBJECT

private slots:
    void rebuildPublishesTheFirstFrameAtOnce();
    void trainingMakesTheEpochGrow();
    void trainingTheLessonSeparatesChickenFromBeef();
    void pauseStopsTheEpochsFromGrowing();
    void pauseIsAnsweredWithinOneFrame();
    void stepAdvancesExactlyOneEpoch();
    void stepWhileTrainingPausesFirst();
    void resetReturnsToEpochZero();
    void rebuildWithABadConfigThrowsAndKeepsTheModel_data();
    void rebuildWithABadConfigThrowsAndKeepsTheModel();
    void setLearningRateKeepsTheEpochCount();
    void setLearningRateRefusesABadValue();
    void setEpochsBelowTheCurrentEpochFinishes();
    void aHugeLearningRateDivergesWithAMessageAndNoNaN();
    void aLearningRateOfTenAtFullSpeedEndsWithItsLossesPublished();
    void destroyingWhileTrainingIsClean();
    void evaluateKeepsATriedSentenceInEveryFrame();
    void evaluatingASentenceLongerThanTheContextReportsIt();
    void frameChangedIsEmittedPerDisplayFrameNotPerStep();
    void paceLimitsTheEpochsPerSecond();
};

void TestTrainingController::rebuildPublishesTheFirstFrameAtOnce()
{
    auto controller = lessonController();
    const auto frame = controller->latest();
    QVERIFY(frame);
    QCOMPARE(frame->snapshot.epoch, 0);
    QCOMPARE(frame->snapshot.vocab.size(), size_t(7));
    QCOMPARE(frame->snapshot.sentences.size(), size_t(2));
    QCOMPARE(runStateOf(*frame), RunState::Ready);
}

void TestTrainingController::trainingMakesTheEpochGrow()
{
    auto controller = lessonController(kManyEpochs);
    controller->train();
    QTRY_VERIFY(epochOf(*controller) > 0);
    const int first = epochOf(*controller);
    QTRY_VERIFY(epochOf(*controller) > first);
    QCOMPARE(runStateOf(*controller->latest()), RunState::Training);
}

void TestTrainingController::trainingTheLessonSeparatesChickenFromBeef()
{
    auto controller = lessonController();
    controller->train();
    QTRY_COMPARE_WITH_TIMEOUT(runStateOf(*controller->latest()), RunState::Finished, 60000);
    const attnlab::Snapshot& s = controller->latest()->snapshot;
    QCOMPARE(s.epoch, 5000);
    // Row 3 is "the"; column 3 is chicken and column 6 beef in the deck's vocabulary.
    QVERIFY(s.sentences[0].probs(3, 3) > 0.9f);
    QVERIFY(s.sentences[1].probs(3, 6) > 0.9f);
}

void TestTrainingController::pauseStopsTheEpochsFromGrowing()
{
    auto controller = lessonController(kManyEpochs);
    controller->train();
    QTRY_VERIFY(epochOf(*controller) > 10);
    controller->pause();
    QTRY_VERIFY(!isRunning(*controller));
    const int paused = epochOf(*controller);
    QTest::qWait(200);
    QCOMPARE(epochOf(*controller), paused);
    QCOMPARE(runStateOf(*controller->latest()), RunState::Paused);
}

// A loose bound on a shared machine; the frame-time benchmark measures the real figure.
void TestTrainingController::pauseIsAnsweredWithinOneFrame()
{
    auto controller = lessonController(kManyEpochs);
    controller->train();
    QTRY_VERIFY(epochOf(*controller) > 10);
    controller->pause();
    const qint64 waited = millisecondsUntilStopped(*controller);
    QVERIFY2(waited < 500, qPrintable(QStringLiteral("pause took %1 ms").arg(waited)));
}

void TestTrainingController::stepAdvancesExactlyOneEpoch()
{
    auto controller = lessonController();
    controller->step();
    QTRY_COMPARE(epochOf(*controller), 1);
    QCOMPARE(controller->latest()->snapshot.step, 2L); // one step per sentence
    controller->step();
    controller->step();
    QTRY_COMPARE(epochOf(*controller), 3);
    QTest::qWait(50);
    QCOMPARE(epochOf(*controller), 3);
    QCOMPARE(controller->latest()->snapshot.epochLosses.size(), size_t(3));
}

void TestTrainingController::stepWhileTrainingPausesFirst()
{
    auto controller = lessonController(kManyEpochs);
    controller->train();
    QTRY_VERIFY(epochOf(*controller) > 10);
    controller->step();
    QTRY_VERIFY(!isRunning(*controller));
    const int afterStep = epochOf(*controller);
    QTest::qWait(100);
    QCOMPARE(epochOf(*controller), afterStep);
}

void TestTrainingController::resetReturnsToEpochZero()
{
    auto controller = lessonController();
    controller->step();
    controller->step();
    QTRY_COMPARE(epochOf(*controller), 2);
    controller->reset();
    QCOMPARE(epochOf(*controller), 0);
    QCOMPARE(runStateOf(*controller->latest()), RunState::Ready);
    QTest::qWait(50);
    QCOMPARE(epochOf(*controller), 0);
}

void TestTrainingController::rebuildWithABadConfigThrowsAndKeepsTheModel_data()
{
    QTest::addColumn<int>("headSize");
    QTest::addColumn<int>("context");
    QTest::newRow("head size 0") << 0 << 5;
    QTest::newRow("context shorter than a sentence") << 20 << 3;
}

void TestTrainingController::rebuildWithABadConfigThrowsAndKeepsTheModel()
{
    QFETCH(int, headSize);
    QFETCH(int, context);
    auto controller = lessonController();
    controller->step();
    QTRY_COMPARE(epochOf(*controller), 1);
    const std::uint64_t generation = controller->latest()->generation;

    attnlab::ToyConfig bad = lessonConfig();
    bad.headSize = headSize;
    bad.context = context;
    QVERIFY_THROWS_EXCEPTION(attnlab::InputError,
                             controller->rebuild(attnlab::lessonCorpus(), bad));
    QCOMPARE(controller->latest()->generation, generation);
    QCOMPARE(controller->config().headSize, 20);
    QCOMPARE(controller->config().context, 5);
    controller->step();
    QTRY_COMPARE(epochOf(*controller), 2);
}

void TestTrainingController::setLearningRateKeepsTheEpochCount()
{
    auto controller = lessonController();
    controller->step();
    controller->step();
    QTRY_COMPARE(epochOf(*controller), 2);
    const std::uint64_t generation = controller->latest()->generation;
    controller->setLearningRate(1e-2);
    QTRY_COMPARE(controller->latest()->snapshot.config.learningRate, 1e-2);
    QCOMPARE(epochOf(*controller), 2);
    QCOMPARE(controller->latest()->generation, generation);
    QCOMPARE(controller->config().learningRate, 1e-2);
}

void TestTrainingController::setLearningRateRefusesABadValue()
{
    auto controller = lessonController();
    QVERIFY_THROWS_EXCEPTION(attnlab::InputError, controller->setLearningRate(-1.0));
    QVERIFY_THROWS_EXCEPTION(attnlab::InputError, controller->setLearningRate(std::nan("")));
    QCOMPARE(controller->config().learningRate, 1e-4);
}

void TestTrainingController::setEpochsBelowTheCurrentEpochFinishes()
{
    auto controller = lessonController();
    controller->step();
    controller->step();
    controller->step();
    QTRY_COMPARE(epochOf(*controller), 3);
    controller->setEpochs(3);
    QTRY_COMPARE(runStateOf(*controller->latest()), RunState::Finished);
    controller->train();
    QTest::qWait(50);
    QCOMPARE(epochOf(*controller), 3);
}

void TestTrainingController::aHugeLearningRateDivergesWithAMessageAndNoNaN()
{
    attnlab::ToyConfig config = lessonConfig();
    config.learningRate = 1e30;
    TrainingController controller(nullptr);
    controller.rebuild(attnlab::lessonCorpus(), config);
    controller.train();
    QTRY_COMPARE(runStateOf(*controller.latest()), RunState::Stopped);
    const attnlab::Snapshot& s = controller.latest()->snapshot;
    const QString message = QString::fromStdString(s.message);
    QVERIFY2(message.contains(QLatin1String("step")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("learning rate")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("1e+30")), qPrintable(message));
    QVERIFY(snapshotIsFinite(s));
    QVERIFY(!controller.latest()->running);
}

// The run behind the frozen window: learning rate 10, no pace. The worker must reach an end
// and publish every epoch's loss (huge but finite, or a stop with its reason) for the chart.
void TestTrainingController::aLearningRateOfTenAtFullSpeedEndsWithItsLossesPublished()
{
    attnlab::ToyConfig config = lessonConfig();
    config.learningRate = 10.0;
    TrainingController controller(nullptr);
    controller.rebuild(attnlab::lessonCorpus(), config);
    controller.setPace(0);
    controller.train();
    QTRY_VERIFY_WITH_TIMEOUT(!isRunning(controller) && epochOf(controller) > 0, 60000);
    const TrainingFrame& frame = *controller.latest();
    const RunState state = runStateOf(frame);
    QVERIFY(state == RunState::Finished || state == RunState::Stopped);
    QCOMPARE(frame.snapshot.epochLosses.size(), size_t(frame.snapshot.epoch));
    if (state == RunState::Finished) {
        QCOMPARE(frame.snapshot.epoch, config.epochs);
        QVERIFY(snapshotIsFinite(frame.snapshot));
    } else {
        QVERIFY(!frame.snapshot.message.empty());
    }
}

void TestTrainingController::destroyingWhileTrainingIsClean()
{
    auto controller = lessonController(kManyEpochs);
    controller->train();
    QTRY_VERIFY(epochOf(*controller) > 0);
    QElapsedTimer clock;
    clock.start();
    controller.reset();
    QVERIFY(clock.elapsed() < 1000);
}

void TestTrainingController::evaluateKeepsATriedSentenceInEveryFrame()
{
    auto controller = lessonController();
    const attnlab::Corpus& corpus = controller->corpus();
    controller->evaluate(attnlab::encodeSentence(corpus.vocab, "woman ordered the chicken"));
    QTRY_VERIFY(controller->latest()->evaluation.has_value());
    QCOMPARE(controller->latest()->evaluation->tokens.size(), size_t(5));
    QCOMPARE(controller->latest()->evaluation->tokens[1], std::string("woman"));
    controller->step();
    QTRY_COMPARE(epochOf(*controller), 1);
    QVERIFY(controller->latest()->evaluation.has_value());
    controller->clearEvaluation();
    QTRY_VERIFY(!controller->latest()->evaluation.has_value());
}

void TestTrainingController::evaluatingASentenceLongerThanTheContextReportsIt()
{
    auto controller = lessonController();
    const attnlab::Corpus& corpus = controller->corpus();
    controller->evaluate(attnlab::encodeSentence(corpus.vocab, "man ordered the chicken the beef"));
    QTRY_VERIFY(!controller->latest()->evaluationError.empty());
    QVERIFY(!controller->latest()->evaluation.has_value());
    const QString error = QString::fromStdString(controller->latest()->evaluationError);
    QVERIFY2(error.contains(QLatin1String("context")), qPrintable(error));
}

void TestTrainingController::frameChangedIsEmittedPerDisplayFrameNotPerStep()
{
    auto controller = lessonController(kManyEpochs);
    QSignalSpy spy(controller.get(), &TrainingController::frameChanged);
    controller->train();
    QTest::qWait(300);
    controller->pause();
    QTRY_VERIFY(!isRunning(*controller));
    const int frames = int(spy.count());
    QVERIFY2(frames <= 300 / TrainingController::kPollInterval.count() + 3,
             qPrintable(QStringLiteral("%1 frames").arg(frames)));
    QVERIFY(epochOf(*controller) > frames);
}

void TestTrainingController::paceLimitsTheEpochsPerSecond()
{
    auto controller = lessonController(kManyEpochs);
    controller->setPace(100);
    controller->train();
    QTest::qWait(300);
    controller->pause();
    QTRY_VERIFY(!isRunning(*controller));
    const int epochs = epochOf(*controller);
    QVERIFY2(epochs > 0 && epochs <= 45, qPrintable(QString::number(epochs)));
}

QTEST_MAIN(TestTrainingController)
#include "tst_trainingcontroller.moc"
