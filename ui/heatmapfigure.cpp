// The figure is laid out in two steps. HeatmapMetrics holds what depends only on the data and
// the style (fonts, text widths, colour range, ticks); it is rebuilt when either changes, from
// text widths the figure remembers (see TextWidths).
// LayoutBuilder then places everything inside a target from those numbers alone, so a layout
// costs O(rows + cols) and hit tests can ask for one on every mouse move.
#include "heatmapfigure.h"

#include <QFontMetricsF>
#include <QImage>
#include <QLinearGradient>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

struct HeatmapMetrics
{
    QFont labelFont;
    QFont titleFont;
    double lineHeight = 0.0;
    double titleHeight = 0.0;
    int rows = 0;
    int cols = 0;
    QStringList rowTexts;
    QStringList colTexts;
    std::vector<double> rowWidths;
    std::vector<double> colWidths;
    double rowWidthMax = 0.0;
    double colWidthMax = 0.0;
    double numberWidth = 0.0;
    HeatmapRange range;
    std::vector<double> tickValues;
    QStringList tickTexts;
    std::vector<double> tickWidths;
    double tickWidthMax = 0.0;
    QList<HeatmapLegendEntry::Kind> legendKinds;
    QStringList legendTexts;
    std::vector<double> legendWidths;
    double legendTextWidthMax = 0.0;
    double titleWidth = 0.0;
    double rowAxisWidth = 0.0;
    double colAxisWidth = 0.0;
    QString noDataText;
    double noDataWidth = 0.0;
};

namespace {

constexpr double kMargin = 8.0;   // around the whole figure
constexpr double kLabelGap = 6.0; // labels to cells, at least
constexpr double kTitleGap = 6.0; // below the title and beside axis titles
constexpr double kBarGap = 14.0;  // cells to colour bar
constexpr double kTickLength = 4.0;
constexpr double kTickGap = 3.0;      // tick mark to its number
constexpr double kLegendGap = 4.0;    // swatch to its text, bar to legend
constexpr double kMinCell = 4.0;      // the smallest cell minimumSize() allows
constexpr double kLabelSpacing = 4.0; // least room between neighbouring column labels
constexpr double kRowSpacing = 2.0;   // least room between neighbouring row labels
constexpr double kSin45 = 0.70710678118654752;
constexpr int kMaxTicks = 6;
constexpr int kGradientStops = 64;
constexpr std::array<int, 3> kAngles = {0, 45, 90};

// A font measured in logical pixels (96 per inch), so that its metrics match on every device.
QFont pixelFont(QFont font)
{
    if (font.pixelSize() <= 0) {
        const double points = font.pointSizeF() > 0 ? font.pointSizeF() : 9.0;
        font.setPixelSize(std::max(1, static_cast<int>(std::lround(points * 96.0 / 72.0))));
    }
    return font;
}

double textWidth(const QFontMetricsF& fm, const QString& text)
{
    if (text.isEmpty()) {
        return 0.0;
    }
    const double ink = fm.boundingRect(text).width();
    return std::ceil(std::max(fm.horizontalAdvance(text), ink)) + 2.0;
}

// textWidth() of texts in one font, each measured once and remembered in `known`.
class TextWidths
{
public:
    static constexpr qsizetype kMaxKnown = 4096;

    TextWidths(const QFont& font, QHash<QString, double>& known) : m_fm(font), m_known(known)
    {
        if (m_known.size() > kMaxKnown) {
            m_known.clear();
        }
    }

    double operator()(const QString& text)
    {
        const auto found = m_known.constFind(text);
        if (found != m_known.constEnd()) {
            return *found;
        }
        return *m_known.insert(text, textWidth(m_fm, text));
    }

private:
    QFontMetricsF m_fm;
    QHash<QString, double>& m_known;
};

QString labelText(const QStringList& labels, int i)
{
    return i < labels.size() ? labels[i] : QString::number(i);
}

QString formatNumber(double value, int precision)
{
    const int digits = std::clamp(precision, 0, 10);
    if (std::abs(value) < 0.5 * std::pow(10.0, -digits)) {
        value = 0.0; // no "-0.00"
    }
    return QString::number(value, 'f', digits);
}

bool isMasked(float v)
{
    return std::isinf(v) && v < 0;
}

struct Extent
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    bool any = false;
    bool masked = false;
    bool noValue = false;
};

Extent scan(const attnlab::Matrix& values)
{
    Extent e;
    const float* p = values.data();
    for (Eigen::Index i = 0; i < values.size(); ++i) {
        const float v = p[i];
        if (std::isfinite(v)) {
            e.lo = std::min(e.lo, static_cast<double>(v));
            e.hi = std::max(e.hi, static_cast<double>(v));
            e.any = true;
        } else if (isMasked(v)) {
            e.masked = true;
        } else {
            e.noValue = true;
        }
    }
    return e;
}

std::optional<double> finiteOr(const std::optional<double>& v)
{
    return v && std::isfinite(*v) ? v : std::nullopt;
}

