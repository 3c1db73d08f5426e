// IDX files in, image sets out: good files read back exactly, raw or gzip; every kind of wrong
// file is refused with a message that names it and gives the expected and actual sizes (C11);
// a refused load leaves the set the caller holds as it was; the real Fashion-MNIST loads.
#include <errors.h>
#include <idx.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

#ifdef __linux__
#include <sys/resource.h>
#endif

#include <algorithm>
#include <array>
#include <cstdint>

using namespace attnlab;

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

void appendBigEndian(QByteArray& bytes, std::uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        bytes.append(char((value >> shift) & 0xff));
    }
}

// An IDX image header for count images of rows × cols.
QByteArray imageHeader(std::uint32_t count, std::uint32_t rows, std::uint32_t cols)
{
    QByteArray bytes;
    appendBigEndian(bytes, 0x00000803);
    appendBigEndian(bytes, count);
    appendBigEndian(bytes, rows);
    appendBigEndian(bytes, cols);
    return bytes;
}

QByteArray labelHeader(std::uint32_t count)
{
    QByteArray bytes;
    appendBigEndian(bytes, 0x00000801);
    appendBigEndian(bytes, count);
    return bytes;
}

// A whole image file holding `count` images of rows × cols, pixel k of the file = k·7 mod 256.
QByteArray imageFile(int count, int rows, int cols)
{
    QByteArray bytes = imageHeader(count, rows, cols);
    for (int k = 0; k < count * rows * cols; ++k) {
        bytes.append(char((k * 7) % 256));
    }
    return bytes;
}

// A whole label file holding labels k mod classes.
QByteArray labelFile(int count, int classes = 10)
{
    QByteArray bytes = labelHeader(count);
    for (int k = 0; k < count; ++k) {
        bytes.append(char(k % classes));
    }
    return bytes;
}

// Writes gzip (one member) through zlib's streaming API, so that large, highly compressible
// inputs (zeros) never sit whole in memory.
class Gzipper
{
public:
    Gzipper() { deflateInit2(&m_zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY); }
    ~Gzipper() { deflateEnd(&m_zs); }

    void add(const QByteArray& bytes) { run(bytes.constData(), bytes.size(), Z_NO_FLUSH); }
    void addZeros(qint64 count)
    {
        const QByteArray zeros(1 << 16, '\0');
        for (; count > 0; count -= zeros.size()) {
            run(zeros.constData(), int(std::min<qint64>(count, zeros.size())), Z_NO_FLUSH);
        }
    }
    QByteArray finish()
    {
        run(nullptr, 0, Z_FINISH);
        return m_out;
    }

private:
    void run(const char* data, int size, int flush)
    {
        m_zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
        m_zs.avail_in = uInt(size);
        std::array<Bytef, 1 << 14> buffer;
        do {
            m_zs.next_out = buffer.data();
            m_zs.avail_out = uInt(buffer.size());
            deflate(&m_zs, flush);
            m_out.append(reinterpret_cast<const char*>(buffer.data()),
                         qsizetype(buffer.size() - m_zs.avail_out));
        } while (m_zs.avail_out == 0);
    }

    z_stream m_zs{};
    QByteArray m_out;
};

QByteArray gzip(const QByteArray& bytes)
{
    Gzipper z;
    z.add(bytes);
    return z.finish();
}

// The highest resident memory of this process so far in MiB, or -1 where unknown.
long peakMiB()
{
#ifdef __linux__
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
#else
    return -1;
#endif
}

} // namespace

class TestIdx : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void rawFilesReadBackExactly();
    void gzipIsRecognisedByItsMagicNotItsName();
    void concatenatedGzipMembersAreOneStream();
    void wrongFilesAreRefusedNamingExpectedAndFound_data();
    void wrongFilesAreRefusedNamingExpectedAndFound();
    void headerClaimingHugeSizeAllocatesNothingLarge();
    void gzipBombIsRefusedWithoutHoldingIt();
    void classesOutsideTheByteRangeAreRefused();
    void refusedLoadLeavesTheHeldSetUnchanged();
    void fashionFolderIsFoundWithRawOrGzipFiles();
    void missingFashionFolderSaysWhatToInstall();
    void environmentVariableChoosesTheFolder();
    void realFashionMnistHas60000And10000BalancedImages();

private:
    std::string write(const QString& name, const QByteArray& bytes);
    QTemporaryDir m_dir;
};

