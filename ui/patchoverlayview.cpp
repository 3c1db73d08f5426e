// The view keeps three things in step, as HeatmapView does: the figure, the image it was
// rendered into, and the layout of that render, so that what the mouse finds is exactly
// what the image shows.
#include "patchoverlayview.h"

#include "figureactions.h"
#include "figuremenubutton.h"

#include <QActionGroup>
#include <QContextMenuEvent>
#include <QEvent>
#include <QHelpEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

PatchOverlayView::PatchOverlayView(QWidget* parent)
    : QWidget(parent), m_exportName(QStringLiteral("patch-attention"))
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    buildMenu();
    m_button = new FigureMenuButton(m_menu, this);
    m_figure.setLook(FigureLook::onScreen(*this));
    setStyle(style());
}

void PatchOverlayView::buildMenu()
{
    m_menu = new QMenu(this);
    m_menu->setObjectName(QStringLiteral("patchOverlayMenu"));
    m_actions = new FigureActions(this, [this] { return figureSource(); });
    m_menu->addAction(m_actions->exportFigureAction());
    m_menu->addAction(m_actions->exportDataAction());
    m_menu->addAction(m_actions->copyImageAction());
    m_menu->addAction(m_actions->exportAllAction());
    m_menu->addSeparator();
    addColorMaps(m_menu);
    m_scaleToLargest = m_menu->addAction(tr("Scale colours to the largest value"));
    m_scaleToLargest->setCheckable(true);
    m_scaleToLargest->setStatusTip(tr("Give the largest attention value the strongest colour; "
                                      "otherwise the colours span 0 to 1"));
    connect(m_scaleToLargest, &QAction::toggled, this, [this](bool on) {
        PatchOverlayStyle s = style();
        s.rangeMax = on ? std::nullopt : std::optional<double>(1.0);
        setStyle(s);
    });
    m_grid = m_menu->addAction(tr("Patch grid"));
    m_grid->setCheckable(true);
    m_grid->setStatusTip(tr("Draw the patch boundaries over the image"));
    connect(m_grid, &QAction::toggled, this, [this](bool on) {
        PatchOverlayStyle s = style();
        s.grid = on;
        setStyle(s);
    });
    connect(m_menu, &QMenu::aboutToShow, this, &PatchOverlayView::showStyle);
    m_actions->exportDataAction()->setEnabled(false);
    showStyle();
}

// Only the sequential maps: attention is never negative.
void PatchOverlayView::addColorMaps(QMenu* menu)
{
    QMenu* maps = menu->addMenu(tr("Colour map"));
    maps->setObjectName(QStringLiteral("colorMapMenu"));
    m_colorMaps = new QActionGroup(this);
    for (ColorMap::Kind kind : ColorMap::allKinds()) {
        if (ColorMap::isDiverging(kind)) {
            continue;
        }
        QAction* action = maps->addAction(ColorMap::name(kind));
        action->setCheckable(true);
        action->setData(static_cast<int>(kind));
        m_colorMaps->addAction(action);
        connect(action, &QAction::triggered, this, [this, kind] {
            PatchOverlayStyle s = style();
            s.colorMap = kind;
            setStyle(s);
        });
    }
}

void PatchOverlayView::showStyle()
{
    const PatchOverlayStyle& s = style();
    for (QAction* action : m_colorMaps->actions()) {
        action->setChecked(action->data().toInt() == static_cast<int>(s.colorMap));
    }
    const QSignalBlocker scaleBlocker(m_scaleToLargest);
    m_scaleToLargest->setChecked(!s.rangeMax.has_value());
    const QSignalBlocker gridBlocker(m_grid);
    m_grid->setChecked(s.grid);
}

void PatchOverlayView::setData(PatchOverlayData data)
{
    const int before = m_figure.data().highlighted;
    const QSize hint = sizeHint();
    m_figure.setData(std::move(data));
    m_actions->exportDataAction()->setEnabled(m_figure.hasAttention());
    m_hovered = -1;
    if (sizeHint() != hint) {
        updateGeometry();
    }
    rerender();
    if (m_figure.data().highlighted != before) {
        emit highlightedChanged(m_figure.data().highlighted);
    }
}

const PatchOverlayData& PatchOverlayView::data() const
{
    return m_figure.data();
}

// The title keeps clear of the corner button.
void PatchOverlayView::setStyle(const PatchOverlayStyle& style)
{
    PatchOverlayStyle s = style;
    s.titleInset = m_button->sizeHint().width() + 2;
    m_figure.setStyle(s);
    updateGeometry();
    rerender();
}

const PatchOverlayStyle& PatchOverlayView::style() const
{
    return m_figure.style();
}

int PatchOverlayView::patchAt(QPointF pos) const
{
    return m_layout.patchAt(pos);
}

QRectF PatchOverlayView::patchRect(int patch) const
{
    return m_layout.patchRect(patch);
}

int PatchOverlayView::highlighted() const
{
    return m_figure.data().highlighted;
}

void PatchOverlayView::setHighlighted(int patch)
{
    const int next = patch >= 0 && patch < m_figure.data().patches() ? patch : -1;
    if (next == highlighted()) {
        return;
    }
    PatchOverlayData d = m_figure.data();
    d.highlighted = next;
    m_figure.setData(std::move(d));
    rerender();
    emit highlightedChanged(next);
}