HeatmapRange resolveRange(const Extent& e, const HeatmapStyle& style)
{
    const auto userMin = finiteOr(style.rangeMin);
    const auto userMax = finiteOr(style.rangeMax);
    double lo = userMin.value_or(e.any ? e.lo : 0.0);
    double hi = userMax.value_or(e.any ? e.hi : (userMin ? lo : 1.0));
    if (lo > hi) {
        std::swap(lo, hi);
    }
    if (ColorMap::isDiverging(style.colorMap) && !(userMin && userMax)) {
        const double m = std::max(std::abs(lo), std::abs(hi));
        lo = -m;
        hi = m;
    }
    return {lo, hi, !(hi - lo > 0.0) || !std::isfinite(hi - lo)};
}

// 1, 2, 2.5 or 5 times a power of ten, so that about kMaxTicks ticks cover the span.
double niceStep(double span)
{
    const double raw = span / (kMaxTicks - 1);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / magnitude;
    const double nice = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 2.5 ? 2.5 : f <= 5.0 ? 5.0 : 10.0;
    return nice * magnitude;
}

int stepPrecision(double step)
{
    const int digits = -static_cast<int>(std::floor(std::log10(step) + 1e-9));
    const bool quarter = std::abs(step / std::pow(10.0, -digits) - 2.5) < 1e-6;
    return std::clamp(digits + (quarter ? 1 : 0), 0, 10);
}

void computeTicks(HeatmapMetrics& m, int precision)
{
    const HeatmapRange& r = m.range;
    if (r.constant) {
        m.tickValues = {r.min};
        m.tickTexts = {formatNumber(r.min, precision)};
        return;
    }
    const double step = niceStep(r.max - r.min);
    const double first = std::ceil(r.min / step - 1e-9) * step;
    const int digits = stepPrecision(step);
    for (int i = 0; first + i * step <= r.max + step * 1e-9; ++i) {
        const double v = first + i * step;
        m.tickValues.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
        m.tickTexts.append(formatNumber(m.tickValues.back(), digits));
    }
}

double maxWidth(TextWidths& measure, const QStringList& texts, std::vector<double>* widths)
{
    double best = 0.0;
    for (const QString& t : texts) {
        const double w = measure(t);
        if (widths) {
            widths->push_back(w);
        }
        best = std::max(best, w);
    }
    return best;
}

void measureFonts(HeatmapMetrics& m, const QFont& font)
{
    m.labelFont = pixelFont(font);
    m.titleFont = m.labelFont;
    m.titleFont.setBold(true);
    m.titleFont.setPixelSize(static_cast<int>(std::lround(m.labelFont.pixelSize() * 1.25)));
    m.lineHeight = std::ceil(QFontMetricsF(m.labelFont).height());
    m.titleHeight = std::ceil(QFontMetricsF(m.titleFont).height());
}

void measureLabels(HeatmapMetrics& m, const HeatmapData& data, TextWidths& measure)
{
    m.rows = static_cast<int>(data.values.rows());
    m.cols = static_cast<int>(data.values.cols());
    for (int i = 0; i < m.rows; ++i) {
        m.rowTexts.append(labelText(data.rowLabels, i));
    }
    for (int i = 0; i < m.cols; ++i) {
        m.colTexts.append(labelText(data.colLabels, i));
    }
    m.rowWidthMax = maxWidth(measure, m.rowTexts, &m.rowWidths);
    m.colWidthMax = maxWidth(measure, m.colTexts, &m.colWidths);
}

// Colour range, the widest number a cell prints, colour-bar ticks and the legend.
void measureValues(HeatmapMetrics& m, const attnlab::Matrix& values, const HeatmapStyle& style,
                   TextWidths& measure)
{
    const Extent extent = scan(values);
    m.range = resolveRange(extent, style);
    if (extent.any) {
        const QStringList ends = {formatNumber(extent.lo, style.precision),
                                  formatNumber(extent.hi, style.precision)};
        m.numberWidth = maxWidth(measure, ends, nullptr);
    }
    computeTicks(m, style.precision);
    m.tickWidthMax = maxWidth(measure, m.tickTexts, &m.tickWidths);
    if (extent.masked) {
        m.legendKinds.append(HeatmapLegendEntry::Kind::Masked);
        m.legendTexts.append(HeatmapFigure::tr("masked"));
    }
    if (extent.noValue) {
        m.legendKinds.append(HeatmapLegendEntry::Kind::NoValue);
        m.legendTexts.append(HeatmapFigure::tr("no value"));
    }
    m.legendTextWidthMax = maxWidth(measure, m.legendTexts, &m.legendWidths);
}

void measureTitles(HeatmapMetrics& m, const HeatmapData& data, TextWidths& measure,
                   TextWidths& measureTitle)
{
    m.titleWidth = measureTitle(data.title);
    m.rowAxisWidth = measure(data.rowAxisTitle);
    m.colAxisWidth = measure(data.colAxisTitle);
    m.noDataText = HeatmapFigure::tr("no data");
    m.noDataWidth = measure(m.noDataText);
}

