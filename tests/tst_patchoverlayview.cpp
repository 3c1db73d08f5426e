// PatchOverlayView and its figure: an image cut into patches with the attention over them.
// The overlay cells cover exactly their patches' pixels in exports (C09) and on screen, the
// patch grid follows the image's shape (never a square root), pixels are never interpolated,
// and data that does not fit together is refused with a message that names the fault.
#include <patchoverlayview.h>

#include <errors.h>
#include <figureactions.h>
#include <figureexport.h>
#include <figuresource.h>

#include <QAction>
#include <QFile>
#include <QHelpEvent>
#include <QMenu>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>

#include <cmath>
#include <limits>
#include <set>

namespace {

using Pixels = std::set<std::pair<int, int>>; // (x, y) device pixels

// A black image with one white patch: C09 puts it at patch row 1, column 2 of a 28×28 image.
PatchOverlayData blackWithWhitePatch(int rows, int cols, int patchRow, int patchCol)
{
    PatchOverlayData d;
    d.rows = rows;
    d.cols = cols;
    d.patch = 7;
    d.pixels.assign(size_t(rows) * cols, 0.0f);
    for (int y = patchRow * 7; y < patchRow * 7 + 7; ++y) {
        for (int x = patchCol * 7; x < patchCol * 7 + 7; ++x) {
            d.pixels[size_t(y) * cols + x] = 1.0f;
        }
    }
    d.title = QStringLiteral("Class token attention");
    return d;
}

// C09: the attention entirely (1.0) on the white patch, 0 elsewhere.
PatchOverlayData c09()
{
    PatchOverlayData d = blackWithWhitePatch(28, 28, 1, 2);
    d.attention.assign(16, 0.0f);
    d.attention[1 * 4 + 2] = 1.0f;
    return d;
}

// A garment-like image: a light blob with some texture on black.
PatchOverlayData garment(int rows, int cols)
{
    PatchOverlayData d;
    d.rows = rows;
    d.cols = cols;
    d.pixels.resize(size_t(rows) * cols);
    for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < cols; ++x) {
            const double dx = (x + 0.5) / cols - 0.5;
            const double dy = (y + 0.5) / rows - 0.5;
            const bool inside = dx * dx + dy * dy < 0.16;
            d.pixels[size_t(y) * cols + x] =
                inside ? float(0.55 + 0.4 * ((x * 7 + y * 3) % 5) / 4) : 0.0f;
        }
    }
    d.title = QStringLiteral("Garment");
    return d;
}

PatchOverlayStyle testStyle()
{
    PatchOverlayStyle s;
    s.font = QFont(QStringLiteral("DejaVu Sans"));
    s.font.setPixelSize(13);
    return s;
}

PatchOverlayFigure figureOf(const PatchOverlayData& data)
{
    PatchOverlayFigure f;
    f.setStyle(testStyle());
    f.setData(data);
    return f;
}

// The figure painted into an image of `size` logical pixels at device pixel ratio `dpr`.
QImage paintAt(const PatchOverlayFigure& figure, QSize size, double dpr)
{
    QImage image((QSizeF(size) * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    image.fill(Qt::white);
    QPainter painter(&image);
    figure.paint(painter, QRectF(QPointF(0, 0), QSizeF(size)));
    return image;
}

// Device pixels where two renders of the same size differ.
Pixels differences(const QImage& a, const QImage& b)
{
    Pixels out;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            if (a.pixel(x, y) != b.pixel(x, y)) {
                out.insert({x, y});
            }
        }
    }
    return out;
}

// Every device pixel of a rectangle given in device pixels, edges included.
Pixels pixelsOf(int left, int top, int right, int bottom)
{
    Pixels out;
    for (int y = top; y <= bottom; ++y) {
        for (int x = left; x <= right; ++x) {
            out.insert({x, y});
        }
    }
    return out;
}

// A rectangle in logical coordinates as device pixels, checking that it is device-aligned.
Pixels devicePixelsOf(const QRectF& r, double scale)
{
    const QRectF d(r.topLeft() * scale, r.size() * scale);
    const auto whole = [](double v) { return std::abs(v - std::round(v)) < 1e-6; };
    if (!whole(d.left()) || !whole(d.top()) || !whole(d.width()) || !whole(d.height())) {
        return {};
    }
    return pixelsOf(int(std::lround(d.left())), int(std::lround(d.top())),
                    int(std::lround(d.right())) - 1, int(std::lround(d.bottom())) - 1);
}

