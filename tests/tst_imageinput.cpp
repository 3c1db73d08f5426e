// A user's picture in, the model's input out: the same intensities from every PNG kind and a
// JPEG within its tolerance (C10), the alpha rule, 16 bits kept, the inversion rule, padding
// and scaling named in the note (C08), and files that cannot be read refused by name.
#include <errors.h>
#include <imageinput.h>

#include <QColor>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <set>

using attnlab::InputError;

namespace {

// The message of the InputError that `load` throws, or an empty string.
template <typename F> QString refusal(F load)
{
    try {
        load();
    } catch (const InputError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

// The gray value (0..255) of the test picture at x, y: a smooth light blob on black, like a
// garment of Fashion-MNIST, plus a faint ramp so that many values occur.
int garmentValue(int x, int y)
{
    const double dx = x - 13.5, dy = y - 13.0;
    const double blob = 235.0 * std::exp(-(dx * dx / 40.0 + dy * dy / 70.0));
    return std::clamp(int(std::lround(blob + (x + y) * 0.35)), 0, 255);
}

QImage garmentGray8()
{
    QImage image(28, 28, QImage::Format_Grayscale8);
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            image.scanLine(y)[x] = uchar(garmentValue(x, y));
        }
    }
    return image;
}

QImage garmentGray16()
{
    QImage image(28, 28, QImage::Format_Grayscale16);
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            reinterpret_cast<quint16*>(image.scanLine(y))[x] = quint16(garmentValue(x, y) * 257);
        }
    }
    return image;
}

QImage garmentRgb(QImage::Format format, int alpha = 255)
{
    QImage image(28, 28, format);
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            const int v = garmentValue(x, y);
            image.setPixelColor(x, y, QColor(v, v, v, alpha));
        }
    }
    return image;
}

// A palette image: the picture's gray values plus one red entry, so that the colour table is
// not all gray and a PNG writer keeps it a palette.
QImage garmentPalette()
{
    std::set<int> used;
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            used.insert(garmentValue(x, y));
        }
    }
    QList<QRgb> table{qRgb(255, 0, 0)};
    std::vector<int> index(256, 0);
    for (int v : used) {
        index[size_t(v)] = int(table.size());
        table << qRgb(v, v, v);
    }
    QImage image(28, 28, QImage::Format_Indexed8);
    image.setColorTable(table);
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            image.scanLine(y)[x] = uchar(index[size_t(garmentValue(x, y))]);
        }
    }
    return image;
}

// What every lossless form of the picture must give: value / 255.
std::vector<float> garmentExpected()
{
    std::vector<float> pixels;
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            pixels.push_back(float(garmentValue(x, y)) / 255.0f);
        }
    }
    return pixels;
}

float maxDifference(const std::vector<float>& a, const std::vector<float>& b)
{
    float worst = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        worst = std::max(worst, std::abs(a[i] - b[i]));
    }
    return worst;
}

// A gray16 image of width × height filled with `value`, `border` on its outermost pixels.
QImage filled16(int width, int height, quint16 value, quint16 border = 0)
{
    QImage image(width, height, QImage::Format_Grayscale16);
    for (int y = 0; y < height; ++y) {
        auto* line = reinterpret_cast<quint16*>(image.scanLine(y));
        for (int x = 0; x < width; ++x) {
            const bool edge = x == 0 || y == 0 || x == width - 1 || y == height - 1;
            line[x] = edge ? border : value;
        }
    }
    return image;
}

float at(const ModelImage& m, int x, int y)
{
    return m.pixels[size_t(y) * size_t(m.cols) + size_t(x)];
}

} // namespace

class TestImageInput : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void everyLosslessKindGivesTheSameIntensities_data();
    void everyLosslessKindGivesTheSameIntensities();
    void everyPngKindLoadsToTheSameIntensities_data();
    void everyPngKindLoadsToTheSameIntensities();
    void jpegStaysWithinItsTolerance();
    void colourFollowsTheLumaWeights();
    void alphaIsCompositedOverWhite();
    void halfTransparentPictureFollowsTheAlphaRule();
    void sixteenBitsKeepTheirRange();
    void lightBackgroundIsInvertedAndSaid();
    void borderOfExactlyHalfIsNotInverted();
    void tallImageIsPaddedCentredAndSaid();
    void wideImageIsPaddedCentredAndSaid();
    void oddSizeIsScaledThenPaddedNamingBothSizes();
    void largeImageIsScaledDownKeepingItsRange();
    void shrinkingAveragesAndEnlargingInterpolates();
    void emptyImageAndBadSizesAreRefused();
    void missingUnsupportedAndBrokenFilesAreRefusedByName();
    void hugeImageIsRefusedBeforeDecoding();
    void manyPixelsInATinyFileAreRefusedBeforeDecoding();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    QTemporaryDir m_dir;
};

