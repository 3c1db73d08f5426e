// The drawing of a heatmap, independent of any widget: the view paints it into a QImage for
// the screen, and exporters paint the very same figure into PNG, SVG and PDF devices.
//
// Layout: title on top, column labels above or below the cells (rotated when they would
// overlap, thinned when even rotated they would), row labels left, colour bar on the right.
// The layout is computed from font metrics so that no label is ever clipped.
//
// Units: the figure measures everything in logical pixels at 96 per inch. A font given in
// points is converted once at that resolution, so the layout is the same on every device;
// an exporter that wants 300 DPI scales the painter by 300 / 96. A target smaller than
// minimumSize() gets the whole figure scaled down uniformly rather than clipped.
#pragma once

#include "colormap.h"
#include "figurelook.h"

#include <matrix.h>

#include <QCoreApplication>
#include <QFont>
#include <QHash>
#include <QLineF>
#include <QList>
#include <QPainter>
#include <QPoint>
#include <QPolygonF>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>
#include <QTransform>

#include <memory>
#include <optional>

struct HeatmapData
{
    attnlab::Matrix values; // rows×cols. −∞ marks a masked cell, NaN a cell with no value.
    QStringList rowLabels;  // one per row
    QStringList colLabels;  // one per column
    QString title;          // e.g. "Attention weights"
    QString rowAxisTitle;   // e.g. "query"
    QString colAxisTitle;   // e.g. "key"
    // What data exports (CSV, .npy) write when it differs from what is drawn; empty: values.
    // Attention weights draw masked cells as masked (−∞) but their weight is exactly 0.
    attnlab::Matrix dataValues = {};
};

struct HeatmapStyle
{
    ColorMap::Kind colorMap = ColorMap::Kind::Deck;
    bool annotate = true;           // numbers in the cells, when the cells are big enough
    int precision = 2;              // digits after the decimal point
    std::optional<double> rangeMin; // colour scale; default: the finite data's range
    std::optional<double> rangeMax; //   (symmetric around 0 for a diverging map)
    bool colorBar = true;
    QFont font;              // labels and numbers
    bool squareCells = true; // cells keep a 1:1 aspect; false stretches them
    // Above this many cells the cells are drawn as one image, a pixel per cell, scaled without
    // smoothing: a 512×512 matrix stays a small SVG or PDF (its text stays vector), and masked
    // cells are grey without hatching.
    int rasterCellsAbove = 4096;
};

// The colour scale as resolved from the data and the style. `constant` is set when the range
// is a single value (a constant matrix): every finite cell then gets the middle of the map.
struct HeatmapRange
{
    double min = 0.0;
    double max = 1.0;
    bool constant = false;
};

// A piece of text as laid out: `box` is its text box in its own coordinates, `place` maps
// that box into the target (a translation, for rotated labels a rotation, and the figure's
// scale). shape() is the box as drawn; bounds() its axis-aligned bounding rectangle.
struct HeatmapLabel
{
    int index = -1; // the row, column or tick it belongs to
    QString text;
    QRectF box;
    QTransform place;

    QPolygonF shape() const { return place.map(QPolygonF(box)); }
    QRectF bounds() const { return shape().boundingRect(); }
};

struct HeatmapTick
{
    double value = 0.0;
    QLineF line;            // the tick mark beside the colour bar
    bool labelShown = true; // tick labels are thinned when the bar is short
    HeatmapLabel label;
};

struct HeatmapLegendEntry
{
    enum class Kind
    {
        Masked,
        NoValue
    };
    Kind kind = Kind::Masked;
    QRectF swatch;
    HeatmapLabel label;
};

