// The view keeps three things in step: the figure, the image it was rendered into, and the
// layout of that render. Hit tests use the stored layout, so what the mouse finds is exactly
// what the image shows.
#include "heatmapview.h"

#include "figuremenubutton.h"
#include "heatmapmenu.h"

#include <QContextMenuEvent>
#include <QEvent>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace {

// What the figure's size depends on, but for the values.
bool sameFrame(const HeatmapData& a, const HeatmapData& b)
{
    return a.values.rows() == b.values.rows() && a.values.cols() == b.values.cols() &&
           a.rowLabels == b.rowLabels && a.colLabels == b.colLabels && a.title == b.title &&
           a.rowAxisTitle == b.rowAxisTitle && a.colAxisTitle == b.colAxisTitle;
}

QSize ceiled(QSizeF size)
{
    return QSize(static_cast<int>(std::ceil(size.width())),
                 static_cast<int>(std::ceil(size.height())));
}
const QColor kSelectionOuter(20, 20, 20);
const QColor kSelectionInner(Qt::white);

} // namespace

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent), m_exportName(QStringLiteral("heatmap"))
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    m_menu = new HeatmapMenu(this);
    new FigureMenuButton(m_menu, this);
    m_figure.setLook(FigureLook::onScreen(*this));
    refreshGeometry(false);
}

void HeatmapView::setData(HeatmapData data)
{
    const bool onlyValues = sameFrame(m_figure.data(), data);
    m_figure.setData(std::move(data));
    const bool dropped = m_selectedRow >= m_figure.data().values.rows();
    if (dropped) {
        m_selectedRow = -1;
    }
    m_hovered = QPoint(-1, -1);
    refreshGeometry(onlyValues);
    rerender();
    if (dropped) {
        emit selectedRowChanged(-1);
    }
}

const HeatmapData& HeatmapView::data() const
{
    return m_figure.data();
}

void HeatmapView::setStyle(const HeatmapStyle& style)
{
    m_figure.setStyle(style);
    refreshGeometry(false);
    rerender();
}

const HeatmapStyle& HeatmapView::style() const
{
    return m_figure.style();
}

const HeatmapFigure& HeatmapView::figure() const
{
    return m_figure;
}

void HeatmapView::setCellToolTip(std::function<QString(int row, int col)> provider)
{
    m_toolTip = std::move(provider);
}

QPoint HeatmapView::cellAt(QPointF pos) const
{
    const std::optional<QPoint> cell = m_figure.cellAtIn(m_layout, pos);
    return cell.value_or(QPoint(-1, -1));
}

QRectF HeatmapView::cellRect(int row, int col) const
{
    const auto& values = m_figure.data().values;
    const bool outside = row < 0 || col < 0 || row >= values.rows() || col >= values.cols();
    if (m_layout.empty || m_layout.grid.isEmpty() || outside) {
        return {};
    }
    return m_layout.cellRect(row, col);
}

const QImage& HeatmapView::renderedImage() const
{
    return m_image;
}

const HeatmapLayout& HeatmapView::renderedLayout() const
{
    return m_layout;
}

void HeatmapView::setExportName(const QString& name)
{
    m_exportName = name;
}

const QString& HeatmapView::exportName() const
{
    return m_exportName;
}

FigureSource HeatmapView::figureSource() const
{
    FigureSource source;
    source.name = m_exportName;
    source.title = m_figure.data().title;
    source.inches = FigureSize::onScreen(*this) / m_figure.look().zoom;
    source.paint = FigureExport::heatmapPainter(m_figure);
    source.dataFormats = {FigureExport::Format::Csv, FigureExport::Format::Npy};
    source.saveData = [data = m_figure.data()](const QString& path) {
        FigureExport::saveData(path, data);
    };
    source.exportAll = [figure = m_figure, name = m_exportName](const QString& folder,
                                                                QSizeF inches, double dpi) {
        return FigureExport::exportAll(folder, name, figure, inches, dpi);
    };
    return source;
}

HeatmapMenu* HeatmapView::menu() const
{
    return m_menu;
}

int HeatmapView::selectedRow() const
{
    return m_selectedRow;
}

void HeatmapView::setSelectedRow(int row)
{
    const auto rows = static_cast<int>(m_figure.data().values.rows());
    const int next = row >= 0 && row < rows ? row : -1;
    if (next == m_selectedRow) {
        return;
    }
    m_selectedRow = next;
    rerender();
    emit selectedRowChanged(m_selectedRow);
}

QString HeatmapView::toolTipFor(int row, int col) const
{
    if (m_toolTip) {
        return m_toolTip(row, col);
    }
    const HeatmapData& d = m_figure.data();
    const float v = d.values(row, col);
    const QString rowText = row < d.rowLabels.size() ? d.rowLabels[row] : QString::number(row);
    const QString colText = col < d.colLabels.size() ? d.colLabels[col] : QString::number(col);
    QString value = m_figure.formatValue(v);
    if (std::isinf(v) && v < 0) {
        value = tr("masked");
    } else if (!std::isfinite(v)) {
        value = tr("no value");
    }
    return tr("%1 → %2: %3").arg(rowText, colText, value);
}

