// Decimation keeps the shape of a long curve: the history is cut into buckets of consecutive
// epochs and each bucket contributes its lowest and its highest loss, in epoch order, so
// spikes survive. The first and the last epoch are always kept.
#include "losschart.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QPainter>
#include <QPointF>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace {

constexpr double kHeadroom = 1.05; // the y axis ends a little above the highest loss

QList<QPointF> finitePoints(const std::vector<double>& losses)
{
    QList<QPointF> points;
    points.reserve(static_cast<qsizetype>(losses.size()));
    for (size_t i = 0; i < losses.size(); ++i) {
        if (std::isfinite(losses[i])) {
            points.append(QPointF(static_cast<double>(i + 1), losses[i]));
        }
    }
    return points;
}

// Appends the lowest and the highest point of [begin, end), in the order they occur.
void appendExtremes(QList<QPointF>& out, const QPointF* begin, const QPointF* end)
{
    auto byY = [](const QPointF& a, const QPointF& b) { return a.y() < b.y(); };
    const auto [low, high] = std::minmax_element(begin, end, byY);
    const QPointF* first = std::min(low, high);
    const QPointF* second = std::max(low, high);
    out.append(*first);
    if (second != first) {
        out.append(*second);
    }
}

QList<QPointF> decimate(const QList<QPointF>& points, int maxPoints)
{
    const qsizetype n = points.size();
    if (n <= maxPoints) {
        return points;
    }
    const qsizetype inner = n - 2;
    const qsizetype buckets = (maxPoints - 2) / 2;
    QList<QPointF> out;
    out.reserve(maxPoints);
    out.append(points.front());
    for (qsizetype b = 0; b < buckets; ++b) {
        const qsizetype from = 1 + inner * b / buckets;
        const qsizetype to = 1 + inner * (b + 1) / buckets;
        if (to > from) {
            appendExtremes(out, points.data() + from, points.data() + to);
        }
    }
    out.append(points.back());
    return out;
}

// 1, 2 or 5 times a power of ten, so that about five intervals cover the span.
double niceStep(double span)
{
    const double raw = span / 5.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / magnitude;
    return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * magnitude;
}

// printf format with as many decimals as a tick step needs.
QString formatFor(double step)
{
    const int digits = std::clamp(-static_cast<int>(std::floor(std::log10(step) + 1e-9)), 0, 6);
    return QStringLiteral("%.%1f").arg(digits);
}

} // namespace

LossChart::LossChart(QWidget* parent) : QWidget(parent)
{
    auto* chart = new QChart();
    chart->legend()->hide();
    m_series = new QLineSeries(chart);
    chart->addSeries(m_series);
    m_axisX = makeAxis(tr("epoch"), QStringLiteral("%d"));
    m_axisY = makeAxis(tr("loss"), QStringLiteral("%.1f"));
    chart->addAxis(m_axisX, Qt::AlignBottom);
    chart->addAxis(m_axisY, Qt::AlignLeft);
    m_series->attachAxis(m_axisX);
    m_series->attachAxis(m_axisY);
    for (QValueAxis* axis : {m_axisX, m_axisY}) {
        axis->setTickType(QValueAxis::TicksDynamic);
        axis->setTickAnchor(0.0);
    }

    m_view = new QChartView(chart, this); // the view owns the chart
    m_view->setRenderHint(QPainter::Antialiasing);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    updateAxes(0, 0.0);
}

QValueAxis* LossChart::makeAxis(const QString& title, const QString& format)
{
    auto* axis = new QValueAxis(this);
    axis->setTitleText(title);
    axis->setLabelFormat(format);
    return axis;
}

void LossChart::setLosses(const std::vector<double>& epochLosses)
{
    const QList<QPointF> points = decimate(finitePoints(epochLosses), kMaxPoints);
    double highest = 0.0;
    for (const QPointF& p : points) {
        highest = std::max(highest, p.y());
    }
    m_series->replace(points);
    updateAxes(static_cast<qsizetype>(epochLosses.size()), highest);
}

// x from epoch 1 to the last epoch (at least 1 to 2, so the axis is never a point);
// y from 0 to a little above the highest loss (0 to 1 with no finite loss yet).
void LossChart::updateAxes(qsizetype epochs, double highest)
{
    const double lastEpoch = std::max<double>(2.0, static_cast<double>(epochs));
    m_axisX->setRange(1.0, lastEpoch);
    m_axisX->setTickInterval(std::max(1.0, niceStep(lastEpoch)));
    const double top = highest > 0.0 ? highest * kHeadroom : 1.0;
    const double step = niceStep(top);
    m_axisY->setRange(0.0, top);
    m_axisY->setTickInterval(step);
    m_axisY->setLabelFormat(formatFor(step));
}

int LossChart::pointCount() const
{
    return static_cast<int>(m_series->count());
}

QChart* LossChart::chart() const
{
    return m_view->chart();
}

QLineSeries* LossChart::series() const
{
    return m_series;
}

QValueAxis* LossChart::axisX() const
{
    return m_axisX;
}

QValueAxis* LossChart::axisY() const
{
    return m_axisY;
}
