// Every operation's backward pass against central differences (double precision), and the
// identities the forward passes guarantee: softmax rows sum to 1, masked weights are exactly 0,
// large scores stay finite.
#include "gradcheck.h"

#include <ops.h>

#include <QTest>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace attnlab;
using testing::numericGradient;
using testing::randomMatrix;
using testing::relativeError;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTolerance = 1e-6;

// Entries from −3 to 3: every product and partial sum of the shapes below is a small integer,
// exact in float, so the order of summation cannot matter and a correct product equals the
// exact one bit for bit.
Matrix integerMatrix(int rows, int cols, unsigned seed)
{
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int> dist(-3, 3);
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        m.data()[i] = static_cast<float>(dist(gen));
    }
    return m;
}

MatrixD exact(const Matrix& m)
{
    return m.cast<double>();
}

// Σ upstream ⊙ out: a scalar whose gradient with respect to out is `upstream`.
double weighted(const MatrixD& out, const MatrixD& upstream)
{
    return out.cwiseProduct(upstream).sum();
}

} // namespace

class TestOps : public QObject
{
    Q_OBJECT
private slots:
    void embeddingBackwardMatchesFiniteDifferences();
    void linearBackwardMatchesFiniteDifferences();
    void linearProductsOfEveryShapeAreExact_data();
    void linearProductsOfEveryShapeAreExact();
    void attentionScoresOfEveryShapeAreExact_data();
    void attentionScoresOfEveryShapeAreExact();
    void attentionBackwardLeavesTheGradientOfTheScores();
    void softmaxBackwardMatchesFiniteDifferencesWithMaskedEntries();
    void logSoftmaxBackwardMatchesFiniteDifferences();
    void logSoftmaxGradientOfTwoEntriesIsKnownValue();
    void attentionBackwardMatchesFiniteDifferences_data();
    void attentionBackwardMatchesFiniteDifferences();
    void softmaxCrossEntropyBackwardMatchesFiniteDifferences();
    void sigmoidCrossEntropyBackwardMatchesFiniteDifferences();
    void crossEntropyBackwardFromProbsMatchesFiniteDifferences_data();
    void crossEntropyBackwardFromProbsMatchesFiniteDifferences();
    void maskedSoftmaxOfExtremeRowIsOneHotAndFinite();
    void hugeScoresGiveFiniteWeightsSummingToOne();
    void causalWeightsAboveDiagonalAreExactlyZero();
    void fullyMaskedRowGivesZeros();
    void crossEntropyIsFiniteForExtremeLogits();
};

void TestOps::embeddingBackwardMatchesFiniteDifferences()
{
    MatrixD tok = randomMatrix(5, 4, 1);
    MatrixD pos = randomMatrix(3, 4, 2);
    const std::vector<int> ids{2, 0, 2}; // a repeated token accumulates
    const MatrixD up = randomMatrix(3, 4, 3);
    auto loss = [&] {
        MatrixD x;
        ops::embeddingForward(tok, pos, ids, x);
        return weighted(x, up);
    };
    MatrixD dtok = MatrixD::Zero(5, 4);
    MatrixD dpos = MatrixD::Zero(3, 4);
    ops::embeddingBackward(up, ids, dtok, dpos);
    QVERIFY(relativeError(dtok, numericGradient(tok, loss)) < kTolerance);
    QVERIFY(relativeError(dpos, numericGradient(pos, loss)) < kTolerance);
}

void TestOps::linearBackwardMatchesFiniteDifferences()
{
    MatrixD x = randomMatrix(4, 3, 4);
    MatrixD w = randomMatrix(3, 6, 5);
    const MatrixD up = randomMatrix(4, 6, 6);
    auto loss = [&] {
        MatrixD y;
        ops::linearForward(x, w, y);
        return weighted(y, up);
    };
    MatrixD dx = MatrixD::Zero(4, 3);
    MatrixD dw = MatrixD::Zero(3, 6);
    ops::linearBackward(x, w, up, dx, dw);
    QVERIFY(relativeError(dx, numericGradient(x, loss)) < kTolerance);
    QVERIFY(relativeError(dw, numericGradient(w, loss)) < kTolerance);
}

