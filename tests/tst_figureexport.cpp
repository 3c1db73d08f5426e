// Figures for slides and papers: PNG, SVG and PDF exports of a heatmap have the promised size
// on any screen (C18, C19), keep their text as text and escaped (C13), put every number in its
// cell (C14), keep long labels on the canvas (C15), and stay small for large matrices (C16).
// Runs with a device pixel ratio of 2, like a high-density laptop screen.
#include <errors.h>
#include <figureexport.h>
#include <matrixexport.h>
#include <weightsio.h>

#include <QApplication>
#include <QBuffer>
#include <QFile>
#include <QImageReader>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <limits>

using namespace FigureExport;

namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();

struct SvgText
{
    QString text;
    QPointF anchor; // left end of the baseline, in the SVG's coordinates
};

// Every <text> of an SVG with its position, following the matrix(...) transforms of the groups
// around it (the only transforms the generator writes). Fails the test on malformed XML.
QList<SvgText> svgTexts(const QByteArray& svg, bool* wellFormed)
{
    QXmlStreamReader xml(svg);
    QList<QTransform> stack{QTransform()};
    QList<SvgText> texts;
    const QRegularExpression matrix(R"(matrix\(([^)]*)\))");
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            QTransform t = stack.back();
            const auto m = matrix.match(xml.attributes().value("transform").toString());
            if (m.hasMatch()) {
                const QStringList v = m.captured(1).split(',');
                t = QTransform(v[0].toDouble(), v[1].toDouble(), v[2].toDouble(), v[3].toDouble(),
                               v[4].toDouble(), v[5].toDouble()) *
                    stack.back();
            }
            stack.push_back(t);
            if (xml.name() == QLatin1String("text")) {
                const QPointF p(xml.attributes().value("x").toDouble(),
                                xml.attributes().value("y").toDouble());
                texts.push_back({xml.readElementText(), t.map(p)});
                stack.pop_back();
            }
        } else if (xml.isEndElement()) {
            stack.pop_back();
        }
    }
    *wellFormed = !xml.hasError();
    return texts;
}

HeatmapFigure figureOf(const attnlab::Matrix& m, const QStringList& labels)
{
    HeatmapData d;
    d.values = m;
    d.rowLabels = labels;
    d.colLabels = labels;
    d.title = QStringLiteral("Attention weights");
    HeatmapFigure f;
    f.setData(d);
    return f;
}

// The unmasked reference model's attention for sentence 1 (PyTorch's numbers).
HeatmapFigure referenceAttention()
{
    const auto ref =
        attnlab::readNamedMatrices(ATTNLAB_FIXTURES "/reference/final-seed77-unmasked.txt");
    return figureOf(ref.at("A1").cast<float>(), {"<start>", "man", "ordered", "the", "chicken"});
}

QImage imageOf(const QByteArray& bytes)
{
    QImage image;
    image.loadFromData(bytes);
    return image;
}

// Whether the outermost pixels of an image are all (near) white: nothing drawn off the canvas.
bool borderIsWhite(const QImage& image)
{
    auto white = [&](int x, int y) { return qGray(image.pixel(x, y)) >= 250; };
    for (int x = 0; x < image.width(); ++x) {
        if (!white(x, 0) || !white(x, image.height() - 1)) {
            return false;
        }
    }
    for (int y = 0; y < image.height(); ++y) {
        if (!white(0, y) || !white(image.width() - 1, y)) {
            return false;
        }
    }
    return true;
}

QString pdftoppm()
{
    return QStandardPaths::findExecutable(QStringLiteral("pdftoppm"));
}

// The PDF's first page rasterised by poppler at `dpi`.
QImage rasterisePdf(const QByteArray& pdf, int dpi, const QTemporaryDir& dir)
{
    const QString in = dir.filePath("r.pdf");
    saveBytes(in, pdf);
    QProcess::execute(pdftoppm(),
                      {"-png", "-r", QString::number(dpi), "-singlefile", in, dir.filePath("r")});
    return QImage(dir.filePath("r.png"));
}