HeatmapLabel makeLabel(int index, const QString& text, QRectF box, QTransform place)
{
    HeatmapLabel label;
    label.index = index;
    label.text = text;
    label.box = box;
    label.place = place;
    return label;
}

// Segments of the lines x + y = k·spacing inside `r`: hatching that runs on seamlessly
// across neighbouring cells.
void addHatch(QList<QLineF>& lines, const QRectF& r, double spacing)
{
    const double end = r.right() + r.bottom();
    for (double k = std::ceil((r.left() + r.top()) / spacing) * spacing; k < end; k += spacing) {
        const double xa = std::max(r.left(), k - r.bottom());
        const double xb = std::min(r.right(), k - r.top());
        if (xb > xa) {
            lines.append(QLineF(xa, k - xa, xb, k - xb));
        }
    }
}

double hatchSpacing(const HeatmapMetrics& m)
{
    return std::max(5.0, 0.5 * m.lineHeight);
}

// Places every part of the figure inside a target, in unscaled figure coordinates.
class LayoutBuilder
{
public:
    LayoutBuilder(const HeatmapMetrics& metrics, const HeatmapData& data, const HeatmapStyle& style)
        : m_m(metrics), m_data(data), m_style(style)
    {
    }

    QSizeF sizeFor(double cell, int angle) const;
    QSizeF emptySize() const;
    double preferredCell() const;
    int angleFor(double cell) const;
    HeatmapLayout build(const QRectF& r) const;

private:
    double h() const { return m_m.lineHeight; }
    double labelGap() const { return std::max(kLabelGap, std::ceil(h() / 2)); }
    double headerHeight() const;
    double colExtent(int angle) const;
    double topBlock(int angle) const;
    double bottomBlock() const { return std::max(kMargin, std::ceil(h() / 2)); }
    double rowAxisBlock() const;
    double leftBlock() const;
    double rightColumnWidth() const;
    double overhang(int angle) const;
    double rightBlock(int angle) const;
    double legendHeight() const;
    double bandMinHeight() const;
    double barWidth() const { return std::max(12.0, h()); }
    double labelSpacing(int angle) const;
    QSizeF cellsFor(const QRectF& r, int angle) const;
    bool fits(const QRectF& r, int angle, QSizeF cell) const;
    int chooseAngle(const QRectF& r) const;
    HeatmapLayout buildEmpty(const QRectF& r) const;
    void placeHeader(HeatmapLayout& l, const QRectF& r, double top) const;
    void placeRowAxisTitle(HeatmapLayout& l, double left, double bandHeight) const;
    void placeRowLabels(HeatmapLayout& l) const;
    void placeColLabels(HeatmapLayout& l) const;
    HeatmapLabel colLabel(const HeatmapLayout& l, int col) const;
    void placeColorBar(HeatmapLayout& l, const QRectF& band) const;
    void placeTicks(HeatmapLayout& l) const;
    void placeLegend(HeatmapLayout& l, const QRectF& band) const;

    const HeatmapMetrics& m_m;
    const HeatmapData& m_data;
    const HeatmapStyle& m_style;
};

double LayoutBuilder::headerHeight() const
{
    const double title = m_data.title.isEmpty() ? 0.0 : m_m.titleHeight + kTitleGap;
    return title + (m_data.colAxisTitle.isEmpty() ? 0.0 : h() + kTitleGap);
}

double LayoutBuilder::colExtent(int angle) const
{
    if (angle == 0) {
        return h();
    }
    return angle == 45 ? kSin45 * (m_m.colWidthMax + h()) : m_m.colWidthMax;
}

double LayoutBuilder::topBlock(int angle) const
{
    return kMargin + headerHeight() + colExtent(angle) + labelGap();
}

double LayoutBuilder::rowAxisBlock() const
{
    return m_data.rowAxisTitle.isEmpty() ? 0.0 : h() + kTitleGap;
}

double LayoutBuilder::leftBlock() const
{
    return kMargin + rowAxisBlock() + m_m.rowWidthMax + labelGap();
}

double LayoutBuilder::rightColumnWidth() const
{
    double content = 0.0;
    if (m_style.colorBar) {
        content = barWidth() + kTickLength + kTickGap + m_m.tickWidthMax;
    }
    if (!m_m.legendKinds.isEmpty()) {
        content = std::max(content, h() + kLegendGap + m_m.legendTextWidthMax);
    }
    return content > 0.0 ? kBarGap + content : 0.0;
}

// How far column labels reach right of the last column's centre.
double LayoutBuilder::overhang(int angle) const
{
    if (angle == 0) {
        return m_m.colWidthMax / 2;
    }
    return angle == 45 ? kSin45 * (m_m.colWidthMax + h() / 2) : h() / 2;
}

double LayoutBuilder::rightBlock(int angle) const
{
    return std::max(rightColumnWidth(), overhang(angle)) + kMargin;
}

double LayoutBuilder::legendHeight() const
{
    const auto n = static_cast<double>(m_m.legendKinds.size());
    return n > 0 ? kLegendGap + n * (h() + 2.0) : 0.0;
}

