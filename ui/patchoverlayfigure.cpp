// The layout is found in figure coordinates first (where the target is at least minimumSize()),
// then mapped into the target. Alignment to device pixels happens only at full scale: the
// image's corner is snapped to a device pixel and its pixel size to a whole number of device
// pixels, so every rectangle drawn over the image (pixels, overlay, grid) is device-exact.
#include "patchoverlayfigure.h"

#include <errors.h>

#include <QDir>
#include <QFontMetricsF>
#include <QLinearGradient>

#include <algorithm>
#include <cmath>

namespace {

constexpr double kMargin = 8.0;    // around the whole figure
constexpr double kTitleGap = 6.0;  // below the title
constexpr double kFrame = 1.0;     // the frame line, just outside the image
constexpr double kFrameTick = 4.0; // patch boundary marks outside the frame
constexpr double kBarGap = 14.0;   // image to colour bar
constexpr double kBarWidth = 14.0;
constexpr double kTickLength = 4.0;
constexpr double kTickGap = 3.0; // tick mark to its number
constexpr int kTickIntervals = 5;
constexpr int kGradientStops = 64;
constexpr int kValueDigits = 3;

const QColor kGridColor(160, 160, 160, 190);
const QColor kHighlightOuter(20, 20, 20);
const QColor kHighlightInner(Qt::white);

// What depends on the data and the style alone.
struct Metrics
{
    QFont font;
    QFont titleFont;
    double line = 0.0;
    double titleHeight = 0.0; // with the gap below it; 0 without a title
    double titleWidth = 0.0;
    bool bar = false;
    double range = 1.0;
    std::vector<double> tickValues;
    QStringList tickTexts;
    double tickWidth = 0.0;
    QString noteText;
    double noteWidth = 0.0;
};

// Where the image and the bar go, before alignment.
struct Frame
{
    QRectF area; // free for the image
    double barPart = 0.0;
};

[[noreturn]] void refuse(const QString& message)
{
    throw attnlab::InputError(message.toStdString());
}

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
    return std::ceil(std::max(fm.horizontalAdvance(text), fm.boundingRect(text).width())) + 2.0;
}

double niceStep(double span)
{
    const double raw = span / kTickIntervals;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0}) {
        if (m * magnitude >= raw * (1.0 - 1e-9)) {
            return m * magnitude;
        }
    }
    return 10.0 * magnitude;
}

void computeTicks(Metrics& m)
{
    const double step = niceStep(m.range);
    const int digits = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    for (int k = 0; k * step <= m.range * (1.0 + 1e-9); ++k) {
        m.tickValues.push_back(k * step);
        m.tickTexts.append(QString::number(k * step, 'f', digits));
    }
    const QFontMetricsF fm(m.font);
    for (const QString& text : m.tickTexts) {
        m.tickWidth = std::max(m.tickWidth, textWidth(fm, text));
    }
}

Metrics measure(const PatchOverlayData& data, const PatchOverlayStyle& style, double range)
{
    Metrics m;
    m.font = pixelFont(style.font);
    m.titleFont = m.font;
    m.titleFont.setBold(true);
    m.titleFont.setPixelSize(static_cast<int>(std::lround(m.font.pixelSize() * 1.25)));
    m.line = std::ceil(QFontMetricsF(m.font).height());
    if (!data.title.isEmpty()) {
        const QFontMetricsF fm(m.titleFont);
        m.titleHeight = std::ceil(fm.height()) + kTitleGap;
        m.titleWidth = textWidth(fm, data.title) + 2 * std::max(0.0, style.titleInset);
    }
    m.bar = style.colorBar && !data.attention.empty() && !data.empty();
    m.range = range;
    if (m.bar) {
        computeTicks(m);
    }
    m.noteText = PatchOverlayFigure::tr("No image to show");
    m.noteWidth = textWidth(QFontMetricsF(m.font), m.noteText);
    return m;
}

// Room around the image: frame and boundary marks on the left and top, the colour bar and
// half a line for its end labels.
double leftOut()
{
    return kFrame + kFrameTick;
}

double barPart(const Metrics& m)
{
    return m.bar ? kBarGap + kBarWidth + kTickLength + kTickGap + m.tickWidth : 0.0;
}

double topPad(const Metrics& m)
{
    return std::max(kFrame + kFrameTick, m.bar ? m.line / 2.0 : 0.0);
}