std::string TestIdx::write(const QString& name, const QByteArray& bytes)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size()) {
        qFatal("cannot write %s", qPrintable(path));
    }
    return path.toStdString();
}

void TestIdx::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // A whole small Fashion-MNIST folder, raw and gzip mixed, and one lacking the test files.
    QVERIFY(QDir(m_dir.path()).mkpath("fashion"));
    write("fashion/train-images-idx3-ubyte.gz", gzip(imageFile(20, 28, 28)));
    write("fashion/train-labels-idx1-ubyte", labelFile(20));
    write("fashion/t10k-images-idx3-ubyte", imageFile(5, 28, 28));
    write("fashion/t10k-labels-idx1-ubyte.gz", gzip(labelFile(5)));
    QVERIFY(QDir(m_dir.path()).mkpath("half"));
    write("half/train-images-idx3-ubyte.gz", gzip(imageFile(1, 28, 28)));
    write("half/train-labels-idx1-ubyte.gz", gzip(labelFile(1)));
}

void TestIdx::rawFilesReadBackExactly()
{
    const ImageSet set =
        readIdxImages(write("images.idx", imageFile(3, 4, 5)), write("labels.idx", labelFile(3)));
    QCOMPARE(set.count(), 3);
    QCOMPARE(set.rows, 4);
    QCOMPARE(set.cols, 5);
    QCOMPARE(set.labels, (std::vector<int>{0, 1, 2}));
    QCOMPARE(set.pixels.size(), size_t(60));
    for (int k = 0; k < 60; ++k) {
        QCOMPARE(set.pixels[size_t(k)], float((k * 7) % 256) / 255.0f);
    }
    QCOMPARE(set.image(1)[0], float(20 * 7) / 255.0f); // row-major, image after image
}

void TestIdx::gzipIsRecognisedByItsMagicNotItsName()
{
    const QByteArray images = imageFile(6, 28, 28);
    const QByteArray labels = labelFile(6);
    const ImageSet raw = readIdxImages(write("r-img", images), write("r-lab", labels));
    // gzip data without .gz in the name, raw data with .gz in the name, and both gzip.
    const ImageSet mixed = readIdxImages(write("g-img", gzip(images)), write("r-lab.gz", labels));
    const ImageSet both =
        readIdxImages(write("g-img.gz", gzip(images)), write("g-lab.gz", gzip(labels)));
    for (const ImageSet* set : {&mixed, &both}) {
        QCOMPARE(set->pixels, raw.pixels);
        QCOMPARE(set->labels, raw.labels);
        QCOMPARE(set->rows, 28);
    }
    QCOMPARE(raw.pixels[73], 1.0f); // 73·7 = 511 = 255 mod 256
    QCOMPARE(raw.pixels[256], 0.0f);
}

void TestIdx::concatenatedGzipMembersAreOneStream()
{
    const QByteArray images = imageFile(2, 3, 3);
    const QByteArray parts = gzip(images.left(10)) + gzip(images.mid(10));
    const ImageSet set = readIdxImages(write("parts.gz", parts), write("parts-l", labelFile(2)));
    QCOMPARE(set.count(), 2);
    QCOMPARE(set.pixels.back(), float((17 * 7) % 256) / 255.0f);
}

