// The operations of a transformer block: every backward pass against central differences in
// double precision, layer norm's and GELU's known values, dropout's statistics, and multi-head
// attention's masks: padding on the key axis changes nothing for the real tokens (C06).
#include "gradcheck.h"

#include <blockops.h>

#include <QTest>

#include <limits>

using namespace attnlab;
using testing::numericGradient;
using testing::randomMatrix;
using testing::relativeError;

namespace {

constexpr double kTolerance = 1e-6;

double weighted(const MatrixD& out, const MatrixD& upstream)
{
    return out.cwiseProduct(upstream).sum();
}

} // namespace

class TestBlockOps : public QObject
{
    Q_OBJECT
private slots:
    void affineBackwardMatchesFiniteDifferences();
    void layerNormBackwardMatchesFiniteDifferences();
    void layerNormRowsHaveZeroMeanAndUnitVariance();
    void layerNormOfConstantRowIsFinite();
    void geluHasKnownValuesAndGradient();
    void dropoutKeepsAboutOneMinusPAndScales();
    void dropoutOffIsIdentityAndDrawsNothing();
    void dropoutBackwardUsesTheSameMask();
    void multiHeadBackwardMatchesFiniteDifferences_data();
    void multiHeadBackwardMatchesFiniteDifferences();
    void paddingKeysChangeNothingForRealTokens_data();
    void paddingKeysChangeNothingForRealTokens();
    void eachHeadSeesOnlyItsOwnColumns();
};

void TestBlockOps::affineBackwardMatchesFiniteDifferences()
{
    MatrixD x = randomMatrix(4, 3, 1), w = randomMatrix(3, 5, 2), b = randomMatrix(1, 5, 3);
    const MatrixD up = randomMatrix(4, 5, 4);
    auto loss = [&] {
        MatrixD y;
        ops::affineForward(x, w, b, y);
        return weighted(y, up);
    };
    MatrixD dx = MatrixD::Zero(4, 3), dw = MatrixD::Zero(3, 5), db = MatrixD::Zero(1, 5);
    ops::affineBackward(x, w, up, dx, dw, db);
    QVERIFY(relativeError(dx, numericGradient(x, loss)) < kTolerance);
    QVERIFY(relativeError(dw, numericGradient(w, loss)) < kTolerance);
    QVERIFY(relativeError(db, numericGradient(b, loss)) < kTolerance);
}

void TestBlockOps::layerNormBackwardMatchesFiniteDifferences()
{
    MatrixD x = randomMatrix(3, 4, 5, 2.0);
    MatrixD gamma = randomMatrix(1, 4, 6) + MatrixD::Ones(1, 4);
    MatrixD beta = randomMatrix(1, 4, 7);
    const MatrixD up = randomMatrix(3, 4, 8);
    auto loss = [&] {
        MatrixD y;
        ops::LayerNormCache<double> cache;
        ops::layerNormForward(x, gamma, beta, y, cache);
        return weighted(y, up);
    };
    MatrixD y;
    ops::LayerNormCache<double> cache;
    ops::layerNormForward(x, gamma, beta, y, cache);
    MatrixD dx = MatrixD::Zero(3, 4), dg = MatrixD::Zero(1, 4), db = MatrixD::Zero(1, 4);
    ops::layerNormBackward(gamma, cache, up, dx, dg, db);
    QVERIFY(relativeError(dx, numericGradient(x, loss)) < kTolerance);
    QVERIFY(relativeError(dg, numericGradient(gamma, loss)) < kTolerance);
    QVERIFY(relativeError(db, numericGradient(beta, loss)) < kTolerance);
}

void TestBlockOps::layerNormRowsHaveZeroMeanAndUnitVariance()
{
    const MatrixD x = randomMatrix(5, 16, 9, 10.0);
    MatrixD y;
    ops::LayerNormCache<double> cache;
    ops::layerNormForward<double>(x, MatrixD::Ones(1, 16), MatrixD::Zero(1, 16), y, cache);
    for (Eigen::Index r = 0; r < 5; ++r) {
        QVERIFY(std::abs(y.row(r).mean()) < 1e-12);
        // Variance 1 up to ε = 1e-5 in the denominator.
        const double var = y.row(r).squaredNorm() / 16.0;
        QVERIFY(std::abs(var - 1.0) < 1e-5);
    }
}

