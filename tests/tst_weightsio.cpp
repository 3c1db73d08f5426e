// Reading weights in the reference's text format: good files load exactly, bad ones are
// refused with the file, the line and the fault named, before anything large is allocated.
#include <errors.h>
#include <weightsio.h>

#include <QTest>

using namespace attnlab;

class TestWeightsIo : public QObject
{
    Q_OBJECT
private slots:
    void referenceInitLoadsEveryMatrix();
    void badTextIsRefusedNamingLineAndFault_data();
    void badTextIsRefusedNamingLineAndFault();
    void missingFileIsNamed();
    void numberBeyondFloatRangeIsRefused();
};

void TestWeightsIo::referenceInitLoadsEveryMatrix()
{
    const NamedMatrices m = readNamedMatrices(ATTNLAB_FIXTURES "/reference/init-seed77.txt");
    QCOMPARE(m.at("tok").rows(), 7);
    QCOMPARE(m.at("pos").rows(), 5);
    QCOMPARE(m.at("wq").cols(), 20);
    // The first number of the file, as PyTorch printed it.
    QCOMPARE(m.at("tok")(0, 0), -0.504308819770813);
    const ToyParams<float> p = toyParamsFrom(m, "init");
    QCOMPARE(p.wv.rows(), 7);
}

void TestWeightsIo::badTextIsRefusedNamingLineAndFault_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("fault");
    QTest::newRow("too few rows") << "a 2 2\n1 2\n"
                                  << "line 2: the file ends before row 2";
    QTest::newRow("too few numbers") << "a 1 3\n1 2\n"
                                     << "line 2: expected 3 numbers, found 2";
    QTest::newRow("not a number") << "a 1 2\n1 x\n"
                                  << "\"x\" is not a number";
    QTest::newRow("bad header") << "a 1\n1\n"
                                << "line 1: expected a header";
    QTest::newRow("huge size") << "a 100000 100000\n"
                               << "larger than the limit";
    QTest::newRow("negative size") << "a -1 2\n"
                                   << "\"-1\" is not a size";
    QTest::newRow("nan") << "a 1 2\n1 nan\n"
                         << "line 2: \"nan\" is not a finite number";
    QTest::newRow("infinity") << "a 1 1\ninf\n"
                              << "\"inf\" is not a finite number";
    QTest::newRow("overflow") << "a 1 1\n1e400\n"
                              << "out of the range";
    QTest::newRow("twice") << "a 1 1\n1\na 1 1\n2\n"
                           << "line 3: the matrix \"a\" appears";
}

void TestWeightsIo::badTextIsRefusedNamingLineAndFault()
{
    QFETCH(QString, text);
    QFETCH(QString, fault);
    try {
        parseNamedMatrices(text.toStdString(), "w.txt");
        QFAIL("accepted");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).startsWith("w.txt") && QString(e.what()).contains(fault),
                 e.what());
    }
}

void TestWeightsIo::missingFileIsNamed()
{
    try {
        readNamedMatrices(ATTNLAB_FIXTURES);
        QFAIL("a folder was accepted");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("is a folder"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(InputError, readNamedMatrices("/nonexistent/w.txt"));
    try {
        toyParamsFrom(parseNamedMatrices("tok 1 1\n1\n", "w.txt"), "w.txt");
        QFAIL("accepted");
    } catch (const InputError& e) {
        QVERIFY(QString(e.what()).contains("\"pos\" is missing"));
    }
}

// A double that no float holds would become an infinite weight: refused, naming the file, the
// matrix and the number (found by fuzzing the weights reader; the input is a fixture).
void TestWeightsIo::numberBeyondFloatRangeIsRefused()
{
    const std::string path = ATTNLAB_FIXTURES "/fuzz/weights/float-overflow.txt";
    const NamedMatrices m = readNamedMatrices(path);
    try {
        toyParamsFrom(m, path);
        QFAIL("an infinite weight was accepted");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(path) + ": the matrix") &&
                     QString(e.what()).contains("beyond the range"),
                 e.what());
    }
}

QTEST_GUILESS_MAIN(TestWeightsIo)
#include "tst_weightsio.moc"