double LayoutBuilder::bandMinHeight() const
{
    const double right = (m_style.colorBar ? 3.0 * h() : 0.0) + legendHeight();
    return std::max({right, m_m.rowAxisWidth, h()});
}

double LayoutBuilder::labelSpacing(int angle) const
{
    if (angle == 0) {
        return m_m.colWidthMax + kLabelSpacing;
    }
    return angle == 45 ? (h() + kLabelSpacing) / kSin45 : h() + kLabelSpacing;
}

QSizeF LayoutBuilder::sizeFor(double cell, int angle) const
{
    const double band = std::max(m_m.rows * cell, bandMinHeight());
    double width = leftBlock() + m_m.cols * cell + rightBlock(angle);
    width = std::max({width, m_m.titleWidth + 2 * kMargin, m_m.colAxisWidth + 2 * kMargin});
    return {std::ceil(width), std::ceil(topBlock(angle) + band + bottomBlock())};
}

QSizeF LayoutBuilder::emptySize() const
{
    const double title = m_data.title.isEmpty() ? 0.0 : m_m.titleHeight + kTitleGap;
    const double width = std::max(m_m.titleWidth, m_m.noDataWidth) + 2 * kMargin;
    return {std::ceil(width), std::ceil(title + 3.0 * h() + 2 * kMargin)};
}

double LayoutBuilder::preferredCell() const
{
    return std::ceil(std::max({m_m.numberWidth + 10.0, 2.5 * h(), 28.0}));
}

int LayoutBuilder::angleFor(double cell) const
{
    for (int angle : kAngles) {
        if (cell >= labelSpacing(angle)) {
            return angle;
        }
    }
    return 90;
}

QSizeF LayoutBuilder::cellsFor(const QRectF& r, int angle) const
{
    const double availW = r.width() - leftBlock() - rightBlock(angle);
    const double availH = r.height() - topBlock(angle) - bottomBlock();
    QSizeF cell(availW / std::max(1, m_m.cols), availH / std::max(1, m_m.rows));
    if (m_style.squareCells) {
        cell.setWidth(std::min(cell.width(), cell.height()));
        cell.setHeight(cell.width());
    }
    return {std::max(cell.width(), 1e-3), std::max(cell.height(), 1e-3)};
}

bool LayoutBuilder::fits(const QRectF& r, int angle, QSizeF cell) const
{
    const double availH = r.height() - topBlock(angle) - bottomBlock();
    const double eps = 1e-6;
    return cell.width() >= kMinCell - eps && cell.height() >= kMinCell - eps &&
           availH >= bandMinHeight() - eps && cell.width() >= labelSpacing(angle) - eps;
}

// Horizontal labels when they fit; otherwise whichever rotation leaves the larger cells;
// when no rotation fits every label, 90 degrees, thinned.
int LayoutBuilder::chooseAngle(const QRectF& r) const
{
    if (fits(r, 0, cellsFor(r, 0))) {
        return 0;
    }
    const bool fit45 = fits(r, 45, cellsFor(r, 45));
    const bool fit90 = fits(r, 90, cellsFor(r, 90));
    if (fit45 && fit90) {
        return cellsFor(r, 45).width() + 0.5 >= cellsFor(r, 90).width() ? 45 : 90;
    }
    return fit45 ? 45 : 90;
}

HeatmapLayout LayoutBuilder::build(const QRectF& r) const
{
    if (m_m.rows == 0 || m_m.cols == 0) {
        return buildEmpty(r);
    }
    HeatmapLayout l;
    l.target = r;
    l.colLabelAngle = chooseAngle(r);
    l.cellSize = cellsFor(r, l.colLabelAngle);
    const double gridW = m_m.cols * l.cellSize.width();
    const double gridH = m_m.rows * l.cellSize.height();
    const double bandH = std::max(gridH, bandMinHeight());
    const double top = topBlock(l.colLabelAngle);
    const double usedW = leftBlock() + gridW + rightBlock(l.colLabelAngle);
    const double usedH = top + bandH + bottomBlock();
    const double x0 = r.left() + std::max(0.0, (r.width() - usedW) / 2);
    const double y0 = r.top() + std::max(0.0, (r.height() - usedH) / 2);
    l.grid = QRectF(x0 + leftBlock(), y0 + top, gridW, gridH);
    const QRectF band(l.grid.right() + kBarGap, l.grid.top(), rightColumnWidth(), bandH);
    placeHeader(l, r, y0 + kMargin);
    placeRowAxisTitle(l, x0 + kMargin, bandH);
    placeRowLabels(l);
    placeColLabels(l);
    l.numbersShown = m_style.annotate && l.cellSize.width() >= m_m.numberWidth + 8.0 &&
                     l.cellSize.height() >= h() + 2.0;
    placeColorBar(l, band);
    placeLegend(l, band);
    return l;
}

HeatmapLayout LayoutBuilder::buildEmpty(const QRectF& r) const
{
    HeatmapLayout l;
    l.target = r;
    l.empty = true;
    placeHeader(l, r, r.top() + kMargin);
    const double w = m_m.noDataWidth;
    const QPointF at(r.center().x() - w / 2, r.center().y() - h() / 2);
    l.noData = makeLabel(-1, m_m.noDataText, QRectF(0, 0, w, h()),
                         QTransform::fromTranslate(at.x(), at.y()));
    return l;
}