void TestBlockOps::layerNormOfConstantRowIsFinite()
{
    MatrixD x = MatrixD::Constant(1, 4, 3.0);
    MatrixD y;
    ops::LayerNormCache<double> cache;
    ops::layerNormForward<double>(x, MatrixD::Ones(1, 4), MatrixD::Constant(1, 4, 0.5), y, cache);
    QVERIFY(y.allFinite());
    QCOMPARE(y(0, 0), 0.5);
}

void TestBlockOps::geluHasKnownValuesAndGradient()
{
    // GELU(x) = x·Φ(x), Φ(1) = 0.841344746: GELU(1) = 0.841344746, GELU(−1) = −0.158655254.
    MatrixD x(1, 3);
    x << 1.0, -1.0, 0.0;
    MatrixD y;
    ops::geluForward(x, y);
    QVERIFY(std::abs(y(0, 0) - 0.8413447460685429) < 1e-12);
    QVERIFY(std::abs(y(0, 1) + 0.15865525393145707) < 1e-12);
    QCOMPARE(y(0, 2), 0.0);
    MatrixD xs = randomMatrix(3, 4, 10, 3.0);
    const MatrixD up = randomMatrix(3, 4, 11);
    auto loss = [&] {
        MatrixD out;
        ops::geluForward(xs, out);
        return weighted(out, up);
    };
    MatrixD dx = MatrixD::Zero(3, 4);
    ops::geluBackward(xs, up, dx);
    QVERIFY(relativeError(dx, numericGradient(xs, loss)) < kTolerance);
}

void TestBlockOps::dropoutKeepsAboutOneMinusPAndScales()
{
    const MatrixD x = MatrixD::Ones(100, 100);
    MatrixD y, keep;
    Rng rng(1);
    ops::dropoutForward(x, 0.25, rng, y, keep);
    const double kept = double((y.array() != 0).count()) / 10000.0;
    QVERIFY(std::abs(kept - 0.75) < 0.02); // 4.6 standard deviations of a binomial
    for (Eigen::Index i = 0; i < y.size(); ++i) {
        QVERIFY(y.data()[i] == 0.0 || std::abs(y.data()[i] - 1.0 / 0.75) < 1e-15);
    }
    Rng again(1);
    MatrixD y2, keep2;
    ops::dropoutForward(x, 0.25, again, y2, keep2);
    QVERIFY(keep == keep2); // the same seed draws the same mask
}

void TestBlockOps::dropoutOffIsIdentityAndDrawsNothing()
{
    const MatrixD x = randomMatrix(3, 3, 12);
    MatrixD y, keep;
    Rng rng(5), untouched(5);
    ops::dropoutForward(x, 0.0, rng, y, keep);
    QVERIFY(y == x);
    QCOMPARE(rng.uniform(), untouched.uniform());
}

void TestBlockOps::dropoutBackwardUsesTheSameMask()
{
    const MatrixD x = randomMatrix(4, 4, 13);
    MatrixD y, keep;
    Rng rng(2);
    ops::dropoutForward(x, 0.5, rng, y, keep);
    const MatrixD up = randomMatrix(4, 4, 14);
    MatrixD dx = MatrixD::Zero(4, 4);
    ops::dropoutBackward(keep, up, dx);
    // y is linear in x with the mask fixed: dy/dx = keep.
    QVERIFY(dx == up.cwiseProduct(keep));
}

void TestBlockOps::multiHeadBackwardMatchesFiniteDifferences_data()
{
    QTest::addColumn<bool>("causal");
    QTest::addColumn<int>("length");
    QTest::newRow("causal, no padding") << true << 4;
    QTest::newRow("unmasked, no padding") << false << 4;
    QTest::newRow("causal, one padded token") << true << 3;
    QTest::newRow("unmasked, two padded tokens") << false << 2;
}

