// attnlab-cli end to end: exit codes, messages that name the input and the fault, and the
// printed tables.
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run cli(const QStringList& args)
{
    QProcess p;
    p.start(QStringLiteral(ATTNLAB_CLI), args);
    if (!p.waitForFinished(120000)) {
        qFatal("attnlab-cli did not finish");
    }
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// The cells of the row labelled `label` in the table that follows `heading` after `from`.
QList<double> tableRow(const QString& out, const QString& from, const QString& heading,
                       const QString& label)
{
    const qsizetype start = out.indexOf(heading, out.indexOf(from));
    const QStringList lines = out.mid(start).split('\n');
    for (const QString& line : lines.mid(2)) {
        const QStringList cells = line.split(' ', Qt::SkipEmptyParts);
        if (!cells.isEmpty() && cells.first() == label) {
            QList<double> values;
            for (const QString& c : cells.mid(1)) {
                values << c.toDouble();
            }
            return values;
        }
    }
    return {};
}

QString writeFile(QTemporaryDir& dir, const QString& name, const QByteArray& content)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        qFatal("cannot write a fixture");
    }
    f.write(content);
    return path;
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT
private slots:
    void helpDescribesTheCommandAndExitsZero();
    void missingOrUnknownCommandIsAUsageError_data();
    void missingOrUnknownCommandIsAUsageError();
    void lessonPrintsTablesThatShowChickenAndBeef();
    void referenceInitReachesReferenceLoss();
    void badInputExitsOneNamingTheFault_data();
    void badInputExitsOneNamingTheFault();
    void runawayLearningRateExitsThreeWithTheStep();
    void ownCorpusAndPredictionAreShown();

private:
    QTemporaryDir m_dir;
};

void TestCli::helpDescribesTheCommandAndExitsZero()
{
    const Run r = cli({"--help"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("train"));
    QVERIFY(r.out.contains("--corpus"));
    QVERIFY(r.out.contains("Exit status"));
}

void TestCli::missingOrUnknownCommandIsAUsageError_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("no command") << QStringList{};
    QTest::newRow("unknown command") << QStringList{"fly"};
    QTest::newRow("lesson and corpus") << QStringList{"train", "--lesson", "--corpus", "x"};
}

void TestCli::missingOrUnknownCommandIsAUsageError()
{
    QFETCH(QStringList, args);
    const Run r = cli(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains("attnlab-cli"));
}

void TestCli::lessonPrintsTablesThatShowChickenAndBeef()
{
    const Run r = cli({"train", "--lesson"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("<start> the man chicken ordered woman beef"));
    QVERIFY(r.out.contains("10000 optimizer steps"));
    // Columns: <start> the man chicken ordered woman beef.
    const QList<double> the1 = tableRow(r.out, "sentence 1", "predictions", "the");
    const QList<double> the2 = tableRow(r.out, "sentence 2", "predictions", "the");
    QCOMPARE(the1.size(), 7);
    QCOMPARE(the2.size(), 7);
    QVERIFY(the1[3] >= 0.8);
    QVERIFY(the2[6] >= 0.8);
    const QList<double> att = tableRow(r.out, "sentence 1", "attention weights", "<start>");
    QCOMPARE(att, (QList<double>{1, 0, 0, 0, 0}));
}

void TestCli::referenceInitReachesReferenceLoss()
{
    // PyTorch's run from the same weights ends at mean loss 0.2392 (run-seed77.txt).
    const Run r = cli({"train", "--init", ATTNLAB_FIXTURES "/reference/init-seed77.txt"});
    QCOMPARE(r.exitCode, 0);
    const auto m = QRegularExpression("final loss ([0-9.]+)").match(r.out);
    QVERIFY(m.hasMatch());
    QVERIFY(std::abs(m.captured(1).toDouble() - 0.2392) <= 1e-3);
}

void TestCli::badInputExitsOneNamingTheFault_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("fault");
    QTemporaryDir& dir = m_dir;
    const QString empty = writeFile(dir, "empty.txt", "  \n\n");
    const QString longer = writeFile(dir, "long.txt", "a b c d e f g h\n");
    const QString broken = writeFile(dir, "init.txt", "tok 7 7\n1 2 3\n");
    QTest::newRow("missing corpus")
        << QStringList{"train", "--corpus", "/nonexistent/c.txt"} << "/nonexistent/c.txt";
    QTest::newRow("empty corpus") << QStringList{"train", "--corpus", empty} << "no sentence";
    QTest::newRow("context too short")
        << QStringList{"train", "--corpus", longer, "--context", "4"} << "context is 4";
    QTest::newRow("learning rate word")
        << QStringList{"train", "--learning-rate", "fast"} << "--learning-rate";
    QTest::newRow("negative epochs") << QStringList{"train", "--epochs", "-3"} << "epochs";
    QTest::newRow("unknown word") << QStringList{"train", "--epochs", "1", "--predict", "a pizza"}
                                  << "\"a\"";
    QTest::newRow("bad output") << QStringList{"train", "--output", "tanh"} << "tanh";
    QTest::newRow("bad device") << QStringList{"train", "--device", "tpu"} << "tpu";
    QTest::newRow("truncated init") << QStringList{"train", "--init", broken} << "line 2";
}

void TestCli::badInputExitsOneNamingTheFault()
{
    QFETCH(QStringList, args);
    QFETCH(QString, fault);
    const Run r = cli(args);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(fault), qPrintable(r.err));
}

void TestCli::runawayLearningRateExitsThreeWithTheStep()
{
    const Run r = cli({"train", "--learning-rate", "1e30", "--epochs", "10"});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains("step 2") && r.err.contains("non-finite"), qPrintable(r.err));
    QVERIFY(!r.out.contains("nan"));
}

void TestCli::ownCorpusAndPredictionAreShown()
{
    QTemporaryDir dir;
    const QString corpus = writeFile(dir, "c.txt", "The cat sat.\nThe dog ran!\n");
    const Run r = cli({"train", "--corpus", corpus, "--epochs", "20", "--predict", "the dog"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("vocabulary: <start> the cat sat dog ran"));
    QVERIFY(r.out.contains("your sentence: <start> the dog"));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