// Title and column axis title, centred over the cells but kept inside the target.
void LayoutBuilder::placeHeader(HeatmapLayout& l, const QRectF& r, double top) const
{
    const double centre = l.grid.isNull() ? r.center().x() : l.grid.center().x();
    auto leftFor = [&](double w) {
        return std::clamp(centre - w / 2, r.left() + kMargin,
                          std::max(r.left() + kMargin, r.right() - kMargin - w));
    };
    if (!m_data.title.isEmpty()) {
        const double w = m_m.titleWidth;
        l.title = makeLabel(-1, m_data.title, QRectF(0, 0, w, m_m.titleHeight),
                            QTransform::fromTranslate(leftFor(w), top));
        top += m_m.titleHeight + kTitleGap;
    }
    if (!m_data.colAxisTitle.isEmpty() && !l.empty) {
        const double w = m_m.colAxisWidth;
        l.colAxisTitle = makeLabel(-1, m_data.colAxisTitle, QRectF(0, 0, w, h()),
                                   QTransform::fromTranslate(leftFor(w), top));
    }
}

// Read from bottom to top, centred on the rows but kept within the band that the rows and
// the colour bar take, which bandMinHeight() makes long enough for it.
void LayoutBuilder::placeRowAxisTitle(HeatmapLayout& l, double left, double bandHeight) const
{
    if (m_data.rowAxisTitle.isEmpty()) {
        return;
    }
    const double w = m_m.rowAxisWidth;
    const double top = l.grid.top();
    const double bottom = std::clamp(l.grid.center().y() + w / 2, top + w, top + bandHeight);
    QTransform place = QTransform::fromTranslate(left + h() / 2, bottom);
    place.rotate(-90);
    l.rowAxisTitle = makeLabel(-1, m_data.rowAxisTitle, QRectF(0, -h() / 2, w, h()), place);
}

void LayoutBuilder::placeRowLabels(HeatmapLayout& l) const
{
    const double ch = l.cellSize.height();
    l.rowLabelStep = std::max(1, static_cast<int>(std::ceil((h() + kRowSpacing) / ch - 1e-9)));
    const double right = l.grid.left() - labelGap();
    for (int row = 0; row < m_m.rows; row += l.rowLabelStep) {
        const double w = m_m.rowWidths[row];
        const double y = l.grid.top() + (row + 0.5) * ch - h() / 2;
        l.rowLabels.append(makeLabel(row, m_m.rowTexts[row], QRectF(0, 0, w, h()),
                                     QTransform::fromTranslate(right - w, y)));
    }
}

void LayoutBuilder::placeColLabels(HeatmapLayout& l) const
{
    const double spacing = labelSpacing(l.colLabelAngle);
    const double step = std::ceil(spacing / l.cellSize.width() - 1e-9);
    l.colLabelStep = std::max(1, static_cast<int>(step));
    for (int col = 0; col < m_m.cols; col += l.colLabelStep) {
        l.colLabels.append(colLabel(l, col));
    }
}

// Horizontal labels sit centred above their column; rotated ones start at the column's centre
// and rise to the right (45 degrees) or straight up (90 degrees).
HeatmapLabel LayoutBuilder::colLabel(const HeatmapLayout& l, int col) const
{
    const double w = m_m.colWidths[col];
    const double xc = l.grid.left() + (col + 0.5) * l.cellSize.width();
    const double bottom = l.grid.top() - labelGap();
    const QString& text = m_m.colTexts[col];
    if (l.colLabelAngle == 0) {
        return makeLabel(col, text, QRectF(0, 0, w, h()),
                         QTransform::fromTranslate(xc - w / 2, bottom - h()));
    }
    const double lift = l.colLabelAngle == 45 ? kSin45 * h() / 2 : 0.0;
    QTransform place = QTransform::fromTranslate(xc, bottom - lift);
    place.rotate(-l.colLabelAngle);
    return makeLabel(col, text, QRectF(0, -h() / 2, w, h()), place);
}

// The bar is inset by half a line at both ends so that its end ticks' numbers stay level with
// the cells; the legend sits below it.
void LayoutBuilder::placeColorBar(HeatmapLayout& l, const QRectF& band) const
{
    if (!m_style.colorBar) {
        return;
    }
    const double top = band.top() + h() / 2;
    const double bottom = band.bottom() - legendHeight() - h() / 2;
    l.colorBar = QRectF(band.left(), top, barWidth(), bottom - top);
    placeTicks(l);
}