void TestIdx::wrongFilesAreRefusedNamingExpectedAndFound_data()
{
    QTest::addColumn<QByteArray>("images");
    QTest::addColumn<QByteArray>("labels");
    QTest::addColumn<int>("classes");
    QTest::addColumn<QString>("culprit"); // "images" or "labels": the file the message names
    QTest::addColumn<QStringList>("fragments");

    // C11: a header declaring 60000 images of 28×28 but holding 10.
    const QByteArray ten = imageHeader(60000, 28, 28) + imageFile(10, 28, 28).mid(16);
    const QStringList sixtyThousand{"60000 images of 28×28 (47040000 bytes)",
                                    "7840 bytes of pixels"};
    QTest::newRow("60000 declared, 10 held")
        << ten << labelFile(60000) << 10 << "images" << (sixtyThousand + QStringList{"holds"});
    QTest::newRow("60000 declared, 10 held, gzip")
        << gzip(ten) << gzip(labelFile(60000)) << 10 << "images"
        << (sixtyThousand + QStringList{"decompresses to"});
    QTest::newRow("10 declared, 20 held")
        << imageHeader(10, 28, 28) + imageFile(20, 28, 28).mid(16) << labelFile(10) << 10
        << "images"
        << QStringList{"10 images of 28×28 (7840 bytes)", "holds 15680 bytes of pixels"};
    QTest::newRow("10 declared, 20 held, gzip")
        << gzip(imageHeader(10, 28, 28) + imageFile(20, 28, 28).mid(16)) << labelFile(10) << 10
        << "images" << QStringList{"(7840 bytes)", "decompresses to 15680 bytes of pixels"};
    QTest::newRow("labels short") << imageFile(100, 2, 2) << labelHeader(100) + QByteArray(50, 1)
                                  << 10 << "labels"
                                  << QStringList{"100 labels (100 bytes)",
                                                 "holds 50 bytes of labels"};

    // C11: a 12-byte file.
    QTest::newRow("12-byte image file")
        << imageHeader(1, 28, 28).left(12) << labelFile(1) << 10 << "images"
        << QStringList{"a 12-byte file is too short for an IDX image header of 16 bytes"};
    QTest::newRow("12 bytes, gzip")
        << gzip(imageHeader(1, 28, 28).left(12)) << labelFile(1) << 10 << "images"
        << QStringList{"decompresses to 12 bytes", "header of 16 bytes"};
    QTest::newRow("empty label file") << imageFile(1, 2, 2) << QByteArray() << 10 << "labels"
                                      << QStringList{"a 0-byte file", "label header of 8 bytes"};

    // C11: 100 images, 99 labels.
    QTest::newRow("100 images, 99 labels")
        << imageFile(100, 28, 28) << labelFile(99) << 10 << "images"
        << QStringList{"has 100 images but", "labels.bin has 99 labels"};

    QTest::newRow("label file as image file")
        << labelFile(10) << labelFile(10) << 10 << "images"
        << QStringList{"expected the magic number 0x00000803", "found 0x00000801 (a label file)"};
    QTest::newRow("image file as label file")
        << imageFile(1, 2, 2) << imageFile(1, 2, 2) << 10 << "labels"
        << QStringList{"expected the magic number 0x00000801", "found 0x00000803 (an image file)"};
    QTest::newRow("a PNG") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) << labelFile(1) << 10
                           << "images" << QStringList{"not an IDX image file", "0x89504E47"};
    QTest::newRow("16-bit pixels")
        << QByteArray("\0\0\x0b\x03", 4) + imageFile(1, 2, 2).mid(4) << labelFile(1) << 10
        << "images" << QStringList{"0x00000803", "found 0x00000B03"};

    QTest::newRow("label 10 of 10 classes")
        << imageFile(12, 2, 2) << labelFile(12, 11) << 10 << "labels"
        << QStringList{"item 10", "has the label 10", "10 classes", "from 0 to 9"};
    QTest::newRow("label 3 of 3 classes") << imageFile(6, 2, 2) << labelFile(6) << 3 << "labels"
                                          << QStringList{"item 3", "label 3", "from 0 to 2"};

    QTest::newRow("no image") << imageHeader(0, 28, 28) << labelHeader(0) << 10 << "images"
                              << QStringList{"declares 0 images; expected from 1 to 1000000"};
    QTest::newRow("2 million images") << imageHeader(2000000, 28, 28) << labelFile(1) << 10
                                      << "images" << QStringList{"2000000 images", "1000000"};
    QTest::newRow("5000 rows") << imageHeader(1, 5000, 28) << labelFile(1) << 10 << "images"
                               << QStringList{"5000×28 pixels", "from 1 to 4096"};
    QTest::newRow("4 GiB of pixels")
        << imageHeader(1000000, 4096, 4096) << labelHeader(1000000) << 10 << "images"
        << QStringList{"1000000 images of 4096×4096", "at most 1073741824 pixels"};

    // Gzip that is cut, damaged, or whose trailer claims a huge size.
    const QByteArray whole = gzip(imageFile(50, 28, 28));
    QTest::newRow("gzip cut in half")
        << whole.left(whole.size() / 2) << labelFile(50) << 10 << "images"
        << QStringList{"50 images of 28×28 (39200 bytes)", "gzip data ends early, after ",
                       "bytes of pixels", "truncated"};
    QTest::newRow("gzip without its trailer")
        << whole.chopped(8) << labelFile(50) << 10 << "images"
        << QStringList{"(39200 bytes)", "ends early, after all of them, before the gzip checksum"};
    QTest::newRow("gzip cut in the header")
        << whole.left(12) << labelFile(50) << 10 << "images"
        << QStringList{"gzip data ends early, after 0 bytes, inside the IDX header of 16 bytes"};
    QByteArray hugeSize = whole;
    hugeSize.replace(hugeSize.size() - 4, 4, QByteArray(4, '\xff'));
    QTest::newRow("gzip trailer claims 4 GiB")
        << hugeSize << labelFile(50) << 10 << "images"
        << QStringList{"gzip data is damaged", "incorrect length check"};
    QByteArray flipped = whole;
    flipped[flipped.size() / 2] = char(~flipped[flipped.size() / 2]);
    QTest::newRow("gzip damaged") << flipped << labelFile(50) << 10 << "images"
                                  << QStringList{"gzip data is damaged"};
    QTest::newRow("garbage after gzip") << whole + "garbage" << labelFile(50) << 10 << "images"
                                        << QStringList{"gzip data is damaged"};
}