QString messageOf(const std::function<void()>& run)
{
    try {
        run();
    } catch (const attnlab::InputError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestPatchOverlayView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void c09BrightestOverlayCellCoversItsPatchExactlyInThePng_data();
    void c09BrightestOverlayCellCoversItsPatchExactlyInThePng();
    void c09OverlayStaysAlignedAtAnyDpi_data();
    void c09OverlayStaysAlignedAtAnyDpi();
    void oneHotAttentionColoursExactlyOnePatch_data();
    void oneHotAttentionColoursExactlyOnePatch();
    void imagePixelsAreNeverInterpolated();
    void vectorExportsDrawPixelsAsRectanglesNotBitmaps();
    void pdfOverlayCellCoversItsPatch();
    void wideImageGivesFourByTwoPatchesAndHitTestsAgree();
    void patchOrderIsRowMajorOverTheGrid_data();
    void patchOrderIsRowMajorOverTheGrid();
    void attentionOfTheWrongLengthIsRefusedAndNothingChanges();
    void sizeNotAMultipleOfThePatchIsRefusedNamingBothSizes_data();
    void sizeNotAMultipleOfThePatchIsRefusedNamingBothSizes();
    void pixelCountThatDoesNotMatchIsRefused();
    void highlightOutOfRangeIsRefused();
    void clickingAPatchHighlightsAndEmitsIt();
    void clickingOutsideThePatchesDoesNothing();
    void hoverAndTooltipNameThePatchAndItsValue();
    void exportDataWritesAPatchRowsByPatchColsMatrix();
    void exportAllWritesFiguresAndData();
    void withoutAttentionThereIsNoOverlayAndNoDataExport();
    void emptyFigureShowsANote();
    void tooSmallTargetScalesTheWholeFigureDown();
    void gridLinesAppearOnlyWhenPixelsAreLarge();
    void menuChangesColourMapScaleAndGrid();

private:
    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_out;
    std::unique_ptr<PatchOverlayView> m_view;
};

void TestPatchOverlayView::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_patchoverlayview"));
}

void TestPatchOverlayView::init()
{
    QSettings().clear();
    m_out = std::make_unique<QTemporaryDir>();
    QVERIFY(m_out->isValid());
    m_view = std::make_unique<PatchOverlayView>(nullptr);
    m_view->setStyle(testStyle());
    m_view->setData(c09());
    m_view->resize(420, 340);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestPatchOverlayView::cleanup()
{
    m_view.reset();
    m_out.reset();
}

void TestPatchOverlayView::c09BrightestOverlayCellCoversItsPatchExactlyInThePng_data()
{
    QTest::addColumn<double>("dpi");
    QTest::addColumn<int>("left");
    QTest::addColumn<int>("right");
    QTest::addColumn<int>("top");
    QTest::addColumn<int>("bottom");
    QTest::newRow("1x") << 96.0 << 14 << 20 << 7 << 13;
    QTest::newRow("2x") << 192.0 << 28 << 41 << 14 << 27;
}

// C09. The figure is exported at its minimum size, where each image pixel gets one logical
// pixel: one PNG pixel at 96 DPI, two at 192. The image's place comes from the layout.
void TestPatchOverlayView::c09BrightestOverlayCellCoversItsPatchExactlyInThePng()
{
    QFETCH(double, dpi);
    QFETCH(int, left);
    QFETCH(int, right);
    QFETCH(int, top);
    QFETCH(int, bottom);
    const PatchOverlayFigure figure = figureOf(c09());
    const QSizeF inches = figure.minimumSize() / FigureExport::kLogicalDpi;
    QImage png;
    QVERIFY(png.loadFromData(FigureExport::pngBytes(figure.painter(), inches, dpi), "PNG"));

    const double scale = dpi / FigureExport::kLogicalDpi;
    const QRectF target(QPointF(0, 0), inches * FigureExport::kLogicalDpi);
    const PatchOverlayLayout l = figure.layout(target, QTransform::fromScale(scale, scale));
    QVERIFY(l.aligned);
    QCOMPARE(l.devicePixels, scale);
    QVERIFY(!l.gridShown);
    const QPoint origin = (l.image.topLeft() * scale).toPoint();
    QCOMPARE(QPointF(origin), l.image.topLeft() * scale);
    const int side = int(28 * scale);

    // Lightness of every pixel of the image area; the brightest are exactly the patch's.
    int brightest = -1;
    Pixels at;
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
            const int v = png.pixelColor(origin + QPoint(x, y)).lightness();
            if (v > brightest) {
                brightest = v;
                at.clear();
            }
            if (v == brightest) {
                at.insert({x, y});
            }
        }
    }
    QVERIFY(at == pixelsOf(left, top, right, bottom));
    // Interpolation off: the cell is one flat colour, its neighbours untouched black.
    const QColor cell = png.pixelColor(origin + QPoint(left, top));
    QCOMPARE(png.pixelColor(origin + QPoint(right, bottom)), cell);
    QCOMPARE(png.pixelColor(origin + QPoint(left - 1, top)), QColor(Qt::black));
    QCOMPARE(png.pixelColor(origin + QPoint(right + 1, bottom)), QColor(Qt::black));
    QCOMPARE(png.pixelColor(origin + QPoint(left, top - 1)), QColor(Qt::black));
    QCOMPARE(png.pixelColor(origin + QPoint(left, bottom + 1)), QColor(Qt::black));
    QVERIFY(cell != QColor(Qt::white)); // the overlay is really there
}