const PatchOverlayFigure& PatchOverlayView::figure() const
{
    return m_figure;
}

const PatchOverlayLayout& PatchOverlayView::renderedLayout() const
{
    return m_layout;
}

const QImage& PatchOverlayView::renderedImage() const
{
    return m_image;
}

void PatchOverlayView::setExportName(const QString& name)
{
    m_exportName = name;
}

const QString& PatchOverlayView::exportName() const
{
    return m_exportName;
}

FigureSource PatchOverlayView::figureSource() const
{
    FigureSource source;
    source.name = m_exportName;
    source.title = m_figure.data().title;
    source.inches = FigureSize::onScreen(*this) / m_figure.look().zoom;
    source.paint = m_figure.painter();
    source.dataFormats = {FigureExport::Format::Csv, FigureExport::Format::Npy};
    source.saveData = [figure = m_figure](const QString& path) { figure.saveData(path); };
    source.exportAll = [figure = m_figure, name = m_exportName](const QString& folder,
                                                                QSizeF inches, double dpi) {
        return figure.exportAll(folder, name, inches, dpi);
    };
    return source;
}

QMenu* PatchOverlayView::menu() const
{
    return m_menu;
}

FigureActions* PatchOverlayView::figureActions() const
{
    return m_actions;
}

void PatchOverlayView::rerender()
{
    const qreal dpr = devicePixelRatioF();
    const QSize pixels = (QSizeF(size()) * dpr).toSize();
    if (pixels.isEmpty()) {
        m_image = QImage();
        m_layout = PatchOverlayLayout();
        m_layout.empty = true;
        update();
        return;
    }
    m_image = QImage(pixels, QImage::Format_ARGB32_Premultiplied);
    m_image.setDevicePixelRatio(dpr);
    m_image.fill(m_figure.look().background);
    const QRectF target(QPointF(0, 0), QSizeF(size()));
    QPainter painter(&m_image);
    m_figure.paint(painter, target);
    m_layout = m_figure.layout(target, painter.deviceTransform());
    update();
}

void PatchOverlayView::hover(int patch)
{
    if (patch != m_hovered) {
        m_hovered = patch;
        emit patchHovered(patch);
    }
}

void PatchOverlayView::showPatchToolTip(QHelpEvent* event)
{
    const int patch = patchAt(QPointF(event->pos()));
    if (patch < 0) {
        QToolTip::hideText();
        event->ignore();
        return;
    }
    const PatchOverlayData& d = m_figure.data();
    QString text = tr("Patch %1 (row %2, column %3)")
                       .arg(patch)
                       .arg(patch / d.patchCols())
                       .arg(patch % d.patchCols());
    if (m_figure.hasAttention()) {
        text = tr("%1: %2").arg(text, m_figure.formatValue(d.attention[size_t(patch)]));
    }
    QToolTip::showText(event->globalPos(), text, this, patchRect(patch).toAlignedRect());
}

void PatchOverlayView::paintEvent(QPaintEvent* event)
{
    if (!m_image.isNull() && m_image.devicePixelRatio() != devicePixelRatioF()) {
        // Moved to a screen with another pixel ratio: draw the old image once, render anew
        // after this event.
        QMetaObject::invokeMethod(this, &PatchOverlayView::rerender, Qt::QueuedConnection);
    }
    QPainter painter(this);
    painter.fillRect(event->rect(), m_figure.look().background);
    if (!m_image.isNull()) {
        painter.drawImage(QPointF(0, 0), m_image);
    }
}

// A new palette or presenter mode's zoom (which comes with a new font): see HeatmapView.
void PatchOverlayView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        m_figure.setLook(FigureLook::onScreen(*this));
        updateGeometry();
        rerender();
    }
}

void PatchOverlayView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    rerender();
}

void PatchOverlayView::mouseMoveEvent(QMouseEvent* event)
{
    hover(patchAt(event->position()));
    QWidget::mouseMoveEvent(event);
}

void PatchOverlayView::leaveEvent(QEvent* event)
{
    hover(-1);
    QWidget::leaveEvent(event);
}

void PatchOverlayView::mousePressEvent(QMouseEvent* event)
{
    const int patch = event->button() == Qt::LeftButton ? patchAt(event->position()) : -1;
    if (patch < 0) {
        QWidget::mousePressEvent(event);
        return;
    }
    setHighlighted(patch);
    emit patchClicked(patch);
    event->accept();
}

void PatchOverlayView::contextMenuEvent(QContextMenuEvent* event)
{
    m_menu->popup(event->globalPos());
    event->accept();
}

bool PatchOverlayView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        showPatchToolTip(static_cast<QHelpEvent*>(event));
        return true;
    }
    return QWidget::event(event);
}

QSize PatchOverlayView::sizeHint() const
{
    return m_figure.preferredSize().toSize().expandedTo(minimumSizeHint());
}

QSize PatchOverlayView::minimumSizeHint() const
{
    const QSizeF least = m_figure.minimumSize();
    return QSize(static_cast<int>(std::ceil(least.width())),
                 static_cast<int>(std::ceil(least.height())));
}
