// LossChart: bounded point count with the ends kept, non-finite losses left out, one
// replace() per update, and axes that fit the curve. A history that grows refresh by refresh
// is drawn exactly as the same history given at once, and one that changes starts over.
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

// A noisy decaying curve with stretches and single epochs of non-finite losses.
std::vector<double> withGaps(int n)
{
    std::vector<double> losses = decaying(n);
    for (int i = 0; i < n; ++i) {
        if (i % 997 == 0 || (i >= 40000 && i < 41500)) {
            losses[static_cast<size_t>(i)] = i % 2 ? std::nan("") : HUGE_VAL;
        }
    }
    return losses;
}

// The curve as the header defines it, computed from the definition: every finite point up to
// kMaxPoints of them; beyond, buckets of 2^k epochs, the fewest up to the last finite loss that
// number at most (kMaxPoints - 2) / 2, each giving its lowest and highest finite loss (the
// earlier on a tie) in epoch order, between the first and the last finite point.
QList<QPointF> decimatedByDefinition(const std::vector<double>& losses)
{
    std::vector<size_t> finite;
    for (size_t i = 0; i < losses.size(); ++i) {
        if (std::isfinite(losses[i])) {
            finite.push_back(i);
        }
    }
    const auto point = [&](size_t i) { return QPointF(double(i + 1), losses[i]); };
    if (finite.size() <= size_t(LossChart::kMaxPoints)) {
        QList<QPointF> all;
        for (size_t i : finite) {
            all.append(point(i));
        }
        return all;
    }
    const size_t buckets = (LossChart::kMaxPoints - 2) / 2;
    size_t width = 1;
    while (finite.back() / width >= buckets) {
        width *= 2;
    }
    QList<QPointF> out{point(finite.front())};
    for (size_t from = 0; from <= finite.back(); from += width) {
        std::vector<size_t> inside;
        for (size_t i : finite) {
            if (i >= from && i < from + width && i != finite.front() && i != finite.back()) {
                inside.push_back(i);
            }
        }
        if (inside.empty()) {
            continue;
        }
        const auto byLoss = [&](size_t a, size_t b) { return losses[a] < losses[b]; };
        const size_t low = *std::min_element(inside.begin(), inside.end(), byLoss);
        const size_t high = *std::max_element(inside.begin(), inside.end(), byLoss);
        out.append(point(std::min(low, high)));
        if (high != low) {
            out.append(point(std::max(low, high)));
        }
    }
    out.append(point(finite.back()));
    return out;
}

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
    void decimationFollowsItsDefinition_data();
    void decimationFollowsItsDefinition();
    void aGrowingHistoryIsDrawnAsTheWholeHistoryIs();
    void aChangedHistoryStartsOver();
    void anUnchangedHistoryIsNotReplacedAgain();
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

void TestLossChart::decimationFollowsItsDefinition_data()
{
    QTest::addColumn<int>("epochs");
    QTest::newRow("one finite loss over the limit") << LossChart::kMaxPoints + 3; // 2 gaps
    QTest::newRow("100 000 with gaps") << 100000;
    QTest::newRow("a width of 2^10, exactly") << int(1024 * ((LossChart::kMaxPoints - 2) / 2));
}

void TestLossChart::decimationFollowsItsDefinition()
{
    QFETCH(int, epochs);
    const std::vector<double> losses = withGaps(epochs);
    LossChart chart(nullptr);
    chart.setLosses(losses);
    const QList<QPointF> expected = decimatedByDefinition(losses);
    QVERIFY(expected.size() <= LossChart::kMaxPoints);
    QCOMPARE(chart.series()->points(), expected);
}

// The controller hands over the whole history each refresh, a few epochs longer each time,
// from a new vector. Those epochs alone are added, and to the same effect.
void TestLossChart::aGrowingHistoryIsDrawnAsTheWholeHistoryIs()
{
    const std::vector<double> whole = withGaps(150000);
    LossChart growing(nullptr);
    size_t shown = 0;
    for (size_t step : {1, 1, 5, 993, 1, 7000, 31, 40000, 1, 101000 - 1, 968}) {
        shown += step;
        growing.setLosses(std::vector<double>(whole.begin(), whole.begin() + long(shown)));
        QVERIFY(growing.pointCount() <= LossChart::kMaxPoints);
    }
    QCOMPARE(shown, whole.size());
    LossChart atOnce(nullptr);
    atOnce.setLosses(whole);
    QCOMPARE(growing.series()->points(), atOnce.series()->points());
    QCOMPARE(growing.series()->points(), decimatedByDefinition(whole));
    QCOMPARE(growing.axisY()->max(), atOnce.axisY()->max());
    QCOMPARE(growing.csv(), atOnce.csv());
}

// A reset, a new seed or another page's history: the same length or longer, but other losses.
void TestLossChart::aChangedHistoryStartsOver()
{
    LossChart chart(nullptr);
    chart.setLosses(decaying(50000));
    std::vector<double> other = decaying(60000);
    other[10] = 9.0; // a different history from epoch 11 on, longer than the old one
    chart.setLosses(other);
    QCOMPARE(chart.losses(), other);
    QCOMPARE(chart.series()->points(), decimatedByDefinition(other));
    QVERIFY(chart.series()->points().contains(QPointF(11.0, 9.0)));
    const std::vector<double> shorter(other.begin(), other.begin() + 20);
    chart.setLosses(shorter);
    QCOMPARE(chart.losses(), shorter);
    QCOMPARE(chart.pointCount(), 20);
    QCOMPARE(chart.axisX()->max(), 20.0);
}

// A paused model publishes the same history again: nothing to draw anew.
void TestLossChart::anUnchangedHistoryIsNotReplacedAgain()
{
    LossChart chart(nullptr);
    QSignalSpy replaced(chart.series(), &QXYSeries::pointsReplaced);
    QSignalSpy replacedSecond(chart.secondSeries(), &QXYSeries::pointsReplaced);
    const std::vector<double> losses = decaying(3000);
    chart.setLosses(losses);
    chart.setLosses(std::vector<double>(losses));
    QCOMPARE(replaced.count(), 1);
    QCOMPARE(replacedSecond.count(), 0);
    QCOMPARE(chart.pointCount(), int(decimatedByDefinition(losses).size()));
}

QTEST_MAIN(TestLossChart)
#include "tst_losschart.moc"
