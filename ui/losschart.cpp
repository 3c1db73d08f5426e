// Decimation keeps the shape of a long curve: the history is cut into buckets of consecutive
// epochs and each bucket contributes its lowest and its highest loss, in epoch order, so
// spikes survive. The first and the last epoch are always kept. The buckets are kept up to
// date as epochs arrive (see LossChart::History), so that a refresh does not walk the whole
// history.
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
#include <QEvent>
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
#include <cstring>
#include <limits>

namespace {

constexpr double kHeadroom = 1.05;       // the y axis ends a little above the highest loss
constexpr double kScientificStep = 1e5;  // tick steps from here on are labelled 1e+05, 2e+05, …
constexpr double kMarkerHeadroom = 1.25; // room above a lone point for its whole marker

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
    const QString format = formatFor(step);
    if (parts.y->labelFormat() != format) { // a new format lays the chart out again
        parts.y->setLabelFormat(format);
    }
}

// One replace(). A line through one point draws nothing, so a lone point is marked.
void showPoints(const ChartParts& parts, const QList<QPointF>& points)
{
    if (parts.series->pointsVisible() != (points.size() == 1)) {
        parts.series->setPointsVisible(points.size() == 1);
    }
    parts.series->replace(points);
}

// Names both curves in a legend when there are two; one curve needs none.
// Touches only what differs: each change lays the chart out again.
void nameCurves(const ChartParts& parts, const QString& first, const QString& second)
{
    if (parts.series->name() != first) {
        parts.series->setName(first);
    }
    if (parts.second->name() != second) {
        parts.second->setName(second);
    }
    QLegend* legend = parts.chart->legend();
    if (legend->isVisible() != !second.isEmpty()) {
        legend->setVisible(!second.isEmpty());
    }
    if (legend->alignment() != Qt::AlignTop) {
        legend->setAlignment(Qt::AlignTop);
    }
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

// One curve: every epoch's loss, and its decimation kept up to date epoch by epoch.
//
// Bucket b holds the epochs with index i (from 0) in [b·w, (b+1)·w), w = m_width a power of
// two, but for the first and the last finite one: their lowest and their highest finite loss,
// the earlier one on a tie. When a finite epoch would lie in bucket kBuckets, neighbouring
// buckets merge in pairs and w doubles. The extremes of two buckets are the extremes of their
// extremes, so a merge is exact: the buckets are always those of the whole history cut at the
// current width. Adding an epoch costs O(1) amortized; drawing costs O(kMaxPoints), whatever
// the length of the history.
class LossChart::History
{
public:
    // Takes `losses` as the whole history. When the history held is a prefix of it, bit for
    // bit, only the epochs after it are added; otherwise it starts over. Returns whether the
    // history changed.
    bool assign(const std::vector<double>& losses);
    const std::vector<double>& losses() const { return m_losses; }
    // Every finite point while there are at most kMaxPoints; else the first, the extremes of
    // each bucket in epoch order, and the last: at most 2 + 2·kBuckets = kMaxPoints.
    QList<QPointF> points() const;
    // The highest finite loss, at least 0.
    double highest() const { return m_highest; }

private:
    static constexpr std::size_t kBuckets = (kMaxPoints - 2) / 2;

    struct Bucket
    {
        QPointF low;
        QPointF high;
        bool empty = true;

        void add(const Bucket& later);
    };

    void clear();
    void add(std::size_t index, double loss);
    void addToBucket(const QPointF& point);
    void mergeBuckets();
    static void appendBucket(QList<QPointF>& out, const Bucket& bucket);

    std::vector<double> m_losses; // every epoch's, non-finite ones included
    QList<QPointF> m_finite;      // every finite point, while there are at most kMaxPoints
    qsizetype m_finiteCount = 0;
    std::vector<Bucket> m_buckets; // the last one may still grow
    std::size_t m_width = 1;       // epochs per bucket
    QPointF m_first;               // the first and the last finite point
    QPointF m_last;
    double m_highest = 0.0;
};

void LossChart::History::Bucket::add(const Bucket& later)
{
    if (later.empty) {
        return;
    }
    if (empty) {
        *this = later;
        return;
    }
    if (later.low.y() < low.y()) {
        low = later.low;
    }
    if (later.high.y() > high.y()) {
        high = later.high;
    }
}

bool LossChart::History::assign(const std::vector<double>& losses)
{
    const std::size_t held = m_losses.size();
    const bool extends =
        losses.size() >= held &&
        (held == 0 || std::memcmp(losses.data(), m_losses.data(), held * sizeof(double)) == 0);
    if (!extends) {
        clear();
        assign(losses);
        return true;
    }
    for (std::size_t i = held; i < losses.size(); ++i) {
        add(i, losses[i]);
    }
    m_losses.insert(m_losses.end(), losses.begin() + std::ptrdiff_t(held), losses.end());
    return losses.size() > held;
}

void LossChart::History::clear()
{
    *this = History();
}

// The first point stays out of the buckets, and so does the last: a new last point pushes the
// one before it into its bucket.
void LossChart::History::add(std::size_t index, double loss)
{
    if (!std::isfinite(loss)) {
        return;
    }
    const QPointF point(double(index + 1), loss);
    m_highest = std::max(m_highest, loss);
    if (++m_finiteCount <= kMaxPoints) {
        m_finite.append(point);
    } else if (!m_finite.isEmpty()) {
        m_finite = QList<QPointF>(); // the buckets draw the curve from now on
    }
    while (index / m_width >= kBuckets) {
        mergeBuckets();
    }
    if (m_finiteCount == 1) {
        m_first = point;
    } else if (m_finiteCount > 2) {
        addToBucket(m_last);
    }
    m_last = point;
}

void LossChart::History::addToBucket(const QPointF& point)
{
    const auto b = static_cast<std::size_t>(point.x()) - 1;
    if (b / m_width >= m_buckets.size()) {
        m_buckets.resize(b / m_width + 1);
    }
    m_buckets[b / m_width].add(Bucket{point, point, false});
}

void LossChart::History::mergeBuckets()
{
    std::vector<Bucket> merged((m_buckets.size() + 1) / 2);
    for (std::size_t j = 0; j < merged.size(); ++j) {
        merged[j] = m_buckets[2 * j];
        if (2 * j + 1 < m_buckets.size()) {
            merged[j].add(m_buckets[2 * j + 1]);
        }
    }
    m_buckets = std::move(merged);
    m_width *= 2;
}

QList<QPointF> LossChart::History::points() const
{
    if (m_finiteCount <= kMaxPoints) {
        return m_finite;
    }
    QList<QPointF> out;
    out.reserve(kMaxPoints);
    out.append(m_first);
    for (const Bucket& bucket : m_buckets) {
        appendBucket(out, bucket);
    }
    out.append(m_last);
    return out;
}

// The bucket's extremes in epoch order, each once.
void LossChart::History::appendBucket(QList<QPointF>& out, const Bucket& bucket)
{
    if (bucket.empty) {
        return;
    }
    const bool lowFirst = bucket.low.x() <= bucket.high.x();
    out.append(lowFirst ? bucket.low : bucket.high);
    if (bucket.low.x() != bucket.high.x()) {
        out.append(lowFirst ? bucket.high : bucket.low);
    }
}

// What the chart looks like on a light palette at unit zoom, kept to come back to.
struct LossChart::Defaults
{
    QBrush background;
    QBrush labels;
    QBrush titles;
    QPen grid;
    QPen line;
    QColor legend;
    QFont labelsFont;
    QFont titleFont;
    QFont legendFont;
};

namespace {

// The size at which the chart's axes, at unit zoom, leave the curve a comfortable plot.
constexpr QSizeF kComfortableSize(320.0, 170.0);

QFont zoomed(QFont font, double zoom)
{
    if (font.pixelSize() > 0) {
        font.setPixelSize(std::max(1, int(std::lround(font.pixelSize() * zoom))));
    } else if (font.pointSizeF() > 0) {
        font.setPointSizeF(font.pointSizeF() * zoom);
    }
    return font;
}

} // namespace

LossChart::LossChart(QWidget* parent)
    : QWidget(parent), m_firstHistory(std::make_unique<History>()),
      m_secondHistory(std::make_unique<History>()), m_defaults(std::make_unique<Defaults>())
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
    *m_defaults = Defaults{
        parts.chart->backgroundBrush(), m_axisX->labelsBrush(), m_axisX->titleBrush(),
        m_axisX->gridLinePen(),         m_axisX->linePen(),     parts.chart->legend()->labelColor(),
        m_axisX->labelsFont(),          m_axisX->titleFont(),   parts.chart->legend()->font()};
    createMenu();
    applyLook(FigureLook::onScreen(*this));
}

