// Decimation keeps the shape of a long curve: the history is cut into buckets of consecutive
// epochs and each bucket contributes its lowest and its highest loss, in epoch order, so
// spikes survive. The first and the last epoch are always kept.
//
// An exported figure is a fresh chart built like the one on screen, given the same points and
// axes, and laid out for the figure's size: the chart on screen is never resized, and a figure
// of any aspect ratio gets its own layout rather than a stretched copy. Its fonts are sized in
// pixels at 96 per inch, so that the figure looks the same on every paint device.
#include "losschart.h"

#include "figureactions.h"
#include "figuremenubutton.h"

#include <errors.h>

#include <QChart>
#include <QChartView>
#include <QContextMenuEvent>
#include <QDir>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QLineSeries>
#include <QLocale>
#include <QMenu>
#include <QPainter>
#include <QPointF>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

constexpr double kHeadroom = 1.05;       // the y axis ends a little above the highest loss
constexpr double kScientificStep = 1e5;  // tick steps from here on are labelled 1e+05, 2e+05, …
constexpr double kMarkerHeadroom = 1.25; // room above a lone point for its whole marker

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

// printf format with as many decimals as a tick step needs; short scientific notation once
// the numbers grow long (a diverging run reaches 1e30 and beyond).
QString formatFor(double step)
{
    if (step >= kScientificStep) {
        return QStringLiteral("%.3g");
    }
    const int digits = std::clamp(-static_cast<int>(std::floor(std::log10(step) + 1e-9)), 0, 6);
    return QStringLiteral("%.%1f").arg(digits);
}

// The chart and the parts the code changes, built the same way for the screen and for figures.
struct ChartParts
{
    QChart* chart = nullptr;
    QLineSeries* series = nullptr;
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
    QLineSeries* second = nullptr; // the other model's curve in a comparison; empty otherwise
};

QValueAxis* makeAxis(QChart* chart, const QString& title, const QString& format)
{
    auto* axis = new QValueAxis(chart);
    axis->setTitleText(title);
    axis->setLabelFormat(format);
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0.0);
    return axis;
}

ChartParts makeChart(const QString& xTitle, const QString& yTitle)
{
    ChartParts parts;
    parts.chart = new QChart();
    parts.chart->legend()->hide();
    parts.series = new QLineSeries(parts.chart);
    parts.chart->addSeries(parts.series);
    parts.x = makeAxis(parts.chart, xTitle, QStringLiteral("%d"));
    parts.y = makeAxis(parts.chart, yTitle, QStringLiteral("%.1f"));
    parts.chart->addAxis(parts.x, Qt::AlignBottom);
    parts.chart->addAxis(parts.y, Qt::AlignLeft);
    parts.series->attachAxis(parts.x);
    parts.series->attachAxis(parts.y);
    parts.second = new QLineSeries(parts.chart);
    parts.chart->addSeries(parts.second);
    parts.second->attachAxis(parts.x);
    parts.second->attachAxis(parts.y);
    return parts;
}

// The chart lays an axis out, a label per tick, as soon as its range or interval changes. Were
// the range set first, a loss jumping from 2 to 1e5 would be drawn once with the old interval
// of 0.5: 200,000 labels. So the coarser of the two intervals goes first, and no state on the
// way has more ticks than the old one or the new one.
void setAxis(QValueAxis* axis, double low, double high, double step)
{
    axis->setTickInterval(std::max(axis->tickInterval(), step));
    axis->setRange(low, high);
    axis->setTickInterval(step);
}

// x from epoch 1 to the last epoch (1 to 2 before the first, so the axis is never a point;
// 0.5 to 1.5 for a single epoch, so its point is inside the plot, not on its edge);
// y from 0 to a little above the highest loss (0 to 1 with no finite loss yet). Call after
// showPoints().
void fitAxes(const ChartParts& parts, qsizetype epochs, double highest)
{
    if (epochs == 1) {
        setAxis(parts.x, 0.5, 1.5, 1.0);
    } else {
        const double lastEpoch = std::max<double>(2.0, static_cast<double>(epochs));
        setAxis(parts.x, 1.0, lastEpoch, std::max(1.0, niceStep(lastEpoch)));
    }
    const double headroom = parts.series->count() == 1 ? kMarkerHeadroom : kHeadroom;
    const double top =
        highest > 0.0 ? std::min(highest * headroom, std::numeric_limits<double>::max()) : 1.0;
    const double step = niceStep(top);
    setAxis(parts.y, 0.0, top, step);
    parts.y->setLabelFormat(formatFor(step));
}

