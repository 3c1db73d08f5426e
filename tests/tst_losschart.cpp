// LossChart: bounded point count with the ends kept, non-finite losses left out, one
// replace() per update, and axes that fit the curve.
#include <losschart.h>

#include <QChart>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>
#include <QValueAxis>

#include <cmath>
#include <limits>

namespace {

std::vector<double> decaying(int n)
{
    std::vector<double> losses(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        losses[static_cast<size_t>(i)] = 2.0 * std::exp(-i / 2000.0) + 0.05 * std::sin(i * 0.37);
    }
    return losses;
}

} // namespace

class TestLossChart : public QObject
{
    Q_OBJECT

private slots:
    void longHistoryIsDecimatedKeepingBothEnds();
    void decimationKeepsASpike();
    void shortHistoryKeepsEveryEpoch_data();
    void shortHistoryKeepsEveryEpoch();
    void nonFiniteLossesAreSkipped();
    void emptyHistoryGivesAnEmptySeriesAndValidAxes();
    void eachUpdateReplacesTheSeriesOnce();
    void axesSpanTheEpochsAndTheLosses();
    void axesAreTitled();
};

void TestLossChart::longHistoryIsDecimatedKeepingBothEnds()
{
    LossChart chart(nullptr);
    const std::vector<double> losses = decaying(100000);
    chart.setLosses(losses);
    QVERIFY(chart.pointCount() <= LossChart::kMaxPoints);
    QVERIFY(chart.pointCount() > LossChart::kMaxPoints / 2);
    const QList<QPointF> points = chart.series()->points();
    QCOMPARE(points.front(), QPointF(1.0, losses.front()));
    QCOMPARE(points.back(), QPointF(100000.0, losses.back()));
    for (qsizetype i = 1; i < points.size(); ++i) {
        QVERIFY(points[i].x() > points[i - 1].x());
    }
}

void TestLossChart::decimationKeepsASpike()
{
    LossChart chart(nullptr);
    std::vector<double> losses(50000, 1.0);
    losses[31415] = 7.0;
    losses[27182] = 0.25;
    chart.setLosses(losses);
    const QList<QPointF> points = chart.series()->points();
    QVERIFY(points.contains(QPointF(31416.0, 7.0)));
    QVERIFY(points.contains(QPointF(27183.0, 0.25)));
}

void TestLossChart::shortHistoryKeepsEveryEpoch_data()
{
    QTest::addColumn<int>("epochs");
    QTest::newRow("1") << 1;
    QTest::newRow("10") << 10;
    QTest::newRow("exactly the limit") << LossChart::kMaxPoints;
}

void TestLossChart::shortHistoryKeepsEveryEpoch()
{
    QFETCH(int, epochs);
    LossChart chart(nullptr);
    const std::vector<double> losses = decaying(epochs);
    chart.setLosses(losses);
    QCOMPARE(chart.pointCount(), epochs);
    const QList<QPointF> points = chart.series()->points();
    for (int i = 0; i < epochs; ++i) {
        QCOMPARE(points[i], QPointF(i + 1.0, losses[static_cast<size_t>(i)]));
    }
}

void TestLossChart::nonFiniteLossesAreSkipped()
{
    LossChart chart(nullptr);
    const double inf = std::numeric_limits<double>::infinity();
    chart.setLosses({1.0, std::nan(""), 0.5, inf, -inf, 0.25});
    const QList<QPointF> points = chart.series()->points();
    QCOMPARE(points, QList<QPointF>({{1.0, 1.0}, {3.0, 0.5}, {6.0, 0.25}}));
    QVERIFY(std::isfinite(chart.axisY()->max()));
    QCOMPARE(chart.axisX()->max(), 6.0);
}

void TestLossChart::emptyHistoryGivesAnEmptySeriesAndValidAxes()
{
    LossChart chart(nullptr);
    chart.setLosses(decaying(20));
    chart.setLosses({});
    QCOMPARE(chart.pointCount(), 0);
    QVERIFY(chart.axisX()->min() < chart.axisX()->max());
    QVERIFY(chart.axisY()->min() < chart.axisY()->max());
    chart.setLosses({std::nan(""), std::nan("")});
    QCOMPARE(chart.pointCount(), 0);
    QVERIFY(chart.axisY()->min() < chart.axisY()->max());
}

void TestLossChart::eachUpdateReplacesTheSeriesOnce()
{
    LossChart chart(nullptr);
    QSignalSpy replaced(chart.series(), &QXYSeries::pointsReplaced);
    QSignalSpy added(chart.series(), &QXYSeries::pointAdded);
    QSignalSpy removed(chart.series(), &QXYSeries::pointRemoved);
    chart.setLosses(decaying(100000));
    QCOMPARE(replaced.count(), 1);
    chart.setLosses(decaying(12));
    QCOMPARE(replaced.count(), 2);
    QCOMPARE(added.count(), 0);
    QCOMPARE(removed.count(), 0);
}

void TestLossChart::axesSpanTheEpochsAndTheLosses()
{
    LossChart chart(nullptr);
    chart.setLosses({2.0, 4.0, 1.0, 0.5});
    QCOMPARE(chart.axisX()->min(), 1.0);
    QCOMPARE(chart.axisX()->max(), 4.0);
    QCOMPARE(chart.axisY()->min(), 0.0);
    QVERIFY(chart.axisY()->max() > 4.0);
    QVERIFY(chart.axisY()->max() <= 4.0 * 1.1);
}

void TestLossChart::axesAreTitled()
{
    LossChart chart(nullptr);
    QCOMPARE(chart.axisX()->titleText(), QStringLiteral("epoch"));
    QCOMPARE(chart.axisY()->titleText(), QStringLiteral("loss"));
    QVERIFY(chart.chart()->series().contains(chart.series()));
}

QTEST_MAIN(TestLossChart)
#include "tst_losschart.moc"
