// The Vision Transformer's core: patches in the documented order (and grids that are not
// square), gradients of every parameter against finite differences, refused settings and
// image sets, rollout rows summing to 1, and a short training run that learns a task a
// classifier cannot guess.
#include "gradcheck.h"

#include <errors.h>
#include <vit.h>
#include <vittrainer.h>

#include <QRegularExpression>
#include <QTest>

#include <cmath>
#include <memory>
#include <random>
#include <utility>

using namespace attnlab;

Q_DECLARE_METATYPE(attnlab::VitConfig)

namespace {

VitConfig tinyConfig()
{
    VitConfig c;
    c.imageRows = 8;
    c.imageCols = 4;
    c.patch = 2; // 4 × 2 patches
    c.embed = 4;
    c.heads = 2;
    c.headSize = 4;
    c.layers = 2;
    c.mlpWidth = 6;
    c.classes = 3;
    c.seed = 3;
    return c;
}

// Images of `size`² whose label is the quarter holding a bright square: four classes a
// model can only tell apart by where the light is.
std::shared_ptr<const ImageSet> shared(ImageSet set)
{
    return std::make_shared<const ImageSet>(std::move(set));
}

ImageSet quarters(int count, int size, unsigned seed)
{
    ImageSet set;
    set.rows = size;
    set.cols = size;
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> noise(0.0f, 0.2f);
    for (int i = 0; i < count; ++i) {
        const int label = int(gen() % 4);
        const int top = (label / 2) * size / 2, left = (label % 2) * size / 2;
        for (int y = 0; y < size; ++y) {
            for (int x = 0; x < size; ++x) {
                const bool lit = y >= top && y < top + size / 2 && x >= left && x < left + size / 2;
                set.pixels.push_back(lit ? 0.8f + noise(gen) : noise(gen));
            }
        }
        set.labels.push_back(label);
    }
    return set;
}

VitTrainConfig quarterConfig()
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
    c.model.seed = 11;
    c.batchSize = 16;
    c.learningRate = 3e-3;
    c.epochs = 3;
    return c;
}

} // namespace

class TestVit : public QObject
{
    Q_OBJECT
private slots:
    void patchesAreReadLeftToRightThenTopToBottom();
    void backwardMatchesFiniteDifferencesForEveryParameter_data();
    void backwardMatchesFiniteDifferencesForEveryParameter();
    void patchThatDoesNotDivideTheImageIsRefused();
    void imageSetsThatDoNotFitAreRefused();
    void shortTrainingLearnsWhereTheLightIs();
    void sameSeedSameRun();
    void stepInPartsEqualsWholeSteps();
    void snapshotHasEveryHeadAndARolloutWhoseRowsSumToOne();
};

void TestVit::patchesAreReadLeftToRightThenTopToBottom()
{
    // 28 rows × 14 columns with 7×7 patches: 4 rows and 2 columns of patches.
    std::vector<float> image(28 * 14);
    for (size_t i = 0; i < image.size(); ++i) {
        image[i] = float(i);
    }
    const Matrix p = patchify<float>(image.data(), 28, 14, 7);
    QCOMPARE(p.rows(), 8);
    QCOMPARE(p.cols(), 49);
    // Patch 3 sits at patch row 1, column 1: its top-left pixel is (y 7, x 7); its last pixel
    // (y 13, x 13).
    QCOMPARE(p(3, 0), float(7 * 14 + 7));
    QCOMPARE(p(3, 48), float(13 * 14 + 13));
    QCOMPARE(p(1, 8), float(1 * 14 + 7 + 1)); // patch 1: row 0, column 1; pixel (1, 1) within
    VitConfig c;
    c.imageRows = 28;
    c.imageCols = 14;
    QCOMPARE(c.patchRows(), 4);
    QCOMPARE(c.patchCols(), 2);
    QCOMPARE(c.tokens(), 9);
}

void TestVit::backwardMatchesFiniteDifferencesForEveryParameter_data()
{
    QTest::addColumn<VitConfig>("config");
    QTest::addColumn<bool>("dropout");
    VitConfig c = tinyConfig();
    QTest::newRow("2 layers, 2 heads, layer norm, MLP") << c << false;
    c.layerNorm = false;
    c.mlp = false;
    QTest::newRow("attention only") << c << false;
    c = tinyConfig();
    c.residual = false;
    c.layers = 1;
    QTest::newRow("no residual") << c << false;
    c = tinyConfig();
    c.dropout = 0.3;
    QTest::newRow("dropout with a fixed mask") << c << true;
}

