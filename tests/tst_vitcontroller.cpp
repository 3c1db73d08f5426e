// The Vision Transformer's controller: the worker trains in batches, publishes curves and the
// selected image through the model, pauses, refuses what does not fit and keeps its model; its
// session holds the curves and restores the model, and one that does not fit the images is refused.
// Given a GPU (here the host stand-in of the CUDA library), it trains there.
#include "gpufake.h"
#include "vitcontroller.h"

#include <errors.h>

#include <QTest>

#include <cmath>
#include <memory>
#include <random>

using namespace attnlab;

namespace {

// 8×8 images whose label is the quarter holding a bright square.
std::shared_ptr<const ImageSet> quarters(int count, unsigned seed)
{
    ImageSet set;
    set.rows = 8;
    set.cols = 8;
    std::mt19937 gen(seed);
    for (int i = 0; i < count; ++i) {
        const int label = int(gen() % 4);
        for (int y = 0; y < 8; ++y) {
            for (int x = 0; x < 8; ++x) {
                const bool lit = y / 4 == label / 2 && x / 4 == label % 2;
                set.pixels.push_back(lit ? 0.9f : 0.05f);
            }
        }
        set.labels.push_back(label);
    }
    return std::make_shared<const ImageSet>(std::move(set));
}

VitTrainConfig smallConfig()
{
    VitTrainConfig c;
    c.model.imageRows = 8;
    c.model.imageCols = 8;
    c.model.patch = 4;
    c.model.embed = 16;
    c.model.heads = 2;
    c.model.headSize = 16;
    c.model.layers = 1;
    c.model.mlpWidth = 32;
    c.model.classes = 4;
    c.batchSize = 8;
    c.learningRate = 3e-3;
    c.epochs = 4;
    return c;
}

} // namespace

class TestVitController : public QObject
{
    Q_OBJECT
private slots:
    void startsAtStepZeroShowingTheFirstTestImage();
    void trainsToTheEndWithCurvesAndAFullEvaluation();
    void stepTakesOneBatchAndPauseStops();
    void selectedImagesGoThroughTheModel();
    void refusedSettingsAndImagesKeepTheModel();
    void curvePointsHoldTheTrainersOwnEvaluation();
    void aPointDueAtAStepIsCompletedBeforeTheNextStep();
    void everyPollFindsANewFrameWhileTraining();
    void sessionHoldsTheCurvesAndRestoresTheModel();
    void sessionThatDoesNotFitTheImagesKeepsTheModel();
    void trainsOnTheDeviceItIsGiven();
    void aGpuThatFailsStopsTrainingAndSaysWhy();
};

void TestVitController::startsAtStepZeroShowingTheFirstTestImage()
{
    VitController controller(nullptr);
    controller.rebuild(quarters(64, 1), quarters(40, 2), smallConfig());
    const auto f = controller.latest();
    QCOMPARE(f->step, 0L);
    QCOMPARE(f->stepsPerEpoch, 8);
    QCOMPARE(f->image.index, 0);
    QCOMPARE(f->snapshot.weights.size(), size_t(1));
    QCOMPARE(f->snapshot.weights[0][0].rows(), 5); // class token and 4 patches
    QCOMPARE(f->gallery.size(), size_t(VitController::kGallerySize));
    QCOMPARE(f->gallery[3].label, controller.testSet()->labels[3]);
}

void TestVitController::trainsToTheEndWithCurvesAndAFullEvaluation()
{
    VitController controller(nullptr);
    controller.rebuild(quarters(256, 1), quarters(100, 2), smallConfig());
    controller.train();
    QTRY_VERIFY_WITH_TIMEOUT(
        controller.latest()->state == TrainState::Finished && !controller.latest()->running, 60000);
    const auto f = controller.latest();
    QCOMPARE(f->step, 4L * 32);
    // A point every 100 steps and one at the end, on the whole test set.
    QCOMPARE(f->curve.size(), size_t(2));
    QCOMPARE(f->curve.back().epoch, 4.0);
    QCOMPARE(f->evaluation.images, 100);
    QCOMPARE(f->evaluation.confusion.sum(), 100.0f);
    QVERIFY2(f->evaluation.accuracy > 0.9, qPrintable(QString::number(f->evaluation.accuracy)));
    QVERIFY(f->curve.back().trainLoss < f->curve.front().trainLoss);
}

