// LossChart: bounded point count with the ends kept, non-finite losses left out, one
// replace() per update, and axes that fit the curve.
#include <losschart.h>

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>
#include <QValueAxis>

#include <algorithm>
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

// Ticks a value axis draws for its range and tick settings as they are now.
double ticksOf(const QValueAxis* axis)
{
    if (axis->tickType() == QValueAxis::TicksFixed) {
        return axis->tickCount();
    }
    const double interval = axis->tickInterval();
    if (!(interval > 0.0)) {
        return std::numeric_limits<double>::infinity();
    }
    const double anchor = axis->tickAnchor();
    return std::floor((axis->max() - anchor) / interval) -
           std::ceil((axis->min() - anchor) / interval) + 1.0;
}

// The most ticks an axis was asked to draw at any moment, however briefly: the chart lays
// out an axis as soon as its range changes, so a wide range with a fine old interval already
// costs that many labels.
class TickWatch
{
public:
    explicit TickWatch(QValueAxis* axis) : m_axis(axis)
    {
        QObject::connect(axis, &QValueAxis::rangeChanged, &m_context, [this] { look(); });
        QObject::connect(axis, &QValueAxis::tickIntervalChanged, &m_context, [this] { look(); });
        QObject::connect(axis, &QValueAxis::tickCountChanged, &m_context, [this] { look(); });
        QObject::connect(axis, &QValueAxis::tickTypeChanged, &m_context, [this] { look(); });
        look();
    }
    double most() const { return m_most; }

private:
    void look() { m_most = std::max(m_most, ticksOf(m_axis)); }

    QValueAxis* m_axis;
    QObject m_context;
    double m_most = 0.0;
};

const std::vector<std::vector<double>> kExplodingHistories{
    {2.0},
    {2.0, 1.9},
    {2.0, 1.9, 1e5},
    {2.0, 1.9, 1e5, 1e30},
    {2.0, 1.9, 1e5, 1e30, std::numeric_limits<double>::max()},
    {2.0},
    {0.003},
    {2.0, 1.9, 1e5},
};

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
    void anExplodingLossNeverAsksForManyTicks();
    void anExplodingLossOnScreenReturnsWithFewTicks();
    void aSingleEpochIsVisible();
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

// A learning rate of 10 took the loss from 2 to 1e5 in one epoch: the range grew while the
// old tick interval of 0.5 was still set, and the chart froze building 200,000 labels.
void TestLossChart::anExplodingLossNeverAsksForManyTicks()
{
    LossChart chart(nullptr);
    TickWatch x(chart.axisX());
    TickWatch y(chart.axisY());
    for (const std::vector<double>& losses : kExplodingHistories) {
        chart.setLosses(losses);
        QVERIFY2(y.most() <= 20, qPrintable(QString::number(y.most())));
        QVERIFY2(x.most() <= 20, qPrintable(QString::number(x.most())));
    }
}

void TestLossChart::anExplodingLossOnScreenReturnsWithFewTicks()
{
    LossChart chart(nullptr);
    chart.resize(600, 300);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    for (const std::vector<double>& losses : kExplodingHistories) {
        chart.setLosses(losses);
        QCoreApplication::processEvents();
        chart.grab(); // paints the chart as laid out now
        QVERIFY(std::isfinite(chart.axisY()->max()));
        QVERIFY(chart.axisY()->max() >= losses.back());
        QVERIFY2(ticksOf(chart.axisY()) <= 20, qPrintable(QString::number(ticksOf(chart.axisY()))));
        QVERIFY(ticksOf(chart.axisY()) >= 2);
    }
}

// One epoch is one point: a line through it draws nothing, so it needs a marker, and an x
// axis that has the point inside rather than on its edge.
void TestLossChart::aSingleEpochIsVisible()
{
    LossChart chart(nullptr);
    chart.setLosses({1.7});
    QCOMPARE(chart.pointCount(), 1);
    QVERIFY(chart.series()->pointsVisible());
    QVERIFY(chart.axisX()->min() < 1.0 && chart.axisX()->max() > 1.0);
    QVERIFY(chart.axisY()->min() < 1.7 && chart.axisY()->max() > 1.7);
    QVERIFY(ticksOf(chart.axisX()) >= 1);
    chart.setLosses({1.7, 1.6, 1.5});
    QCOMPARE(chart.axisX()->min(), 1.0);
    QCOMPARE(chart.axisX()->max(), 3.0);
}

QTEST_MAIN(TestLossChart)
#include "tst_losschart.moc"