void TestImageInput::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // The picture is a garment on black: its border stays dark, so it is never inverted.
    const ModelImage m = toModelImage(garmentGray8(), "garment");
    QVERIFY2(m.note.isEmpty(), qPrintable(m.note));
}

void TestImageInput::everyLosslessKindGivesTheSameIntensities_data()
{
    QTest::addColumn<QImage>("image");
    QTest::newRow("8-bit gray") << garmentGray8();
    QTest::newRow("16-bit gray") << garmentGray16();
    QTest::newRow("RGB32") << garmentRgb(QImage::Format_RGB32);
    QTest::newRow("RGB888") << garmentRgb(QImage::Format_RGB888);
    QTest::newRow("ARGB32, alpha 255") << garmentRgb(QImage::Format_ARGB32);
    QTest::newRow("premultiplied, alpha 255") << garmentRgb(QImage::Format_ARGB32_Premultiplied);
    QTest::newRow("RGBA64, alpha 255") << garmentRgb(QImage::Format_RGBA64);
    QTest::newRow("palette") << garmentPalette();
}

void TestImageInput::everyLosslessKindGivesTheSameIntensities()
{
    QFETCH(QImage, image);
    const ModelImage m = toModelImage(image, "garment");
    QCOMPARE(m.rows, 28);
    QCOMPARE(m.cols, 28);
    QCOMPARE(m.note, QString());
    QCOMPARE(m.pixels, garmentExpected()); // exact: v / 255 in float
}

void TestImageInput::everyPngKindLoadsToTheSameIntensities_data()
{
    // C10, on disk: what the PNG writer makes of each kind, and what the reader gives back.
    QTest::addColumn<QImage>("image");
    QTest::addColumn<int>("loadedFormat");
    QTest::newRow("8-bit gray") << garmentGray8() << int(QImage::Format_Grayscale8);
    QTest::newRow("16-bit gray") << garmentGray16() << int(QImage::Format_Grayscale16);
    QTest::newRow("RGB") << garmentRgb(QImage::Format_RGB32) << int(QImage::Format_RGB32);
    QTest::newRow("RGBA, alpha 255")
        << garmentRgb(QImage::Format_ARGB32) << int(QImage::Format_ARGB32);
    QTest::newRow("palette") << garmentPalette() << int(QImage::Format_Indexed8);
}

void TestImageInput::everyPngKindLoadsToTheSameIntensities()
{
    QFETCH(QImage, image);
    QFETCH(int, loadedFormat);
    const QString file = path(QString::fromLatin1(QTest::currentDataTag()) + ".png");
    QVERIFY(image.save(file, "PNG"));
    const QImage loaded = loadUserImage(file);
    QCOMPARE(int(loaded.format()), loadedFormat); // the file really is of that kind
    QCOMPARE(toModelImage(loaded, "garment.png").pixels, garmentExpected());
}

void TestImageInput::jpegStaysWithinItsTolerance()
{
    // JPEG is lossy. The stated tolerance, for this smooth picture at quality 95, from gray and
    // from RGB: at most 4/255 on any pixel and 1/255 on average (libjpeg-turbo 2.1 gives 2/255
    // and 0.36/255).
    const std::vector<float> expected = garmentExpected();
    for (const QImage& image : {garmentGray8(), garmentRgb(QImage::Format_RGB32)}) {
        const QString file = path("garment.jpg");
        QVERIFY(image.save(file, "JPEG", 95));
        const ModelImage m = toModelImage(loadUserImage(file), "garment.jpg");
        double mean = 0;
        for (size_t i = 0; i < expected.size(); ++i) {
            mean += std::abs(m.pixels[i] - expected[i]) / double(expected.size());
        }
        const float worst = maxDifference(m.pixels, expected);
        QVERIFY2(worst <= 4.0f / 255.0f, qPrintable(QString::number(worst * 255.0f)));
        QVERIFY2(mean <= 1.0 / 255.0, qPrintable(QString::number(mean * 255.0)));
    }
}