// Colours from the look when it is dark, the light chart's own otherwise; fonts zoomed from
// the light chart's, so that leaving presenter mode gives back the very same sizes.
void LossChart::applyLook(const FigureLook& look)
{
    m_look = look;
    const Defaults& d = *m_defaults;
    const bool dark = look.isDark();
    QPen grid = d.grid;
    QPen line = d.line;
    if (dark) {
        grid.setColor(look.outline.darker(130));
        line.setColor(look.outline);
    }
    QChart* chart = m_view->chart();
    chart->setBackgroundBrush(dark ? QBrush(look.background) : d.background);
    chart->legend()->setLabelColor(dark ? look.text : d.legend);
    for (QValueAxis* axis : {m_axisX, m_axisY}) {
        axis->setLabelsBrush(dark ? QBrush(look.text) : d.labels);
        axis->setTitleBrush(dark ? QBrush(look.text) : d.titles);
        axis->setGridLinePen(grid);
        axis->setLinePen(line);
    }
    m_view->setBackgroundBrush(chart->backgroundBrush());
    m_zoom = 0.0; // the fonts follow
    fitFonts();
}

// The look's zoom as far as the chart has room for its axes at that size: a small chart keeps
// the usual fonts rather than leave no room for its curve.
void LossChart::fitFonts()
{
    const double room =
        std::min(height() / kComfortableSize.height(), width() / kComfortableSize.width());
    const double zoom = std::clamp(room, 1.0, std::max(1.0, m_look.zoom));
    if (zoom == m_zoom) {
        return;
    }
    m_zoom = zoom;
    const Defaults& d = *m_defaults;
    m_view->chart()->legend()->setFont(zoomed(d.legendFont, zoom));
    for (QValueAxis* axis : {m_axisX, m_axisY}) {
        axis->setLabelsFont(zoomed(d.labelsFont, zoom));
        axis->setTitleFont(zoomed(d.titleFont, zoom));
    }
}

