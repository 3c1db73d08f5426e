// The drawing of a heatmap, independent of any widget: the view paints it into a QImage for
// the screen, and exporters paint the very same figure into PNG, SVG and PDF devices.
//
// Layout: title on top, column labels above or below the cells (rotated when they would
// overlap, thinned when even rotated they would), row labels left, colour bar on the right.
// The layout is computed from font metrics so that no label is ever clipped.
#pragma once

#include "colormap.h"

#include <matrix.h>

#include <QFont>
#include <QPainter>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <optional>

struct HeatmapData {
    attnlab::Matrix values;  // rows×cols. −∞ marks a masked cell, NaN a cell with no value.
    QStringList rowLabels;   // one per row
    QStringList colLabels;   // one per column
    QString title;           // e.g. "Attention weights"
    QString rowAxisTitle;    // e.g. "query"
    QString colAxisTitle;    // e.g. "key"
};

struct HeatmapStyle {
    ColorMap::Kind colorMap = ColorMap::Kind::Deck;
    bool annotate = true;                // numbers in the cells, when the cells are big enough
    int precision = 2;                   // digits after the decimal point
    std::optional<double> rangeMin;      // colour scale; default: the finite data's range
    std::optional<double> rangeMax;      //   (symmetric around 0 for a diverging map)
    bool colorBar = true;
    QFont font;                          // labels and numbers
};

class HeatmapFigure {
public:
    void setData(HeatmapData data);
    const HeatmapData& data() const { return m_data; }
    void setStyle(const HeatmapStyle& style);
    const HeatmapStyle& style() const { return m_style; }

    // Paints the whole figure inside `target` (in the painter's coordinates).
    void paint(QPainter& painter, const QRectF& target) const;
    // Where a cell lands when the figure is painted into `target`.
    QRectF cellRect(const QRectF& target, int row, int col) const;
    // Cell containing `point` for a figure painted into `target`, or nothing.
    std::optional<QPoint> cellAt(const QRectF& target, QPointF point) const;
    // Smallest size at which every label fits.
    QSizeF minimumSize() const;

private:
    HeatmapData m_data;
    HeatmapStyle m_style;
};