void TestVit::backwardMatchesFiniteDifferencesForEveryParameter()
{
    QFETCH(VitConfig, config);
    QFETCH(bool, dropout);
    VisionTransformer<double> model(config);
    const MatrixD pixels = testing::randomMatrix(1, config.pixels(), 5, 0.5).array() + 0.5;
    std::vector<float> image(size_t(config.pixels()));
    for (size_t i = 0; i < image.size(); ++i) {
        image[i] = float(pixels(0, Eigen::Index(i)));
    }
    const int label = 2;
    auto run = [&] {
        Rng rng(99); // the same dropout mask at every evaluation
        return model.forward(image.data(), label, dropout ? &rng : nullptr);
    };
    const double scale = 0.5; // backward scales the gradient, as a batch mean does
    VitParams<double> grads = model.params().zerosLike();
    model.backward(run(), scale, grads);
    auto loss = [&] { return scale * run().loss; };

    const auto params = model.params().all();
    const auto analytic = std::as_const(grads).all();
    const auto names = model.params().names();
    for (size_t i = 0; i < params.size(); ++i) {
        const QString name = QString::fromStdString(names[i]);
        const bool unused = (!config.mlp && name.contains(QRegularExpression("ln2|w1|b1|w2|b2"))) ||
                            (!config.layerNorm && name.contains(QLatin1String("ln")));
        const MatrixD numeric = testing::numericGradient(*params[i], loss);
        const double err = testing::relativeError(*analytic[i], numeric);
        QVERIFY2(err < 1e-5, qPrintable(name + QStringLiteral(": ") + QString::number(err)));
        if (!unused) {
            QVERIFY2(numeric.cwiseAbs().maxCoeff() > 0, qPrintable(name + " has no gradient"));
        }
    }
}

void TestVit::patchThatDoesNotDivideTheImageIsRefused()
{
    VitConfig c;
    c.imageRows = 30;
    c.imageCols = 29;
    try {
        VisionTransformer<float> model(c);
        QFAIL("a patch size that does not divide the image was taken");
    } catch (const InputError& e) {
        const QString message = QString::fromUtf8(e.what());
        QVERIFY2(message.contains("7") && message.contains("29×30"), e.what());
    }
    c = VitConfig{};
    c.heads = 3; // 64 is not a multiple of 3
    QVERIFY_THROWS_EXCEPTION(InputError, VisionTransformer<float>{c});
}

void TestVit::imageSetsThatDoNotFitAreRefused()
{
    const VitTrainConfig c = quarterConfig();
    QVERIFY_THROWS_EXCEPTION(InputError, VitTrainer(shared(ImageSet{8, 8, {}, {}}), nullptr, c));
    ImageSet wrongSize = quarters(4, 8, 1);
    wrongSize.rows = 4;
    QVERIFY_THROWS_EXCEPTION(InputError, VitTrainer(shared(wrongSize), nullptr, c));
    ImageSet badLabel = quarters(4, 8, 1);
    badLabel.labels[2] = 9;
    try {
        VitTrainer trainer(shared(badLabel), nullptr, c);
        QFAIL("a label out of range was taken");
    } catch (const InputError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains("image 3"), e.what());
    }
}

void TestVit::shortTrainingLearnsWhereTheLightIs()
{
    VitTrainer trainer(shared(quarters(512, 8, 1)), shared(quarters(200, 8, 2)), quarterConfig());
    const VitEvaluation before = trainer.evaluate(trainer.testSet());
    while (trainer.step()) {
    }
    QCOMPARE(trainer.state(), TrainState::Finished);
    QCOMPARE(trainer.stepCount(), 3L * 32);
    QCOMPARE(trainer.epochLosses().size(), size_t(3));
    QCOMPARE(trainer.stepAccuracies().size(), size_t(3 * 32));
    QVERIFY(trainer.stepAccuracies().back() > trainer.stepAccuracies().front());
    const VitEvaluation after = trainer.evaluate(trainer.testSet());
    QVERIFY2(after.accuracy > 0.9, qPrintable(QString::number(after.accuracy)));
    QVERIFY(after.loss < 0.5 * before.loss);
    QCOMPARE(after.confusion.sum(), 200.0f);
    QCOMPARE(double(after.confusion.trace()), std::round(after.accuracy * 200));
}