void TestOps::linearProductsOfEveryShapeAreExact_data()
{
    QTest::addColumn<int>("t");
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::newRow("one entry") << 1 << 1 << 1;
    QTest::newRow("narrower than a packet") << 3 << 2 << 3;
    QTest::newRow("one packet wide") << 6 << 4 << 4;
    QTest::newRow("lesson projections 5x7 by 7x20") << 5 << 7 << 20;
    QTest::newRow("lesson values 5x7 by 7x7") << 5 << 7 << 7;
    QTest::newRow("lesson weighted sum 5x5 by 5x7") << 5 << 5 << 7;
    QTest::newRow("odd rows, overlapping packets") << 7 << 9 << 13;
    QTest::newRow("wider than six packets") << 4 << 5 << 57;
    QTest::newRow("deep and narrow") << 3 << 40 << 5;
    QTest::newRow("largest of the small path (4096)") << 16 << 16 << 16;
    QTest::newRow("blocked GEMM above it") << 17 << 16 << 16;
    QTest::newRow("blocked GEMM, wide") << 9 << 30 << 33;
}

void TestOps::linearProductsOfEveryShapeAreExact()
{
    QFETCH(int, t);
    QFETCH(int, in);
    QFETCH(int, out);
    const Matrix x = integerMatrix(t, in, 20);
    const Matrix w = integerMatrix(in, out, 21);
    const Matrix dy = integerMatrix(t, out, 22);
    Matrix y;
    ops::linearForward(x, w, y);
    QVERIFY(exact(y) == exact(x) * exact(w));

    // Backward adds to what dx and dw held.
    const Matrix dx0 = integerMatrix(t, in, 23);
    const Matrix dw0 = integerMatrix(in, out, 24);
    Matrix dx = dx0;
    Matrix dw = dw0;
    ops::linearBackward(x, w, dy, dx, dw);
    QVERIFY(exact(dx) == exact(dx0) + exact(dy) * exact(w).transpose());
    QVERIFY(exact(dw) == exact(dw0) + exact(x).transpose() * exact(dy));
}

void TestOps::attentionScoresOfEveryShapeAreExact_data()
{
    // H = 4, 16 and 64 make the scale 1/√H a power of two, so the scores stay exact.
    QTest::addColumn<int>("t");
    QTest::addColumn<int>("h");
    QTest::addColumn<bool>("causal");
    QTest::newRow("one token") << 1 << 4 << true;
    QTest::newRow("lesson-sized, causal") << 5 << 16 << true;
    QTest::newRow("lesson-sized, no mask") << 5 << 16 << false;
    QTest::newRow("9 tokens, causal") << 9 << 4 << true;
    QTest::newRow("blocked GEMM, causal") << 20 << 16 << true;
    QTest::newRow("blocked GEMM, no mask") << 12 << 64 << false;
}

void TestOps::attentionScoresOfEveryShapeAreExact()
{
    QFETCH(int, t);
    QFETCH(int, h);
    QFETCH(bool, causal);
    const Matrix q = integerMatrix(t, h, 25);
    const Matrix k = integerMatrix(t, h, 26);
    Matrix scores, weights;
    ops::attentionForward(q, k, causal ? ops::Mask::Causal : ops::Mask::None, scores, weights);
    const MatrixD expected = exact(q) * exact(k).transpose() / std::sqrt(double(h));
    for (int r = 0; r < t; ++r) {
        for (int c = 0; c < t; ++c) {
            const bool masked = causal && c > r;
            QCOMPARE(double(scores(r, c)), masked ? -kInf : expected(r, c));
            if (masked) {
                QCOMPARE(weights(r, c), 0.0f);
            }
        }
        QVERIFY(std::abs(weights.row(r).sum() - 1.0f) <= 1e-6f);
    }
}

