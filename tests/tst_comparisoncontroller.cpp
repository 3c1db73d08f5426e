// The side-by-side controller: both models train on the worker thread from the same seed, the
// causal one cannot look ahead and the unmasked one can, a refused setup keeps the pair, and
// the masked-token probe masks the slot asked for; a session taken while training restores both
// models, and one that does not fit keeps the pair.
#include "comparisoncontroller.h"

#include <corpus.h>
#include <errors.h>

#include <QElapsedTimer>
#include <QTest>

#include <cmath>
#include <memory>
#include <thread>

namespace {

// The lesson's settings of the Transformer page.
ComparisonSetup lessonSetup(attnlab::Objective right, int epochs)
{
    ComparisonSetup setup;
    setup.corpus = attnlab::lessonCorpus();
    setup.config.model.embed = 16;
    setup.config.model.heads = 2;
    setup.config.model.headSize = 16;
    setup.config.model.mlpWidth = 32;
    setup.config.model.context = 8;
    setup.config.model.seed = 5;
    setup.config.learningRate = 3e-3;
    setup.config.epochs = epochs;
    setup.right = right;
    return setup;
}

bool bothDone(const ComparisonFrame& frame)
{
    for (const ComparisonSide& side : frame.sides) {
        if (side.state != attnlab::TrainState::Finished &&
            side.state != attnlab::TrainState::Diverged) {
            return false;
        }
    }
    return !frame.running;
}

void trainToEnd(ComparisonController& controller)
{
    controller.train();
    QElapsedTimer clock;
    clock.start();
    while (!bothDone(*controller.latest()) && clock.elapsed() < 120000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

double largestAboveDiagonal(const attnlab::Matrix& m)
{
    double largest = 0;
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        for (Eigen::Index c = r + 1; c < m.cols(); ++c) {
            largest = std::max(largest, double(m(r, c)));
        }
    }
    return largest;
}

} // namespace

class TestComparisonController : public QObject
{
    Q_OBJECT
private slots:
    void startsWithBothModelsAtStepZero();
    void unmaskedModelCheatsAndCausalCannot();
    void refusedSetupKeepsThePair();
    void pauseStopsBothModels();
    void sameSeedSameRun();
    void maskedProbeMasksTheChosenSlot();
    void everyPollFindsANewFrameWhileTraining();
    void sessionTakenWhileTrainingRestoresBothModels();
    void sessionThatDoesNotFitKeepsThePair();
};

void TestComparisonController::startsWithBothModelsAtStepZero()
{
    ComparisonController controller(nullptr);
    controller.rebuild(lessonSetup(attnlab::Objective::Unmasked, 10));
    const auto frame = controller.latest();
    QVERIFY(frame);
    QCOMPARE(frame->sides[0].objective, attnlab::Objective::Causal);
    QCOMPARE(frame->sides[1].objective, attnlab::Objective::Unmasked);
    for (const ComparisonSide& side : frame->sides) {
        QCOMPARE(side.step, 0L);
        QCOMPARE(side.sentence.tokens.size(), size_t(5)); // <start> man ordered the chicken
        QVERIFY(side.sentenceError.empty());
    }
    QVERIFY(!frame->running);
}

// The causal model cannot know whether the first word is "man" or "woman": one position of
// five costs at least ln 2, so its mean loss stays at or above ln(2)/5. Looking ahead, the
// unmasked model copies every answer.
void TestComparisonController::unmaskedModelCheatsAndCausalCannot()
{
    ComparisonController controller(nullptr);
    controller.rebuild(lessonSetup(attnlab::Objective::Unmasked, 300));
    trainToEnd(controller);
    const auto frame = controller.latest();
    QVERIFY(bothDone(*frame));
    const ComparisonSide& left = frame->sides[0];
    const ComparisonSide& right = frame->sides[1];
    QCOMPARE(left.epochLosses.size(), size_t(300));
    QCOMPARE(right.epochLosses.size(), size_t(300));
    const double floor = std::log(2.0) / 5.0;
    QVERIFY2(left.epochLosses.back() >= floor - 1e-3,
             std::to_string(left.epochLosses.back()).c_str());
    QVERIFY2(right.epochLosses.back() < 0.25 * left.epochLosses.back(),
             std::to_string(right.epochLosses.back()).c_str());
    for (const attnlab::Matrix& head : left.sentence.weights[0]) {
        QCOMPARE(largestAboveDiagonal(head), 0.0);
    }
    QVERIFY(largestAboveDiagonal(right.sentence.meanWeights[0]) > 0.2);
}

void TestComparisonController::refusedSetupKeepsThePair()
{
    ComparisonController controller(nullptr);
    controller.rebuild(lessonSetup(attnlab::Objective::Unmasked, 10));
    const auto before = controller.latest();
    ComparisonSetup bad = lessonSetup(attnlab::Objective::Masked, 10);
    bad.config.model.heads = 3; // 16 is not a multiple of 3
    QVERIFY_THROWS_EXCEPTION(attnlab::InputError, controller.rebuild(bad));
    QCOMPARE(controller.setup().right, attnlab::Objective::Unmasked);
    QCOMPARE(controller.setup().config.model.heads, 2);
    QCOMPARE(controller.latest()->generation, before->generation);
    ComparisonSetup longSentence = lessonSetup(attnlab::Objective::Unmasked, 10);
    longSentence.config.model.context = 4;
    QVERIFY_THROWS_EXCEPTION(attnlab::InputError, controller.rebuild(longSentence));
    QCOMPARE(controller.setup().config.model.context, 8);
}

void TestComparisonController::pauseStopsBothModels()
{
    ComparisonController controller(nullptr);
    controller.rebuild(lessonSetup(attnlab::Objective::Unmasked, 1000000));
    controller.train();
    QTRY_VERIFY_WITH_TIMEOUT(controller.latest()->sides[0].step > 0, 10000);
    controller.pause();
    QTRY_VERIFY_WITH_TIMEOUT(!controller.latest()->running, 10000);
    const long steps = controller.latest()->sides[0].step;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    QCOMPARE(controller.latest()->sides[0].step, steps);
    QCOMPARE(controller.latest()->sides[1].step, steps); // they train in turn
}

void TestComparisonController::sameSeedSameRun()
{
    std::vector<double> runs[2][2];
    for (auto& run : runs) {
        ComparisonController controller(nullptr);
        controller.rebuild(lessonSetup(attnlab::Objective::Masked, 20));
        trainToEnd(controller);
        run[0] = controller.latest()->sides[0].epochLosses;
        run[1] = controller.latest()->sides[1].epochLosses;
    }
    QCOMPARE(runs[0][0].size(), size_t(20));
    QCOMPARE(runs[0][0], runs[1][0]);
    QCOMPARE(runs[0][1], runs[1][1]);
}

void TestComparisonController::maskedProbeMasksTheChosenSlot()
{
    ComparisonController controller(nullptr);
    controller.rebuild(lessonSetup(attnlab::Objective::Masked, 10));
    // With no slot chosen, the last token is masked.
    QCOMPARE(controller.latest()->sides[1].sentence.tokens.back(), std::string("[MASK]"));
    controller.select(1, {2});
    QTRY_COMPARE(controller.latest()->sentence, 1);
    const auto frame = controller.latest();
    const std::vector<std::string> right{"<start>", "woman", "[MASK]", "the", "beef"};
    const std::vector<std::string> left{"<start>", "woman", "ordered", "the", "beef"};
    QCOMPARE(frame->sides[1].sentence.tokens, right);
    QCOMPARE(frame->sides[0].sentence.tokens, left);
    QCOMPARE(frame->sides[1].vocab.back(), std::string("[MASK]"));
    controller.select(99);
    QTRY_COMPARE(controller.latest()->sentence, 1); // clamped to the last sentence
}

// Published every 30 ms and read every 30 ms, the two clocks drifted apart and every other
// poll found the old frame: 60 ms gaps, 15 to 30 refreshes a second. Publishing at least twice
// per poll interval leaves a new frame for every poll.
void TestComparisonController::everyPollFindsANewFrameWhileTraining()
{
    QVERIFY(2 * ComparisonController::kPublishInterval <= ComparisonController::kPollInterval);
}

// Taken between two steps while both train; restored, the pair goes on as the core pair of
// the session does.
void TestComparisonController::sessionTakenWhileTrainingRestoresBothModels()
{
    ComparisonController controller(nullptr);
    ComparisonSetup setup = lessonSetup(attnlab::Objective::Masked, 1000000);
    setup.preset = "lesson";
    setup.config.model.dropout = 0.1;
    controller.rebuild(setup);
    controller.train();
    QTRY_VERIFY_WITH_TIMEOUT(controller.latest()->sides[0].step > 4, 10000);
    const attnlab::TextPairSession session = controller.session({{"tab", "1"}});
    controller.pause();
    QCOMPARE(session.preset, std::string("lesson"));
    QCOMPARE(session.view.at("tab"), std::string("1"));
    QCOMPARE(session.checkpoints[0].steps, session.checkpoints[1].steps);
    QCOMPARE(session.configs[1].objective, attnlab::Objective::Masked);

    controller.restore(session);
    QCOMPARE(controller.setup().right, attnlab::Objective::Masked);
    QCOMPARE(controller.setup().preset, std::string("lesson"));
    QCOMPARE(controller.latest()->sides[0].step, session.checkpoints[0].steps);
    QVERIFY(!controller.latest()->running);
    controller.step();
    controller.step();
    attnlab::TextTrainerPair core = attnlab::trainersOf(session);
    for (auto& trainer : core) {
        trainer->runEpoch();
        trainer->runEpoch();
    }
    QTRY_COMPARE(controller.latest()->sides[1].step, core[1]->stepCount());
    QCOMPARE(controller.latest()->sides[0].epochLosses, core[0]->epochLosses());
    QCOMPARE(controller.latest()->sides[1].epochLosses, core[1]->epochLosses());
}

void TestComparisonController::sessionThatDoesNotFitKeepsThePair()
{
    ComparisonController controller(nullptr);
    controller.rebuild(lessonSetup(attnlab::Objective::Unmasked, 50));
    controller.step();
    QTRY_COMPARE(controller.latest()->sides[0].epoch, 1);
    attnlab::TextPairSession session = controller.session();
    session.configs[1].model.embed = 12; // the weights are 16 wide
    const std::uint64_t generation = controller.latest()->generation;
    QVERIFY_THROWS_EXCEPTION(attnlab::InputError, controller.restore(session));
    QCOMPARE(controller.latest()->generation, generation);
    QCOMPARE(controller.setup().config.model.embed, 16);
    QCOMPARE(controller.latest()->sides[0].epoch, 1);
}

QTEST_MAIN(TestComparisonController)
#include "tst_comparisoncontroller.moc"