QImage rasteriseSvg(const QByteArray& svg)
{
    QSvgRenderer renderer(svg);
    QImage image(renderer.defaultSize(), QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    renderer.render(&painter);
    return image;
}

} // namespace

class TestFigureExport : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void pngHasTheSizeOfInchesTimesDpiOnAnyScreen_data();
    void pngHasTheSizeOfInchesTimesDpiOnAnyScreen();
    void pngCellsHaveTheirColourAndTheirNumber();
    void svgViewBoxAndSizeAgreeAndMatchThePng();
    void svgKeepsSpecialCharactersAsEscapedText();
    void pdfKeepsSpecialCharactersAsText();
    void everyNumberSitsInItsCellAndEqualsTheCsv();
    void maskedCellsCarryNoNumber();
    void longLabelsStayOnTheCanvasInEveryFormat();
    void pdfPageHoldsTheWholeFigure();
    void largeMatricesStaySmall_data();
    void largeMatricesStaySmall();
    void unknownSuffixAndMissingFolderAreRefused();
    void exportAllWritesEveryFormatWithPredictableNames();
    void maskedAttentionIsDrawnMaskedButExportedAsZero();
    void exportedFigureAlwaysHasItsColourBar();

private:
    QTemporaryDir m_dir;
};

void TestFigureExport::initTestCase()
{
    QCOMPARE(qApp->devicePixelRatio(), 2.0);
}

void TestFigureExport::pngHasTheSizeOfInchesTimesDpiOnAnyScreen_data()
{
    QTest::addColumn<double>("dpi");
    QTest::addColumn<QSize>("pixels");
    QTest::newRow("96 DPI") << 96.0 << QSize(384, 288);
    QTest::newRow("150 DPI") << 150.0 << QSize(600, 450);
    QTest::newRow("300 DPI") << 300.0 << QSize(1200, 900);
}

void TestFigureExport::pngHasTheSizeOfInchesTimesDpiOnAnyScreen()
{
    // C19: a 4×3 inch figure.
    QFETCH(double, dpi);
    QFETCH(QSize, pixels);
    const QString path = m_dir.filePath(QString("c19-%1.png").arg(dpi));
    saveFigure(path, heatmapPainter(referenceAttention()), QSizeF(4, 3), dpi, "A");
    QImageReader reader(path);
    QCOMPARE(reader.size(), pixels);
    const QImage image = reader.read();
    QCOMPARE(qRound(image.dotsPerMeterX() * 0.0254), qRound(dpi));
    QVERIFY(borderIsWhite(image));
}

void TestFigureExport::pngCellsHaveTheirColourAndTheirNumber()
{
    attnlab::Matrix m(3, 3);
    m << 0, 0.5f, 1, 0.25f, 0.75f, 0.125f, 1, 0, 0.5f;
    const HeatmapFigure fig = figureOf(m, {"a", "b", "c"});
    const QImage image = imageOf(pngBytes(heatmapPainter(fig), QSizeF(4, 3), 96));
    const HeatmapLayout layout = fig.layout(QRectF(0, 0, 384, 288));
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) {
            const QRectF cell = layout.cellRect(r, c);
            const QColor expected = ColorMap::color(ColorMap::Kind::Deck, m(r, c));
            // Away from the centred number, the cell has the map's colour for its value.
            const QColor got = image.pixelColor(cell.topLeft().toPoint() + QPoint(3, 3));
            QVERIFY(std::abs(got.red() - expected.red()) <= 2);
            QVERIFY(std::abs(got.green() - expected.green()) <= 2);
            QVERIFY(std::abs(got.blue() - expected.blue()) <= 2);
            // The number is there: pixels of the text colour near the centre.
            const QColor ink = ColorMap::textColorOn(expected);
            int inked = 0;
            const QRect centre = cell.adjusted(cell.width() / 4, cell.height() / 3,
                                               -cell.width() / 4, -cell.height() / 3)
                                     .toRect();
            for (int y = centre.top(); y <= centre.bottom(); ++y) {
                for (int x = centre.left(); x <= centre.right(); ++x) {
                    inked += std::abs(qGray(image.pixel(x, y)) - qGray(ink.rgb())) < 60;
                }
            }
            QVERIFY2(inked > 5, qPrintable(QString("no number in cell %1,%2").arg(r).arg(c)));
        }
    }
}