void TestPatchOverlayView::c09OverlayStaysAlignedAtAnyDpi_data()
{
    QTest::addColumn<QSizeF>("inches");
    QTest::addColumn<double>("dpi");
    QTest::newRow("slide 4x3 at 150 dpi") << QSizeF(4, 3) << 150.0;
    QTest::newRow("handout 3x3 at 300 dpi") << QSizeF(3, 3) << 300.0;
    QTest::newRow("screen 5x4 at 96 dpi") << QSizeF(5, 4) << 96.0;
}

// Whatever the DPI, an image pixel is a whole number of PNG pixels and the overlay cell of
// the patch at row 1, column 2 covers exactly its 7×7 pixels.
void TestPatchOverlayView::c09OverlayStaysAlignedAtAnyDpi()
{
    QFETCH(QSizeF, inches);
    QFETCH(double, dpi);
    PatchOverlayStyle fixed = testStyle();
    fixed.rangeMax = 1.0; // the same colour bar with and without the hot patch
    PatchOverlayFigure oneHot = figureOf(c09());
    oneHot.setStyle(fixed);
    PatchOverlayData zero = c09();
    zero.attention.assign(16, 0.0f);
    PatchOverlayFigure blank = figureOf(zero);
    blank.setStyle(fixed);

    const double scale = dpi / FigureExport::kLogicalDpi;
    const QRectF target(QPointF(0, 0), inches * FigureExport::kLogicalDpi);
    const PatchOverlayLayout l = oneHot.layout(target, QTransform::fromScale(scale, scale));
    QVERIFY(l.aligned);
    const int k = int(l.devicePixels);
    QVERIFY(k >= 1);
    QCOMPARE(l.devicePixels, double(k));
    const QPoint origin = (l.image.topLeft() * scale).toPoint();
    QCOMPARE(QPointF(origin), l.image.topLeft() * scale);

    const QImage a = FigureExport::renderImage(oneHot.painter(), inches, dpi);
    const QImage b = FigureExport::renderImage(blank.painter(), inches, dpi);
    const Pixels expected = pixelsOf(origin.x() + 14 * k, origin.y() + 7 * k,
                                     origin.x() + 21 * k - 1, origin.y() + 14 * k - 1);
    QVERIFY(differences(a, b) == expected);
}

void TestPatchOverlayView::oneHotAttentionColoursExactlyOnePatch_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("patch");
    QTest::addColumn<int>("hot");
    QTest::addColumn<double>("dpr");
    QTest::newRow("28x28 p7, first, dpr 1") << 28 << 28 << 7 << 0 << 1.0;
    QTest::newRow("28x28 p7, last, dpr 2") << 28 << 28 << 7 << 15 << 2.0;
    QTest::newRow("28x28 p4, middle, dpr 1") << 28 << 28 << 4 << 24 << 1.0;
    QTest::newRow("28x14 p7, row 3 col 1, dpr 1.5") << 28 << 14 << 7 << 7 << 1.5;
}

