// Matrix data for other programs: .npy files that NumPy loads (C21), CSV that reads back
// exactly whatever the locale, and files replaced atomically.
#include <errors.h>
#include <matrixexport.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <charconv>
#include <clocale>
#include <cstring>
#include <locale>

using namespace attnlab;

namespace {

// A reader written from the .npy format description, independent of the writer.
struct Npy
{
    QByteArray header;
    qsizetype dataOffset = 0;
    QList<float> data;
};

Npy readNpy(const QByteArray& bytes)
{
    Npy n;
    const int length = quint8(bytes[8]) | (quint8(bytes[9]) << 8);
    n.header = bytes.mid(10, length);
    n.dataOffset = 10 + length;
    for (qsizetype i = n.dataOffset; i + 4 <= bytes.size(); i += 4) {
        quint32 bits = 0;
        for (int b = 0; b < 4; ++b) {
            bits |= quint32(quint8(bytes[i + b])) << (8 * b);
        }
        float f;
        std::memcpy(&f, &bits, 4);
        n.data << f;
    }
    return n;
}

Matrix attention5x5()
{
    Matrix m(5, 5);
    m << 1, 0, 0, 0, 0, 0.25f, 0.75f, 0, 0, 0, 0.1f, 0.2f, 0.7f, 0, 0, 0.5f, 0.125f, 0.125f, 0.25f,
        0, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f;
    return m;
}

struct CommaDecimal : std::numpunct<char>
{
    char do_decimal_point() const override { return ','; }
};

} // namespace

class TestMatrixExport : public QObject
{
    Q_OBJECT
private slots:
    void npyHeaderIsPaddedTo64BytesAndEndsInNewline_data();
    void npyHeaderIsPaddedTo64BytesAndEndsInNewline();
    void npyDataIsRowMajorFloat32();
    void numpyLoadsTheSameValuesAsTheCsv();
    void csvReadsBackExactlyUnderACommaDecimalLocale();
    void csvQuotesLabelsThatNeedIt();
    void nonFiniteValuesHaveReadableNames();
    void saveReplacesTheFileAndLeavesNoTemporary();
    void saveToMissingFolderNamesThePath();

private:
    QTemporaryDir m_dir;
};

void TestMatrixExport::npyHeaderIsPaddedTo64BytesAndEndsInNewline_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<bool>("asVector");
    QTest::addColumn<QString>("shape");
    QTest::newRow("5x5 attention") << 5 << 5 << false << "(5, 5)";
    QTest::newRow("length-7 prediction row") << 1 << 7 << true << "(7,)";
    QTest::newRow("512x512") << 512 << 512 << false << "(512, 512)";
}

void TestMatrixExport::npyHeaderIsPaddedTo64BytesAndEndsInNewline()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(bool, asVector);
    QFETCH(QString, shape);
    const std::string s = npyBytes(Matrix::Zero(rows, cols), asVector);
    const QByteArray bytes(s.data(), qsizetype(s.size()));
    QVERIFY(bytes.startsWith("\x93NUMPY"));
    QCOMPARE(int(bytes[6]), 1); // version 1.0
    QCOMPARE(int(bytes[7]), 0);
    const Npy n = readNpy(bytes);
    QCOMPARE(n.dataOffset % 64, 0);
    QVERIFY(n.header.endsWith('\n'));
    QVERIFY(n.header.contains("'descr': '<f4'"));
    QVERIFY(n.header.contains("'fortran_order': False"));
    QVERIFY2(n.header.contains("'shape': " + shape.toUtf8()), n.header.constData());
    QCOMPARE(n.data.size(), qsizetype(rows) * cols);
}

void TestMatrixExport::npyDataIsRowMajorFloat32()
{
    Matrix m(2, 3);
    m << 1, 2, 3, 4, 5, 6.5f;
    const std::string s = npyBytes(m);
    const Npy n = readNpy(QByteArray(s.data(), qsizetype(s.size())));
    QCOMPARE(n.data, (QList<float>{1, 2, 3, 4, 5, 6.5f}));
}

