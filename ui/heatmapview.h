// A matrix drawn as an annotated heatmap: token labels on both axes, numbers in the cells,
// a colour bar, masked cells marked. The picture is rendered into a QImage outside
// paintEvent (by HeatmapFigure, which the exporters use too) and only blitted when painting.
//
// Right-click, or the "⋯" button in the corner, opens the view's HeatmapMenu: export the
// figure or its numbers, copy it, and change this view's colour map, numbers and precision.
//
// On screen the figure takes the look of the widget's palette (light text on a dark window)
// and presenter mode's zoom (FigureLook::onScreen); what it exports has the print look, at the
// size the figure would have at unit zoom.
#pragma once

#include "figuresource.h"
#include "heatmapfigure.h"

#include <QImage>
#include <QPoint>
#include <QWidget>

#include <functional>

class HeatmapMenu;
class QHelpEvent;

class HeatmapView : public QWidget
{
    Q_OBJECT
public:
    explicit HeatmapView(QWidget* parent);

    // Replaces the matrix and labels and re-renders. New values alone never make the size
    // hints smaller (see sizeHint()).
    void setData(HeatmapData data);
    const HeatmapData& data() const;
    // Colour map, annotation, precision, value range.
    void setStyle(const HeatmapStyle& style);
    const HeatmapStyle& style() const;

    // Text of the tooltip shown while hovering cell (row, col); the default names the row
    // token, the column token and the value.
    void setCellToolTip(std::function<QString(int row, int col)> provider);

    // Cell under a point in widget coordinates as QPoint(column, row), or (-1, -1).
    QPoint cellAt(QPointF pos) const;
    // Rectangle of a cell in widget coordinates.
    QRectF cellRect(int row, int col) const;
    // The image painted on screen (size of the widget times the device pixel ratio).
    const QImage& renderedImage() const;
    // Selected row (or -1): clicking a row label or a cell selects its row.
    int selectedRow() const;
    // Selects a row (outlined in the picture); -1 or a row out of range clears the selection.
    // A selection survives setData() while the row still exists.
    void setSelectedRow(int row);

    // The figure as rendered, and where its parts landed (widget coordinates).
    const HeatmapFigure& figure() const;
    const HeatmapLayout& renderedLayout() const;

    // The stem of the file names exports get, e.g. "sentence1-attention"; "heatmap" at first.
    void setExportName(const QString& name);
    const QString& exportName() const;
    // The figure as it is now, for the exporters, at the size it has on screen.
    FigureSource figureSource() const;
    // The menu that right-click and the corner button open.
    HeatmapMenu* menu() const;

signals:
    void cellHovered(int row, int col);
    void cellClicked(int row, int col);
    void selectedRowChanged(int row);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    bool event(QEvent* event) override;
    // The figure's preferred and minimum size; while only the values change (the same shape,
    // labels, titles and style) they only grow. Numbers, colour-bar ticks and the legend
    // follow the values and would otherwise lay the page out again at display rate.
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

private:
    void rerender();
    void refreshGeometry(bool onlyGrow);
    void paintSelection(QPainter& painter) const;
    QString toolTipFor(int row, int col) const;
    void showCellToolTip(QHelpEvent* event);
    int rowLabelAt(QPointF pos) const;

    HeatmapFigure m_figure;
    QImage m_image;
    HeatmapLayout m_layout; // of m_image, in widget coordinates
    std::function<QString(int, int)> m_toolTip;
    int m_selectedRow = -1;
    QPoint m_hovered{-1, -1};
    QSize m_sizeHint;
    QSize m_minimumHint;
    QString m_exportName;
    HeatmapMenu* m_menu = nullptr;
};