void TestOps::attentionBackwardLeavesTheGradientOfTheScores()
{
    // loss = Σ up ⊙ softmax(scores): dscores is its gradient, 0 where the mask hides a score.
    // The buffer starts with another shape and is reused.
    const MatrixD q = randomMatrix(5, 4, 27);
    const MatrixD k = randomMatrix(5, 4, 28);
    const MatrixD up = randomMatrix(5, 5, 29);
    MatrixD scores, weights;
    ops::attentionForward(q, k, ops::Mask::Causal, scores, weights);
    MatrixD dq = MatrixD::Zero(5, 4);
    MatrixD dk = MatrixD::Zero(5, 4);
    MatrixD dscores = MatrixD::Constant(2, 3, 7.0);
    ops::attentionBackward(q, k, weights, up, dq, dk, dscores);
    MatrixD finite = scores.unaryExpr([](double v) { return std::isinf(v) ? 0.0 : v; });
    auto loss = [&] {
        MatrixD in = finite;
        for (Eigen::Index r = 0; r < in.rows(); ++r) {
            for (Eigen::Index c = r + 1; c < in.cols(); ++c) {
                in(r, c) = -kInf;
            }
        }
        MatrixD out;
        ops::softmaxRows(in, out);
        return weighted(out, up);
    };
    const MatrixD numeric = numericGradient(finite, loss);
    QCOMPARE(dscores.rows(), 5);
    QCOMPARE(dscores.cols(), 5);
    QVERIFY(relativeError(dscores, numeric) < kTolerance);
    for (Eigen::Index r = 0; r < 5; ++r) {
        for (Eigen::Index c = r + 1; c < 5; ++c) {
            QCOMPARE(dscores(r, c), 0.0);
        }
    }
}

void TestOps::softmaxBackwardMatchesFiniteDifferencesWithMaskedEntries()
{
    MatrixD in = randomMatrix(3, 4, 7, 2.0);
    in(0, 3) = -kInf;
    in(1, 2) = -kInf;
    const MatrixD up = randomMatrix(3, 4, 8);
    auto loss = [&] {
        MatrixD out;
        ops::softmaxRows(in, out);
        return weighted(out, up);
    };
    MatrixD out;
    ops::softmaxRows(in, out);
    MatrixD din = MatrixD::Zero(3, 4);
    ops::softmaxRowsBackward(out, up, din);
    // Finite differences cannot move a −∞ entry; compare the finite ones, and masked must be 0.
    MatrixD numeric = MatrixD::Zero(3, 4);
    for (Eigen::Index i = 0; i < in.size(); ++i) {
        if (std::isfinite(in.data()[i])) {
            const double saved = in.data()[i];
            in.data()[i] = saved + 1e-6;
            const double a = loss();
            in.data()[i] = saved - 1e-6;
            const double b = loss();
            in.data()[i] = saved;
            numeric.data()[i] = (a - b) / 2e-6;
        }
    }
    QVERIFY(relativeError(din, numeric) < kTolerance);
    QCOMPARE(din(0, 3), 0.0);
    QCOMPARE(din(1, 2), 0.0);
}

void TestOps::logSoftmaxBackwardMatchesFiniteDifferences()
{
    MatrixD in = randomMatrix(3, 5, 9, 3.0);
    const MatrixD up = randomMatrix(3, 5, 10);
    auto loss = [&] {
        MatrixD out;
        ops::logSoftmaxRows(in, out);
        return weighted(out, up);
    };
    MatrixD out;
    ops::logSoftmaxRows(in, out);
    MatrixD din = MatrixD::Zero(3, 5);
    ops::logSoftmaxRowsBackward(out, up, din);
    QVERIFY(relativeError(din, numericGradient(in, loss)) < kTolerance);
}