void TestMatrixExport::numpyLoadsTheSameValuesAsTheCsv()
{
    // C21: the 5×5 attention matrix and a length-7 prediction row.
    const QString python = "/usr/bin/python3";
    if (QProcess::execute(python, {"-c", "import numpy"}) != 0) {
        QSKIP("Debian's python3-numpy is not installed; the independent reader above still ran");
    }
    const Matrix att = attention5x5();
    Matrix row(1, 7);
    row << 0.01f, 0.03f, 0.48f, 1e-7f, 0.0f, 0.4799999f, 3.14159274f;
    const std::vector<std::string> five{"<start>", "man", "ordered", "the", "chicken"};
    const std::string attPath = m_dir.filePath("att.npy").toStdString();
    const std::string rowPath = m_dir.filePath("row.npy").toStdString();
    const std::string csvPath = m_dir.filePath("att.csv").toStdString();
    saveFileAtomically(attPath, npyBytes(att));
    saveFileAtomically(rowPath, npyBytes(row, true));
    saveFileAtomically(csvPath, csvText(att, five, five));
    const QString script =
        "import numpy as np, csv, sys\n"
        "a = np.load(sys.argv[1]); r = np.load(sys.argv[2])\n"
        "rows = list(csv.reader(open(sys.argv[3], encoding='utf-8')))\n"
        "c = np.array([[np.float32(x) for x in row[1:]] for row in rows[1:]], dtype=np.float32)\n"
        "assert a.dtype == np.float32 and a.shape == (5, 5) and a.flags['C_CONTIGUOUS']\n"
        "assert r.shape == (7,), r.shape\n"
        "assert (a == c).all(), (a, c)\n"
        "assert rows[0][1:] == ['<start>', 'man', 'ordered', 'the', 'chicken']\n"
        "print(repr(float(r[6])))\n";
    QProcess p;
    p.start(python, {"-c", script, QString::fromStdString(attPath), QString::fromStdString(rowPath),
                     QString::fromStdString(csvPath)});
    QVERIFY(p.waitForFinished(60000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    QCOMPARE(p.readAllStandardOutput().trimmed(), QByteArray("3.1415927410125732"));
}

void TestMatrixExport::csvReadsBackExactlyUnderACommaDecimalLocale()
{
    const std::locale saved =
        std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
    const char* cLocale = std::setlocale(LC_NUMERIC, "de_DE.UTF-8"); // where installed
    Matrix m(1, 4);
    m << 0.1f, -1234.5678f, 1e-30f, 3.40282e38f;
    const std::string text = csvText(m, {"r"}, {"a", "b", "c", "d"});
    std::locale::global(saved);
    std::setlocale(LC_NUMERIC, "C");
    Q_UNUSED(cLocale);
    const QStringList lines = QString::fromStdString(text).split('\n');
    QCOMPARE(lines[0], ",a,b,c,d");
    const QStringList cells = lines[1].split(',');
    QCOMPARE(cells.size(), 5);
    for (int c = 0; c < 4; ++c) {
        const std::string cell = cells[c + 1].toStdString();
        float back = 0;
        const auto res = std::from_chars(cell.data(), cell.data() + cell.size(), back);
        QVERIFY(res.ec == std::errc());
        QCOMPARE(back, m(0, c)); // exactly
    }
}

void TestMatrixExport::csvQuotesLabelsThatNeedIt()
{
    const std::string text = csvText(Matrix::Zero(1, 2), {"a,b"}, {"say \"hi\"", "ok"});
    QCOMPARE(QString::fromStdString(text), QString(",\"say \"\"hi\"\"\",ok\n\"a,b\",0,0\n"));
}

void TestMatrixExport::nonFiniteValuesHaveReadableNames()
{
    QCOMPARE(formatFloat(std::numeric_limits<float>::quiet_NaN()), std::string("nan"));
    QCOMPARE(formatFloat(-std::numeric_limits<float>::infinity()), std::string("-inf"));
    QCOMPARE(formatFloat(0.25f), std::string("0.25"));
}

void TestMatrixExport::saveReplacesTheFileAndLeavesNoTemporary()
{
    QDir dir(m_dir.filePath("replace"));
    QVERIFY(dir.mkpath("."));
    const std::string path = dir.filePath("m.csv").toStdString();
    saveFileAtomically(path, "old");
    saveFileAtomically(path, "new");
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("new"));
    QCOMPARE(dir.entryList(QDir::Files), QStringList{"m.csv"});
    // A target that cannot be replaced (a folder) is refused and nothing is left behind.
    QVERIFY(dir.mkpath("sub/inner"));
    QVERIFY_THROWS_EXCEPTION(InputError,
                             saveFileAtomically(dir.filePath("sub").toStdString(), "x"));
    QCOMPARE(dir.entryList(QDir::Files), QStringList{"m.csv"});
}

void TestMatrixExport::saveToMissingFolderNamesThePath()
{
    try {
        saveFileAtomically("/nonexistent/folder/m.npy", "x");
        QFAIL("accepted");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("/nonexistent/folder/m.npy"), e.what());
    }
}

QTEST_GUILESS_MAIN(TestMatrixExport)
#include "tst_matrixexport.moc"