void TestVitController::stepTakesOneBatchAndPauseStops()
{
    VitController controller(nullptr);
    VitTrainConfig c = smallConfig();
    c.epochs = 100000;
    controller.rebuild(quarters(64, 1), quarters(16, 2), c);
    controller.step();
    QTRY_COMPARE(controller.latest()->step, 1L);
    QVERIFY(!controller.latest()->running);
    controller.train();
    QTRY_VERIFY(controller.latest()->step > 20);
    controller.pause();
    QTRY_VERIFY(!controller.latest()->running);
    const long steps = controller.latest()->step;
    QTest::qWait(100);
    QCOMPARE(controller.latest()->step, steps);
}

void TestVitController::selectedImagesGoThroughTheModel()
{
    VitController controller(nullptr);
    controller.rebuild(quarters(64, 1), quarters(20, 2), smallConfig());
    controller.selectTestImage(7);
    QTRY_COMPARE(controller.latest()->image.index, 7);
    QCOMPARE(controller.latest()->snapshot.label, controller.testSet()->labels[7]);
    controller.selectTestImage(500); // clamped to the last test image
    QTRY_COMPARE(controller.latest()->image.index, 19);
    VitImage own;
    own.rows = 8;
    own.cols = 8;
    own.pixels.assign(64, 0.5f);
    own.name = "mine.png";
    controller.selectImage(own);
    QTRY_COMPARE(controller.latest()->image.name, std::string("mine.png"));
    QCOMPARE(controller.latest()->snapshot.label, -1);
    QCOMPARE(controller.latest()->snapshot.probs.cols(), 4);
}