// Where every part of the figure lands when it is painted into `target`, in the target's
// coordinates. Labels that thinning leaves out are not in the lists.
struct HeatmapLayout
{
    QRectF target;
    QTransform transform; // figure coordinates to target: translation and uniform scale
    double scale = 1.0;   // up to the look's zoom; below 1 when the target is smaller than
                          // minimumSize()
    bool empty = false;   // no rows or no columns: `noData` says so, nothing else but the title
    std::optional<HeatmapLabel> title;
    std::optional<HeatmapLabel> rowAxisTitle;
    std::optional<HeatmapLabel> colAxisTitle;
    std::optional<HeatmapLabel> noData;
    QRectF grid; // all cells
    QSizeF cellSize;
    int colLabelAngle = 0; // 0, 45 or 90 degrees, counter-clockwise
    int rowLabelStep = 1;  // every k-th row label is drawn
    int colLabelStep = 1;  // every k-th column label is drawn
    QList<HeatmapLabel> rowLabels;
    QList<HeatmapLabel> colLabels;
    bool numbersShown = false;
    QRectF colorBar; // null when the style has no colour bar
    QList<HeatmapTick> ticks;
    QList<HeatmapLegendEntry> legend;

    QRectF cellRect(int row, int col) const;
};

struct HeatmapMetrics;

class HeatmapFigure
{
    Q_DECLARE_TR_FUNCTIONS(HeatmapFigure)
public:
    HeatmapFigure();

    void setData(HeatmapData data);
    const HeatmapData& data() const { return m_data; }
    void setStyle(const HeatmapStyle& style);
    const HeatmapStyle& style() const { return m_style; }

    // Colours and zoom: FigureLook::print() at first. The zoom scales the whole figure (fonts,
    // cells, lines) and the preferred size, as far as the target holds the zoomed figure at its
    // preferred size (and never below the scale of unit zoom); exports paint with print()
    // whatever the view's look.
    void setLook(const FigureLook& look);
    const FigureLook& look() const { return m_look; }

    // Paints the whole figure inside `target` (in the painter's coordinates).
    void paint(QPainter& painter, const QRectF& target) const;
    // paint(), returning layout(target): the figure is laid out once for both.
    HeatmapLayout paintLaidOut(QPainter& painter, const QRectF& target) const;
    // Where a cell lands when the figure is painted into `target`.
    QRectF cellRect(const QRectF& target, int row, int col) const;
    // Cell containing `point` for a figure painted into `target`, or nothing.
    // The cell is QPoint(column, row): x across, y down, as on screen.
    std::optional<QPoint> cellAt(const QRectF& target, QPointF point) const;
    // Smallest size at which every label fits, at unit zoom: below it the figure scales down,
    // and a zoomed figure may always shrink back to it.
    QSizeF minimumSize() const;
    // A comfortable size: cells large enough for their numbers and labels unrotated if they
    // can, at the look's zoom.
    QSizeF preferredSize() const;

    // Every part of the figure as paint() places it into `target`.
    HeatmapLayout layout(const QRectF& target) const;
    // The colour scale in use.
    HeatmapRange range() const;
    // Colour of a value under the current style and range: masked (−∞) and no value
    // (NaN, +∞) included.
    QColor cellColor(float value) const;
    // The value as the cells print it (style precision, no negative zero).
    QString formatValue(double value) const;
    // cellAt() against a layout already computed for the same data and style.
    std::optional<QPoint> cellAtIn(const HeatmapLayout& layout, QPointF point) const;

private:
    HeatmapLayout figureLayout(const QRectF& target) const;
    void paintBody(QPainter& painter, const HeatmapLayout& layout) const;
    void updateMetrics();

    HeatmapData m_data;
    HeatmapStyle m_style;
    FigureLook m_look;
    std::shared_ptr<const HeatmapMetrics> m_metrics;
    // Widths of the texts measured so far in the label and the title font: setData() at
    // display rate brings the same labels and mostly the same numbers again, and measuring a
    // text shapes it. Emptied when the font changes or they grow large.
    QHash<QString, double> m_labelWidths;
    QHash<QString, double> m_titleWidths;
};