void TestFigureExport::svgViewBoxAndSizeAgreeAndMatchThePng()
{
    // C18: a 640×480 view.
    const QSizeF inches(640 / 96.0, 480 / 96.0);
    const QByteArray svg = svgBytes(heatmapPainter(referenceAttention()), inches, "A");
    QXmlStreamReader xml(svg);
    while (!xml.atEnd() && !(xml.readNext() == QXmlStreamReader::StartElement)) {
    }
    QCOMPARE(xml.name().toString(), QString("svg"));
    QCOMPARE(xml.attributes().value("viewBox").toString(), QString("0 0 640 480"));
    QCOMPARE(xml.attributes().value("width").toString(), QString("640"));
    QCOMPARE(xml.attributes().value("height").toString(), QString("480"));
    const QImage png = imageOf(pngBytes(heatmapPainter(referenceAttention()), inches, 96));
    QCOMPARE(rasteriseSvg(svg).size(), png.size());
}

void TestFigureExport::svgKeepsSpecialCharactersAsEscapedText()
{
    // C13: the sentence "a<b & c>d" and a title with the same characters.
    attnlab::Matrix m(2, 2);
    m << 0.5f, 0.5f, 0.25f, 0.75f;
    HeatmapFigure fig = figureOf(m, {"a<b", "& c>d"});
    const QByteArray svg = svgBytes(heatmapPainter(fig), QSizeF(4, 3), "x < y & z");
    bool wellFormed = false;
    QStringList texts;
    for (const SvgText& t : svgTexts(svg, &wellFormed)) {
        texts << t.text;
    }
    QVERIFY(wellFormed);
    QCOMPARE(texts.count("a<b"), 2); // row and column label
    QCOMPARE(texts.count("& c>d"), 2);
    QVERIFY(svg.contains("<title>x &lt; y &amp; z</title>"));
}

void TestFigureExport::pdfKeepsSpecialCharactersAsText()
{
    const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
    if (pdftotext.isEmpty()) {
        QSKIP("pdftotext (Debian's poppler-utils) is not installed: the PDF text is not read");
    }
    attnlab::Matrix m(1, 1);
    m << 0.5f;
    HeatmapFigure fig = figureOf(m, {"a<b & c>d"});
    const QString path = m_dir.filePath("c13.pdf");
    saveFigure(path, heatmapPainter(fig), QSizeF(4, 3), 96, "c13");
    QProcess p;
    p.start(pdftotext, {path, "-"});
    QVERIFY(p.waitForFinished(30000));
    QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains("a<b & c>d"));
}

void TestFigureExport::everyNumberSitsInItsCellAndEqualsTheCsv()
{
    // C14: the annotated 5×5 attention map, 25 numbers.
    const HeatmapFigure fig = referenceAttention();
    const QSizeF inches(6, 4.5);
    bool wellFormed = false;
    const QList<SvgText> texts = svgTexts(svgBytes(heatmapPainter(fig), inches, "A"), &wellFormed);
    QVERIFY(wellFormed);
    const HeatmapLayout layout = fig.layout(QRectF(0, 0, 6 * 96, 4.5 * 96));
    QVERIFY(layout.numbersShown);
    const QStringList csv =
        QString::fromStdString(attnlab::csvText(fig.data().values, {"r0", "r1", "r2", "r3", "r4"},
                                                {"c0", "c1", "c2", "c3", "c4"}))
            .split('\n');
    int numbers = 0;
    for (int r = 0; r < 5; ++r) {
        for (int c = 0; c < 5; ++c) {
            const QRectF cell = layout.cellRect(r, c);
            const double csvValue = csv[r + 1].split(',')[c + 1].toDouble();
            const QString shown = QString::number(csvValue, 'f', 2);
            bool found = false;
            for (const SvgText& t : texts) {
                found = found || (cell.contains(t.anchor) && t.text == shown);
            }
            QVERIFY2(found, qPrintable(QString("cell %1,%2 lacks %3").arg(r).arg(c).arg(shown)));
            ++numbers;
        }
    }
    QCOMPARE(numbers, 25);
}