// One replace() per refresh. A line through one point draws nothing, so a lone point is marked.
void showPoints(const ChartParts& parts, const QList<QPointF>& points)
{
    parts.series->setPointsVisible(points.size() == 1);
    parts.series->replace(points);
}

// Names both curves in a legend when there are two; one curve needs none.
void nameCurves(const ChartParts& parts, const QString& first, const QString& second)
{
    parts.series->setName(first);
    parts.second->setName(second);
    parts.chart->legend()->setVisible(!second.isEmpty());
    parts.chart->legend()->setAlignment(Qt::AlignTop);
}

QList<QPointF> curvePoints(const std::vector<double>& losses, double& highest)
{
    const QList<QPointF> points = decimate(finitePoints(losses), LossChart::kMaxPoints);
    for (const QPointF& p : points) {
        highest = std::max(highest, p.y());
    }
    return points;
}

QFont inPixels(QFont font)
{
    if (font.pointSizeF() > 0) {
        font.setPixelSize(int(std::lround(font.pointSizeF() * 96.0 / 72.0)));
    }
    return font;
}

// What a figure of the curve needs, copied out of the chart on screen.
struct Curve
{
    QList<QPointF> points;
    qsizetype epochs = 0;
    double highest = 0.0;
    QString xTitle;
    QString yTitle;
    QList<QPointF> secondPoints;
    QString firstName;
    QString secondName;

    void paint(QPainter& painter, const QRectF& target) const
    {
        QGraphicsScene scene;
        const ChartParts parts = makeChart(xTitle, yTitle);
        scene.addItem(parts.chart); // the scene owns the chart
        showPoints(parts, points);
        parts.second->replace(secondPoints);
        nameCurves(parts, firstName, secondName);
        fitAxes(parts, epochs, highest);
        parts.chart->legend()->setFont(inPixels(parts.chart->legend()->font()));
        for (QValueAxis* axis : {parts.x, parts.y}) {
            axis->setLabelsFont(inPixels(axis->labelsFont()));
            axis->setTitleFont(inPixels(axis->titleFont()));
        }
        parts.chart->setBackgroundRoundness(0.0);
        parts.chart->setGeometry(QRectF(QPointF(0, 0), target.size()));
        parts.chart->layout()->activate();
        scene.render(&painter, target, QRectF(QPointF(0, 0), target.size()));
    }
};

// A comparison's CSV: "epoch,<first>,<second>", an empty field where a curve has no epoch.
QByteArray csvOf(const std::vector<double>& first, const std::vector<double>& second,
                 const QString& firstName, const QString& secondName)
{
    QByteArray text = "epoch," + firstName.toUtf8() + ',' + secondName.toUtf8() + '\n';
    const auto field = [](const std::vector<double>& losses, size_t i) {
        return i < losses.size()
                   ? QByteArray::number(losses[i], 'g', QLocale::FloatingPointShortest)
                   : QByteArray();
    };
    for (size_t i = 0; i < std::max(first.size(), second.size()); ++i) {
        text += QByteArray::number(qulonglong(i + 1)) + ',' + field(first, i) + ',' +
                field(second, i) + '\n';
    }
    return text;
}

QByteArray csvOf(const std::vector<double>& losses)
{
    QByteArray text("epoch,loss\n");
    text.reserve(static_cast<qsizetype>(losses.size()) * 24 + text.size());
    for (size_t i = 0; i < losses.size(); ++i) {
        text += QByteArray::number(qulonglong(i + 1)) + ',' +
                QByteArray::number(losses[i], 'g', QLocale::FloatingPointShortest) + '\n';
    }
    return text;
}

void saveCsv(const QString& path, const QByteArray& csv)
{
    if (QFileInfo(path).suffix().compare(QLatin1String("csv"), Qt::CaseInsensitive) != 0) {
        throw attnlab::InputError(
            LossChart::tr("%1: the loss curve is saved as a .csv file").arg(path).toStdString());
    }
    FigureExport::saveBytes(path, csv);
}

QStringList exportCurve(const FigureSource& source, const QByteArray& csv, const QString& folder,
                        QSizeF inches, double dpi)
{
    if (!QDir().mkpath(folder)) {
        throw attnlab::InputError(
            LossChart::tr("%1: the folder cannot be created").arg(folder).toStdString());
    }
    const QDir dir(folder);
    QStringList written;
    using FigureExport::Format;
    for (Format format : {Format::Png, Format::Svg, Format::Pdf}) {
        written << dir.filePath(source.name + u'.' + FigureExport::suffix(format));
        FigureExport::saveFigure(written.back(), source.paint, inches, dpi, source.title);
    }
    written << dir.filePath(source.name + QStringLiteral(".csv"));
    saveCsv(written.back(), csv);
    return written;
}