void TestIdx::wrongFilesAreRefusedNamingExpectedAndFound()
{
    QFETCH(QByteArray, images);
    QFETCH(QByteArray, labels);
    QFETCH(int, classes);
    QFETCH(QString, culprit);
    QFETCH(QStringList, fragments);
    const std::string imagesPath = write("images.bin", images);
    const std::string labelsPath = write("labels.bin", labels);
    const QString message = refusal([&] { readIdxImages(imagesPath, labelsPath, classes); });
    QVERIFY2(!message.isEmpty(), "the files were accepted");
    const std::string& named = culprit == "images" ? imagesPath : labelsPath;
    QVERIFY2(message.startsWith(QString::fromStdString(named)), qPrintable(message));
    for (const QString& fragment : fragments) {
        QVERIFY2(message.contains(fragment), qPrintable(message + "\nlacks: " + fragment));
    }
}

void TestIdx::headerClaimingHugeSizeAllocatesNothingLarge()
{
    // A 10-image gzip whose header declares 1000000 images of 28×28 (784 MB): refused after
    // reading what is there, without reserving room for what the header claims.
    const std::string images =
        write("huge.gz", gzip(imageHeader(1000000, 28, 28) + imageFile(10, 28, 28).mid(16)));
    Gzipper labels;
    labels.add(labelHeader(1000000));
    labels.addZeros(1000000);
    const std::string labelsPath = write("huge-labels.gz", labels.finish());
    const long before = peakMiB();
    const QString message = refusal([&] { readIdxImages(images, labelsPath); });
    QVERIFY2(message.contains("1000000 images of 28×28 (784000000 bytes)") &&
                 message.contains("decompresses to 7840 bytes of pixels"),
             qPrintable(message));
    if (before >= 0) {
        QVERIFY2(peakMiB() - before < 64, qPrintable(QString::number(peakMiB() - before)));
    }
}

void TestIdx::gzipBombIsRefusedWithoutHoldingIt()
{
    // 10 images declared, followed by 200 MB of zeros that compress to a few hundred kB.
    Gzipper bomb;
    bomb.add(imageFile(10, 28, 28));
    bomb.addZeros(200 << 20);
    const QByteArray compressed = bomb.finish();
    QVERIFY(compressed.size() < (1 << 20));
    const std::string images = write("bomb.gz", compressed);
    const std::string labels = write("bomb-labels", labelFile(10));
    const long before = peakMiB();
    const QString message = refusal([&] { readIdxImages(images, labels); });
    QVERIFY2(message.contains("declares 10 images of 28×28 (7840 bytes) but the file "
                              "decompresses to " +
                              QString::number(7840 + (200 << 20)) + " bytes of pixels"),
             qPrintable(message));
    if (before >= 0) {
        QVERIFY2(peakMiB() - before < 64, qPrintable(QString::number(peakMiB() - before)));
    }
}

void TestIdx::classesOutsideTheByteRangeAreRefused()
{
    const std::string images = write("c-img", imageFile(1, 2, 2));
    const std::string labels = write("c-lab", labelFile(1));
    for (int classes : {0, 257}) {
        const QString message = refusal([&] { readIdxImages(images, labels, classes); });
        QVERIFY2(message.contains("number of classes") && message.contains("from 1 to 256"),
                 qPrintable(message));
    }
    QCOMPARE(readIdxImages(images, labels, 256).count(), 1);
}