void TestFigureExport::maskedCellsCarryNoNumber()
{
    attnlab::Matrix m(2, 2);
    m << 1, kMasked, 0.25f, 0.75f;
    const HeatmapFigure fig = figureOf(m, {"a", "b"});
    bool wellFormed = false;
    const QList<SvgText> texts =
        svgTexts(svgBytes(heatmapPainter(fig), QSizeF(4, 3), "A"), &wellFormed);
    const QRectF masked = fig.layout(QRectF(0, 0, 384, 288)).cellRect(0, 1);
    for (const SvgText& t : texts) {
        QVERIFY2(!masked.contains(t.anchor), qPrintable(t.text));
    }
}

void TestFigureExport::longLabelsStayOnTheCanvasInEveryFormat()
{
    // C15: the token supercalifragilisticexpialidocious on both axes.
    attnlab::Matrix m(3, 3);
    m.setConstant(0.3f);
    const HeatmapFigure fig = figureOf(m, {"<start>", "supercalifragilisticexpialidocious", "the"});
    const QSizeF inches(4, 3);
    QVERIFY(borderIsWhite(imageOf(pngBytes(heatmapPainter(fig), inches, 150))));
    QVERIFY(borderIsWhite(rasteriseSvg(svgBytes(heatmapPainter(fig), inches, "C15"))));
    if (!pdftoppm().isEmpty()) {
        QVERIFY(
            borderIsWhite(rasterisePdf(pdfBytes(heatmapPainter(fig), inches, "C15"), 96, m_dir)));
    }
    const HeatmapLayout layout = fig.layout(QRectF(0, 0, 384, 288));
    for (const auto& labels : {layout.rowLabels, layout.colLabels}) {
        for (const HeatmapLabel& label : labels) {
            QVERIFY(QRectF(0, 0, 384, 288).contains(label.bounds()));
        }
    }
}

void TestFigureExport::pdfPageHoldsTheWholeFigure()
{
    // C19: the whole figure on the page; poppler's rendering matches the PNG's cells.
    if (pdftoppm().isEmpty()) {
        QSKIP("pdftoppm (Debian's poppler-utils) is not installed: the PDF is not rasterised");
    }
    const HeatmapFigure fig = referenceAttention();
    const QImage pdf = rasterisePdf(pdfBytes(heatmapPainter(fig), QSizeF(4, 3), "A"), 96, m_dir);
    const QImage png = imageOf(pngBytes(heatmapPainter(fig), QSizeF(4, 3), 96));
    QCOMPARE(pdf.size(), QSize(384, 288));
    QVERIFY(borderIsWhite(pdf));
    const HeatmapLayout layout = fig.layout(QRectF(0, 0, 384, 288));
    for (int r = 0; r < 5; ++r) {
        for (int c = 0; c < 5; ++c) {
            const QPoint corner = layout.cellRect(r, c).topLeft().toPoint() + QPoint(3, 3);
            const QColor a = pdf.pixelColor(corner), b = png.pixelColor(corner);
            QVERIFY(std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) +
                        std::abs(a.blue() - b.blue()) <=
                    12);
        }
    }
}

void TestFigureExport::largeMatricesStaySmall_data()
{
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("maxBytes");
    QTest::addColumn<bool>("image");
    QTest::newRow("64x64 as vectors") << 64 << 2 * 1024 * 1024 << false;
    QTest::newRow("512x512 cells as one image") << 512 << 2 * 1024 * 1024 << true;
}