double bottomPad(const Metrics& m)
{
    return std::max(kFrame, m.bar ? m.line / 2.0 : 0.0);
}

// The figure's size when each image pixel gets `pixel` logical pixels.
QSizeF sizeAt(const Metrics& m, const PatchOverlayData& d, double pixel)
{
    if (d.empty()) {
        const double w = std::max(m.titleWidth, m.noteWidth);
        return QSizeF(2 * kMargin + w, 2 * kMargin + m.titleHeight + m.line);
    }
    const double w = leftOut() + d.cols * pixel + kFrame + barPart(m);
    const double h = m.titleHeight + topPad(m) + d.rows * pixel + bottomPad(m);
    return QSizeF(2 * kMargin + std::max(w, m.titleWidth), 2 * kMargin + h);
}

// The device's scale when it maps the painter's coordinates by a uniform scale and a
// translation; nothing for rotations, shears and projections.
std::optional<double> deviceScale(const QTransform& device)
{
    const bool simple = device.type() <= QTransform::TxScale;
    const double s = device.m11();
    if (!simple || s <= 0.0 || std::abs(device.m22() - s) > 1e-12) {
        return std::nullopt;
    }
    return s;
}

double snap(double v, double scale, double offset)
{
    return (std::round(v * scale + offset) - offset) / scale;
}

void placeImage(PatchOverlayLayout& l, const Metrics& m, const QRectF& v,
                const std::optional<double>& device, const QTransform& transform)
{
    const double availW = v.width() - 2 * kMargin - leftOut() - kFrame - barPart(m);
    const double availH = v.height() - 2 * kMargin - m.titleHeight - topPad(m) - bottomPad(m);
    const double s = device.value_or(1.0);
    const double whole = std::floor(std::min(availW * s / l.cols, availH * s / l.rows) + 1e-9);
    l.aligned = device.has_value() && whole >= 1.0;
    l.pixel = l.aligned ? whole / s : std::max(1e-3, std::min(availW / l.cols, availH / l.rows));
    l.devicePixels = l.pixel * s;
    const double w = l.cols * l.pixel;
    const double h = l.rows * l.pixel;
    const double contentW = leftOut() + w + kFrame + barPart(m);
    const double blockH = m.titleHeight + topPad(m) + h + bottomPad(m);
    double x = v.left() + std::max(kMargin, (v.width() - contentW) / 2.0) + leftOut();
    double y = v.top() + std::max(kMargin, (v.height() - blockH) / 2.0) + m.titleHeight + topPad(m);
    if (l.aligned) {
        x = snap(x, s, transform.dx());
        y = snap(y, s, transform.dy());
    }
    l.image = QRectF(x, y, w, h);
}

// A mark as thick as the frame on each boundary: the outer ones continue the frame's sides,
// the inner ones lie over the first pixel of the patch after the boundary, like the grid.
void placeFrameTicks(PatchOverlayLayout& l)
{
    const double step = l.patch * l.pixel;
    const double top = l.image.top() - kFrame - kFrameTick;
    const double left = l.image.left() - kFrame - kFrameTick;
    for (int j = 0; j <= l.patchCols(); ++j) {
        const double x = l.image.left() + j * step - (j == 0 ? kFrame : 0.0);
        l.frameTicks.append(QRectF(x, top, kFrame, kFrameTick));
    }
    for (int i = 0; i <= l.patchRows(); ++i) {
        const double y = l.image.top() + i * step - (i == 0 ? kFrame : 0.0);
        l.frameTicks.append(QRectF(left, y, kFrameTick, kFrame));
    }
}

void placeBar(PatchOverlayLayout& l, const Metrics& m)
{
    if (!m.bar) {
        return;
    }
    const QRectF& img = l.image;
    l.colorBar = QRectF(img.right() + kFrame + kBarGap, img.top(), kBarWidth, img.height());
    // Every k-th label, so that neighbours never overlap on a short bar.
    const auto n = static_cast<int>(m.tickValues.size());
    const double spacing = n > 1 ? l.colorBar.height() * m.tickValues[1] / m.range : 1e9;
    const int every = std::max(1, static_cast<int>(std::ceil(m.line / std::max(spacing, 1e-9))));
    for (int k = 0; k < n; k += every) {
        PatchOverlayTick tick;
        tick.value = m.tickValues[k];
        const double y = l.colorBar.bottom() - l.colorBar.height() * tick.value / m.range;
        const double x = l.colorBar.right();
        tick.line = QLineF(x, y, x + kTickLength, y);
        tick.text = QRectF(x + kTickLength + kTickGap, y - m.line / 2.0, m.tickWidth, m.line);
        tick.label = m.tickTexts[k];
        l.ticks.append(tick);
    }
}

