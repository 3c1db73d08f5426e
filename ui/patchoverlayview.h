// An image cut into patches with one attention value per patch laid over it, as the Vision
// Transformer page shows it: e.g. the class token's attention over the patches of one image.
// The picture is rendered into a QImage outside paintEvent by PatchOverlayFigure (which the
// exporters use too) and only blitted when painting; hit tests use the layout of that render.
//
// Clicking a patch highlights it and emits patchClicked(); hovering shows the patch's grid
// position and value. Right-click, or the "⋯" button in the corner, opens the view's menu:
//   Export figure…, Export data…, Copy image, Export all…   (FigureActions)
//   Colour map ▸ Deck, Viridis, Cividis
//   Scale colours to the largest value (else the colours span 0 to 1)
//   Patch grid
// The figure exports as PNG, SVG and PDF, and the attention as CSV and .npy, a
// patchRows × patchCols matrix; "Export data…" is disabled while there is no attention.
// On screen it follows the palette and presenter mode's zoom; exports keep the print look
// (see FigureLook).
#pragma once

#include "figuresource.h"
#include "patchoverlayfigure.h"

#include <QImage>
#include <QWidget>

class FigureActions;
class FigureMenuButton;
class QAction;
class QActionGroup;
class QHelpEvent;
class QMenu;

class PatchOverlayView : public QWidget
{
    Q_OBJECT
public:
    explicit PatchOverlayView(QWidget* parent);

    // Replaces the image, the attention, the highlighted patch and the title, and re-renders.
    // Throws attnlab::InputError naming the fault (see PatchOverlayFigure::setData) when the
    // data does not fit together; the view then keeps showing what it showed.
    void setData(PatchOverlayData data);
    const PatchOverlayData& data() const;
    // The style's titleInset is the view's own: room for the "⋯" button.
    void setStyle(const PatchOverlayStyle& style);
    const PatchOverlayStyle& style() const;

    // The patch under a point in widget coordinates, or -1.
    int patchAt(QPointF pos) const;
    // A patch's pixels in widget coordinates; null for a patch out of range.
    QRectF patchRect(int patch) const;
    // The highlighted patch, or -1. setHighlighted() with -1 or a patch out of range clears it.
    int highlighted() const;
    void setHighlighted(int patch);

    // The figure as rendered, where its parts landed (widget coordinates), and the image
    // painted on screen (the widget's size times the device pixel ratio).
    const PatchOverlayFigure& figure() const;
    const PatchOverlayLayout& renderedLayout() const;
    const QImage& renderedImage() const;

    // The stem of the file names exports get; "patch-attention" at first.
    void setExportName(const QString& name);
    const QString& exportName() const;
    // The figure as it is now, for the exporters, at the size it has on screen.
    FigureSource figureSource() const;
    QMenu* menu() const;
    FigureActions* figureActions() const;

    // Room for the figure at PatchOverlayFigure::kPreferredPixel, and at one logical pixel
    // per image pixel.
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void patchClicked(int patch);
    void patchHovered(int patch); // -1 when the mouse leaves the patches
    void highlightedChanged(int patch);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    bool event(QEvent* event) override;

private:
    void buildMenu();
    void addColorMaps(QMenu* menu);
    void showStyle();
    void rerender();
    void hover(int patch);
    void showPatchToolTip(QHelpEvent* event);

    PatchOverlayFigure m_figure;
    QImage m_image;
    PatchOverlayLayout m_layout; // of m_image, in widget coordinates
    int m_hovered = -1;
    QString m_exportName;
    QMenu* m_menu = nullptr;
    FigureMenuButton* m_button = nullptr;
    FigureActions* m_actions = nullptr;
    QActionGroup* m_colorMaps = nullptr;
    QAction* m_scaleToLargest = nullptr;
    QAction* m_grid = nullptr;
};