void TestImageInput::colourFollowsTheLumaWeights()
{
    // g = (299 R + 587 G + 114 B) / 1000; a dark border keeps it from being inverted.
    QImage image(3, 3, QImage::Format_RGB32);
    image.fill(Qt::black);
    image.setPixel(1, 1, qRgb(255, 0, 0));
    const QImage red = image.copy();
    image.setPixel(1, 1, qRgb(10, 200, 40));
    const float r = toModelImage(red, "red", 3, 3).pixels[4];
    const float mixed = toModelImage(image, "mixed", 3, 3).pixels[4];
    QCOMPARE(r, float(0.299));
    QCOMPARE(mixed, float((299.0 * 10 + 587.0 * 200 + 114.0 * 40) / 1000.0 / 255.0));
}

void TestImageInput::alphaIsCompositedOverWhite()
{
    // out = a·g + (1 − a): half-transparent black gives 127/255; transparent anything gives 1.
    QImage image(28, 28, QImage::Format_ARGB32);
    image.fill(QColor(0, 0, 0, 255));
    image.setPixelColor(10, 10, QColor(0, 0, 0, 128));
    image.setPixelColor(11, 10, QColor(0, 0, 0, 0));
    image.setPixelColor(12, 10, QColor(255, 255, 255, 128));
    image.setPixelColor(13, 10, QColor(100, 100, 100, 64));
    const ModelImage m = toModelImage(image, "alpha");
    QCOMPARE(at(m, 10, 10), 127.0f / 255.0f);
    QCOMPARE(at(m, 11, 10), 1.0f);
    QCOMPARE(at(m, 12, 10), 1.0f);
    QCOMPARE(at(m, 13, 10), float(64.0 / 255.0 * 100.0 / 255.0 + (1.0 - 64.0 / 255.0)));
    QCOMPARE(at(m, 0, 0), 0.0f);
    QCOMPARE(m.note, QString());
    // The same through an RGBA PNG.
    QVERIFY(image.save(path("alpha.png")));
    QCOMPARE(toModelImage(loadUserImage(path("alpha.png")), "alpha").pixels, m.pixels);
}

void TestImageInput::halfTransparentPictureFollowsTheAlphaRule()
{
    // C10's RGBA picture: alpha 128 everywhere, so each pixel is a·v/255 + (1 − a) with
    // a = 128/255. Over white its border averages 0.525, lighter than 0.5, so the rule then
    // inverts it: a·(1 − v/255).
    const QImage image = garmentRgb(QImage::Format_ARGB32, 128);
    QVERIFY(image.save(path("half.png")));
    const ModelImage m = toModelImage(loadUserImage(path("half.png")), "half.png");
    const double a = 128.0 / 255.0;
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            QCOMPARE(at(m, x, y), float(a * (1.0 - garmentValue(x, y) / 255.0)));
        }
    }
    QVERIFY2(m.note.contains("inverted") && m.note.contains("0.53"), qPrintable(m.note));
}

void TestImageInput::sixteenBitsKeepTheirRange()
{
    // 0x8080 and 0x8000 are the same in 8 bits; they must stay apart, in memory and on disk.
    for (const bool onDisk : {false, true}) {
        float centre[2];
        for (const quint16 value : {quint16(0x8080), quint16(0x8000)}) {
            QImage image = filled16(28, 28, 0);
            reinterpret_cast<quint16*>(image.scanLine(14))[14] = value;
            if (onDisk) {
                QVERIFY(image.save(path("sixteen.png")));
                image = loadUserImage(path("sixteen.png"));
                QCOMPARE(image.format(), QImage::Format_Grayscale16);
            }
            const ModelImage m = toModelImage(image, "sixteen");
            centre[value == 0x8000] = at(m, 14, 14);
            QCOMPARE(at(m, 14, 14), float(value / 65535.0));
        }
        QVERIFY(centre[0] - centre[1] > 0.9f * 0x80 / 65535.0f);
    }
}

void TestImageInput::lightBackgroundIsInvertedAndSaid()
{
    // A dark square on white paper becomes a light square on black.
    QImage image(28, 28, QImage::Format_Grayscale8);
    image.fill(255);
    for (int y = 9; y < 19; ++y) {
        for (int x = 9; x < 19; ++x) {
            image.scanLine(y)[x] = 51;
        }
    }
    const ModelImage m = toModelImage(image, "paper.png");
    QCOMPARE(at(m, 0, 0), 0.0f);
    QCOMPARE(at(m, 27, 27), 0.0f);
    QCOMPARE(at(m, 12, 12), float(1.0 - 51.0 / 255.0));
    QVERIFY2(m.note.contains("paper.png") && m.note.contains("inverted") && m.note.contains("1.00"),
             qPrintable(m.note));
    // A transparent picture is white paper too.
    QImage clear(28, 28, QImage::Format_ARGB32);
    clear.fill(Qt::transparent);
    const ModelImage c = toModelImage(clear, "clear.png");
    QCOMPARE(c.pixels, std::vector<float>(784, 0.0f));
    QVERIFY(c.note.contains("inverted"));
}

