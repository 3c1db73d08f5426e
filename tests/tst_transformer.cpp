// The transformer: its whole backward pass against central differences for every part that
// can be switched on or off (C05), the causal mask's promise, padding that changes nothing
// (C06), and repeatable initialization.
#include "gradcheck.h"

#include <transformer.h>

#include <QRegularExpression>
#include <QTest>

using namespace attnlab;

namespace {

// C05's tiny model: E = 4, 2 heads, 1 layer, layer norm, T = 3.
TransformerConfig tinyConfig()
{
    TransformerConfig c;
    c.vocab = 5;
    c.embed = 4;
    c.heads = 2;
    c.headSize = 4;
    c.layers = 1;
    c.context = 3;
    c.mlpWidth = 6;
    c.seed = 11;
    return c;
}

} // namespace

Q_DECLARE_METATYPE(attnlab::TransformerConfig)

class TestTransformer : public QObject
{
    Q_OBJECT
private slots:
    void backwardMatchesFiniteDifferencesForEveryParameter_data();
    void backwardMatchesFiniteDifferencesForEveryParameter();
    void causalPredictionsIgnoreLaterTokensAndUnmaskedOnesDoNot();
    void paddedSequenceComputesWhatItComputesAlone();
    void sameSeedGivesTheSameWeights();
    void headSizeMustDivideAmongHeads();
};

void TestTransformer::backwardMatchesFiniteDifferencesForEveryParameter_data()
{
    QTest::addColumn<TransformerConfig>("config");
    QTest::addColumn<int>("length");
    QTest::addColumn<bool>("dropout");
    TransformerConfig c = tinyConfig();
    QTest::newRow("C05: E=4, 2 heads, 1 layer, layer norm, T=3") << c << 3 << false;
    c.causal = false;
    QTest::newRow("unmasked") << c << 3 << false;
    c = tinyConfig();
    c.layers = 2;
    c.context = 4;
    QTest::newRow("2 layers, one padded token") << c << 3 << false;
    c = tinyConfig();
    c.mlp = false;
    c.layerNorm = false;
    QTest::newRow("attention only") << c << 3 << false;
    c = tinyConfig();
    c.residual = false;
    QTest::newRow("no residual") << c << 3 << false;
    c = tinyConfig();
    c.dropout = 0.3;
    QTest::newRow("dropout with a fixed mask") << c << 3 << true;
}

void TestTransformer::backwardMatchesFiniteDifferencesForEveryParameter()
{
    QFETCH(TransformerConfig, config);
    QFETCH(int, length);
    QFETCH(bool, dropout);
    Transformer<double> model(config);
    std::vector<int> ids{1, 3, 2, 4};
    ids.resize(size_t(config.context));
    std::vector<int> targets(ids.size(), kNoTarget);
    for (int t = 0; t < length; ++t) {
        targets[size_t(t)] = (ids[size_t(t)] + 1) % config.vocab;
    }
    auto run = [&] {
        Rng rng(99); // the same dropout mask at every evaluation
        return model.forward(ids, length, targets, dropout ? &rng : nullptr);
    };
    const TransformerParams<double> grads = model.backward(run(), targets);
    auto loss = [&] { return run().loss; };

    const auto params = model.params().all();
    const auto analytic = grads.all();
    const auto names = model.params().names();
    for (size_t i = 0; i < params.size(); ++i) {
        const bool unused = (!config.mlp && QString::fromStdString(names[i]).contains(
                                                QRegularExpression("ln2|w1|b1|w2|b2"))) ||
                            (!config.layerNorm && names[i].find("ln") != std::string::npos);
        const MatrixD numeric = testing::numericGradient(*params[i], loss);
        const double err = testing::relativeError(*analytic[i], numeric);
        QVERIFY2(
            err < 1e-4,
            qPrintable(
                QString("%1: relative error %2").arg(QString::fromStdString(names[i])).arg(err)));
        if (!unused) {
            QVERIFY2(analytic[i]->cwiseAbs().maxCoeff() > 0, names[i].c_str());
        }
    }
}

void TestTransformer::causalPredictionsIgnoreLaterTokensAndUnmaskedOnesDoNot()
{
    for (bool causal : {true, false}) {
        TransformerConfig c = tinyConfig();
        c.context = 5;
        c.layers = 2;
        c.causal = causal;
        const Transformer<double> model(c);
        const std::vector<int> none(5, kNoTarget);
        const std::vector<int> a{0, 1, 2, 3, 4}, b{0, 1, 2, 3, 1};
        const auto fa = model.forward(a, 5, none, nullptr);
        const auto fb = model.forward(b, 5, none, nullptr);
        const bool earlierSame = fa.probs.topRows(4) == fb.probs.topRows(4);
        QCOMPARE(earlierSame, causal);
        for (const MatrixD& w : fa.blocks[1].weights) {
            for (int r = 0; r < 5 && causal; ++r) {
                for (int col = r + 1; col < 5; ++col) {
                    QCOMPARE(w(r, col), 0.0);
                }
            }
        }
    }
}

void TestTransformer::paddedSequenceComputesWhatItComputesAlone()
{
    // C06: a 2-token sequence alone, and padded to 5 with other tokens.
    for (bool causal : {true, false}) {
        TransformerConfig c = tinyConfig();
        c.context = 5;
        c.layers = 2;
        c.causal = causal;
        const Transformer<double> model(c);
        const std::vector<int> alone{2, 4}, padded{2, 4, 0, 3, 1};
        const std::vector<int> t2{4, 0}, t5{4, 0, kNoTarget, kNoTarget, kNoTarget};
        const auto fa = model.forward(alone, 2, t2, nullptr);
        const auto fp = model.forward(padded, 2, t5, nullptr);
        QVERIFY((fp.probs.topRows(2) - fa.probs).cwiseAbs().maxCoeff() < 1e-12);
        QVERIFY(std::abs(fp.loss - fa.loss) < 1e-12);
        QCOMPARE(fp.counted, 2);
    }
}

void TestTransformer::sameSeedGivesTheSameWeights()
{
    const Transformer<float> a(tinyConfig()), b(tinyConfig());
    TransformerConfig other = tinyConfig();
    other.seed = 12;
    const Transformer<float> c(other);
    QVERIFY(a.params().blocks[0].wq == b.params().blocks[0].wq);
    QVERIFY(a.params().tok != c.params().tok);
}

void TestTransformer::headSizeMustDivideAmongHeads()
{
    TransformerConfig c = tinyConfig();
    c.heads = 3;
    try {
        Transformer<float> model(c);
        QFAIL("accepted");
    } catch (const std::exception& e) {
        QVERIFY2(QString(e.what()).contains("3 heads"), e.what());
    }
}

QTEST_GUILESS_MAIN(TestTransformer)
#include "tst_transformer.moc"