// On the screen image: only the hot patch's device pixels differ from a zero attention, grid
// lines and all.
void TestPatchOverlayView::oneHotAttentionColoursExactlyOnePatch()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, patch);
    QFETCH(int, hot);
    QFETCH(double, dpr);
    PatchOverlayData d = garment(rows, cols);
    d.patch = patch;
    d.attention.assign(size_t(d.patches()), 0.0f);
    PatchOverlayFigure blank = figureOf(d);
    d.attention[size_t(hot)] = 1.0f;
    PatchOverlayFigure oneHot = figureOf(d);
    PatchOverlayStyle s = testStyle();
    s.rangeMax = 1.0;
    blank.setStyle(s);
    oneHot.setStyle(s);

    const QSize size(400, 330);
    const QImage a = paintAt(oneHot, size, dpr);
    const QImage b = paintAt(blank, size, dpr);
    const PatchOverlayLayout l =
        oneHot.layout(QRectF(QPointF(), QSizeF(size)), QTransform::fromScale(dpr, dpr));
    QVERIFY(l.aligned);
    QVERIFY(l.gridShown);
    const Pixels expected = devicePixelsOf(l.patchRect(hot), dpr);
    QVERIFY(!expected.empty());
    QVERIFY(differences(a, b) == expected);
}

// Every image pixel is a flat square of device pixels, at a scale of several device pixels.
void TestPatchOverlayView::imagePixelsAreNeverInterpolated()
{
    PatchOverlayData d = garment(28, 28);
    PatchOverlayStyle s = testStyle();
    s.grid = false;
    PatchOverlayFigure figure = figureOf(d);
    figure.setStyle(s);
    const QImage image = paintAt(figure, QSize(300, 260), 2.0);
    const PatchOverlayLayout l =
        figure.layout(QRectF(0, 0, 300, 260), QTransform::fromScale(2.0, 2.0));
    const int k = int(l.devicePixels);
    QVERIFY(k >= 4);
    const QPoint origin = (l.image.topLeft() * 2.0).toPoint();
    for (int y = 0; y < 28 * k; ++y) {
        for (int x = 0; x < 28 * k; ++x) {
            const float v = d.pixels[size_t(y / k) * 28 + x / k];
            const int gray = int(std::lround(v * 255.0f));
            if (image.pixel(origin + QPoint(x, y)) != qRgb(gray, gray, gray)) {
                QFAIL(qPrintable(QStringLiteral("device pixel (%1, %2) is not image pixel (%3, %4)")
                                     .arg(x)
                                     .arg(y)
                                     .arg(x / k)
                                     .arg(y / k)));
            }
        }
    }
}

// SVG and PDF viewers smooth embedded bitmaps when they scale them; rectangles they cannot.
void TestPatchOverlayView::vectorExportsDrawPixelsAsRectanglesNotBitmaps()
{
    const PatchOverlayFigure figure = figureOf(c09());
    const QByteArray svg = FigureExport::svgBytes(figure.painter(), QSizeF(4, 3), "C09");
    QVERIFY(!svg.isEmpty());
    QVERIFY(!svg.contains("<image"));
    const QByteArray pdf = FigureExport::pdfBytes(figure.painter(), QSizeF(4, 3), "C09");
    QVERIFY(pdf.startsWith("%PDF"));
    QVERIFY(!pdf.contains("/Subtype /Image"));
}