QRectF mapped(const QTransform& t, const QRectF& r)
{
    return r.isNull() ? r : t.mapRect(r);
}

PatchOverlayLayout mappedLayout(PatchOverlayLayout l)
{
    const QTransform& t = l.transform;
    l.title = mapped(t, l.title);
    l.note = mapped(t, l.note);
    l.image = mapped(t, l.image);
    l.pixel *= l.scale;
    l.colorBar = mapped(t, l.colorBar);
    for (QRectF& mark : l.frameTicks) {
        mark = t.mapRect(mark);
    }
    for (PatchOverlayTick& tick : l.ticks) {
        tick.line = t.map(tick.line);
        tick.text = t.mapRect(tick.text);
    }
    return l;
}

QRgb grayOf(float v)
{
    const float clamped = std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f;
    const int g = static_cast<int>(std::lround(clamped * 255.0f));
    return qRgb(g, g, g);
}

// One rectangle per run of equal pixels in a row. Runs reach half a pixel into their right
// and lower neighbours, which are drawn later and cover that again: a vector viewer that
// antialiases edges then shows no hairline seams between runs of the same colour.
void paintPixels(QPainter& painter, const PatchOverlayLayout& l, const PatchOverlayData& d)
{
    const double p = l.pixel;
    for (int r = 0; r < d.rows; ++r) {
        const float* row = d.pixels.data() + static_cast<size_t>(r) * d.cols;
        const double down = r + 1 < d.rows ? 0.5 * p : 0.0;
        for (int c0 = 0; c0 < d.cols;) {
            const QRgb gray = grayOf(row[c0]);
            int c1 = c0 + 1;
            while (c1 < d.cols && grayOf(row[c1]) == gray) {
                ++c1;
            }
            const double right = c1 < d.cols ? 0.5 * p : 0.0;
            const QRectF run(l.image.left() + c0 * p, l.image.top() + r * p, (c1 - c0) * p + right,
                             p + down);
            painter.fillRect(run, QColor(gray));
            c0 = c1;
        }
    }
}

void paintFrame(QPainter& painter, const PatchOverlayLayout& l, const QColor& color)
{
    const double frame = kFrame * l.scale;
    painter.fillRect(l.image.adjusted(-frame, -frame, frame, frame), color);
    for (const QRectF& mark : l.frameTicks) {
        painter.fillRect(mark, color);
    }
}

// Lines one device pixel wide on the first pixel of each patch after the first.
void paintGrid(QPainter& painter, const PatchOverlayLayout& l)
{
    if (!l.gridShown) {
        return;
    }
    const double width = l.pixel / l.devicePixels;
    const double step = l.patch * l.pixel;
    for (int j = 1; j < l.patchCols(); ++j) {
        const double x = l.image.left() + j * step;
        painter.fillRect(QRectF(x, l.image.top(), width, l.image.height()), kGridColor);
    }
    for (int i = 1; i < l.patchRows(); ++i) {
        const double y = l.image.top() + i * step;
        painter.fillRect(QRectF(l.image.left(), y, l.image.width(), width), kGridColor);
    }
}

// A dark outline with a light one inside it reads on black pixels, white ones and every map.
void paintHighlight(QPainter& painter, const PatchOverlayLayout& l, int patch)
{
    const QRectF cell = l.patchRect(patch);
    if (cell.isNull()) {
        return;
    }
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(kHighlightOuter, 3.0));
    painter.drawRect(cell.adjusted(-0.5, -0.5, 0.5, 0.5));
    painter.setPen(QPen(kHighlightInner, 1.0));
    painter.drawRect(cell.adjusted(1.5, 1.5, -1.5, -1.5));
    painter.restore();
}

QColor over(const QColor& c, const QColor& under)
{
    const double a = c.alphaF();
    auto mix = [a](int top, int bottom) { return int(std::lround(top * a + bottom * (1 - a))); };
    return QColor(mix(c.red(), under.red()), mix(c.green(), under.green()),
                  mix(c.blue(), under.blue()));
}