void TestVit::sameSeedSameRun()
{
    VitTrainConfig c = quarterConfig();
    c.epochs = 1;
    c.model.dropout = 0.1;
    VitTrainer a(shared(quarters(64, 8, 1)), nullptr, c);
    VitTrainer b(shared(quarters(64, 8, 1)), nullptr, c);
    a.runEpoch();
    b.runEpoch();
    QCOMPARE(a.stepLosses(), b.stepLosses());
    QVERIFY(a.model().params().headW == b.model().params().headW);
}

// A step taken a few images at a time (as the window's worker does, to answer Pause within a
// frame) ends with the same parameters, losses and accuracies as whole steps, bit for bit;
// the parameters change only with a batch's last image.
void TestVit::stepInPartsEqualsWholeSteps()
{
    VitTrainConfig c = quarterConfig();
    c.epochs = 1;
    c.batchSize = 16;
    c.model.dropout = 0.1;
    VitTrainer whole(shared(quarters(40, 8, 1)), nullptr, c);
    VitTrainer parts(shared(quarters(40, 8, 1)), nullptr, c);
    while (whole.step()) {
    }
    QCOMPARE(whole.stepCount(), 3L); // 16 + 16 + 8 images

    const Matrix headBefore = parts.model().params().headW;
    QCOMPARE(parts.advance(5), VitTrainer::Progress::Partial);
    QVERIFY(parts.midStep());
    QCOMPARE(parts.stepCount(), 0L);
    QVERIFY(parts.model().params().headW == headBefore);
    QCOMPARE(parts.advance(5), VitTrainer::Progress::Partial);
    QCOMPARE(parts.advance(5), VitTrainer::Progress::Partial);
    QCOMPARE(parts.advance(5), VitTrainer::Progress::Stepped); // the 16th image of 20 offered
    QVERIFY(!parts.midStep());
    QCOMPARE(parts.advance(3), VitTrainer::Progress::Partial);
    QVERIFY(parts.step()); // completes the step begun
    int calls = 0;
    while (parts.advance(3) != VitTrainer::Progress::Nothing) {
        ++calls;
    }
    QCOMPARE(calls, 3); // 3 + 3 + 2 images
    QCOMPARE(parts.advance(3), VitTrainer::Progress::Nothing);

    QCOMPARE(parts.stepLosses(), whole.stepLosses());
    QCOMPARE(parts.stepAccuracies(), whole.stepAccuracies());
    QCOMPARE(parts.epochLosses(), whole.epochLosses());
    QVERIFY(parts.model().params().headW == whole.model().params().headW);
    QVERIFY(parts.model().params().patchW == whole.model().params().patchW);
    QVERIFY(parts.done());
}

void TestVit::snapshotHasEveryHeadAndARolloutWhoseRowsSumToOne()
{
    VitTrainConfig c = quarterConfig();
    c.model.layers = 2;
    const ImageSet set = quarters(8, 8, 3);
    VitTrainer trainer(shared(set), nullptr, c);
    trainer.runEpoch();
    const VitImageSnapshot s = trainer.snapshot(set.image(0), set.labels[0]);
    QCOMPARE(s.weights.size(), size_t(2));
    QCOMPARE(s.weights[0].size(), size_t(2));
    QCOMPARE(s.weights[1][1].rows(), 5); // class token + 4 patches
    QCOMPARE(s.meanWeights.size(), size_t(2));
    QCOMPARE(s.label, set.labels[0]);
    QCOMPARE(s.probs.cols(), 4);
    QVERIFY(std::abs(s.probs.sum() - 1.0f) < 1e-5f);
    for (Eigen::Index r = 0; r < s.rollout.rows(); ++r) {
        QVERIFY(std::abs(s.rollout.row(r).sum() - 1.0f) < 1e-5f);
        QVERIFY(std::abs(s.weights[0][0].row(r).sum() - 1.0f) < 1e-5f);
    }
}

QTEST_GUILESS_MAIN(TestVit)
#include "tst_vit.moc"