// The PDF as poppler draws it: the overlay cell of C09 exactly on its patch.
void TestPatchOverlayView::pdfOverlayCellCoversItsPatch()
{
    const QString pdftoppm = QStandardPaths::findExecutable(QStringLiteral("pdftoppm"));
    if (pdftoppm.isEmpty()) {
        QSKIP("pdftoppm (Debian's poppler-utils) is not installed: the PDF is not rasterised");
    }
    const PatchOverlayFigure figure = figureOf(c09());
    const QSizeF inches(4, 3);
    const QString pdf = m_out->filePath(QStringLiteral("c09.pdf"));
    FigureExport::saveFigure(pdf, figure.painter(), inches, 96, "C09");
    QCOMPARE(QProcess::execute(pdftoppm, {"-png", "-r", "96", "-singlefile", pdf,
                                          m_out->filePath(QStringLiteral("c09"))}),
             0);
    const QImage page(m_out->filePath(QStringLiteral("c09.png")));
    QCOMPARE(page.size(), QSize(384, 288));
    // Logical pixels are device pixels at 96 DPI; the PDF's own device is 960 per inch.
    const PatchOverlayLayout l =
        figure.layout(QRectF(0, 0, 384, 288), QTransform::fromScale(10.0, 10.0));
    const QRectF cell = l.patchRect(6);
    const QPointF inside = cell.center();
    const QColor expected = page.pixelColor(inside.toPoint());
    QVERIFY(expected.lightness() > 100);
    // Whole logical pixels inside the cell's edges share its colour; just outside, black.
    const QRect whole = cell.toAlignedRect().adjusted(1, 1, -1, -1);
    QVERIFY(qAbs(page.pixelColor(whole.topLeft()).lightness() - expected.lightness()) <= 2);
    QVERIFY(qAbs(page.pixelColor(whole.bottomRight()).lightness() - expected.lightness()) <= 2);
    QVERIFY(page.pixelColor(whole.topLeft() - QPoint(3, 0)).lightness() < 10);
    QVERIFY(page.pixelColor(whole.bottomRight() + QPoint(0, 3)).lightness() < 10);
}

void TestPatchOverlayView::wideImageGivesFourByTwoPatchesAndHitTestsAgree()
{
    PatchOverlayData d = garment(28, 14);
    d.attention = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
    QCOMPARE(d.patchRows(), 4);
    QCOMPARE(d.patchCols(), 2);
    QCOMPARE(d.patches(), 8);
    m_view->setData(d);
    const PatchOverlayLayout& l = m_view->renderedLayout();
    QCOMPARE(l.patchRows(), 4);
    QCOMPARE(l.patchCols(), 2);
    QVERIFY(std::abs(l.image.width() * 2 - l.image.height()) < 1e-9);
    for (int i = 0; i < 8; ++i) {
        const QRectF r = m_view->patchRect(i);
        QVERIFY(!r.isNull());
        QCOMPARE(r.topLeft(), l.image.topLeft() + QPointF(i % 2, i / 2) * 7 * l.pixel);
        QCOMPARE(r.width(), 7 * l.pixel);
        QCOMPARE(m_view->patchAt(r.center()), i);
        QCOMPARE(m_view->patchAt(r.topLeft() + QPointF(0.01, 0.01)), i);
        QCOMPARE(m_view->patchAt(r.bottomRight() - QPointF(0.01, 0.01)), i);
    }
    QVERIFY(m_view->patchRect(8).isNull());
    QVERIFY(m_view->patchRect(-1).isNull());
    QCOMPARE(m_view->patchAt(l.image.topLeft() - QPointF(1, 1)), -1);
    QCOMPARE(m_view->patchAt(l.image.bottomRight() + QPointF(1, 1)), -1);
    QCOMPARE(m_view->patchAt(QPointF(2, 2)), -1);
}

void TestPatchOverlayView::patchOrderIsRowMajorOverTheGrid_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("patch");
    QTest::addColumn<int>("patchRows");
    QTest::addColumn<int>("patchCols");
    QTest::newRow("28x28 p7") << 28 << 28 << 7 << 4 << 4;
    QTest::newRow("28x28 p4") << 28 << 28 << 4 << 7 << 7;
    QTest::newRow("28x14 p7") << 28 << 14 << 7 << 4 << 2;
    QTest::newRow("14x28 p7") << 14 << 28 << 7 << 2 << 4;
    QTest::newRow("12x28 p4") << 12 << 28 << 4 << 3 << 7;
}

void TestPatchOverlayView::patchOrderIsRowMajorOverTheGrid()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, patch);
    QFETCH(int, patchRows);
    QFETCH(int, patchCols);
    PatchOverlayData d = garment(rows, cols);
    d.patch = patch;
    m_view->setData(d);
    const PatchOverlayLayout& l = m_view->renderedLayout();
    QCOMPARE(l.patchRows(), patchRows);
    QCOMPARE(l.patchCols(), patchCols);
    for (int i = 0; i < patchRows * patchCols; ++i) {
        const QPointF corner = m_view->patchRect(i).topLeft() - l.image.topLeft();
        const double side = patch * l.pixel;
        QCOMPARE(int(std::lround(corner.y() / side)), i / patchCols);
        QCOMPARE(int(std::lround(corner.x() / side)), i % patchCols);
        QCOMPARE(m_view->patchAt(m_view->patchRect(i).center()), i);
    }
}