void paintBarHalf(QPainter& painter, const QRectF& half, const PatchOverlayFigure& figure,
                  const QColor& under)
{
    QLinearGradient gradient(half.bottomLeft(), half.topLeft());
    const double range = figure.rangeMax();
    for (int i = 0; i <= kGradientStops; ++i) {
        const double t = double(i) / kGradientStops;
        gradient.setColorAt(t, over(figure.overlayColor(float(t * range)), under));
    }
    painter.fillRect(half, gradient);
}

void paintText(QPainter& painter, const QRectF& box, const QFont& font, int flags,
               const QString& text, const QColor& color)
{
    painter.setFont(font);
    painter.setPen(color);
    painter.drawText(box, flags | Qt::TextDontClip, text);
}

void paintBar(QPainter& painter, const PatchOverlayLayout& l, const PatchOverlayFigure& figure)
{
    const FigureLook& look = figure.look();
    const QRectF& bar = l.colorBar;
    const QRectF left(bar.left(), bar.top(), bar.width() / 2.0, bar.height());
    paintBarHalf(painter, left, figure, Qt::black);
    paintBarHalf(painter, left.translated(left.width(), 0), figure, Qt::white);
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setPen(QPen(look.outline, 1.0));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(bar.adjusted(-0.5, -0.5, 0.5, 0.5));
    painter.setPen(QPen(look.text, 1.0, Qt::SolidLine, Qt::FlatCap));
    for (const PatchOverlayTick& tick : l.ticks) {
        painter.drawLine(tick.line);
    }
    painter.restore();
}

// Text in figure coordinates: a figure scaled down scales its fonts with it.
void paintTexts(QPainter& painter, const PatchOverlayLayout& l, const Metrics& m,
                const QString& title, const QColor& color)
{
    painter.save();
    const QTransform back = l.transform.inverted();
    painter.setTransform(l.transform, true);
    if (!l.title.isNull()) {
        paintText(painter, back.mapRect(l.title), m.titleFont, Qt::AlignCenter, title, color);
    }
    if (l.empty) {
        paintText(painter, back.mapRect(l.note), m.font, Qt::AlignCenter, l.noteText, color);
    }
    for (const PatchOverlayTick& tick : l.ticks) {
        paintText(painter, back.mapRect(tick.text), m.font, Qt::AlignLeft | Qt::AlignVCenter,
                  tick.label, color);
    }
    painter.restore();
}

} // namespace

QRectF PatchOverlayLayout::patchRect(int index) const
{
    const int pc = patchCols();
    if (empty || index < 0 || index >= patchRows() * pc) {
        return {};
    }
    const double side = patch * pixel;
    return QRectF(image.left() + (index % pc) * side, image.top() + (index / pc) * side, side,
                  side);
}

int PatchOverlayLayout::patchAt(QPointF point) const
{
    if (empty || patch <= 0 || !image.contains(point)) {
        return -1;
    }
    const double side = patch * pixel;
    const int col = std::clamp(int((point.x() - image.left()) / side), 0, patchCols() - 1);
    const int row = std::clamp(int((point.y() - image.top()) / side), 0, patchRows() - 1);
    return row * patchCols() + col;
}

void PatchOverlayFigure::check(const PatchOverlayData& d)
{
    checkImage(d);
    checkAttention(d);
    checkHighlight(d);
}

void PatchOverlayFigure::checkImage(const PatchOverlayData& d)
{
    if (d.rows < 0 || d.cols < 0 || (d.empty() && (d.rows != 0 || d.cols != 0))) {
        refuse(tr("an image needs at least one row and one column of pixels, not %1 × %2")
                   .arg(d.rows)
                   .arg(d.cols));
    }
    const size_t expected = size_t(d.rows) * size_t(d.cols);
    if (d.pixels.size() != expected) {
        refuse(tr("the image has %1 pixel values, but %2 rows × %3 columns of pixels need %4")
                   .arg(d.pixels.size())
                   .arg(d.rows)
                   .arg(d.cols)
                   .arg(expected));
    }
    if (d.patch <= 0) {
        refuse(tr("the patch size must be at least 1 pixel, not %1").arg(d.patch));
    }
    if (d.rows % d.patch != 0 || d.cols % d.patch != 0) {
        const int odd = d.rows % d.patch != 0 ? d.rows : d.cols;
        refuse(tr("an image of %1 × %2 pixels (rows × columns) cannot be cut into patches of "
                  "%3 × %3 pixels: %4 is not a multiple of %3")
                   .arg(d.rows)
                   .arg(d.cols)
                   .arg(d.patch)
                   .arg(odd));
    }
}