void TestIdx::refusedLoadLeavesTheHeldSetUnchanged()
{
    // C11: the dataset loaded before stays loaded.
    ImageSet held =
        readIdxImages(write("keep-img", imageFile(4, 3, 3)), write("keep-lab", labelFile(4)));
    const ImageSet copy = held;
    const std::string bad = write("bad-img", imageHeader(60000, 28, 28) + QByteArray(7840, 1));
    const std::string labels = write("bad-lab", labelFile(60000));
    QVERIFY(!refusal([&] { held = readIdxImages(bad, labels); }).isEmpty());
    QCOMPARE(held.rows, copy.rows);
    QCOMPARE(held.cols, copy.cols);
    QCOMPARE(held.pixels, copy.pixels);
    QCOMPARE(held.labels, copy.labels);
}

void TestIdx::fashionFolderIsFoundWithRawOrGzipFiles()
{
    const std::string folder = m_dir.filePath("fashion").toStdString();
    QCOMPARE(findFashionMnist(folder), folder);
    const FashionMnist data = loadFashionMnist(folder);
    QCOMPARE(data.folder, folder);
    QCOMPARE(data.train.count(), 20);
    QCOMPARE(data.test.count(), 5);
    QCOMPARE(data.test.labels.back(), 4);
}

void TestIdx::missingFashionFolderSaysWhatToInstall()
{
    const std::string half = m_dir.filePath("half").toStdString();
    QString message = refusal([&] { findFashionMnist(half); });
    QVERIFY2(message.contains(QString::fromStdString(half)) &&
                 message.contains("t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)") &&
                 !message.contains("train-") && message.contains("dataset-fashion-mnist"),
             qPrintable(message));
    const std::string none = m_dir.filePath("no-such-folder").toStdString();
    message = refusal([&] { loadFashionMnist(none); });
    QVERIFY2(message.contains(QString::fromStdString(none)) && message.contains("does not exist") &&
                 message.contains("dataset-fashion-mnist"),
             qPrintable(message));
}

void TestIdx::environmentVariableChoosesTheFolder()
{
    const QByteArray saved = qgetenv(kFashionMnistVariable);
    const bool wasSet = qEnvironmentVariableIsSet(kFashionMnistVariable);
    const QByteArray fashion = m_dir.filePath("fashion").toLocal8Bit();
    const QByteArray half = m_dir.filePath("half").toLocal8Bit();
    qputenv(kFashionMnistVariable, fashion);
    const std::string found = findFashionMnist();
    qputenv(kFashionMnistVariable, half);
    const QString message = refusal([] { findFashionMnist(); });
    const std::string given = findFashionMnist(fashion.toStdString()); // a given folder wins
    wasSet ? qputenv(kFashionMnistVariable, saved) : qunsetenv(kFashionMnistVariable);
    QCOMPARE(found, fashion.toStdString());
    QVERIFY2(message.contains("$ATTNLAB_FASHION_MNIST") && message.contains(half),
             qPrintable(message));
    QCOMPARE(given, fashion.toStdString());
}

void TestIdx::realFashionMnistHas60000And10000BalancedImages()
{
    std::string folder;
    try {
        folder = findFashionMnist();
    } catch (const InputError& e) {
        QSKIP(qPrintable("Fashion-MNIST is not installed here: " + QString(e.what())));
    }
    const FashionMnist data = loadFashionMnist();
    QCOMPARE(data.folder, folder);
    QCOMPARE(data.train.count(), 60000);
    QCOMPARE(data.test.count(), 10000);
    for (const ImageSet* set : {&data.train, &data.test}) {
        QCOMPARE(set->rows, 28);
        QCOMPARE(set->cols, 28);
        QCOMPARE(set->pixels.size(), size_t(set->count()) * 784);
        const auto [lo, hi] = std::minmax_element(set->pixels.begin(), set->pixels.end());
        QCOMPARE(*lo, 0.0f);
        QCOMPARE(*hi, 1.0f);
        std::array<int, 10> perClass{};
        for (int label : set->labels) {
            QVERIFY(label >= 0 && label < 10);
            ++perClass[size_t(label)];
        }
        const int each = set->count() / 10; // 6000 in train, 1000 in test
        QCOMPARE(perClass,
                 (std::array<int, 10>{each, each, each, each, each, each, each, each, each, each}));
    }
    // The published files: the first training image is an ankle boot whose bytes sum to 76247.
    QCOMPARE(data.train.labels.front(), 9);
    double sum = 0;
    for (int k = 0; k < 784; ++k) {
        sum += double(data.train.image(0)[k]) * 255.0;
    }
    QCOMPARE(qRound(sum), 76247);
}

QTEST_GUILESS_MAIN(TestIdx)
#include "tst_idx.moc"