// Refused rather than drawn without overlay: a vector of the wrong length is a bug in the
// caller (typically the class token's column 0 left in), and guessing would mislead.
void TestPatchOverlayView::attentionOfTheWrongLengthIsRefusedAndNothingChanges()
{
    const qint64 key = m_view->renderedImage().cacheKey();
    QSignalSpy highlighted(m_view.get(), &PatchOverlayView::highlightedChanged);
    PatchOverlayData d = garment(28, 28);
    d.attention.assign(17, 1.0f / 17);
    d.highlighted = 3;
    const QString message = messageOf([&] { m_view->setData(d); });
    QVERIFY2(message.contains(QStringLiteral("17 values")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("16 patches")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("class token")), qPrintable(message));
    d.attention.assign(3, 0.5f);
    const QString shorter = messageOf([&] { m_view->setData(d); });
    QVERIFY2(shorter.contains(QStringLiteral("3 values")), qPrintable(shorter));
    QVERIFY(!shorter.contains(QStringLiteral("class token")));
    // The view still shows C09.
    QCOMPARE(m_view->data().title, c09().title);
    QCOMPARE(m_view->data().attention, c09().attention);
    QCOMPARE(m_view->data().pixels, c09().pixels);
    QCOMPARE(m_view->renderedImage().cacheKey(), key);
    QCOMPARE(highlighted.count(), 0);
}

void TestPatchOverlayView::sizeNotAMultipleOfThePatchIsRefusedNamingBothSizes_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("patch");
    QTest::addColumn<QString>("image");
    QTest::addColumn<QString>("patchText");
    QTest::newRow("cols 30, p7") << 28 << 30 << 7 << "28 × 30 pixels"
                                 << "7 × 7 pixels";
    QTest::newRow("rows 30, p7") << 30 << 28 << 7 << "30 × 28 pixels"
                                 << "7 × 7 pixels";
    QTest::newRow("28x28, p5") << 28 << 28 << 5 << "28 × 28 pixels"
                               << "5 × 5 pixels";
}

void TestPatchOverlayView::sizeNotAMultipleOfThePatchIsRefusedNamingBothSizes()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, patch);
    QFETCH(QString, image);
    QFETCH(QString, patchText);
    PatchOverlayData d = garment(rows, cols);
    d.patch = patch;
    const QString message = messageOf([&] { m_view->setData(d); });
    QVERIFY2(message.contains(image), qPrintable(message));
    QVERIFY2(message.contains(patchText), qPrintable(message));
    QCOMPARE(m_view->data().rows, 28);
    QCOMPARE(m_view->data().cols, 28);
}

void TestPatchOverlayView::pixelCountThatDoesNotMatchIsRefused()
{
    PatchOverlayData d = garment(28, 28);
    d.pixels.pop_back();
    const QString message = messageOf([&] { m_view->setData(d); });
    QVERIFY2(message.contains(QStringLiteral("783 pixel values")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("784")), qPrintable(message));
    d = garment(28, 28);
    d.patch = 0;
    QVERIFY(messageOf([&] { m_view->setData(d); }).contains(QStringLiteral("patch size")));
}

void TestPatchOverlayView::highlightOutOfRangeIsRefused()
{
    PatchOverlayData d = c09();
    d.highlighted = 16;
    const QString message = messageOf([&] { m_view->setData(d); });
    QVERIFY2(message.contains(QStringLiteral("0 to 15")), qPrintable(message));
    // The view's own setter clears instead.
    m_view->setHighlighted(5);
    m_view->setHighlighted(99);
    QCOMPARE(m_view->highlighted(), -1);
}