void TestImageInput::borderOfExactlyHalfIsNotInverted()
{
    // A checkerboard of black and white has a border mean of exactly 0.5: kept as it is.
    QImage image(28, 28, QImage::Format_Grayscale8);
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            image.scanLine(y)[x] = (x + y) % 2 ? 255 : 0;
        }
    }
    const ModelImage m = toModelImage(image, "checks");
    QCOMPARE(at(m, 1, 0), 1.0f);
    QCOMPARE(m.note, QString());
    image.scanLine(0)[0] = 1; // a hair lighter than half
    QVERIFY(toModelImage(image, "checks").note.contains("inverted"));
}

void TestImageInput::tallImageIsPaddedCentredAndSaid()
{
    // C08: 28 rows of 14 columns (14×28 pixels, width×height): padded to 28×28, not scaled.
    const ModelImage m = toModelImage(filled16(14, 28, 0x6666, 0x6666), "tall.png");
    QCOMPARE(m.note, QStringLiteral("tall.png is 14×28 pixels; padded to 28×28"));
    for (int x = 0; x < 28; ++x) {
        const float want = x >= 7 && x < 21 ? float(0x6666 / 65535.0) : 0.0f;
        QCOMPARE(at(m, x, 0), want);
        QCOMPARE(at(m, x, 27), want);
    }
}

void TestImageInput::wideImageIsPaddedCentredAndSaid()
{
    const ModelImage m = toModelImage(filled16(28, 14, 0x6666, 0x6666), "wide.png");
    QCOMPARE(m.note, QStringLiteral("wide.png is 28×14 pixels; padded to 28×28"));
    for (int y = 0; y < 28; ++y) {
        QCOMPARE(at(m, 0, y), y >= 7 && y < 21 ? float(0x6666 / 65535.0) : 0.0f);
    }
}

void TestImageInput::oddSizeIsScaledThenPaddedNamingBothSizes()
{
    // C08: 30×29 keeps its aspect ratio: 28×27 (29·28/30 = 27.07), then one black row below.
    const ModelImage m = toModelImage(filled16(30, 29, 0x6666, 0x6666), "photo.png");
    QCOMPARE(m.note, QStringLiteral("photo.png is 30×29 pixels; scaled to 28×27 and padded to "
                                    "28×28"));
    const float value = float(0x6666 / 65535.0);
    for (int x = 0; x < 28; ++x) {
        QVERIFY(std::abs(at(m, x, 0) - value) < 1e-6f);
        QVERIFY(std::abs(at(m, x, 26) - value) < 1e-6f);
        QCOMPARE(at(m, x, 27), 0.0f);
    }
}

void TestImageInput::largeImageIsScaledDownKeepingItsRange()
{
    // 112×112 to 28×28: a uniform area keeps its 16-bit value through the scaling.
    float centre[2];
    for (const quint16 value : {quint16(0x8080), quint16(0x8000)}) {
        const ModelImage m = toModelImage(filled16(112, 112, value), "big.png");
        QCOMPARE(m.note, QStringLiteral("big.png is 112×112 pixels; scaled to 28×28"));
        centre[value == 0x8000] = at(m, 14, 14);
        QVERIFY(std::abs(at(m, 14, 14) - float(value / 65535.0)) < 1e-6f);
        // Edge pixels average 4×4 source pixels, of which the black border takes 4 or 7.
        QCOMPARE(at(m, 14, 0), float(value / 65535.0 * 12.0 / 16.0));
        QCOMPARE(at(m, 0, 0), float(value / 65535.0 * 9.0 / 16.0));
    }
    QVERIFY(centre[0] - centre[1] > 0.9f * 0x80 / 65535.0f);
}