void HeatmapView::rerender()
{
    const qreal dpr = devicePixelRatioF();
    const QSize pixels = (QSizeF(size()) * dpr).toSize();
    if (pixels.isEmpty()) {
        m_image = QImage();
        m_layout = HeatmapLayout();
        update();
        return;
    }
    if (m_image.size() != pixels || m_image.devicePixelRatio() != dpr) {
        m_image = QImage(pixels, QImage::Format_ARGB32_Premultiplied);
        m_image.setDevicePixelRatio(dpr);
    }
    m_image.fill(
        m_figure.look().background); // the same buffer frame after frame, while the size stays
    const QRectF target(QPointF(0, 0), QSizeF(size()));
    QPainter painter(&m_image);
    m_layout = m_figure.paintLaidOut(painter, target);
    paintSelection(painter);
    update();
}

// Asks the layout for another size only when the hints really changed: setData() comes at
// display rate while training, mostly with the same shape and labels.
void HeatmapView::refreshGeometry(bool onlyGrow)
{
    const QSize least = ceiled(m_figure.minimumSize());
    QSize hint = m_figure.preferredSize().toSize().expandedTo(least);
    QSize leastHint = least;
    if (onlyGrow) {
        hint = hint.expandedTo(m_sizeHint);
        leastHint = leastHint.expandedTo(m_minimumHint);
    }
    if (hint != m_sizeHint || leastHint != m_minimumHint) {
        m_sizeHint = hint;
        m_minimumHint = leastHint;
        updateGeometry();
    }
}

// A dark outline with a light one inside it reads on every colour map.
void HeatmapView::paintSelection(QPainter& painter) const
{
    const auto cols = static_cast<int>(m_figure.data().values.cols());
    if (m_selectedRow < 0 || m_layout.empty || cols == 0) {
        return;
    }
    const QRectF row = cellRect(m_selectedRow, 0).united(cellRect(m_selectedRow, cols - 1));
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(kSelectionOuter, 3.0));
    painter.drawRect(row.adjusted(-1.5, -1.5, 1.5, 1.5));
    painter.setPen(QPen(kSelectionInner, 1.0));
    painter.drawRect(row.adjusted(0.5, 0.5, -0.5, -0.5));
}

int HeatmapView::rowLabelAt(QPointF pos) const
{
    if (m_layout.empty || !(pos.x() < m_layout.grid.left())) {
        return -1;
    }
    for (const HeatmapLabel& label : m_layout.rowLabels) {
        if (label.bounds().contains(pos)) {
            return label.index;
        }
    }
    return -1;
}

void HeatmapView::paintEvent(QPaintEvent* event)
{
    if (!m_image.isNull() && m_image.devicePixelRatio() != devicePixelRatioF()) {
        // Moved to a screen with another pixel ratio: draw the old image once, render anew
        // after this event.
        QMetaObject::invokeMethod(this, &HeatmapView::rerender, Qt::QueuedConnection);
    }
    QPainter painter(this);
    painter.fillRect(event->rect(), m_figure.look().background);
    if (!m_image.isNull()) {
        painter.drawImage(QPointF(0, 0), m_image);
    }
}

// A new palette (light or dark window) or presenter mode's zoom, which comes with a new font.
void HeatmapView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        m_figure.setLook(FigureLook::onScreen(*this));
        refreshGeometry(false);
        rerender();
    }
}

void HeatmapView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    rerender();
}

void HeatmapView::mouseMoveEvent(QMouseEvent* event)
{
    const QPoint cell = cellAt(event->position());
    if (cell != m_hovered) {
        m_hovered = cell;
        if (cell.x() >= 0) {
            emit cellHovered(cell.y(), cell.x());
        }
    }
    QWidget::mouseMoveEvent(event);
}

void HeatmapView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    const QPoint cell = cellAt(event->position());
    if (cell.x() >= 0) {
        setSelectedRow(cell.y());
        emit cellClicked(cell.y(), cell.x());
    } else if (const int row = rowLabelAt(event->position()); row >= 0) {
        setSelectedRow(row);
    }
    event->accept();
}

void HeatmapView::contextMenuEvent(QContextMenuEvent* event)
{
    m_menu->popup(event->globalPos());
    event->accept();
}

bool HeatmapView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        showCellToolTip(static_cast<QHelpEvent*>(event));
        return true;
    }
    return QWidget::event(event);
}

void HeatmapView::showCellToolTip(QHelpEvent* event)
{
    const QPoint cell = cellAt(QPointF(event->pos()));
    if (cell.x() < 0) {
        QToolTip::hideText();
        event->ignore();
        return;
    }
    const QRect area = cellRect(cell.y(), cell.x()).toAlignedRect();
    QToolTip::showText(event->globalPos(), toolTipFor(cell.y(), cell.x()), this, area);
}

QSize HeatmapView::sizeHint() const
{
    return m_sizeHint;
}

QSize HeatmapView::minimumSizeHint() const
{
    return m_minimumHint;
}
