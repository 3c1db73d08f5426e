// The lesson's model: its whole backward pass against central differences for every switch
// (mask, skip connection, output), and the causal mask's promise that a token never sees
// the future.
#include "gradcheck.h"

#include <corpus.h>
#include <toymodel.h>
#include <trainer.h>

#include <QTest>

#include <utility>
#include <vector>

using namespace attnlab;

class TestToyModel : public QObject
{
    Q_OBJECT
private slots:
    void backwardMatchesFiniteDifferencesForEveryParameter_data();
    void backwardMatchesFiniteDifferencesForEveryParameter();
    void backwardIntoReusedBuffersMatchesFiniteDifferences();
    void initializationFollowsPyTorchDefaults();
    void predictionsBeforeAPositionIgnoreLaterTokens();
    void weightShapeMismatchIsRefusedNamingTheMatrix();
};

void TestToyModel::backwardMatchesFiniteDifferencesForEveryParameter_data()
{
    QTest::addColumn<bool>("causal");
    QTest::addColumn<bool>("skip");
    QTest::addColumn<bool>("sigmoid");
    QTest::newRow("causal, skip, softmax") << true << true << false;
    QTest::newRow("unmasked, skip, softmax") << false << true << false;
    QTest::newRow("causal, no skip, softmax") << true << false << false;
    QTest::newRow("causal, skip, sigmoid") << true << true << true;
}

void TestToyModel::backwardMatchesFiniteDifferencesForEveryParameter()
{
    QFETCH(bool, causal);
    QFETCH(bool, skip);
    QFETCH(bool, sigmoid);
    ToyConfig config;
    config.headSize = 3;
    config.context = 4;
    config.causal = causal;
    config.skip = skip;
    config.output = sigmoid ? OutputKind::Sigmoid : OutputKind::Softmax;
    config.seed = 5;
    ToyHead<double> model(5, config);
    const std::vector<int> ids{0, 3, 1, 3};
    const std::vector<int> targets = nextTokenTargets(ids);
    const ToyParams<double> grads = model.backward(model.forward(ids, targets), ids, targets);
    auto loss = [&] { return model.forward(ids, targets).loss; };

    const std::vector<const char*> names{"tok", "pos", "wq", "wk", "wv"};
    const auto params = model.params().all();
    const auto analytic = grads.all();
    for (size_t i = 0; i < params.size(); ++i) {
        const MatrixD numeric = testing::numericGradient(*params[i], loss);
        const double err = testing::relativeError(*analytic[i], numeric);
        QVERIFY2(err < 1e-6, qPrintable(QString("%1: relative error %2").arg(names[i]).arg(err)));
        // Every parameter in use gets a gradient (token 2 and 4 are unused: their rows are 0).
        QVERIFY2(analytic[i]->cwiseAbs().maxCoeff() > 0, names[i]);
    }
}

void TestToyModel::backwardIntoReusedBuffersMatchesFiniteDifferences()
{
    // The trainer keeps its buffers from step to step: a pass through buffers that last held
    // a longer sentence (other shapes, other values) must give the true gradient.
    ToyConfig config;
    config.headSize = 3;
    config.context = 5;
    config.seed = 6;
    ToyHead<double> model(5, config);
    ToyForward<double> f;
    ToyParams<double> grads;
    ToyWorkspace<double> work;
    const std::vector<int> longer{0, 3, 1, 3, 2};
    const std::vector<int> longerTargets = nextTokenTargets(longer);
    model.forward(longer, longerTargets, f);
    model.backward(f, longer, longerTargets, grads, work);

    const std::vector<int> ids{0, 4, 1};
    const std::vector<int> targets = nextTokenTargets(ids);
    model.forward(ids, targets, f);
    model.backward(f, ids, targets, grads, work);
    QCOMPARE(f.probs.rows(), 3);
    auto loss = [&] { return model.forward(ids, targets).loss; };
    QVERIFY(std::abs(f.loss - loss()) < 1e-12);
    const std::vector<const char*> names{"tok", "pos", "wq", "wk", "wv"};
    const auto params = model.params().all();
    const auto analytic = std::as_const(grads).all();
    for (size_t i = 0; i < params.size(); ++i) {
        const MatrixD numeric = testing::numericGradient(*params[i], loss);
        QCOMPARE(analytic[i]->rows(), numeric.rows());
        const double err = testing::relativeError(*analytic[i], numeric);
        QVERIFY2(err < 1e-6, qPrintable(QString("%1: relative error %2").arg(names[i]).arg(err)));
    }
}

void TestToyModel::initializationFollowsPyTorchDefaults()
{
    ToyConfig config;
    config.headSize = 64;
    config.context = 64;
    ToyHead<double> model(49, config);
    const ToyParams<double>& p = model.params();
    // Embeddings N(0, 1): with 49·49 + 64·49 draws the sample moments are close to 0 and 1.
    const double mean = (p.tok.sum() + p.pos.sum()) / double(p.tok.size() + p.pos.size());
    const double var =
        (p.tok.squaredNorm() + p.pos.squaredNorm()) / double(p.tok.size() + p.pos.size());
    QVERIFY(std::abs(mean) < 0.05);
    QVERIFY(std::abs(var - 1.0) < 0.05);
    // Projections uniform in ±1/√E, E = 49.
    for (const MatrixD* w : {&p.wq, &p.wk, &p.wv}) {
        QVERIFY(w->cwiseAbs().maxCoeff() <= 1.0 / 7.0);
        QVERIFY(w->cwiseAbs().maxCoeff() > 0.9 / 7.0);
    }
}

void TestToyModel::predictionsBeforeAPositionIgnoreLaterTokens()
{
    // C03: train with the causal mask (learning rate 0.1, 2000 steps), then change only the
    // last token of the first sentence.
    ToyConfig config;
    config.learningRate = 0.1;
    config.epochs = 1000;
    ToyTrainer trainer(lessonCorpus(), config);
    trainer.runToEnd();
    QCOMPARE(trainer.stepCount(), 2000L);
    std::vector<int> ids = trainer.corpus().sentences[0];
    const SentenceSnapshot before = trainer.evaluate(ids);
    ids.back() = *trainer.corpus().vocab.find("beef");
    const SentenceSnapshot after = trainer.evaluate(ids);
    for (int t = 0; t < 4; ++t) {
        QVERIFY(before.probs.row(t) == after.probs.row(t)); // bit for bit
    }
    QVERIFY(before.probs.row(4) != after.probs.row(4));
    // Exactly 0, not merely small: QCOMPARE would take 3e-39 for 0.
    for (int r = 0; r < 5; ++r) {
        for (int c = r + 1; c < 5; ++c) {
            QVERIFY2(
                after.weights(r, c) == 0.0f,
                qPrintable(QStringLiteral("(%1, %2): %3").arg(r).arg(c).arg(after.weights(r, c))));
        }
    }
}

void TestToyModel::weightShapeMismatchIsRefusedNamingTheMatrix()
{
    ToyParams<float> p;
    p.tok = Matrix::Zero(7, 7);
    p.pos = Matrix::Zero(5, 7);
    p.wq = Matrix::Zero(7, 20);
    p.wk = Matrix::Zero(7, 20);
    p.wv = Matrix::Zero(6, 7);
    try {
        ToyHead<float> model(p, ToyConfig{});
        QFAIL("a 6×7 wv was accepted");
    } catch (const std::exception& e) {
        QVERIFY(QString(e.what()).contains("wv"));
        QVERIFY(QString(e.what()).contains("6×7"));
    }
}

QTEST_GUILESS_MAIN(TestToyModel)
#include "tst_toymodel.moc"