void TestBlockOps::multiHeadBackwardMatchesFiniteDifferences()
{
    QFETCH(bool, causal);
    QFETCH(int, length);
    const ops::Mask mask = causal ? ops::Mask::Causal : ops::Mask::None;
    MatrixD q = randomMatrix(4, 6, 15), k = randomMatrix(4, 6, 16), v = randomMatrix(4, 6, 17);
    const MatrixD up = randomMatrix(4, 6, 18);
    auto loss = [&] {
        std::vector<MatrixD> w;
        MatrixD out;
        ops::multiHeadAttentionForward(q, k, v, 2, length, mask, w, out);
        return weighted(out, up);
    };
    std::vector<MatrixD> w;
    MatrixD out;
    ops::multiHeadAttentionForward(q, k, v, 2, length, mask, w, out);
    MatrixD dq = MatrixD::Zero(4, 6), dk = MatrixD::Zero(4, 6), dv = MatrixD::Zero(4, 6);
    ops::multiHeadAttentionBackward(q, k, v, 2, w, up, dq, dk, dv);
    QVERIFY(relativeError(dq, numericGradient(q, loss)) < kTolerance);
    QVERIFY(relativeError(dk, numericGradient(k, loss)) < kTolerance);
    QVERIFY(relativeError(dv, numericGradient(v, loss)) < kTolerance);
    for (const MatrixD& head : w) {
        for (Eigen::Index r = 0; r < 4; ++r) {
            QVERIFY(std::abs(head.row(r).sum() - 1.0) < 1e-12);
            for (Eigen::Index c = length; c < 4; ++c) {
                QCOMPARE(head(r, c), 0.0); // padding is never attended to
            }
        }
    }
}

void TestBlockOps::paddingKeysChangeNothingForRealTokens_data()
{
    QTest::addColumn<bool>("causal");
    QTest::newRow("causal") << true;
    QTest::newRow("unmasked") << false;
}

void TestBlockOps::paddingKeysChangeNothingForRealTokens()
{
    // C06: a sentence of 2 tokens alone, and padded to 5 with arbitrary rows.
    QFETCH(bool, causal);
    const ops::Mask mask = causal ? ops::Mask::Causal : ops::Mask::None;
    const MatrixD q = randomMatrix(5, 4, 19), k = randomMatrix(5, 4, 20),
                  v = randomMatrix(5, 4, 21);
    std::vector<MatrixD> wAlone, wPadded;
    MatrixD alone, padded;
    ops::multiHeadAttentionForward<double>(q.topRows(2), k.topRows(2), v.topRows(2), 2, 2, mask,
                                           wAlone, alone);
    ops::multiHeadAttentionForward(q, k, v, 2, 2, mask, wPadded, padded);
    QVERIFY((padded.topRows(2) - alone).cwiseAbs().maxCoeff() < 1e-14);
    QVERIFY((wPadded[1].topLeftCorner(2, 2) - wAlone[1]).cwiseAbs().maxCoeff() < 1e-14);
}

void TestBlockOps::eachHeadSeesOnlyItsOwnColumns()
{
    const MatrixD q = randomMatrix(3, 4, 22), k = randomMatrix(3, 4, 23);
    MatrixD v = randomMatrix(3, 4, 24);
    std::vector<MatrixD> w;
    MatrixD before, after;
    ops::multiHeadAttentionForward(q, k, v, 2, 3, ops::Mask::None, w, before);
    v.col(3).setConstant(100.0); // head 1's values only
    ops::multiHeadAttentionForward(q, k, v, 2, 3, ops::Mask::None, w, after);
    QVERIFY(before.leftCols(2) == after.leftCols(2));
    QVERIFY(before.col(3) != after.col(3));
}

QTEST_GUILESS_MAIN(TestBlockOps)
#include "tst_blockops.moc"
