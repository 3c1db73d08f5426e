// The grid is computed from the widget's size on every use: a handful of integer divisions,
// cheap enough for every mouse event, and never out of step with what was painted. The
// thumbnails are converted to QImage once, in setItems(), and only scaled when painting.
#include "imagegallery.h"

#include "figurelook.h"

#include <errors.h>

#include <QFontMetrics>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace {

constexpr int kMargin = 6;     // around the grid
constexpr int kSpacing = 8;    // between cells
constexpr int kPad = 5;        // inside a cell, around the thumbnail (room for its frame)
constexpr int kCaptionGap = 3; // thumbnail to caption
constexpr int kCaptionLines = 2;
constexpr int kCaptionInset = 2; // caption to the cell's sides

// The colours of a light window, and of a dark one (FigureLook::isDark).
struct GalleryColors
{
    QColor correctText;
    QColor wrongText;
    QColor wrongFrame;
    QColor frame;
    QColor selectedFill;
    QColor selectedOutline;
    QColor noteText;
};

const GalleryColors kLight{QColor(0, 105, 40),    QColor(185, 20, 20),   QColor(205, 30, 30),
                           QColor(150, 150, 150), QColor(222, 235, 255), QColor(0, 90, 200),
                           QColor(110, 110, 110)};
const GalleryColors kDark{QColor(120, 210, 140), QColor(255, 130, 130), QColor(230, 70, 70),
                          QColor(110, 110, 110), QColor(35, 60, 95),    QColor(90, 160, 255),
                          QColor(160, 160, 160)};

const GalleryColors& colorsFor(const QPalette& palette)
{
    return FigureLook::isDark(palette) ? kDark : kLight;
}

QImage thumbnailOf(const GalleryItem& item)
{
    QImage image(item.cols, item.rows, QImage::Format_Grayscale8);
    for (int y = 0; y < item.rows; ++y) {
        uchar* line = image.scanLine(y);
        for (int x = 0; x < item.cols; ++x) {
            const float v = item.pixels[size_t(y) * item.cols + x];
            const float clamped = std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f;
            line[x] = static_cast<uchar>(std::lround(clamped * 255.0f));
        }
    }
    return image;
}

void checkItem(const GalleryItem& item, int index)
{
    const size_t expected = size_t(std::max(item.rows, 0)) * size_t(std::max(item.cols, 0));
    if (item.rows <= 0 || item.cols <= 0 || item.pixels.size() != expected) {
        throw attnlab::InputError(
            ImageGallery::tr("gallery item %1: the image has %2 pixel values, but %3 rows × %4 "
                             "columns of pixels need %5 (and at least one)")
                .arg(index)
                .arg(item.pixels.size())
                .arg(item.rows)
                .arg(item.cols)
                .arg(expected)
                .toStdString());
    }
}

} // namespace

// Where the cells are at the widget's present size.
struct ImageGallery::Grid
{
    int columns = 1;
    int cellWidth = 0;
    int cellHeight = 0;
    int scale = 1;      // logical pixels per image pixel
    QSize box;          // room for the largest thumbnail
    int captionTop = 0; // within a cell
    int captionHeight = 0;

    QRect cell(int index) const
    {
        const int row = index / columns;
        const int col = index % columns;
        return QRect(kMargin + col * (cellWidth + kSpacing),
                     kMargin + row * (cellHeight + kSpacing), cellWidth, cellHeight);
    }
};