void LayoutBuilder::placeTicks(HeatmapLayout& l) const
{
    const QRectF& bar = l.colorBar;
    const HeatmapRange& r = m_m.range;
    auto yOf = [&](double v) {
        return r.constant ? bar.center().y()
                          : bar.bottom() - (v - r.min) / (r.max - r.min) * bar.height();
    };
    const auto n = static_cast<int>(m_m.tickValues.size());
    int step = 1;
    if (n > 1) {
        const double px = std::abs(yOf(m_m.tickValues[1]) - yOf(m_m.tickValues[0]));
        step = std::max(1, static_cast<int>(std::ceil((h() + kRowSpacing) / px - 1e-9)));
    }
    const double x = bar.right() + kTickLength + kTickGap;
    for (int i = 0; i < n; ++i) {
        HeatmapTick tick;
        tick.value = m_m.tickValues[i];
        const double y = yOf(tick.value);
        tick.line = QLineF(bar.right(), y, bar.right() + kTickLength, y);
        tick.labelShown = i % step == 0;
        const double w = m_m.tickWidths[size_t(i)];
        tick.label = makeLabel(i, m_m.tickTexts[i], QRectF(0, 0, w, h()),
                               QTransform::fromTranslate(x, y - h() / 2));
        l.ticks.append(tick);
    }
}

void LayoutBuilder::placeLegend(HeatmapLayout& l, const QRectF& band) const
{
    double y = m_style.colorBar ? band.bottom() - legendHeight() + kLegendGap : band.top();
    const double swatch = 0.8 * h();
    for (qsizetype i = 0; i < m_m.legendKinds.size(); ++i) {
        HeatmapLegendEntry entry;
        entry.kind = m_m.legendKinds[i];
        entry.swatch = QRectF(band.left(), y + (h() - swatch) / 2, swatch, swatch);
        const QString& text = m_m.legendTexts[i];
        const double w = m_m.legendWidths[size_t(i)];
        entry.label = makeLabel(static_cast<int>(i), text, QRectF(0, 0, w, h()),
                                QTransform::fromTranslate(band.left() + h() + kLegendGap, y));
        l.legend.append(entry);
        y += h() + 2.0;
    }
}

// Moves a layout from figure coordinates into the target's.
void mapLabel(HeatmapLabel& label, const QTransform& t)
{
    label.place = label.place * t;
}

void mapOptional(std::optional<HeatmapLabel>& label, const QTransform& t)
{
    if (label) {
        mapLabel(*label, t);
    }
}

HeatmapLayout mapped(HeatmapLayout l, const QRectF& target)
{
    const QTransform& t = l.transform;
    l.target = target;
    l.grid = t.mapRect(l.grid);
    l.cellSize *= l.scale;
    l.colorBar = t.mapRect(l.colorBar);
    for (auto* label : {&l.title, &l.rowAxisTitle, &l.colAxisTitle, &l.noData}) {
        mapOptional(*label, t);
    }
    for (auto* list : {&l.rowLabels, &l.colLabels}) {
        for (HeatmapLabel& label : *list) {
            mapLabel(label, t);
        }
    }
    for (HeatmapTick& tick : l.ticks) {
        tick.line = t.map(tick.line);
        mapLabel(tick.label, t);
    }
    for (HeatmapLegendEntry& entry : l.legend) {
        entry.swatch = t.mapRect(entry.swatch);
        mapLabel(entry.label, t);
    }
    return l;
}

// Painting, in figure coordinates.

void paintLabel(QPainter& painter, const HeatmapLabel& label, const QColor& color)
{
    painter.save();
    painter.setTransform(label.place, true);
    painter.setPen(color);
    painter.drawText(label.box, Qt::AlignCenter | Qt::TextDontClip, label.text);
    painter.restore();
}

void paintLabels(QPainter& painter, const QList<HeatmapLabel>& labels, const QColor& color)
{
    for (const HeatmapLabel& label : labels) {
        paintLabel(painter, label, color);
    }
}

bool rastered(const HeatmapFigure& figure)
{
    const attnlab::Matrix& values = figure.data().values;
    return values.size() > figure.style().rasterCellsAbove;
}

void paintCellImage(QPainter& painter, const HeatmapLayout& l, const HeatmapFigure& figure)
{
    const attnlab::Matrix& values = figure.data().values;
    QImage image(int(values.cols()), int(values.rows()), QImage::Format_RGB32);
    for (int row = 0; row < values.rows(); ++row) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(row));
        for (int col = 0; col < values.cols(); ++col) {
            line[col] = figure.cellColor(values(row, col)).rgb();
        }
    }
    painter.save();
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    painter.drawImage(l.grid, image);
    painter.restore();
}

void paintCells(QPainter& painter, const HeatmapLayout& l, const HeatmapFigure& figure)
{
    const attnlab::Matrix& values = figure.data().values;
    painter.setRenderHint(QPainter::Antialiasing, false);
    if (rastered(figure)) {
        paintCellImage(painter, l, figure);
        return;
    }
    for (int row = 0; row < values.rows(); ++row) {
        for (int col = 0; col < values.cols(); ++col) {
            painter.fillRect(l.cellRect(row, col), figure.cellColor(values(row, col)));
        }
    }
}

void paintHatch(QPainter& painter, const QList<QLineF>& lines)
{
    if (lines.isEmpty()) {
        return;
    }
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    // Flat caps: a line ends exactly on the cell's edge and never marks its neighbour.
    painter.setPen(QPen(ColorMap::maskedHatchColor(), 1.0, Qt::SolidLine, Qt::FlatCap));
    painter.drawLines(lines);
    painter.restore();
}