void TestPatchOverlayView::clickingAPatchHighlightsAndEmitsIt()
{
    QSignalSpy clicked(m_view.get(), &PatchOverlayView::patchClicked);
    QSignalSpy changed(m_view.get(), &PatchOverlayView::highlightedChanged);
    const QImage before = m_view->renderedImage().copy();
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, m_view->patchRect(9).center().toPoint());
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), 9);
    QCOMPARE(m_view->highlighted(), 9);
    QCOMPARE(m_view->data().highlighted, 9);
    QCOMPARE(changed.count(), 1);
    QVERIFY(m_view->renderedImage() != before);
    // The outline is dark just outside the patch, light just inside it.
    const QRectF r = m_view->patchRect(9);
    const QImage& image = m_view->renderedImage();
    QVERIFY(image.pixelColor(QPointF(r.left() - 1, r.center().y()).toPoint()).lightness() < 60);
    // A new image keeps the highlight only when the caller passes it.
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, m_view->patchRect(0).center().toPoint());
    QCOMPARE(m_view->highlighted(), 0);
    QCOMPARE(changed.count(), 2);
}

void TestPatchOverlayView::clickingOutsideThePatchesDoesNothing()
{
    QSignalSpy clicked(m_view.get(), &PatchOverlayView::patchClicked);
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, QPoint(3, m_view->height() - 3));
    QCOMPARE(clicked.count(), 0);
    QCOMPARE(m_view->highlighted(), -1);
}

void TestPatchOverlayView::hoverAndTooltipNameThePatchAndItsValue()
{
    QSignalSpy hovered(m_view.get(), &PatchOverlayView::patchHovered);
    const QPoint pos = m_view->patchRect(6).center().toPoint();
    QTest::mouseMove(m_view.get(), pos);
    QTRY_COMPARE(hovered.count(), 1);
    QCOMPARE(hovered.at(0).at(0).toInt(), 6);
    QHelpEvent event(QEvent::ToolTip, pos, m_view->mapToGlobal(pos));
    QApplication::sendEvent(m_view.get(), &event);
    QTRY_COMPARE(QToolTip::text(), QStringLiteral("Patch 6 (row 1, column 2): 1.000"));
}

void TestPatchOverlayView::exportDataWritesAPatchRowsByPatchColsMatrix()
{
    PatchOverlayData d = garment(28, 14);
    d.attention = {0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f, 0.0f, 0.015625f, 0.015625f};
    d.title = QStringLiteral("Wide");
    m_view->setData(d);
    const FigureSource source = m_view->figureSource();
    QCOMPARE(source.dataFormats.size(), 2);
    const QString csv = m_out->filePath(QStringLiteral("a.csv"));
    source.saveData(csv);
    const QStringList lines = QString::fromUtf8(readAll(csv)).trimmed().split(u'\n');
    QCOMPARE(lines.size(), 5); // header and four patch rows
    QCOMPARE(lines[0], QStringLiteral(",0,1"));
    QCOMPARE(lines[1], QStringLiteral("0,0.5,0.25"));
    QCOMPARE(lines[4], QStringLiteral("3,0.015625,0.015625"));
    const QString npy = m_out->filePath(QStringLiteral("a.npy"));
    source.saveData(npy);
    const QByteArray bytes = readAll(npy);
    QVERIFY(bytes.startsWith("\x93NUMPY"));
    QVERIFY(bytes.contains("'shape': (4, 2)"));
    QVERIFY(bytes.contains("'fortran_order': False"));
    QCOMPARE(bytes.size() % 64, 8 * 4 % 64);
    QVERIFY(readAll(npy + QStringLiteral(".json")).contains("patch row"));
}

void TestPatchOverlayView::exportAllWritesFiguresAndData()
{
    m_view->setExportName(QStringLiteral("c09"));
    const QStringList files = m_view->figureActions()->exportAllTo(m_out->path());
    QStringList names;
    for (const QString& f : files) {
        names << QFileInfo(f).fileName();
        QVERIFY2(QFileInfo(f).size() > 0, qPrintable(f));
    }
    names.sort();
    QCOMPARE(names,
             QStringList({"c09.csv", "c09.npy", "c09.npy.json", "c09.pdf", "c09.png", "c09.svg"}));
    QImage png(m_out->filePath(QStringLiteral("c09.png")));
    QVERIFY(!png.isNull());
}