void PatchOverlayFigure::checkAttention(const PatchOverlayData& d)
{
    if (d.attention.empty() || d.attention.size() == size_t(d.patches())) {
        return;
    }
    QString message = tr("the attention has %1 values, but the image has %2 patches "
                         "(%3 rows × %4 columns of patches): one value per patch is needed")
                          .arg(d.attention.size())
                          .arg(d.patches())
                          .arg(d.patchRows())
                          .arg(d.patchCols());
    if (d.attention.size() == size_t(d.patches()) + 1) {
        message += tr("; leave out column 0, the class token");
    }
    refuse(message);
}

void PatchOverlayFigure::checkHighlight(const PatchOverlayData& d)
{
    if (d.highlighted == -1) {
        return;
    }
    if (d.patches() == 0) {
        refuse(tr("patch %1 cannot be highlighted: there is no image").arg(d.highlighted));
    }
    if (d.highlighted < 0 || d.highlighted >= d.patches()) {
        refuse(tr("patch %1 cannot be highlighted: the image has patches 0 to %2")
                   .arg(d.highlighted)
                   .arg(d.patches() - 1));
    }
}

void PatchOverlayFigure::setData(PatchOverlayData data)
{
    check(data);
    m_data = std::move(data);
}

double PatchOverlayFigure::rangeMax() const
{
    if (m_style.rangeMax && std::isfinite(*m_style.rangeMax) && *m_style.rangeMax > 0.0) {
        return *m_style.rangeMax;
    }
    double largest = 0.0;
    for (float v : m_data.attention) {
        if (std::isfinite(v)) {
            largest = std::max(largest, double(v));
        }
    }
    return largest > 0.0 ? largest : 1.0;
}

QColor PatchOverlayFigure::overlayColor(float value) const
{
    if (!std::isfinite(value)) {
        QColor c = ColorMap::noValueColor();
        c.setAlphaF(float(m_style.maxOpacity));
        return c;
    }
    const double t = std::clamp(value / rangeMax(), 0.0, 1.0);
    QColor c = ColorMap::color(m_style.colorMap, t);
    c.setAlphaF(float(std::clamp(m_style.maxOpacity, 0.0, 1.0) * t));
    return c;
}

QString PatchOverlayFigure::formatValue(double value) const
{
    if (!std::isfinite(value)) {
        return tr("no value");
    }
    return QString::number(value, 'f', kValueDigits);
}

void PatchOverlayFigure::setLook(const FigureLook& look)
{
    m_look = look;
    if (!(m_look.zoom > 0.0)) {
        m_look.zoom = 1.0;
    }
}

QSizeF PatchOverlayFigure::minimumSize() const
{
    return sizeAt(measure(m_data, m_style, rangeMax()), m_data, 1.0);
}

QSizeF PatchOverlayFigure::preferredSize() const
{
    const QSizeF size = sizeAt(measure(m_data, m_style, rangeMax()), m_data, kPreferredPixel);
    return (m_data.empty() ? size.expandedTo(QSizeF(240, 160)) : size) * m_look.zoom;
}