void paintMaskHatching(QPainter& painter, const HeatmapLayout& l, const attnlab::Matrix& values,
                       double spacing)
{
    QList<QLineF> lines;
    for (int row = 0; row < values.rows(); ++row) {
        for (int col = 0; col < values.cols(); ++col) {
            if (isMasked(values(row, col))) {
                addHatch(lines, l.cellRect(row, col), spacing);
            }
        }
    }
    paintHatch(painter, lines);
}

void paintNumbers(QPainter& painter, const HeatmapLayout& l, const HeatmapFigure& figure)
{
    const attnlab::Matrix& values = figure.data().values;
    for (int row = 0; row < values.rows(); ++row) {
        for (int col = 0; col < values.cols(); ++col) {
            const float v = values(row, col);
            if (!std::isfinite(v)) {
                continue;
            }
            painter.setPen(ColorMap::textColorOn(figure.cellColor(v)));
            painter.drawText(l.cellRect(row, col), Qt::AlignCenter | Qt::TextDontClip,
                             figure.formatValue(v));
        }
    }
}

void paintColorBar(QPainter& painter, const HeatmapLayout& l, ColorMap::Kind kind,
                   const FigureLook& look)
{
    if (l.colorBar.isNull()) {
        return;
    }
    QLinearGradient gradient(l.colorBar.bottomLeft(), l.colorBar.topLeft());
    for (int i = 0; i <= kGradientStops; ++i) {
        const double t = static_cast<double>(i) / kGradientStops;
        gradient.setColorAt(t, ColorMap::color(kind, t));
    }
    painter.fillRect(l.colorBar, gradient);
    painter.setPen(QPen(look.outline, 1.0));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(l.colorBar);
    for (const HeatmapTick& tick : l.ticks) {
        painter.setPen(QPen(look.text, 1.0));
        painter.drawLine(tick.line);
        if (tick.labelShown) {
            paintLabel(painter, tick.label, look.text);
        }
    }
}

void paintLegend(QPainter& painter, const HeatmapLayout& l, double spacing, const FigureLook& look)
{
    for (const HeatmapLegendEntry& entry : l.legend) {
        const bool masked = entry.kind == HeatmapLegendEntry::Kind::Masked;
        painter.fillRect(entry.swatch, masked ? ColorMap::maskedColor() : ColorMap::noValueColor());
        if (masked) {
            QList<QLineF> lines;
            addHatch(lines, entry.swatch, spacing / 2);
            paintHatch(painter, lines);
        }
        painter.setPen(QPen(look.outline, 1.0));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(entry.swatch);
        paintLabel(painter, entry.label, look.text);
    }
}

void paintHeader(QPainter& painter, const HeatmapLayout& l, const HeatmapMetrics& m,
                 const QColor& color)
{
    painter.setFont(m.titleFont);
    if (l.title) {
        paintLabel(painter, *l.title, color);
    }
    painter.setFont(m.labelFont);
    for (const auto* label : {&l.rowAxisTitle, &l.colAxisTitle, &l.noData}) {
        if (*label) {
            paintLabel(painter, **label, color);
        }
    }
}

} // namespace

QRectF HeatmapLayout::cellRect(int row, int col) const
{
    const double left = grid.left();
    const double top = grid.top();
    const double cw = cellSize.width();
    const double ch = cellSize.height();
    return QRectF(QPointF(left + col * cw, top + row * ch),
                  QPointF(left + (col + 1) * cw, top + (row + 1) * ch));
}

HeatmapFigure::HeatmapFigure()
{
    updateMetrics();
}

void HeatmapFigure::setData(HeatmapData data)
{
    m_data = std::move(data);
    updateMetrics();
}

void HeatmapFigure::setStyle(const HeatmapStyle& style)
{
    m_style = style;
    updateMetrics();
}

void HeatmapFigure::updateMetrics()
{
    auto m = std::make_shared<HeatmapMetrics>();
    measureFonts(*m, m_style.font);
    if (!m_metrics || m_metrics->labelFont != m->labelFont ||
        m_metrics->titleFont != m->titleFont) {
        m_labelWidths.clear();
        m_titleWidths.clear();
    }
    TextWidths measure(m->labelFont, m_labelWidths);
    TextWidths measureTitle(m->titleFont, m_titleWidths);
    measureLabels(*m, m_data, measure);
    measureValues(*m, m_data.values, m_style, measure);
    measureTitles(*m, m_data, measure, measureTitle);
    m_metrics = std::move(m);
}

HeatmapRange HeatmapFigure::range() const
{
    return m_metrics->range;
}

QColor HeatmapFigure::cellColor(float value) const
{
    if (isMasked(value)) {
        return ColorMap::maskedColor();
    }
    if (!std::isfinite(value)) {
        return ColorMap::noValueColor();
    }
    const HeatmapRange& r = m_metrics->range;
    const double t = r.constant ? 0.5 : (value - r.min) / (r.max - r.min);
    return ColorMap::color(m_style.colorMap, t);
}