void TestFigureExport::largeMatricesStaySmall()
{
    // C16.
    QFETCH(int, n);
    QFETCH(int, maxBytes);
    QFETCH(bool, image);
    attnlab::Matrix m(n, n);
    for (int i = 0; i < m.size(); ++i) {
        m.data()[i] = float((i * 7919) % 1000) / 1000.0f;
    }
    QStringList labels;
    for (int i = 0; i < n; ++i) {
        labels << QString("t%1").arg(i);
    }
    const HeatmapFigure fig = figureOf(m, labels);
    const QByteArray svg = svgBytes(heatmapPainter(fig), QSizeF(8, 8), "big");
    const QByteArray pdf = pdfBytes(heatmapPainter(fig), QSizeF(8, 8), "big");
    QVERIFY2(svg.size() < maxBytes, qPrintable(QString::number(svg.size())));
    QVERIFY2(pdf.size() < maxBytes, qPrintable(QString::number(pdf.size())));
    QCOMPARE(svg.contains("<image"), image);
    QVERIFY(svg.contains("<text")); // axis labels stay vector text
}

void TestFigureExport::unknownSuffixAndMissingFolderAreRefused()
{
    const Painter paint = heatmapPainter(referenceAttention());
    try {
        saveFigure(m_dir.filePath("fig.bmpx"), paint, QSizeF(4, 3), 96, "A");
        QFAIL("accepted");
    } catch (const attnlab::InputError& e) {
        QVERIFY2(QString(e.what()).contains("fig.bmpx") && QString(e.what()).contains(".svg"),
                 e.what());
    }
    try {
        saveFigure("/nonexistent/folder/fig.png", paint, QSizeF(4, 3), 96, "A");
        QFAIL("accepted");
    } catch (const attnlab::InputError& e) {
        QVERIFY2(QString(e.what()).contains("/nonexistent/folder/fig.png"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(attnlab::InputError,
                             saveFigure(m_dir.filePath("z.png"), paint, QSizeF(0, 3), 96, "A"));
    QVERIFY(!QFile::exists(m_dir.filePath("z.png")));
}

void TestFigureExport::exportAllWritesEveryFormatWithPredictableNames()
{
    const QString folder = m_dir.filePath("all/nested");
    const QStringList files =
        exportAll(folder, "sentence1-attention", referenceAttention(), QSizeF(4, 3), 150);
    QStringList names;
    for (const QString& f : files) {
        QVERIFY(QFile::exists(f));
        names << QFileInfo(f).fileName();
    }
    QCOMPARE(names, (QStringList{"sentence1-attention.png", "sentence1-attention.svg",
                                 "sentence1-attention.pdf", "sentence1-attention.csv",
                                 "sentence1-attention.npy", "sentence1-attention.npy.json"}));
    QFile json(files.back());
    QVERIFY(json.open(QIODevice::ReadOnly));
    QVERIFY(json.readAll().contains("\"chicken\""));
}

void TestFigureExport::maskedAttentionIsDrawnMaskedButExportedAsZero()
{
    HeatmapData d;
    d.values = attnlab::Matrix(2, 2);
    d.values << 1, kMasked, 0.25f, 0.75f;
    d.dataValues = attnlab::Matrix(2, 2);
    d.dataValues << 1, 0, 0.25f, 0.75f;
    d.rowLabels = d.colLabels = QStringList{"a", "b"};
    const QString path = m_dir.filePath("masked.csv");
    saveData(path, d);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray(",a,b\na,1,0\nb,0.25,0.75\n"));
}

void TestFigureExport::exportedFigureAlwaysHasItsColourBar()
{
    HeatmapFigure withBar = referenceAttention();
    HeatmapFigure without = withBar;
    HeatmapStyle style = without.style();
    style.colorBar = false;
    without.setStyle(style);
    QVERIFY(without.layout(QRectF(0, 0, 384, 288)).colorBar.isNull());
    QCOMPARE(renderImage(heatmapPainter(without), QSizeF(4, 3), 96),
             renderImage(heatmapPainter(withBar), QSizeF(4, 3), 96));
}

int main(int argc, char** argv)
{
    qputenv("QT_SCALE_FACTOR", "2");
    QApplication app(argc, argv);
    TestFigureExport test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_figureexport.moc"