// What a figure needs, copied out of the chart on screen: the points as shown, both names.
Curve curveOf(const LossChart& chart)
{
    Curve curve{
        chart.series()->points(),
        static_cast<qsizetype>(std::max(chart.losses().size(), chart.secondLosses().size())),
        0.0,
        chart.axisX()->titleText(),
        chart.axisY()->titleText(),
        chart.secondSeries()->points(),
        chart.series()->name(),
        chart.secondSeries()->name()};
    for (const QList<QPointF>* points : {&curve.points, &curve.secondPoints}) {
        for (const QPointF& p : *points) {
            curve.highest = std::max(curve.highest, p.y());
        }
    }
    return curve;
}

} // namespace

LossChart::LossChart(QWidget* parent) : QWidget(parent)
{
    const ChartParts parts = makeChart(tr("epoch"), tr("loss"));
    m_series = parts.series;
    m_second = parts.second;
    m_axisX = parts.x;
    m_axisY = parts.y;
    m_view = new QChartView(parts.chart, this); // the view owns the chart
    m_view->setRenderHint(QPainter::Antialiasing);
    // The series reports only its line's bounds, not its point markers': repainting just the
    // changed bounds would leave a lone point's marker half drawn.
    m_view->setViewportUpdateMode(QGraphicsView::FullViewportUpdate);
    m_view->setContextMenuPolicy(Qt::NoContextMenu);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    fitAxes(parts, 0, 0.0);
    createMenu();
}

void LossChart::createMenu()
{
    m_actions = new FigureActions(this, [this] { return figureSource(); });
    m_menu = new QMenu(this);
    m_menu->setObjectName(QStringLiteral("lossMenu"));
    m_menu->addAction(m_actions->exportFigureAction());
    m_menu->addAction(m_actions->exportDataAction());
    m_menu->addAction(m_actions->copyImageAction());
    new FigureMenuButton(m_menu, this);
}

void LossChart::setLosses(const std::vector<double>& epochLosses)
{
    setComparison(QString(), epochLosses, QString(), {});
}

void LossChart::setComparison(const QString& firstName, const std::vector<double>& first,
                              const QString& secondName, const std::vector<double>& second)
{
    double highest = 0.0;
    const QList<QPointF> points = curvePoints(first, highest);
    const QList<QPointF> secondPoints = curvePoints(second, highest);
    const ChartParts parts{m_view->chart(), m_series, m_axisX, m_axisY, m_second};
    showPoints(parts, points);
    m_second->replace(secondPoints);
    nameCurves(parts, firstName, secondName);
    m_losses = first;
    m_secondLosses = second;
    fitAxes(parts, static_cast<qsizetype>(std::max(first.size(), second.size())), highest);
}

void LossChart::setAxisTitles(const QString& x, const QString& y)
{
    m_axisX->setTitleText(x);
    m_axisY->setTitleText(y);
}

const std::vector<double>& LossChart::secondLosses() const
{
    return m_secondLosses;
}

QLineSeries* LossChart::secondSeries() const
{
    return m_second;
}

const std::vector<double>& LossChart::losses() const
{
    return m_losses;
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

void LossChart::paintFigure(QPainter& painter, const QRectF& target) const
{
    const Curve curve = curveOf(*this);
    curve.paint(painter, target);
}

QByteArray LossChart::csv() const
{
    if (!m_second->name().isEmpty()) {
        return csvOf(m_losses, m_secondLosses, m_series->name(), m_second->name());
    }
    return csvOf(m_losses);
}

FigureSource LossChart::figureSource() const
{
    const Curve curve = curveOf(*this);
    FigureSource source;
    source.name = QStringLiteral("loss");
    source.title = tr("Loss per epoch");
    source.inches = FigureSize::onScreen(*this);
    source.paint = [curve](QPainter& painter, const QRectF& target) {
        curve.paint(painter, target);
    };
    source.dataFormats = {FigureExport::Format::Csv};
    const QByteArray bytes = csv();
    source.saveData = [bytes](const QString& path) { saveCsv(path, bytes); };
    source.exportAll = [source, bytes](const QString& folder, QSizeF inches, double dpi) {
        return exportCurve(source, bytes, folder, inches, dpi);
    };
    return source;
}

QMenu* LossChart::menu() const
{
    return m_menu;
}

FigureActions* LossChart::figureActions() const
{
    return m_actions;
}

void LossChart::contextMenuEvent(QContextMenuEvent* event)
{
    m_menu->popup(event->globalPos());
    event->accept();
}
