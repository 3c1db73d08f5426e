// The models on the device against the same models on the CPU: the transformer block over a
// batch of sequences; the text transformer's and the Vision Transformer's gradients, training
// runs, dropout, divergence and checkpoints.
//
// As in tst_gpuops, the CPU (in float) is the oracle and every test runs twice: on the GPU,
// skipping with the loader's reason where none can be used, and on the host fake of the
// library (gpufake.h), which checks the models' device code on every machine. The GPU sums in
// other orders than Eigen, so single passes are held to the tolerances of their operations and
// whole runs to bounds that say how far rounding may carry over many Adam steps.
#include "gpufake.h"
#include "gradcheck.h"

#include <corpus.h>
#include <devicetext.h>
#include <devicevit.h>
#include <texttrainer.h>
#include <vittrainer.h>

#include <QTest>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

using namespace attnlab;

namespace {

Matrix random(int rows, int cols, unsigned seed, double scale = 1.0)
{
    return testing::randomMatrix(rows, cols, seed, scale).cast<float>();
}

// max|a − b| / max(max|b|, 1e-30): the whole-matrix error.
double relativeGap(const Matrix& a, const Matrix& b)
{
    if (a.rows() != b.rows() || a.cols() != b.cols()) {
        return INFINITY;
    }
    return (a - b).cwiseAbs().maxCoeff() / std::max<double>(b.cwiseAbs().maxCoeff(), 1e-30);
}

#define COMPARE_RELATIVE(gpu, cpu, bound)                                                          \
    do {                                                                                           \
        const double gap_ = relativeGap((gpu), (cpu));                                             \
        QVERIFY2(                                                                                  \
            gap_ <= (bound),                                                                       \
            qPrintable(                                                                            \
                QStringLiteral(#gpu ": relative gap %1 > %2").arg(gap_, 0, 'g', 3).arg(bound)));   \
    } while (0)

// A few small images whose classes differ in where the light is, so that a model can learn.
std::shared_ptr<const ImageSet> images(int count, int classes, unsigned seed)
{
    auto set = std::make_shared<ImageSet>();
    set->rows = 8;
    set->cols = 8;
    const Matrix noise = random(count, 64, seed, 0.2);
    for (int i = 0; i < count; ++i) {
        const int label = i % classes;
        set->labels.push_back(label);
        for (int p = 0; p < 64; ++p) {
            const float light = (p / 16) == label ? 0.8f : 0.2f;
            set->pixels.push_back(std::clamp(light + noise(i, p), 0.0f, 1.0f));
        }
    }
    return set;
}

VitTrainConfig smallVit()
{
    VitTrainConfig c;
    c.model.imageRows = 8;
    c.model.imageCols = 8;
    c.model.patch = 4; // 4 patches, T = 5
    c.model.embed = 16;
    c.model.heads = 2;
    c.model.headSize = 16;
    c.model.layers = 2;
    c.model.mlpWidth = 32;
    c.model.classes = 4;
    c.model.seed = 3;
    c.batchSize = 8;
    c.learningRate = 3e-3;
    c.epochs = 1000;
    return c;
}

Corpus sentencesOfSeveralLengths()
{
    return parseCorpus("the cat sat on the mat\nthe dog ran\na small bird sings at dawn\n"
                       "the cat ran\nthe dog sat on the mat\na bird sings\n");
}

} // namespace

class TestDeviceModels : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase_data();
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void attentionOverSequencesMatchesEachSequence_data();
    void attentionOverSequencesMatchesEachSequence();
    void textGradientsMatchTheCpu_data();
    void textGradientsMatchTheCpu();
    void textTrainingMatchesTheCpu_data();
    void textTrainingMatchesTheCpu();
    void textDivergenceAndCheckpointOnTheDevice();
    void vitGradientsMatchTheCpu_data();
    void vitGradientsMatchTheCpu();
    void vitPassesAddUpToTheBatch();
    void vitHundredStepsMatchTheCpu();
    void vitDropoutOnTheDeviceRepeatsAndResumes();
    void vitDivergenceOnTheDeviceRestoresTheWeightsBefore();
    void vitCheckpointFromTheDeviceGoesOnOnTheCpu();

private:
    gpu::Session* target() const;

    fake::Sessions m_sessions;
};

#define REQUIRE_SESSION()                                                                          \
    gpu::Session* const session_ = target();                                                       \
    if (!session_) {                                                                               \
        QSKIP(m_sessions.skipReason.c_str());                                                      \
    }                                                                                              \
    gpu::Session& s = *session_

void TestDeviceModels::initTestCase_data()
{
    QTest::addColumn<bool>("fake");
    QTest::newRow("GPU") << false;
    QTest::newRow("host fake") << true;
}

void TestDeviceModels::initTestCase()
{
#ifdef ATTNLAB_CUDA_LIBRARY_PATH
    const char* library = ATTNLAB_CUDA_LIBRARY_PATH;
#else
    const char* library = nullptr;
#endif
    try {
        m_sessions.open(library);
    } catch (const gpu::GpuError& error) {
        QFAIL(error.what()); // a GPU that is there but cannot be used is a failure
    }
    if (!m_sessions.gpu) {
        qInfo("GPU parity tests skip: %s", m_sessions.skipReason.c_str());
    }
}

void TestDeviceModels::cleanupTestCase()
{
    m_sessions = {};
}

void TestDeviceModels::cleanup()
{
    QCOMPARE(fake::g_buffers, 0);
}

gpu::Session* TestDeviceModels::target() const
{
    QFETCH_GLOBAL(bool, fake);
    return fake ? m_sessions.fake.get() : m_sessions.gpu.get();
}

void TestDeviceModels::attentionOverSequencesMatchesEachSequence_data()
{
    QTest::addColumn<int>("sequences");
    QTest::addColumn<int>("heads");
    QTest::addColumn<bool>("causal");
    QTest::addColumn<int>("length");
    // More heads than sequences: one product per sequence; fewer: one per head.
    QTest::newRow("3 sequences, 4 heads, causal") << 3 << 4 << true << 6;
    QTest::newRow("5 sequences, 2 heads, padded") << 5 << 2 << false << 4;
    QTest::newRow("1 sequence, 2 heads") << 1 << 2 << true << 6;
}

// Sequences stacked in rows give, for each, what the CPU's multi-head attention gives it
// alone: weights, output, and the gradients of q, k and v.
void TestDeviceModels::attentionOverSequencesMatchesEachSequence()
{
    REQUIRE_SESSION();
    QFETCH(int, sequences);
    QFETCH(int, heads);
    QFETCH(bool, causal);
    QFETCH(int, length);
    const int t = 6, width = 8 * heads;
    const ops::Mask mask = causal ? ops::Mask::Causal : ops::Mask::None;
    const Matrix q = random(sequences * t, width, 1), k = random(sequences * t, width, 2);
    const Matrix v = random(sequences * t, width, 3), dout = random(sequences * t, width, 4);
    const Matrix start = random(sequences * t, width, 5, 0.1);

    gpu::DeviceMatrix dq(s, q), dk(s, k), dv(s, v), weights(s, 0, 0), out(s, 0, 0);
    gpu::multiHeadAttentionForward(dq, dk, dv, heads, sequences, length, mask, weights, out);
    gpu::DeviceMatrix gq(s, start), gk(s, start), gv(s, start);
    gpu::multiHeadAttentionBackward(dq, dk, dv, heads, sequences, weights,
                                    gpu::DeviceMatrix(s, dout), gq, gk, gv);
    const Matrix gpuWeights = weights.download(), gpuOut = out.download();
    const Matrix gpuDq = gq.download(), gpuDk = gk.download(), gpuDv = gv.download();

    for (int b = 0; b < sequences; ++b) {
        const auto rows = [&](const Matrix& m) { return Matrix(m.middleRows(b * t, t)); };
        std::vector<Matrix> w;
        Matrix o;
        ops::multiHeadAttentionForward(rows(q), rows(k), rows(v), heads, length, mask, w, o);
        Matrix cq = rows(start), ck = rows(start), cv = rows(start);
        ops::multiHeadAttentionBackward(rows(q), rows(k), rows(v), heads, w, rows(dout), cq, ck,
                                        cv);
        for (int h = 0; h < heads; ++h) {
            COMPARE_RELATIVE(Matrix(gpuWeights.middleRows((b * heads + h) * t, t)),
                             w[static_cast<size_t>(h)], 2e-5);
        }
        COMPARE_RELATIVE(rows(gpuOut), o, 2e-5);
        COMPARE_RELATIVE(rows(gpuDq), cq, 1e-4);
        COMPARE_RELATIVE(rows(gpuDk), ck, 1e-4);
        COMPARE_RELATIVE(rows(gpuDv), cv, 1e-4);
    }
}

void TestDeviceModels::textGradientsMatchTheCpu_data()
{
    QTest::addColumn<bool>("causal");
    QTest::addColumn<bool>("layerNorm");
    QTest::addColumn<bool>("residual");
    QTest::addColumn<bool>("mlp");
    QTest::addColumn<int>("layers");
    QTest::newRow("causal, every part") << true << true << true << true << 2;
    QTest::newRow("unmasked") << false << true << true << true << 2;
    QTest::newRow("no layer norm") << true << false << true << true << 1;
    QTest::newRow("no residual") << true << true << false << true << 2;
    QTest::newRow("no MLP") << false << true << true << false << 1;
    QTest::newRow("no blocks") << true << true << true << true << 0;
}

// One padded sentence (5 real tokens of 7, one position without a target), its gradient
// times a share, every parameter, against the CPU's.
void TestDeviceModels::textGradientsMatchTheCpu()
{
    REQUIRE_SESSION();
    QFETCH(bool, causal);
    QFETCH(bool, layerNorm);
    QFETCH(bool, residual);
    QFETCH(bool, mlp);
    QFETCH(int, layers);
    TransformerConfig c;
    c.vocab = 9;
    c.embed = 12;
    c.heads = 3;
    c.headSize = 12;
    c.layers = layers;
    c.context = 8;
    c.mlpWidth = 20;
    c.causal = causal;
    c.layerNorm = layerNorm;
    c.residual = residual;
    c.mlp = mlp;
    c.seed = 5;
    const Transformer<float> model(c);
    const std::vector<int> ids{1, 4, 4, 8, 2, 0, 0};
    const std::vector<int> targets{4, kNoTarget, 8, 2, 3, kNoTarget, kNoTarget};
    const TransformerForward<float> f = model.forward(ids, 5, targets, nullptr);
    const TransformerParams<float> cpu = model.backward(f, targets);

    DeviceTextEngine engine(fake::borrowed(s), c, model.params(), Adam<float>{});
    engine.beginStep(2, 7, 0);
    const float loss = engine.forwardBackward(ids, 5, targets, 0, 0.25f);
    QVERIFY2(std::abs(loss - f.loss) <= 1e-5 * f.loss,
             qPrintable(QStringLiteral("loss %1, CPU %2").arg(loss).arg(f.loss)));
    TransformerParams<float> gpu = cpu.zerosLike();
    engine.downloadGradients(gpu);
    const std::vector<std::string> names = cpu.names();
    const auto a = std::as_const(gpu).all();
    const auto b = std::as_const(cpu).all();
    for (size_t i = 0; i < a.size(); ++i) {
        const double gap = relativeGap(*a[i], Matrix(0.25f * *b[i]));
        QVERIFY2(gap <= 1e-4, qPrintable(QStringLiteral("%1: relative gap %2")
                                             .arg(QString::fromStdString(names[i]))
                                             .arg(gap, 0, 'g', 3)));
    }
}

void TestDeviceModels::textTrainingMatchesTheCpu_data()
{
    QTest::addColumn<int>("objective");
    QTest::newRow("causal") << int(Objective::Causal);
    QTest::newRow("unmasked") << int(Objective::Unmasked);
    QTest::newRow("masked") << int(Objective::Masked);
}

// 60 epochs of six sentences of 3 to 6 words (so batches are padded) in shuffled batches of
// 3, 120 steps, on the device and on the CPU: every epoch's loss within 1e-3 of the CPU's and
// the trained model's predictions for every sentence within 1e-3.
void TestDeviceModels::textTrainingMatchesTheCpu()
{
    REQUIRE_SESSION();
    QFETCH(int, objective);
    TextConfig config;
    config.objective = Objective(objective);
    config.model.embed = 16;
    config.model.heads = 2;
    config.model.headSize = 16;
    config.model.layers = 2;
    config.model.mlpWidth = 32;
    config.model.context = 8;
    config.batchSize = 3;
    config.shuffle = true;
    config.epochs = 60;
    config.learningRate = 3e-3;
    TextTrainer cpu(sentencesOfSeveralLengths(), config);
    TextTrainer device(sentencesOfSeveralLengths(), config);
    device.trainOn(fake::borrowed(s));
    QVERIFY(device.onDevice());
    cpu.runToEnd();
    device.runToEnd();
    QCOMPARE(device.state(), TrainState::Finished);
    QCOMPARE(device.stepCount(), 120L);
    QCOMPARE(cpu.stepCount(), 120L);
    double lossGap = 0;
    for (size_t e = 0; e < cpu.epochLosses().size(); ++e) {
        lossGap = std::max(lossGap, std::abs(device.epochLosses()[e] - cpu.epochLosses()[e]));
    }
    QVERIFY2(cpu.epochLosses().back() < 0.7 * cpu.epochLosses().front(), "nothing learned");
    const TextSnapshot a = cpu.snapshot();
    const TextSnapshot b = device.snapshot();
    double probsGap = 0;
    for (size_t i = 0; i < a.sentences.size(); ++i) {
        probsGap = std::max<double>(
            probsGap, (a.sentences[i].probs - b.sentences[i].probs).cwiseAbs().maxCoeff());
    }
    qInfo("%ld text steps: epoch loss gap %.3g, probability gap %.3g", cpu.stepCount(), lossGap,
          probsGap);
    QVERIFY2(lossGap <= 1e-3, qPrintable(QString::number(lossGap)));
    QVERIFY2(probsGap <= 1e-3, qPrintable(QString::number(probsGap)));
}

// A runaway learning rate stops training with the weights from before the step that blew them
// up; a checkpoint taken on the device (with dropout) goes on on the CPU within rounding of
// the weights, and on the device as an uninterrupted run does, bit for bit.
void TestDeviceModels::textDivergenceAndCheckpointOnTheDevice()
{
    REQUIRE_SESSION();
    TextConfig config;
    config.model.embed = 8;
    config.model.headSize = 8;
    config.model.mlpWidth = 16;
    config.model.context = 8;
    config.learningRate = 1e30;
    TextTrainer runaway(lessonCorpus(), config);
    const TransformerParams<float> initial = runaway.model().params();
    runaway.trainOn(fake::borrowed(s));
    runaway.runToEnd();
    QCOMPARE(runaway.state(), TrainState::Diverged);
    QVERIFY2(QString::fromStdString(runaway.message()).contains("step 2"),
             runaway.message().c_str());
    QVERIFY(runaway.model().params().wout == initial.wout);
    QCOMPARE(runaway.optimizer().stepCount(), 0L);

    config.learningRate = 1e-3;
    config.model.dropout = 0.1;
    TextTrainer device(lessonCorpus(), config), straight(lessonCorpus(), config);
    device.trainOn(fake::borrowed(s));
    straight.trainOn(fake::borrowed(s));
    for (int i = 0; i < 9; ++i) {
        QVERIFY(device.step());
        QVERIFY(straight.step());
    }
    TextTrainer resumed(lessonCorpus(), config, device.checkpoint());
    resumed.trainOn(fake::borrowed(s));
    for (int i = 0; i < 6; ++i) {
        QVERIFY(resumed.step());
        QVERIFY(straight.step());
    }
    QVERIFY(resumed.model().params().wout == straight.model().params().wout);
    QCOMPARE(resumed.epochLosses(), straight.epochLosses());

    config.model.dropout = 0;
    TextTrainer plain(lessonCorpus(), config);
    plain.trainOn(fake::borrowed(s));
    for (int i = 0; i < 5; ++i) {
        QVERIFY(plain.step());
    }
    TextTrainer onCpu(lessonCorpus(), config, plain.checkpoint());
    for (int i = 0; i < 5; ++i) {
        QVERIFY(plain.step());
        QVERIFY(onCpu.step());
    }
    COMPARE_RELATIVE(plain.model().params().wout, onCpu.model().params().wout, 1e-3);
}

void TestDeviceModels::vitGradientsMatchTheCpu_data()
{
    QTest::addColumn<bool>("layerNorm");
    QTest::addColumn<bool>("residual");
    QTest::addColumn<bool>("mlp");
    QTest::addColumn<int>("layers");
    QTest::newRow("every part") << true << true << true << 2;
    QTest::newRow("no layer norm") << false << true << true << 2;
    QTest::newRow("no residual") << true << false << true << 1;
    QTest::newRow("no MLP") << true << true << false << 2;
    QTest::newRow("no blocks") << true << true << true << 0;
}

// One batch's gradient, every parameter, against the CPU's mean of its images' gradients.
void TestDeviceModels::vitGradientsMatchTheCpu()
{
    REQUIRE_SESSION();
    QFETCH(bool, layerNorm);
    QFETCH(bool, residual);
    QFETCH(bool, mlp);
    QFETCH(int, layers);
    VitConfig c = smallVit().model;
    c.layerNorm = layerNorm;
    c.residual = residual;
    c.mlp = mlp;
    c.layers = layers;
    const auto set = images(6, c.classes, 10);
    const VisionTransformer<float> model(c);
    const std::vector<int> batch{4, 0, 5, 2, 1, 3};

    VitParams<float> cpu = model.params().zerosLike();
    double cpuLoss = 0;
    for (int i : batch) {
        const VitForward<float> f = model.forward(set->image(i), set->labels[size_t(i)], nullptr);
        cpuLoss += f.loss;
        model.backward(f, 1.0f / static_cast<float>(batch.size()), cpu);
    }

    DeviceVitEngine engine(fake::borrowed(s), c, model.params(), Adam<float>{}, *set);
    engine.beginStep(static_cast<int>(batch.size()), 0);
    const DeviceVitEngine::Pass pass = engine.forwardBackward(batch, 0);
    QVERIFY2(std::abs(pass.lossSum - cpuLoss) <= 1e-5 * cpuLoss,
             qPrintable(QStringLiteral("loss %1, CPU %2").arg(pass.lossSum).arg(cpuLoss)));
    VitParams<float> gpu = cpu.zerosLike();
    engine.downloadGradients(gpu);
    const std::vector<std::string> names = cpu.names();
    const auto a = std::as_const(gpu).all();
    const auto b = std::as_const(cpu).all();
    for (size_t i = 0; i < a.size(); ++i) {
        const double gap = relativeGap(*a[i], *b[i]);
        QVERIFY2(gap <= 1e-4, qPrintable(QStringLiteral("%1: relative gap %2")
                                             .arg(QString::fromStdString(names[i]))
                                             .arg(gap, 0, 'g', 3)));
    }
}

// A batch taken in two passes (the window's slices) adds up to the batch taken at once.
void TestDeviceModels::vitPassesAddUpToTheBatch()
{
    REQUIRE_SESSION();
    const VitConfig c = smallVit().model;
    const auto set = images(8, c.classes, 11);
    const VisionTransformer<float> model(c);
    const std::vector<int> batch{7, 1, 4, 0, 6};
    DeviceVitEngine whole(fake::borrowed(s), c, model.params(), Adam<float>{}, *set);
    DeviceVitEngine parts(fake::borrowed(s), c, model.params(), Adam<float>{}, *set);
    whole.beginStep(5, 0);
    const double wholeLoss = whole.forwardBackward(batch, 0).lossSum;
    parts.beginStep(5, 0);
    const double partsLoss = parts.forwardBackward(std::span(batch).first(2), 0).lossSum +
                             parts.forwardBackward(std::span(batch).subspan(2), 2).lossSum;
    QVERIFY(std::abs(wholeLoss - partsLoss) <= 1e-6 * wholeLoss);
    VitParams<float> a = model.params().zerosLike(), b = a;
    whole.downloadGradients(a);
    parts.downloadGradients(b);
    for (size_t i = 0; i < a.all().size(); ++i) {
        COMPARE_RELATIVE(*b.all()[i], *a.all()[i], 1e-5);
    }
}

// 100 training steps (12.5 epochs of 64 images in batches of 8, shuffled) on the device and on
// the CPU. Bounds: every step's mean loss within 1e-3 of the CPU's, every step's accuracy
// within one image in eight, and the trained model's class probabilities on held-out images
// within 1e-3. Adam divides each gradient by its own running size, so where a gradient is
// nearly zero, rounding can move a weight by up to the learning rate per step: the weights
// themselves are compared only as a whole (relative gap 1e-2), and the gaps are printed.
void TestDeviceModels::vitHundredStepsMatchTheCpu()
{
    REQUIRE_SESSION();
    const VitTrainConfig config = smallVit();
    const auto train = images(64, config.model.classes, 12);
    const auto test = images(16, config.model.classes, 13);
    VitTrainer cpu(train, test, config);
    VitTrainer device(train, test, config);
    device.trainOn(fake::borrowed(s));
    QVERIFY(device.onDevice());
    for (int i = 0; i < 100; ++i) {
        QVERIFY(cpu.step());
        QVERIFY(device.step());
    }
    double lossGap = 0, accuracyGap = 0;
    for (size_t i = 0; i < cpu.stepLosses().size(); ++i) {
        lossGap = std::max(lossGap, std::abs(device.stepLosses()[i] - cpu.stepLosses()[i]));
        accuracyGap =
            std::max(accuracyGap, std::abs(device.stepAccuracies()[i] - cpu.stepAccuracies()[i]));
    }
    QCOMPARE(device.stepCount(), 100L);
    QVERIFY2(cpu.stepLosses().back() < 0.5 * cpu.stepLosses().front(), "the model did not learn");
    double probsGap = 0;
    for (int i = 0; i < test->count(); ++i) {
        const Matrix a = cpu.snapshot(test->image(i), test->labels[size_t(i)]).probs;
        const Matrix b = device.snapshot(test->image(i), test->labels[size_t(i)]).probs;
        probsGap = std::max<double>(probsGap, (a - b).cwiseAbs().maxCoeff());
    }
    double weightGap = 0;
    const auto a = cpu.model().params().all();
    const auto b = device.model().params().all();
    for (size_t i = 0; i < a.size(); ++i) {
        weightGap = std::max(weightGap, relativeGap(*b[i], *a[i]));
    }
    // Evaluating on the device (600 images: two slices) gives the CPU's numbers.
    const auto many = images(600, config.model.classes, 17);
    const VitEvaluation onCpu = cpu.evaluate(*many), onDevice = device.evaluate(*many);
    QCOMPARE(onDevice.images, 600);
    QVERIFY2(std::abs(onDevice.loss - onCpu.loss) <= 1e-4 * onCpu.loss,
             qPrintable(QStringLiteral("%1 and %2").arg(onDevice.loss).arg(onCpu.loss)));
    QVERIFY(std::abs(onDevice.accuracy - onCpu.accuracy) <= 2.0 / 600);
    QCOMPARE(device.evaluate(*many, 7).images, 7);
    qInfo("100 ViT steps: loss gap %.3g, accuracy gap %.3g, probability gap %.3g, weight gap "
          "%.3g (relative)",
          lossGap, accuracyGap, probsGap, weightGap);
    QVERIFY2(lossGap <= 1e-3, qPrintable(QString::number(lossGap)));
    QVERIFY2(accuracyGap <= 0.125, qPrintable(QString::number(accuracyGap)));
    QVERIFY2(probsGap <= 1e-3, qPrintable(QString::number(probsGap)));
    QVERIFY2(weightGap <= 1e-2, qPrintable(QString::number(weightGap)));
}

// With dropout the device draws its own masks: two runs with one seed agree bit for bit, the
// masks change the losses, and a trainer made from a checkpoint taken mid-step on the device
// goes on with the same steps. A step taken in parts draws the same masks; only the order of
// its sums differs.
void TestDeviceModels::vitDropoutOnTheDeviceRepeatsAndResumes()
{
    REQUIRE_SESSION();
    VitTrainConfig config = smallVit();
    config.model.dropout = 0.2;
    const auto train = images(40, config.model.classes, 14);
    VitTrainer first(train, nullptr, config), second(train, nullptr, config);
    VitTrainConfig plain = config;
    plain.model.dropout = 0;
    VitTrainer without(train, nullptr, plain);
    first.trainOn(fake::borrowed(s));
    second.trainOn(fake::borrowed(s));
    without.trainOn(fake::borrowed(s));
    for (int i = 0; i < 7; ++i) {
        QVERIFY(first.step());
        QVERIFY(second.step());
        QVERIFY(without.step());
    }
    QVERIFY(first.stepLosses() == second.stepLosses());
    QVERIFY(first.stepLosses() != without.stepLosses());

    QVERIFY(first.advance(3) == VitTrainer::Progress::Partial);
    QVERIFY(first.midStep());
    VitTrainer resumed(train, nullptr, config, first.checkpoint());
    resumed.trainOn(fake::borrowed(s));
    for (int i = 0; i < 5; ++i) {
        QVERIFY(first.step());
        QVERIFY(second.step());
        QVERIFY(resumed.step());
    }
    QVERIFY(resumed.stepLosses() == second.stepLosses());
    QVERIFY(resumed.model().params().headW == second.model().params().headW);
    for (size_t i = 0; i < first.stepLosses().size(); ++i) {
        QVERIFY(std::abs(first.stepLosses()[i] - second.stepLosses()[i]) <= 1e-5);
    }
}

// A learning rate that blows the weights up: the next loss is not finite, training stops, and
// the weights are those from before the step that blew them up, exactly.
void TestDeviceModels::vitDivergenceOnTheDeviceRestoresTheWeightsBefore()
{
    REQUIRE_SESSION();
    VitTrainConfig config = smallVit();
    config.learningRate = 1e30;
    VitTrainer device(images(16, 4, 15), nullptr, config);
    const VitParams<float> initial = device.model().params();
    device.trainOn(fake::borrowed(s));
    while (device.step()) {
    }
    QCOMPARE(device.state(), TrainState::Diverged);
    QVERIFY2(QString::fromStdString(device.message()).contains("step 2"), device.message().c_str());
    QVERIFY(device.model().params().headW == initial.headW);
    QVERIFY(device.model().params().blocks[0].wq == initial.blocks[0].wq);
    QCOMPARE(device.optimizer().stepCount(), 0L);
}

// A checkpoint taken on the device holds its weights and Adam state: a CPU trainer made from
// it goes on as the device does, within rounding.
void TestDeviceModels::vitCheckpointFromTheDeviceGoesOnOnTheCpu()
{
    REQUIRE_SESSION();
    const VitTrainConfig config = smallVit();
    const auto train = images(32, config.model.classes, 16);
    VitTrainer device(train, nullptr, config);
    device.trainOn(fake::borrowed(s));
    for (int i = 0; i < 10; ++i) {
        QVERIFY(device.step());
    }
    VitTrainer cpu(train, nullptr, config, device.checkpoint());
    QCOMPARE(cpu.optimizer().stepCount(), 10L);
    for (int i = 0; i < 10; ++i) {
        QVERIFY(device.step());
        QVERIFY(cpu.step());
    }
    for (size_t i = 10; i < 20; ++i) {
        QVERIFY2(std::abs(cpu.stepLosses()[i] - device.stepLosses()[i]) <= 1e-4,
                 qPrintable(QStringLiteral("step %1: %2 and %3")
                                .arg(i + 1)
                                .arg(cpu.stepLosses()[i])
                                .arg(device.stepLosses()[i])));
    }
}

QTEST_GUILESS_MAIN(TestDeviceModels)
#include "tst_devicemodels.moc"