QString HeatmapFigure::formatValue(double value) const
{
    return formatNumber(value, m_style.precision);
}

void HeatmapFigure::setLook(const FigureLook& look)
{
    m_look = look;
    if (!(m_look.zoom > 0.0)) {
        m_look.zoom = 1.0;
    }
}

QSizeF HeatmapFigure::minimumSize() const
{
    const LayoutBuilder builder(*m_metrics, m_data, m_style);
    if (m_metrics->rows == 0 || m_metrics->cols == 0) {
        return builder.emptySize();
    }
    return builder.sizeFor(kMinCell, 90);
}

QSizeF HeatmapFigure::preferredSize() const
{
    const LayoutBuilder builder(*m_metrics, m_data, m_style);
    if (m_metrics->rows == 0 || m_metrics->cols == 0) {
        return builder.emptySize() * m_look.zoom;
    }
    const double cell = builder.preferredCell();
    return builder.sizeFor(cell, builder.angleFor(cell)) * m_look.zoom;
}

// The layout in figure coordinates, with the transform that takes it into `target`: a
// translation and a uniform scale, which is 1 when the target is large enough, less when not,
// and up to the zoom where the target holds the figure at its preferred size zoomed.
HeatmapLayout HeatmapFigure::figureLayout(const QRectF& target) const
{
    if (!(target.width() > 0) || !(target.height() > 0)) {
        HeatmapLayout l;
        l.target = target;
        return l;
    }
    const QSizeF least = minimumSize();
    const double fitsLeast =
        std::min(target.width() / least.width(), target.height() / least.height());
    double scale = std::min(1.0, fitsLeast);
    if (m_look.zoom > 1.0) {
        // Zoomed only as far as the figure keeps its comfortable size: a larger font that left
        // the cells smaller and the labels thinned would help no one at the back of the room.
        const QSizeF comfortable = preferredSize() / m_look.zoom;
        const double fits =
            std::min(target.width() / comfortable.width(), target.height() / comfortable.height());
        scale = std::max(scale, std::min(m_look.zoom, fits));
    } else {
        scale = std::min(m_look.zoom, fitsLeast);
    }
    const QRectF logical(0, 0, target.width() / scale, target.height() / scale);
    HeatmapLayout l = LayoutBuilder(*m_metrics, m_data, m_style).build(logical);
    l.scale = scale;
    l.transform = QTransform::fromTranslate(target.left(), target.top());
    l.transform.scale(scale, scale);
    return l;
}

HeatmapLayout HeatmapFigure::layout(const QRectF& target) const
{
    return mapped(figureLayout(target), target);
}

void HeatmapFigure::paint(QPainter& painter, const QRectF& target) const
{
    paintLaidOut(painter, target);
}

HeatmapLayout HeatmapFigure::paintLaidOut(QPainter& painter, const QRectF& target) const
{
    HeatmapLayout l = figureLayout(target);
    if (!(target.width() > 0) || !(target.height() > 0)) {
        return mapped(std::move(l), target);
    }
    painter.save();
    painter.setTransform(l.transform, true);
    paintHeader(painter, l, *m_metrics, m_look.text);
    if (!l.empty) {
        paintBody(painter, l);
    }
    painter.restore();
    return mapped(std::move(l), target);
}

void HeatmapFigure::paintBody(QPainter& painter, const HeatmapLayout& l) const
{
    const double spacing = hatchSpacing(*m_metrics);
    paintCells(painter, l, *this);
    if (!rastered(*this)) {
        paintMaskHatching(painter, l, m_data.values, spacing);
    }
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setRenderHint(QPainter::TextAntialiasing, true);
    painter.setFont(m_metrics->labelFont);
    if (l.numbersShown) {
        paintNumbers(painter, l, *this);
    }
    paintLabels(painter, l.rowLabels, m_look.text);
    paintLabels(painter, l.colLabels, m_look.text);
    paintColorBar(painter, l, m_style.colorMap, m_look);
    paintLegend(painter, l, spacing, m_look);
}

QRectF HeatmapFigure::cellRect(const QRectF& target, int row, int col) const
{
    if (row < 0 || col < 0 || row >= m_metrics->rows || col >= m_metrics->cols) {
        return {};
    }
    return layout(target).cellRect(row, col);
}

std::optional<QPoint> HeatmapFigure::cellAt(const QRectF& target, QPointF point) const
{
    return cellAtIn(layout(target), point);
}

std::optional<QPoint> HeatmapFigure::cellAtIn(const HeatmapLayout& l, QPointF point) const
{
    if (l.empty || l.grid.isEmpty() || !l.grid.contains(point)) {
        return std::nullopt;
    }
    const auto col = static_cast<int>((point.x() - l.grid.left()) / l.cellSize.width());
    const auto row = static_cast<int>((point.y() - l.grid.top()) / l.cellSize.height());
    return QPoint(std::clamp(col, 0, m_metrics->cols - 1), std::clamp(row, 0, m_metrics->rows - 1));
}