void TestVitController::refusedSettingsAndImagesKeepTheModel()
{
    VitController controller(nullptr);
    controller.rebuild(quarters(64, 1), quarters(20, 2), smallConfig());
    const std::uint64_t generation = controller.latest()->generation;
    VitTrainConfig bad = smallConfig();
    bad.model.patch = 3; // does not divide 8
    QVERIFY_THROWS_EXCEPTION(InputError, controller.rebuild(quarters(8, 1), nullptr, bad));
    QCOMPARE(controller.config().model.patch, 4);
    QCOMPARE(controller.latest()->generation, generation);
    VitImage wrong;
    wrong.rows = 28;
    wrong.cols = 28;
    wrong.pixels.assign(28 * 28, 0.0f);
    wrong.name = "big.png";
    try {
        controller.selectImage(wrong);
        QFAIL("an image of the wrong size was taken");
    } catch (const InputError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains("big.png is 28×28"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(InputError, controller.setLearningRate(-1.0));
    QCOMPARE(controller.config().learningRate, 3e-3);
}

// The test images are evaluated one at a time between commands; the numbers must still be
// those of VitTrainer::evaluate() for the parameters of the point's step: the live point on
// the first kLiveTestImages test images at step 100, the last on all of them.
void TestVitController::curvePointsHoldTheTrainersOwnEvaluation()
{
    VitTrainConfig c = smallConfig();
    c.epochs = 13; // 8 steps an epoch: 104 steps, a live point at step 100
    const auto train = quarters(64, 1);
    const auto test = quarters(VitController::kLiveTestImages + 200, 2);
    VitController controller(nullptr);
    controller.rebuild(train, test, c);
    controller.train();
    QTRY_VERIFY_WITH_TIMEOUT(
        controller.latest()->state == TrainState::Finished && !controller.latest()->running, 60000);
    const auto f = controller.latest();
    QCOMPARE(f->curve.size(), size_t(2));

    VitTrainer oracle(train, test, c); // deterministic for the seed: the same parameters
    while (oracle.stepCount() < VitController::kEvaluateEvery) {
        oracle.step();
    }
    const VitEvaluation live = oracle.evaluate(*test, VitController::kLiveTestImages);
    QVERIFY(f->curve[0].testLoss == live.loss); // bit for bit, not fuzzily
    QVERIFY(f->curve[0].testAccuracy == live.accuracy);
    while (oracle.step()) {
    }
    QCOMPARE(f->step, oracle.stepCount());
    const VitEvaluation all = oracle.evaluate(*test);
    QCOMPARE(f->evaluation.images, test->count());
    QVERIFY(f->evaluation.loss == all.loss);
    QVERIFY(f->evaluation.accuracy == all.accuracy);
    QCOMPARE(f->evaluation.confusion, all.confusion);
    QVERIFY(f->curve[1].testLoss == all.loss);
}

// Step by step through step 100: the point due there is evaluated before step 101 is taken.
void TestVitController::aPointDueAtAStepIsCompletedBeforeTheNextStep()
{
    VitTrainConfig c = smallConfig();
    c.epochs = 100000;
    const auto train = quarters(64, 1);
    const auto test = quarters(300, 2);
    VitController controller(nullptr);
    controller.rebuild(train, test, c);
    for (int i = 0; i < VitController::kEvaluateEvery + 1; ++i) {
        controller.step();
    }
    QTRY_VERIFY_WITH_TIMEOUT(controller.latest()->step == VitController::kEvaluateEvery + 1, 30000);
    QTRY_COMPARE(controller.latest()->curve.size(), size_t(1));
    VitTrainer oracle(train, test, c);
    while (oracle.stepCount() < VitController::kEvaluateEvery) {
        oracle.step();
    }
    QVERIFY(controller.latest()->curve[0].testLoss == oracle.evaluate(*test).loss);
    QCOMPARE(controller.latest()->evaluation.images, 300);
}

void TestVitController::everyPollFindsANewFrameWhileTraining()
{
    QVERIFY(2 * VitController::kPublishInterval <= VitController::kPollInterval);
}

// Taken while training (often mid-step: the state before that step), with the curves; a point
// being evaluated is completed first. Restored, the model goes on as the core's does.
void TestVitController::sessionHoldsTheCurvesAndRestoresTheModel()
{
    VitController controller(nullptr);
    const auto train = quarters(64, 1);
    const auto test = quarters(16, 2);
    VitTrainConfig c = smallConfig();
    c.epochs = 100000;
    controller.rebuild(train, test, c);
    controller.train();
    QTRY_VERIFY_WITH_TIMEOUT(controller.latest()->step > VitController::kEvaluateEvery, 60000);
    const VitSession session = controller.session({"/data", 64, 16}, {{"tab", "1"}});
    controller.pause();
    QCOMPARE(session.data.folder, std::string("/data"));
    QCOMPARE(session.data.trainLimit, 64);
    QCOMPARE(session.view.at("tab"), std::string("1"));
    QVERIFY(session.curve.size() >= 1);
    QCOMPARE(session.curve[0].epoch, double(VitController::kEvaluateEvery) / 8);

    controller.restore(session, train, test);
    const auto frame = controller.latest();
    QCOMPARE(frame->step, session.checkpoint.steps);
    QVERIFY(!frame->running);
    QCOMPARE(frame->curve.size(), session.curve.size());
    QCOMPARE(frame->curve[0].testLoss, session.curve[0].testLoss);
    QCOMPARE(frame->curve[0].trainAccuracy, session.curve[0].trainAccuracy);
    controller.step();
    VitTrainer core = trainerOf(session, train, test);
    QVERIFY(core.step());
    QTRY_COMPARE(controller.latest()->step, core.stepCount());
    const auto after = controller.session({});
    QCOMPARE(after.checkpoint.stepLosses, core.stepLosses());
}

void TestVitController::sessionThatDoesNotFitTheImagesKeepsTheModel()
{
    VitController controller(nullptr);
    controller.rebuild(quarters(64, 1), quarters(16, 2), smallConfig());
    controller.step();
    QTRY_COMPARE(controller.latest()->step, 1L);
    const VitSession session = controller.session({});
    const std::uint64_t generation = controller.latest()->generation;
    QVERIFY_THROWS_EXCEPTION(InputError,
                             controller.restore(session, quarters(40, 3), quarters(16, 2)));
    QCOMPARE(controller.latest()->generation, generation);
    QCOMPARE(controller.trainSet()->count(), 64);
    QCOMPARE(controller.latest()->step, 1L);
}

// The worker moves each model it installs to the device (its buffers live there while it
// trains, and are freed with it), and the curves match those of training on the CPU.
void TestVitController::trainsOnTheDeviceItIsGiven()
{
    const auto train = quarters(64, 1), test = quarters(16, 2);
    VitTrainConfig c = smallConfig();
    c.epochs = 2;
    VitController cpu(nullptr);
    cpu.rebuild(train, test, c);
    cpu.train();
    {
        VitController device(nullptr);
        device.setDevice(std::make_shared<gpu::Session>(fake::backend()));
        device.rebuild(train, test, c);
        QTRY_VERIFY(fake::g_buffers > 0);
        device.train();
        QTRY_VERIFY_WITH_TIMEOUT(
            device.latest()->state == TrainState::Finished && !device.latest()->running, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(
            cpu.latest()->state == TrainState::Finished && !cpu.latest()->running, 60000);
        const auto a = cpu.latest();
        const auto b = device.latest();
        QCOMPARE(b->step, a->step);
        QCOMPARE(b->curve.size(), a->curve.size());
        QVERIFY(std::abs(b->curve.back().trainLoss - a->curve.back().trainLoss) <= 1e-4);
        QVERIFY(std::abs(b->evaluation.loss - a->evaluation.loss) <= 1e-4);
        QCOMPARE(b->evaluation.accuracy, a->evaluation.accuracy);
    }
    QCOMPARE(fake::g_buffers, 0);
}

// A GPU that fails mid-run: training stops with the fault on the message line, Train does
// not start it again, and Reset makes a new model that trains on the CPU.
void TestVitController::aGpuThatFailsStopsTrainingAndSaysWhy()
{
    VitTrainConfig c = smallConfig();
    c.epochs = 100;
    VitController controller(nullptr);
    controller.setDevice(std::make_shared<gpu::Session>(fake::backend()));
    controller.rebuild(quarters(64, 1), quarters(16, 2), c);
    QTRY_VERIFY(fake::g_buffers > 0);
    fake::g_productsBeforeFailure = 500;
    controller.train();
    QTRY_VERIFY_WITH_TIMEOUT(!controller.latest()->running && !controller.latest()->message.empty(),
                             20000);
    fake::g_productsBeforeFailure = -1;
    const std::string message = controller.latest()->message;
    QVERIFY2(message.find("the GPU failed") != std::string::npos, message.c_str());
    QVERIFY2(message.find("planned failure") != std::string::npos, message.c_str());
    const long stopped = controller.latest()->step;
    controller.train();
    QTest::qWait(200);
    QCOMPARE(controller.latest()->step, stopped);
    QVERIFY(!controller.latest()->running);

    controller.reset();
    QTRY_COMPARE(controller.latest()->step, 0L);
    QTRY_COMPARE(fake::g_buffers, 0); // the new model is on the CPU
    controller.step();
    QTRY_COMPARE(controller.latest()->step, 1L);
    QVERIFY(controller.latest()->message.empty());
}

QTEST_MAIN(TestVitController)
#include "tst_vitcontroller.moc"