ImageGallery::ImageGallery(QWidget* parent) : QWidget(parent)
{
    setFocusPolicy(Qt::StrongFocus);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void ImageGallery::setItems(QList<GalleryItem> items)
{
    if (items == m_items) {
        return;
    }
    QList<QImage> thumbnails;
    for (int i = 0; i < items.size(); ++i) {
        checkItem(items[i], i);
        thumbnails.append(thumbnailOf(items[i]));
    }
    const QSize hint = sizeHint();
    const QSize least = minimumSizeHint();
    m_items = std::move(items);
    m_thumbnails = std::move(thumbnails);
    if (sizeHint() != hint || minimumSizeHint() != least) {
        updateGeometry();
    }
    update();
    if (m_selected >= count()) {
        m_selected = -1;
        emit selectedChanged(-1);
    }
}

void ImageGallery::setColumns(int columns)
{
    m_columns = std::max(1, columns);
    updateGeometry();
    update();
}

void ImageGallery::setSelected(int index)
{
    const int next = index >= 0 && index < count() ? index : -1;
    if (next == m_selected) {
        return;
    }
    m_selected = next;
    update();
    emit selectedChanged(next);
}

QString ImageGallery::caption(int index) const
{
    if (index < 0 || index >= count()) {
        return {};
    }
    const GalleryItem& item = m_items[index];
    if (item.correct) {
        return tr("%1 ✓").arg(item.predicted);
    }
    return tr("%1 ✗\n(%2)").arg(item.predicted, item.truth);
}

QSize ImageGallery::largestImage() const
{
    QSize largest(1, 1);
    for (const GalleryItem& item : m_items) {
        largest = largest.expandedTo(QSize(item.cols, item.rows));
    }
    return largest;
}

// The widest caption line of any item, whichever label on show it predicts (see sizeHint()):
// every label in each place a caption puts one.
int ImageGallery::captionWidth() const
{
    QStringList labels;
    for (const GalleryItem& item : m_items) {
        labels << item.predicted << item.truth;
    }
    labels.removeDuplicates();
    const QFontMetrics fm(font());
    int widest = 0;
    for (const QString& label : labels) {
        const QStringList lines = tr("%1 ✗\n(%2)").arg(label, label).split(u'\n')
                                  << tr("%1 ✓").arg(label);
        for (const QString& line : lines) {
            widest = std::max(widest, fm.horizontalAdvance(line));
        }
    }
    return widest + 2 * kCaptionInset + 4; // a little slack against rounding in elision
}

ImageGallery::Grid ImageGallery::grid() const
{
    Grid g;
    g.columns = m_columns;
    const int rows = std::max(1, (count() + m_columns - 1) / m_columns);
    const QSize largest = largestImage();
    g.captionHeight = kCaptionLines * QFontMetrics(font()).height();
    g.cellWidth = std::max(1, (width() - 2 * kMargin - (m_columns - 1) * kSpacing) / m_columns);
    const int roomH = (height() - 2 * kMargin - (rows - 1) * kSpacing) / rows;
    const int roomForImage = roomH - 2 * kPad - kCaptionGap - g.captionHeight;
    g.scale = std::max(
        1, std::min((g.cellWidth - 2 * kPad) / largest.width(), roomForImage / largest.height()));
    g.box = largest * g.scale;
    g.captionTop = kPad + g.box.height() + kCaptionGap;
    g.cellHeight = g.captionTop + g.captionHeight + kPad;
    return g;
}

int ImageGallery::pixelScale() const
{
    return grid().scale;
}

QRect ImageGallery::itemRect(int index) const
{
    return index >= 0 && index < count() ? grid().cell(index) : QRect();
}

QRect ImageGallery::thumbnailRect(int index) const
{
    if (index < 0 || index >= count()) {
        return {};
    }
    const Grid g = grid();
    const QRect cell = g.cell(index);
    const QSize size = QSize(m_items[index].cols, m_items[index].rows) * g.scale;
    const int x = cell.left() + (cell.width() - size.width()) / 2;
    const int y = cell.top() + kPad + (g.box.height() - size.height()) / 2;
    return QRect(QPoint(x, y), size);
}

int ImageGallery::itemAt(QPoint pos) const
{
    const Grid g = grid();
    for (int i = 0; i < count(); ++i) {
        if (g.cell(i).contains(pos)) {
            return i;
        }
    }
    return -1;
}

void ImageGallery::paintEvent(QPaintEvent* event)
{
    QPainter painter(this);
    painter.fillRect(event->rect(), palette().base());
    if (m_items.isEmpty()) {
        painter.setPen(colorsFor(palette()).noteText);
        painter.drawText(rect(), Qt::AlignCenter, tr("No images to show"));
        return;
    }
    const Grid g = grid();
    for (int i = 0; i < count(); ++i) {
        if (g.cell(i).intersects(event->rect())) {
            paintItem(painter, g, i);
        }
    }
}

void ImageGallery::paintItem(QPainter& painter, const Grid& g, int index) const
{
    const QRect cell = g.cell(index);
    const GalleryColors& colors = colorsFor(palette());
    if (index == m_selected) {
        painter.fillRect(cell, colors.selectedFill);
        painter.setPen(QPen(colors.selectedOutline, 2.0));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(QRectF(cell).adjusted(1, 1, -1, -1));
    }
    // A frame outside the pixels: red and thick for a wrong prediction.
    const QRect thumb = thumbnailRect(index);
    const bool wrong = !m_items[index].correct;
    const int frame = wrong ? 2 : 1;
    painter.fillRect(thumb.adjusted(-frame, -frame, frame, frame),
                     wrong ? colors.wrongFrame : colors.frame);
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    painter.drawImage(thumb, m_thumbnails[index]);
    const QRect box(cell.left() + kCaptionInset, cell.top() + g.captionTop,
                    cell.width() - 2 * kCaptionInset, g.captionHeight);
    paintCaption(painter, box, index);
}

void ImageGallery::paintCaption(QPainter& painter, const QRect& box, int index) const
{
    const QFontMetrics fm(font());
    const QStringList lines = caption(index).split(u'\n');
    const GalleryColors& colors = colorsFor(palette());
    painter.setPen(m_items[index].correct ? colors.correctText : colors.wrongText);
    painter.setFont(font());
    for (int i = 0; i < lines.size(); ++i) {
        const QRect line(box.left(), box.top() + i * fm.height(), box.width(), fm.height());
        const QString text = fm.elidedText(lines[i], Qt::ElideRight, box.width());
        painter.drawText(line, Qt::AlignHCenter | Qt::AlignVCenter, text);
    }
}

void ImageGallery::mousePressEvent(QMouseEvent* event)
{
    const int index = event->button() == Qt::LeftButton ? itemAt(event->position().toPoint()) : -1;
    if (index < 0) {
        QWidget::mousePressEvent(event);
        return;
    }
    setSelected(index);
    emit itemClicked(index);
    event->accept();
}

void ImageGallery::keyPressEvent(QKeyEvent* event)
{
    int next = m_selected;
    switch (event->key()) {
    case Qt::Key_Left:
        next = m_selected - 1;
        break;
    case Qt::Key_Right:
        next = m_selected + 1;
        break;
    case Qt::Key_Up:
        next = m_selected - m_columns;
        break;
    case Qt::Key_Down:
        next = m_selected + m_columns;
        break;
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Space:
        if (m_selected >= 0) {
            emit itemClicked(m_selected);
        }
        return;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    if (m_selected < 0) {
        next = 0;
    }
    if (next >= 0 && next < count()) {
        setSelected(next);
    }
}

bool ImageGallery::event(QEvent* event)
{
    if (event->type() != QEvent::ToolTip) {
        return QWidget::event(event);
    }
    auto* help = static_cast<QHelpEvent*>(event);
    const int index = itemAt(help->pos());
    if (index < 0) {
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    const GalleryItem& item = m_items[index];
    const QString text = item.correct
                             ? tr("Predicted %1, which is right").arg(item.predicted)
                             : tr("Predicted %1, but it is %2").arg(item.predicted, item.truth);
    QToolTip::showText(help->globalPos(), text, this, itemRect(index));
    return true;
}

QSize ImageGallery::cellSize(int scale) const
{
    const QSize image = largestImage() * scale;
    const int captionH = kCaptionLines * QFontMetrics(font()).height();
    return QSize(std::max(image.width() + 2 * kPad, captionWidth()),
                 image.height() + 2 * kPad + kCaptionGap + captionH);
}

QSize ImageGallery::gridSize(int scale) const
{
    const int rows = std::max(1, (count() + m_columns - 1) / m_columns);
    const QSize cell = cellSize(scale);
    return QSize(2 * kMargin + m_columns * cell.width() + (m_columns - 1) * kSpacing,
                 2 * kMargin + rows * cell.height() + (rows - 1) * kSpacing);
}

QSize ImageGallery::minimumSizeHint() const
{
    return gridSize(1);
}

QSize ImageGallery::sizeHint() const
{
    return gridSize(kPreferredPixel);
}
