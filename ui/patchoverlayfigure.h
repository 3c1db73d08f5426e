// The drawing of an image cut into patches, with one attention value per patch laid over it,
// independent of any widget: PatchOverlayView paints it into a QImage for the screen, and the
// exporters paint the very same figure into PNG, SVG and PDF devices.
//
// What is drawn: the title on top; the image in gray (0 black, 1 white); tick marks outside
// the image's frame at every patch boundary, and grid lines over the image where a pixel is at
// least kGridMinDevicePixels device pixels wide (below that a line would hide a seventh of the
// picture); the attention overlay; the highlighted patch outlined; a colour bar on the right.
//
// Patches: a rows×cols image with patch P has rows/P × cols/P patches; patch i lies at grid
// row i / patchCols(), grid column i % patchCols(). The grid is never guessed from a square
// root: a 28×14 image in 7×7 patches has 4 rows and 2 columns of patches.
//
// The overlay: a patch of value v is filled with ColorMap::color(map, t) at opacity
// maxOpacity·t, where t = clamp(v / rangeMax, 0, 1): a patch of no attention leaves the image
// as it is, and the more attention, the stronger and the brighter (with Viridis and Cividis)
// its colour. rangeMax is the largest value by default, so that the typically small weights of
// a class token (1/16 each when uniform) still show; the colour bar's numbers are the true
// values. A non-finite value is drawn in ColorMap::noValueColor() at full overlay opacity. The
// colour bar shows each colour as it lands on a black pixel (left half of the bar) and on a
// white one (right half), the two ends of what lies under the overlay.
//
// Pixels are never interpolated, on any device. The image is drawn as rectangles of whole
// pixels, not as a scaled bitmap, so that an SVG or PDF viewer has nothing to smooth. On a
// device whose transform is a scale and a translation (a QImage, PNG export at any DPI, PDF),
// one image pixel spans a whole number of device pixels and the image starts on a device
// pixel, whenever the target has room for at least one device pixel per image pixel: every
// overlay cell then covers exactly its patch's pixels.
//
// Units: logical pixels at 96 per inch, as in HeatmapFigure. A target smaller than
// minimumSize() gets the whole figure scaled down uniformly rather than clipped (the pixels
// then no longer align).
#pragma once

#include "colormap.h"
#include "figureexport.h"
#include "figurelook.h"
#include "heatmapfigure.h"

#include <QCoreApplication>
#include <QFont>
#include <QLineF>
#include <QList>
#include <QPainter>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>
#include <QTransform>

#include <optional>
#include <vector>

struct PatchOverlayData
{
    std::vector<float> pixels; // rows·cols gray values in [0, 1], row-major, row 0 on top
    int rows = 0;              // image height in pixels
    int cols = 0;              // image width in pixels
    int patch = 7;             // side of a square patch in pixels; divides rows and cols
    // patches() values in [0, 1], in patch order (e.g. the class token's row of the attention
    // weights without its column 0), or empty for no overlay.
    std::vector<float> attention;
    int highlighted = -1; // the patch outlined (the one clicked), or -1
    QString title;        // e.g. "Class token attention, layer 1, head 1"

    int patchRows() const { return patch > 0 ? rows / patch : 0; }
    int patchCols() const { return patch > 0 ? cols / patch : 0; }
    int patches() const { return patchRows() * patchCols(); }
    bool empty() const { return rows <= 0 || cols <= 0; }
};

struct PatchOverlayStyle
{
    ColorMap::Kind colorMap = ColorMap::Kind::Viridis;
    std::optional<double> rangeMax; // the value drawn at full colour; default: the largest
    double maxOpacity = 0.75;       // opacity of the overlay at rangeMax
    bool grid = true;               // grid lines over the image (when pixels are large enough)
    bool colorBar = true;           // shown whenever there is attention to explain
    QFont font;                     // title, tick labels and notes
    // Room kept free at both ends of the title's line, e.g. for a button in the corner of
    // the view; exports leave none.
    double titleInset = 0.0;
};

struct PatchOverlayTick
{
    double value = 0.0;
    QLineF line; // the tick mark beside the colour bar
    QRectF text; // where its number is drawn (left-aligned, vertically centred)
    QString label;
};