void LossChart::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitFonts();
}

void LossChart::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    // Queued: the chart's own handling of the change, which comes after this, puts its theme's
    // axis colours back.
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        QMetaObject::invokeMethod(
            this, [this] { applyLook(FigureLook::onScreen(*this)); }, Qt::QueuedConnection);
    }
}

LossChart::~LossChart() = default;

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
    const ChartParts parts{m_view->chart(), m_series, m_axisX, m_axisY, m_second};
    if (m_firstHistory->assign(first)) {
        showPoints(parts, m_firstHistory->points());
    }
    if (m_secondHistory->assign(second)) {
        m_second->replace(m_secondHistory->points());
    }
    nameCurves(parts, firstName, secondName);
    const double highest = std::max(m_firstHistory->highest(), m_secondHistory->highest());
    fitAxes(parts, static_cast<qsizetype>(std::max(first.size(), second.size())), highest);
}

void LossChart::setAxisTitles(const QString& x, const QString& y)
{
    m_axisX->setTitleText(x);
    m_axisY->setTitleText(y);
}

const std::vector<double>& LossChart::secondLosses() const
{
    return m_secondHistory->losses();
}

QLineSeries* LossChart::secondSeries() const
{
    return m_second;
}

const std::vector<double>& LossChart::losses() const
{
    return m_firstHistory->losses();
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
        return csvOf(losses(), secondLosses(), m_series->name(), m_second->name());
    }
    return csvOf(losses());
}

FigureSource LossChart::figureSource() const
{
    const Curve curve = curveOf(*this);
    FigureSource source;
    source.name = QStringLiteral("loss");
    source.title = tr("Loss per epoch");
    source.inches = FigureSize::onScreen(*this) / m_zoom;
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
