// A grid of small images with what the model predicted for each, for picking the image whose
// attention the Vision Transformer page shows. Each item is a thumbnail drawn with
// nearest-neighbour scaling (a whole number of logical pixels per image pixel, never
// smoothed) and a caption: "Sneaker ✓" when the prediction is right, and "Shirt ✗" over
// "(T-shirt/top)", the true label, when it is wrong. Wrong items are marked three ways, so that
// colour is never the only cue: the ✗, a red caption, and a red frame around the thumbnail.
//
// Clicking an item selects it (outlined) and emits itemClicked(); the arrow keys move the
// selection, and Enter or Space emits itemClicked() for the selected item. Hovering shows the
// whole caption, also when a narrow gallery has to shorten it.
#pragma once

#include <QImage>
#include <QList>
#include <QString>
#include <QWidget>

#include <vector>

struct GalleryItem
{
    std::vector<float> pixels; // rows·cols gray values in [0, 1], row-major, row 0 on top
    int rows = 0;
    int cols = 0;
    QString predicted; // the label the model predicts, e.g. "Shirt"
    QString truth;     // the true label, e.g. "T-shirt/top"
    bool correct = false;

    friend bool operator==(const GalleryItem&, const GalleryItem&) = default;
};

class ImageGallery : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kDefaultColumns = 4;
    static constexpr int kPreferredPixel = 3; // logical pixels per image pixel at sizeHint()

    explicit ImageGallery(QWidget* parent);

    // Replaces the items. Throws attnlab::InputError naming the item and the fault when an
    // item's pixels are not rows·cols values (or it has no pixels); the gallery then keeps its
    // items. The selection stays while its index still exists. The same items again change
    // nothing; new ones ask for a layout only when the size hints change.
    void setItems(QList<GalleryItem> items);
    const QList<GalleryItem>& items() const { return m_items; }
    int count() const { return static_cast<int>(m_items.size()); }
    // Items per row (at least 1); kDefaultColumns at first.
    void setColumns(int columns);
    int columns() const { return m_columns; }

    // The selected item, or -1. setSelected() with -1 or an index out of range clears it.
    int selected() const { return m_selected; }
    void setSelected(int index);

    // The caption as drawn: "Sneaker ✓", or "Shirt ✗" and "(T-shirt/top)" joined by a line
    // break.
    QString caption(int index) const;
    // An item's whole cell, and where its thumbnail lies, in widget coordinates; null when
    // out of range.
    QRect itemRect(int index) const;
    QRect thumbnailRect(int index) const;
    // The item whose cell contains a point, or -1.
    int itemAt(QPoint pos) const;
    // Logical pixels per image pixel at the present size.
    int pixelScale() const;

    // The cells are wide enough for every item's caption whichever of the labels on show
    // (predicted or true, of any item) it predicts: while a model trains its predictions come
    // and go with every frame, and the gallery keeps its size.
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void itemClicked(int index);
    void selectedChanged(int index);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool event(QEvent* event) override;

private:
    struct Grid;
    Grid grid() const;
    QSize largestImage() const;
    int captionWidth() const;
    QSize cellSize(int scale) const; // a cell whose thumbnails get `scale` pixels per pixel
    QSize gridSize(int scale) const;
    void paintItem(QPainter& painter, const Grid& g, int index) const;
    void paintCaption(QPainter& painter, const QRect& box, int index) const;

    QList<GalleryItem> m_items;
    QList<QImage> m_thumbnails; // one gray image per item, a pixel per image pixel
    int m_columns = kDefaultColumns;
    int m_selected = -1;
};