void TestImageInput::shrinkingAveragesAndEnlargingInterpolates()
{
    // Black and white stripes one pixel wide, halved: each output pixel is their mean.
    QImage stripes(56, 56, QImage::Format_Grayscale8);
    for (int y = 0; y < 56; ++y) {
        for (int x = 0; x < 56; ++x) {
            stripes.scanLine(y)[x] = x % 2 ? 255 : 0;
        }
    }
    QCOMPARE(toModelImage(stripes, "stripes").pixels, std::vector<float>(784, 0.5f));
    // 2×1 pixels, black then 0x8000, enlarged to 28×14: linear between the pixel centres
    // (output x maps to source (x + 0.5)·2/28 − 0.5), flat beyond them.
    QImage pair = filled16(2, 1, 0);
    reinterpret_cast<quint16*>(pair.scanLine(0))[1] = 0x8000;
    const ModelImage m = toModelImage(pair, "pair");
    QCOMPARE(m.note, QStringLiteral("pair is 2×1 pixels; scaled to 28×14 and padded to 28×28"));
    const double top = 0x8000 / 65535.0;
    for (int x = 0; x < 28; ++x) {
        const double f = std::clamp((x + 0.5) * 2.0 / 28.0 - 0.5, 0.0, 1.0);
        QVERIFY(std::abs(at(m, x, 7) - float(f * top)) < 1e-6f);
        QCOMPARE(at(m, x, 6), 0.0f);
    }
    // A small picture is scaled up to fill the frame, keeping a uniform value.
    const ModelImage small = toModelImage(filled16(7, 7, 0x1000, 0x1000), "small");
    QCOMPARE(small.note, QStringLiteral("small is 7×7 pixels; scaled to 28×28"));
    QCOMPARE(small.pixels, std::vector<float>(784, float(0x1000 / 65535.0)));
}

void TestImageInput::emptyImageAndBadSizesAreRefused()
{
    QString message = refusal([] { toModelImage(QImage(), "nothing.png"); });
    QVERIFY2(message.startsWith("nothing.png") && message.contains("empty"), qPrintable(message));
    message = refusal([] { toModelImage(filled16(4, 4, 0), "x.png", 0, 28); });
    QVERIFY2(message.contains("28×0"), qPrintable(message));
}

void TestImageInput::missingUnsupportedAndBrokenFilesAreRefusedByName()
{
    const QString missing = path("missing.png");
    QString message = refusal([&] { loadUserImage(missing); });
    QVERIFY2(message.contains(missing) && message.contains("no such file"), qPrintable(message));

    QFile text(path("notes.txt"));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("These are not the pixels you are looking for.\n");
    text.close();
    message = refusal([&] { loadUserImage(text.fileName()); });
    QVERIFY2(message.contains(text.fileName()) && message.contains(".txt is not one Qt can read") &&
                 message.contains("png"),
             qPrintable(message));

    QFile broken(path("broken.png"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write(QByteArray("\x89PNG\r\n\x1a\n", 8) + QByteArray(200, 'x'));
    broken.close();
    message = refusal([&] { loadUserImage(broken.fileName()); });
    QVERIFY2(message.startsWith(broken.fileName() + ": cannot be read ("), qPrintable(message));

    message = refusal([&] { loadUserImage(m_dir.path()); });
    QVERIFY2(message.contains("is a folder"), qPrintable(message));
}

void TestImageInput::hugeImageIsRefusedBeforeDecoding()
{
    // A PGM header that claims 20000×20000 pixels and holds none: refused from the header.
    QFile file(path("huge.pgm"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("P5\n20000 20000\n255\n");
    file.close();
    QCOMPARE(QImageReader(file.fileName()).size(), QSize(20000, 20000));
    const QString message = refusal([&] { loadUserImage(file.fileName()); });
    QVERIFY2(message.contains(file.fileName()) && message.contains("20000×20000") &&
                 message.contains("16384×16384"),
             qPrintable(message));
}

// A 118-byte BMP that declares 12000×12000 pixels and holds 64 bytes of them: Qt decodes it
// whole, and turning it into the model's input took over 2 GB (found by looking into the picture
// fuzz target's memory use). Refused from its header now. The fixture is in the fuzz target's
// layout: one byte (the model size it tries), then the file.
void TestImageInput::manyPixelsInATinyFileAreRefusedBeforeDecoding()
{
    QFile fixture(ATTNLAB_FIXTURES "/fuzz/image/truncated-huge.bmp");
    QVERIFY(fixture.open(QIODevice::ReadOnly));
    QFile file(path("huge.bmp"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(fixture.readAll().mid(1));
    file.close();
    const QString message = refusal([&] { loadUserImage(file.fileName()); });
    QVERIFY2(message.startsWith(file.fileName()) && message.contains("12000×12000") &&
                 message.contains("144000000 in all; at most 64000000"),
             qPrintable(message));

    // The same limit for a picture that comes from elsewhere (8 MB of 1-bit pixels).
    const QImage wide(16000, 4001, QImage::Format_Mono);
    const QString wideMessage = refusal([&] { toModelImage(wide, "wide.png"); });
    QVERIFY2(wideMessage.startsWith("wide.png: ") && wideMessage.contains("64016000 in all"),
             qPrintable(wideMessage));
}

QTEST_MAIN(TestImageInput)
#include "tst_imageinput.moc"