// Where every part of the figure lands when it is painted into `target`, in the target's
// coordinates.
struct PatchOverlayLayout
{
    QRectF target;
    QTransform transform; // figure coordinates to target: a uniform scale about the corner
    double scale = 1.0;   // the look's zoom; less when the target is smaller than the zoomed
                          // minimumSize()
    bool empty = false;   // no image: `note` says so, nothing else but the title
    QRectF title;         // null without a title
    QRectF note;
    QString noteText;
    int rows = 0; // image size in pixels
    int cols = 0;
    int patch = 0;             // patch side in pixels
    QRectF image;              // the image's pixels
    double pixel = 0.0;        // side of one image pixel
    double devicePixels = 0.0; // side of one image pixel on the device, in device pixels
    bool aligned = false;      // devicePixels is whole and the image starts on a device pixel
    bool gridShown = false;    // grid lines over the image
    QList<QRectF> frameTicks;  // marks at the patch boundaries, outside the top and left edges
    QRectF colorBar;           // null when there is no colour bar
    QList<PatchOverlayTick> ticks;

    int patchRows() const { return patch > 0 ? rows / patch : 0; }
    int patchCols() const { return patch > 0 ? cols / patch : 0; }
    // A patch's pixels; null for a patch out of range.
    QRectF patchRect(int index) const;
    // The patch whose pixels contain `point`, or -1.
    int patchAt(QPointF point) const;
};

class PatchOverlayFigure
{
    Q_DECLARE_TR_FUNCTIONS(PatchOverlayFigure)
public:
    // Grid lines are drawn over the image only where one image pixel is at least this wide.
    static constexpr double kGridMinDevicePixels = 4.0;

    // Throws attnlab::InputError naming the fault, and keeps the data it had, when: the pixels
    // are not rows·cols values; rows or cols is not a multiple of the patch size (the message
    // names both sizes); the attention is neither empty nor one value per patch; the
    // highlighted patch is neither -1 nor a patch. An image of 0×0 pixels clears the figure.
    void setData(PatchOverlayData data);
    const PatchOverlayData& data() const { return m_data; }
    void setStyle(const PatchOverlayStyle& style) { m_style = style; }
    const PatchOverlayStyle& style() const { return m_style; }
    // Colours and zoom: FigureLook::print() at first. The zoom scales the text, the frame and
    // the preferred size; painter() and exportAll() use print() whatever the look.
    void setLook(const FigureLook& look);
    const FigureLook& look() const { return m_look; }
    // The same checks as setData(), without changing anything.
    static void check(const PatchOverlayData& data);

    // Paints the whole figure inside `target` (in the painter's coordinates), aligned to the
    // painter's device pixels.
    void paint(QPainter& painter, const QRectF& target) const;
    // Every part of the figure as paint() places it into `target` on a device whose transform
    // from the painter's coordinates is `device` (e.g. QTransform::fromScale(2, 2) for a
    // QImage of device pixel ratio 2, or for a PNG exported at 192 DPI).
    PatchOverlayLayout layout(const QRectF& target, const QTransform& device = {}) const;
    // Smallest size at which every label fits and each image pixel gets a logical pixel, at
    // unit zoom: a zoomed figure may always shrink back to it.
    QSizeF minimumSize() const;
    // A comfortable size on screen: kPreferredPixel logical pixels per image pixel, zoomed.
    QSizeF preferredSize() const;
    static constexpr int kPreferredPixel = 8;

    // The value drawn at full colour (style rangeMax, else the largest finite value, else 1).
    double rangeMax() const;
    // The overlay of one attention value, with its opacity.
    QColor overlayColor(float value) const;
    // A patch's value as the tooltip prints it ("no value" when not finite).
    QString formatValue(double value) const;

    // The attention as a patchRows×patchCols matrix (row and column labels are the grid
    // indices), for CSV and .npy. Empty without attention.
    HeatmapData attentionData() const;
    bool hasAttention() const { return !m_data.attention.empty(); }
    // A painter for the exporters: the colour bar always shown when there is attention, no
    // title inset.
    FigureExport::Painter painter() const;
    // The attention in the format of `path`'s suffix (.csv, or .npy with a .npy.json side
    // file). Throws attnlab::InputError naming the path when there is no attention.
    void saveData(const QString& path) const;
    // <name>.png, .svg and .pdf into `folder` (created if needed), and with attention also
    // .csv, .npy and .npy.json. Returns the files written; throws attnlab::InputError.
    QStringList exportAll(const QString& folder, const QString& name, QSizeF inches,
                          double dpi) const;

private:
    static void checkImage(const PatchOverlayData& data);
    static void checkAttention(const PatchOverlayData& data);
    static void checkHighlight(const PatchOverlayData& data);

    PatchOverlayData m_data;
    PatchOverlayStyle m_style;
    FigureLook m_look;
};