PatchOverlayLayout PatchOverlayFigure::layout(const QRectF& target, const QTransform& device) const
{
    const Metrics m = measure(m_data, m_style, rangeMax());
    const QSizeF least = sizeAt(m, m_data, 1.0);
    PatchOverlayLayout l;
    l.target = target;
    l.scale =
        std::min({m_look.zoom, target.width() / least.width(), target.height() / least.height()});
    l.scale = std::max(l.scale, 1e-3);
    l.transform = QTransform::fromTranslate(-target.left(), -target.top()) *
                  QTransform::fromScale(l.scale, l.scale) *
                  QTransform::fromTranslate(target.left(), target.top());
    const QRectF v(target.topLeft(), target.size() / l.scale);
    if (!m_data.title.isEmpty()) {
        const double inset = kMargin + std::max(0.0, m_style.titleInset);
        l.title = QRectF(v.left() + inset, v.top() + kMargin, v.width() - 2 * inset,
                         m.titleHeight - kTitleGap);
    }
    l.empty = m_data.empty();
    if (l.empty) {
        l.noteText = m.noteText;
        l.note = QRectF(v.left() + kMargin, v.top() + kMargin + m.titleHeight,
                        v.width() - 2 * kMargin, v.height() - 2 * kMargin - m.titleHeight);
        return mappedLayout(l);
    }
    l.rows = m_data.rows;
    l.cols = m_data.cols;
    l.patch = m_data.patch;
    // Pixels align at the full zoom, through the zoom and the device together.
    const QTransform toDevice = l.transform * device;
    const std::optional<double> s = l.scale == m_look.zoom ? deviceScale(toDevice) : std::nullopt;
    placeImage(l, m, v, s, toDevice);
    l.gridShown =
        m_style.grid && l.aligned && l.devicePixels >= kGridMinDevicePixels && m_data.patches() > 1;
    if (!l.title.isNull()) {
        l.title.moveTop(l.image.top() - topPad(m) - m.titleHeight);
    }
    placeFrameTicks(l);
    placeBar(l, m);
    return mappedLayout(l);
}

void PatchOverlayFigure::paint(QPainter& painter, const QRectF& target) const
{
    const PatchOverlayLayout l = layout(target, painter.deviceTransform());
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, false);
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    if (!l.empty) {
        paintFrame(painter, l, m_look.outline);
        paintPixels(painter, l, m_data);
        for (size_t i = 0; i < m_data.attention.size(); ++i) {
            painter.fillRect(l.patchRect(int(i)), overlayColor(m_data.attention[i]));
        }
        paintGrid(painter, l);
        paintHighlight(painter, l, m_data.highlighted);
        if (!l.colorBar.isNull()) {
            paintBar(painter, l, *this);
        }
    }
    paintTexts(painter, l, measure(m_data, m_style, rangeMax()), m_data.title, m_look.text);
    painter.restore();
}

HeatmapData PatchOverlayFigure::attentionData() const
{
    HeatmapData d;
    if (!hasAttention()) {
        return d;
    }
    const int pr = m_data.patchRows();
    const int pc = m_data.patchCols();
    d.values = attnlab::Matrix(pr, pc);
    for (int r = 0; r < pr; ++r) {
        for (int c = 0; c < pc; ++c) {
            d.values(r, c) = m_data.attention[size_t(r) * pc + c];
        }
        d.rowLabels.append(QString::number(r));
    }
    for (int c = 0; c < pc; ++c) {
        d.colLabels.append(QString::number(c));
    }
    d.title = m_data.title;
    d.rowAxisTitle = tr("patch row");
    d.colAxisTitle = tr("patch column");
    return d;
}

FigureExport::Painter PatchOverlayFigure::painter() const
{
    PatchOverlayFigure exported = *this;
    exported.m_style.colorBar = true;
    exported.m_style.titleInset = 0.0;
    exported.m_look = FigureLook::print();
    return [exported](QPainter& painter, const QRectF& target) { exported.paint(painter, target); };
}

void PatchOverlayFigure::saveData(const QString& path) const
{
    if (!hasAttention()) {
        refuse(tr("%1: “%2” has no attention values to save, only an image")
                   .arg(path, m_data.title.isEmpty() ? tr("the figure") : m_data.title));
    }
    FigureExport::saveData(path, attentionData());
}

QStringList PatchOverlayFigure::exportAll(const QString& folder, const QString& name, QSizeF inches,
                                          double dpi) const
{
    if (!QDir().mkpath(folder)) {
        refuse(tr("%1: the folder cannot be created").arg(folder));
    }
    const QDir dir(folder);
    QStringList written;
    using FigureExport::Format;
    const FigureExport::Painter paint = painter();
    for (Format f : {Format::Png, Format::Svg, Format::Pdf}) {
        written << dir.filePath(name + u'.' + FigureExport::suffix(f));
        FigureExport::saveFigure(written.back(), paint, inches, dpi, m_data.title);
    }
    if (!hasAttention()) {
        return written;
    }
    for (Format f : {Format::Csv, Format::Npy}) {
        written << dir.filePath(name + u'.' + FigureExport::suffix(f));
        saveData(written.back());
    }
    written << written.back() + QStringLiteral(".json");
    return written;
}