void TestOps::logSoftmaxGradientOfTwoEntriesIsKnownValue()
{
    // C05: d/dz Σ log softmax(z) = 1 − 2·softmax(z); for z = [0.1, 0.9],
    // softmax = [1/(1+e^0.8), e^0.8/(1+e^0.8)] = [0.3100, 0.6900].
    MatrixD in(1, 2);
    in << 0.1, 0.9;
    MatrixD out;
    ops::logSoftmaxRows(in, out);
    MatrixD din = MatrixD::Zero(1, 2);
    const MatrixD ones = MatrixD::Ones(1, 2);
    ops::logSoftmaxRowsBackward(out, ones, din);
    const double p0 = 1.0 / (1.0 + std::exp(0.8));
    QVERIFY(std::abs(din(0, 0) - (1 - 2 * p0)) < 1e-12);
    QVERIFY(std::abs(din(0, 1) + (1 - 2 * p0)) < 1e-12);
    QVERIFY(std::abs(din(0, 0) - 0.38) < 0.005);
}

void TestOps::attentionBackwardMatchesFiniteDifferences_data()
{
    QTest::addColumn<bool>("causal");
    QTest::addColumn<int>("t");
    QTest::addColumn<int>("h");
    QTest::newRow("causal mask") << true << 4 << 3;
    QTest::newRow("no mask") << false << 4 << 3;
    QTest::newRow("causal mask, lesson-sized") << true << 5 << 20;
    QTest::newRow("causal mask, blocked GEMM") << true << 20 << 16;
}

void TestOps::attentionBackwardMatchesFiniteDifferences()
{
    QFETCH(bool, causal);
    QFETCH(int, t);
    QFETCH(int, h);
    const ops::Mask mask = causal ? ops::Mask::Causal : ops::Mask::None;
    MatrixD q = randomMatrix(t, h, 11);
    MatrixD k = randomMatrix(t, h, 12);
    const MatrixD up = randomMatrix(t, t, 13);
    auto loss = [&] {
        MatrixD scores, weights;
        ops::attentionForward(q, k, mask, scores, weights);
        return weighted(weights, up);
    };
    MatrixD scores, weights;
    ops::attentionForward(q, k, mask, scores, weights);
    MatrixD dq = MatrixD::Zero(t, h);
    MatrixD dk = MatrixD::Zero(t, h);
    ops::attentionBackward(q, k, weights, up, dq, dk);
    QVERIFY(relativeError(dq, numericGradient(q, loss)) < kTolerance);
    QVERIFY(relativeError(dk, numericGradient(k, loss)) < kTolerance);
}

void TestOps::softmaxCrossEntropyBackwardMatchesFiniteDifferences()
{
    MatrixD logits = randomMatrix(4, 6, 14, 2.0);
    const std::vector<int> targets{1, 5, 0, 3};
    auto loss = [&] {
        MatrixD probs;
        return ops::softmaxCrossEntropy<double>(logits, targets, probs, nullptr);
    };
    MatrixD probs;
    MatrixD d = MatrixD::Zero(4, 6);
    ops::softmaxCrossEntropy<double>(logits, targets, probs, &d);
    QVERIFY(relativeError(d, numericGradient(logits, loss)) < kTolerance);
}

void TestOps::sigmoidCrossEntropyBackwardMatchesFiniteDifferences()
{
    MatrixD logits = randomMatrix(4, 6, 15, 3.0);
    const std::vector<int> targets{2, 2, 0, 5};
    auto loss = [&] {
        MatrixD probs;
        return ops::sigmoidCrossEntropy<double>(logits, targets, probs, nullptr);
    };
    MatrixD probs;
    MatrixD d = MatrixD::Zero(4, 6);
    ops::sigmoidCrossEntropy<double>(logits, targets, probs, &d);
    QVERIFY(relativeError(d, numericGradient(logits, loss)) < kTolerance);
}

void TestOps::crossEntropyBackwardFromProbsMatchesFiniteDifferences_data()
{
    QTest::addColumn<bool>("sigmoid");
    QTest::newRow("softmax") << false;
    QTest::newRow("sigmoid") << true;
}