void TestPatchOverlayView::withoutAttentionThereIsNoOverlayAndNoDataExport()
{
    PatchOverlayData d = blackWithWhitePatch(28, 28, 1, 2);
    m_view->setData(d);
    QVERIFY(!m_view->figureActions()->exportDataAction()->isEnabled());
    QVERIFY(m_view->renderedLayout().colorBar.isNull());
    const QString message =
        messageOf([&] { m_view->figureSource().saveData(m_out->filePath("x.csv")); });
    QVERIFY2(message.contains(QStringLiteral("no attention")), qPrintable(message));
    const QStringList files = m_view->figureSource().exportAll(m_out->path(), QSizeF(3, 3), 96);
    QCOMPARE(files.size(), 3);
    m_view->setData(c09());
    QVERIFY(m_view->figureActions()->exportDataAction()->isEnabled());
    QVERIFY(!m_view->renderedLayout().colorBar.isNull());
}

void TestPatchOverlayView::emptyFigureShowsANote()
{
    PatchOverlayData empty;
    empty.title = QStringLiteral("Nothing yet");
    m_view->setData(empty);
    const PatchOverlayLayout& l = m_view->renderedLayout();
    QVERIFY(l.empty);
    QVERIFY(!l.noteText.isEmpty());
    QVERIFY(l.note.contains(QRectF(l.note.center(), QSizeF(1, 1))));
    QCOMPARE(m_view->patchAt(QPointF(m_view->width() / 2.0, m_view->height() / 2.0)), -1);
}

void TestPatchOverlayView::tooSmallTargetScalesTheWholeFigureDown()
{
    const PatchOverlayFigure figure = figureOf(c09());
    const QSizeF least = figure.minimumSize();
    const QRectF target(QPointF(10, 10), least / 2.0);
    const PatchOverlayLayout l = figure.layout(target);
    QVERIFY(l.scale < 1.0);
    QVERIFY(!l.aligned);
    QVERIFY(target.contains(l.image));
    QVERIFY(target.adjusted(-0.5, -0.5, 0.5, 0.5).contains(l.colorBar));
    for (const PatchOverlayTick& tick : l.ticks) {
        QVERIFY(target.adjusted(-0.5, -0.5, 0.5, 0.5).contains(tick.text));
    }
    const PatchOverlayLayout full = figure.layout(QRectF(QPointF(), least));
    QCOMPARE(full.scale, 1.0);
    QVERIFY(full.aligned);
    QCOMPARE(full.devicePixels, 1.0);
}

void TestPatchOverlayView::gridLinesAppearOnlyWhenPixelsAreLarge()
{
    const PatchOverlayFigure figure = figureOf(c09());
    const QRectF small(QPointF(), figure.minimumSize());
    QVERIFY(!figure.layout(small, QTransform::fromScale(3, 3)).gridShown);
    QVERIFY(figure.layout(small, QTransform::fromScale(4, 4)).gridShown);
    QVERIFY(m_view->renderedLayout().gridShown);
    PatchOverlayStyle s = testStyle();
    s.grid = false;
    m_view->setStyle(s);
    QVERIFY(!m_view->renderedLayout().gridShown);
}

void TestPatchOverlayView::menuChangesColourMapScaleAndGrid()
{
    QMenu* menu = m_view->menu();
    QAction* grid = nullptr;
    QAction* scale = nullptr;
    QAction* deck = nullptr;
    for (QAction* action : menu->findChildren<QAction*>()) {
        if (action->text() == QStringLiteral("Patch grid")) {
            grid = action;
        } else if (action->text().startsWith(QStringLiteral("Scale colours"))) {
            scale = action;
        } else if (action->text() == ColorMap::name(ColorMap::Kind::Deck)) {
            deck = action;
        }
    }
    QVERIFY(grid && scale && deck);
    QVERIFY(grid->isChecked() && scale->isChecked());
    grid->trigger();
    QVERIFY(!m_view->style().grid);
    QVERIFY(!m_view->renderedLayout().gridShown);
    scale->trigger();
    QCOMPARE(m_view->style().rangeMax.value_or(-1), 1.0);
    deck->trigger();
    QCOMPARE(m_view->style().colorMap, ColorMap::Kind::Deck);
    QCOMPARE(m_view->figure().overlayColor(1.0f).rgb(),
             ColorMap::color(ColorMap::Kind::Deck, 1.0).rgb());
    // The corner button's room survives every change of style.
    QVERIFY(m_view->style().titleInset > 0);
}

QTEST_MAIN(TestPatchOverlayView)
#include "tst_patchoverlayview.moc"