void TestOps::crossEntropyBackwardFromProbsMatchesFiniteDifferences()
{
    // The gradient from the probs a loss returned, added to what dlogits held.
    QFETCH(bool, sigmoid);
    MatrixD logits = randomMatrix(5, 7, 30, 3.0);
    const std::vector<int> targets{1, 6, 0, 3, 3};
    auto lossOf = [&](MatrixD& probs) {
        return sigmoid ? ops::sigmoidCrossEntropy<double>(logits, targets, probs, nullptr)
                       : ops::softmaxCrossEntropy<double>(logits, targets, probs, nullptr);
    };
    auto loss = [&] {
        MatrixD probs;
        return lossOf(probs);
    };
    MatrixD probs;
    lossOf(probs);
    const MatrixD before = randomMatrix(5, 7, 31);
    MatrixD d = before;
    ops::crossEntropyBackward<double>(probs, targets, d);
    QVERIFY(relativeError(d - before, numericGradient(logits, loss)) < kTolerance);
}

void TestOps::maskedSoftmaxOfExtremeRowIsOneHotAndFinite()
{
    // C02: the row [1000, 0, −1000].
    Matrix in(1, 3);
    in << 1000.0f, 0.0f, -1000.0f;
    Matrix out, logOut;
    ops::softmaxRows(in, out);
    ops::logSoftmaxRows(in, logOut);
    QCOMPARE(out(0, 0), 1.0f);
    QCOMPARE(out(0, 1), 0.0f);
    QCOMPARE(out(0, 2), 0.0f);
    QVERIFY(logOut.allFinite());
    QCOMPARE(logOut(0, 0), 0.0f);
}

void TestOps::hugeScoresGiveFiniteWeightsSummingToOne()
{
    // C02: Q·Kᵀ scaled by 1e4.
    const Matrix q = (randomMatrix(5, 8, 16) * 1e4).cast<float>();
    const Matrix k = randomMatrix(5, 8, 17).cast<float>();
    for (ops::Mask mask : {ops::Mask::None, ops::Mask::Causal}) {
        Matrix scores, weights;
        ops::attentionForward(q, k, mask, scores, weights);
        QVERIFY(weights.allFinite());
        for (Eigen::Index r = 0; r < weights.rows(); ++r) {
            QVERIFY(std::abs(weights.row(r).sum() - 1.0f) <= 1e-6f);
        }
    }
}

void TestOps::causalWeightsAboveDiagonalAreExactlyZero()
{
    const Matrix q = randomMatrix(6, 4, 18, 5.0).cast<float>();
    const Matrix k = randomMatrix(6, 4, 19, 5.0).cast<float>();
    Matrix scores, weights;
    ops::attentionForward(q, k, ops::Mask::Causal, scores, weights);
    for (Eigen::Index r = 0; r < 6; ++r) {
        for (Eigen::Index c = r + 1; c < 6; ++c) {
            QCOMPARE(weights(r, c), 0.0f);
            QCOMPARE(scores(r, c), -std::numeric_limits<float>::infinity());
        }
        QVERIFY(std::abs(weights.row(r).sum() - 1.0f) <= 1e-6f);
    }
}

void TestOps::fullyMaskedRowGivesZeros()
{
    MatrixD in(2, 3);
    in << -kInf, -kInf, -kInf, 1.0, 2.0, 3.0;
    MatrixD out;
    ops::softmaxRows(in, out);
    QVERIFY(out.allFinite());
    QCOMPARE(out.row(0).sum(), 0.0);
    QVERIFY(std::abs(out.row(1).sum() - 1.0) < 1e-12);
}

void TestOps::crossEntropyIsFiniteForExtremeLogits()
{
    Matrix logits(2, 3);
    logits << 1e30f, -1e30f, 0.0f, -80.0f, 80.0f, 0.0f;
    const std::vector<int> targets{1, 0};
    Matrix probs;
    Matrix d = Matrix::Zero(2, 3);
    QVERIFY(std::isfinite(ops::softmaxCrossEntropy<float>(logits, targets, probs, &d)));
    QVERIFY(d.allFinite());
    QVERIFY(std::isfinite(ops::sigmoidCrossEntropy<float>(logits, targets, probs, &d)));
}

QTEST_GUILESS_MAIN(TestOps)
#include "tst_ops.moc"
