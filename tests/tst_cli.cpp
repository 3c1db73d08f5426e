// attnlab-cli end to end: exit codes, messages that name the input and the fault, the
// printed tables, and the files export writes.
#include <errors.h>
#include <session.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QXmlStreamReader>
#include <QtEndian>

#include <cmath>
#include <random>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run cli(const QStringList& args, const QProcessEnvironment& env)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(ATTNLAB_CLI), args);
    if (!p.waitForFinished(120000)) {
        qFatal("attnlab-cli did not finish");
    }
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

Run cli(const QStringList& args)
{
    return cli(args, QProcessEnvironment::systemEnvironment());
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

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The data of the first PNG chunk of `type`, read by hand so that this suite needs no QtGui.
QByteArray pngChunk(const QByteArray& png, const char* type)
{
    qsizetype at = 8; // the signature
    while (at + 8 <= png.size()) {
        const quint32 length = qFromBigEndian<quint32>(png.constData() + at);
        if (png.mid(at + 4, 4) == type) {
            return png.mid(at + 8, qsizetype(length));
        }
        at += 12 + qsizetype(length);
    }
    return {};
}

QSize pngSize(const QString& path)
{
    const QByteArray header = pngChunk(readFile(path), "IHDR");
    if (header.size() < 8) {
        return {};
    }
    return QSize(int(qFromBigEndian<quint32>(header.constData())),
                 int(qFromBigEndian<quint32>(header.constData() + 4)));
}

// Dots per inch from the pHYs chunk (pixels per metre), 0 when there is none.
double pngDpi(const QString& path)
{
    const QByteArray phys = pngChunk(readFile(path), "pHYs");
    if (phys.size() < 9 || phys[8] != 1) {
        return 0;
    }
    return qFromBigEndian<quint32>(phys.constData()) * 0.0254;
}

QString firstLine(const QString& path)
{
    return QString::fromUtf8(readFile(path)).section('\n', 0, 0);
}

QStringList filesIn(const QString& folder)
{
    return QDir(folder).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
}

// Every file export writes for one sentence and the loss, in every format.
QStringList everyFileOfSentence(int sentence)
{
    QStringList names;
    for (const QString view : {"attention", "values", "predictions", "queries", "keys", "bigram"}) {
        for (const QString ext : {"png", "svg", "pdf", "csv", "npy", "npy.json"}) {
            names << QStringLiteral("sentence%1-%2.%3").arg(sentence).arg(view, ext);
        }
    }
    for (const QString ext : {"png", "svg", "pdf", "csv", "npy"}) {
        names << QStringLiteral("loss.") + ext;
    }
    names.sort();
    return names;
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

    void exportWritesEveryViewAndFormatOfTheChosenSentence();
    void exportNeedsNoDisplayNorAPlatformSetting();
    void exportedPngIsInchesTimesDpiPixels_data();
    void exportedPngIsInchesTimesDpiPixels();
    void exportedSvgIsWellFormedXmlOfTheFigureSize();
    void exportedPdfIsAPdf();
    void exportedCsvHeaderIsTheSentencesTokens();
    void exportedLossCsvHoldsEveryEpoch();
    void exportWithZeroEpochsWritesTheUntrainedModel();
    void exportRefusesAnOutFolderItCannotCreateAndWritesNothing();
    void exportRefusesAFolderThatIsAFile();
    void exportRefusesAReadOnlyFolder();
    void exportRefusesBadOptionsNamingThemBeforeWriting_data();
    void exportRefusesBadOptionsNamingThemBeforeWriting();
    void exportAfterANonFiniteLossExitsThreeWithTheFiles();

    void transformerWithoutTheMaskBeatsTheCausalBound();
    void transformerTrainsAPresetWithStackedBlocks();
    void transformerRefusesBadInputNamingIt_data();
    void transformerRefusesBadInputNamingIt();

    void vitTrainsOnFashionMnistAndReportsAccuracy();
    void deviceGpuTrainsThereWithTheCpusNumbers_data();
    void deviceGpuTrainsThereWithTheCpusNumbers();
    void aGpuThatFailsMidRunExitsOneSayingSo();
    void sessionGoesOnExactlyWhereItStopped();
    void exportFromASessionRegeneratesTheFigures();
    void transformerPairSessionGoesOnExactlyWhereItStopped();
    void vitSessionGoesOnExactlyWhereItStopped();
    void sessionOptionsAreCheckedNamingTheFault_data();
    void sessionOptionsAreCheckedNamingTheFault();
    void killingDuringASaveNeverLeavesABrokenSession();
    void vitRefusesBadInputNamingIt_data();
    void vitRefusesBadInputNamingIt();

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
    QVERIFY(r.out.contains("export"));
    QVERIFY(r.out.contains("--views"));
    QVERIFY(r.out.contains("--dpi"));
}

void TestCli::missingOrUnknownCommandIsAUsageError_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("no command") << QStringList{};
    QTest::newRow("unknown command") << QStringList{"fly"};
    QTest::newRow("lesson and corpus") << QStringList{"train", "--lesson", "--corpus", "x"};
    QTest::newRow("unknown option") << QStringList{"train", "--colour", "red"};
    QTest::newRow("option without its value") << QStringList{"export", "--out"};
    QTest::newRow("export without --out") << QStringList{"export", "--epochs", "1"};
    QTest::newRow("train with --views") << QStringList{"train", "--views", "loss"};
    QTest::newRow("export with --predict")
        << QStringList{"export", "--out", "x", "--predict", "the man"};
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
    QTest::newRow("bad device, transformer")
        << QStringList{"transformer", "--device", "tpu"} << "\"tpu\"";
    QTest::newRow("truncated init") << QStringList{"train", "--init", broken} << "line 2";
    const QString nanInit = writeFile(dir, "nan.txt", "tok 1 2\n1 nan\n");
    QTest::newRow("init with nan")
        << QStringList{"train", "--init", nanInit} << "\"nan\" is not a finite number";
    QTest::newRow("endless corpus")
        << QStringList{"train", "--corpus", "/dev/zero"} << "more than the limit of 16 MiB";
    QTest::newRow("endless init") << QStringList{"train", "--init", "/dev/zero"}
                                  << "larger than the limit";
    QTest::newRow("corpus is a folder")
        << QStringList{"train", "--corpus", dir.path()} << "is a folder";
    const QString binary = writeFile(dir, "binary.txt", QByteArray("man \xff\xfe\x00 x", 10));
    QTest::newRow("binary corpus") << QStringList{"train", "--corpus", binary} << "UTF-8";
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

void TestCli::exportWritesEveryViewAndFormatOfTheChosenSentence()
{
    QTemporaryDir dir;
    const QString out = dir.filePath("figures/lesson"); // created, parents included
    const Run r = cli({"export", "--epochs", "20", "--sentence", "2", "--out", out});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(filesIn(out), everyFileOfSentence(2));
    QCOMPARE(r.out.count(QRegularExpression("^wrote ", QRegularExpression::MultilineOption)),
             everyFileOfSentence(2).size());
    QVERIFY(r.out.contains("wrote " + QDir::toNativeSeparators(out + "/sentence2-keys.svg")));
}

void TestCli::exportNeedsNoDisplayNorAPlatformSetting()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}) {
        env.remove(name);
    }
    QTemporaryDir dir;
    const Run r = cli({"export", "--epochs", "5", "--views", "attention,loss", "--formats", "png",
                       "--out", dir.path()},
                      env);
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(filesIn(dir.path()),
             (QStringList{"loss.png", "sentence1-attention.png", "sentence2-attention.png"}));
}

void TestCli::exportedPngIsInchesTimesDpiPixels_data()
{
    QTest::addColumn<QStringList>("size");
    QTest::addColumn<QSize>("pixels");
    QTest::addColumn<double>("dpi");
    QTest::newRow("4 x 3 at 150") << QStringList{"--width", "4", "--height", "3", "--dpi", "150"}
                                  << QSize(600, 450) << 150.0;
    QTest::newRow("default 6 x 4.5 at 150") << QStringList{} << QSize(900, 675) << 150.0;
    QTest::newRow("2.5 x 2 at 300")
        << QStringList{"--width", "2.5", "--height", "2", "--dpi", "300"} << QSize(750, 600)
        << 300.0;
}

void TestCli::exportedPngIsInchesTimesDpiPixels()
{
    QFETCH(QStringList, size);
    QFETCH(QSize, pixels);
    QFETCH(double, dpi);
    QTemporaryDir dir;
    const QStringList args{"export",    "--epochs", "5",     "--views", "attention,loss",
                           "--formats", "png",      "--out", dir.path()};
    const Run r = cli(args + size);
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(filesIn(dir.path()),
             (QStringList{"loss.png", "sentence1-attention.png", "sentence2-attention.png"}));
    for (const QString& name : filesIn(dir.path())) {
        QCOMPARE(pngSize(dir.filePath(name)), pixels);
        QVERIFY(std::abs(pngDpi(dir.filePath(name)) - dpi) < 0.5);
    }
}

void TestCli::exportedSvgIsWellFormedXmlOfTheFigureSize()
{
    QTemporaryDir dir;
    const Run r = cli({"export", "--epochs", "5", "--views", "predictions,loss", "--formats", "svg",
                       "--width", "4", "--height", "3", "--out", dir.path()});
    QCOMPARE(r.exitCode, 0);
    for (const QString name : {"sentence1-predictions.svg", "loss.svg"}) {
        QXmlStreamReader xml(readFile(dir.filePath(name)));
        QVERIFY(xml.readNextStartElement());
        QCOMPARE(xml.name(), QStringLiteral("svg"));
        QCOMPARE(xml.attributes().value("width"), QStringLiteral("384")); // 4 in at 96 per inch
        QCOMPARE(xml.attributes().value("height"), QStringLiteral("288"));
        while (!xml.atEnd()) {
            xml.readNext();
        }
        QVERIFY2(!xml.hasError(), qPrintable(name + ": " + xml.errorString()));
    }
}

void TestCli::exportedPdfIsAPdf()
{
    QTemporaryDir dir;
    const Run r = cli({"export", "--epochs", "5", "--views", "values,loss", "--formats", "pdf",
                       "--sentence", "1", "--out", dir.path()});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(filesIn(dir.path()), (QStringList{"loss.pdf", "sentence1-values.pdf"}));
    for (const QString& name : filesIn(dir.path())) {
        QVERIFY(readFile(dir.filePath(name)).startsWith("%PDF-"));
    }
}

void TestCli::exportedCsvHeaderIsTheSentencesTokens()
{
    QTemporaryDir dir;
    const Run r = cli({"export", "--epochs", "5", "--views", "attention,predictions", "--formats",
                       "csv", "--out", dir.path()});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(firstLine(dir.filePath("sentence1-attention.csv")),
             QStringLiteral(",<start>,man,ordered,the,chicken"));
    QCOMPARE(firstLine(dir.filePath("sentence2-attention.csv")),
             QStringLiteral(",<start>,woman,ordered,the,beef"));
    QCOMPARE(firstLine(dir.filePath("sentence2-predictions.csv")),
             QStringLiteral(",<start>,the,man,chicken,ordered,woman,beef"));
}

void TestCli::exportedLossCsvHoldsEveryEpoch()
{
    QTemporaryDir dir;
    const Run r = cli({"export", "--epochs", "30", "--views", "loss", "--formats", "csv,npy",
                       "--out", dir.path()});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines =
        QString::fromUtf8(readFile(dir.filePath("loss.csv"))).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 31);
    QCOMPARE(lines.first(), QStringLiteral("epoch,loss"));
    QVERIFY(lines[1].startsWith("1,"));
    QVERIFY(lines.last().startsWith("30,"));
    QVERIFY(lines.last().section(',', 1).toDouble() < lines[1].section(',', 1).toDouble());
    QVERIFY(readFile(dir.filePath("loss.npy")).contains("'shape': (30,)"));
}

void TestCli::exportWithZeroEpochsWritesTheUntrainedModel()
{
    QTemporaryDir dir;
    const Run r = cli({"export", "--epochs", "0", "--views", "attention,loss", "--formats", "csv",
                       "--out", dir.path()});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(readFile(dir.filePath("loss.csv")), QByteArray("epoch,loss\n"));
    QVERIFY(readFile(dir.filePath("sentence1-attention.csv")).startsWith(",<start>,man"));
    QVERIFY(r.out.contains("no training"));
}

void TestCli::exportRefusesAnOutFolderItCannotCreateAndWritesNothing()
{
    QTemporaryDir dir;
    const QString file = writeFile(dir, "notes.txt", "keep me\n");
    const QString out = file + "/figures"; // a folder inside a file cannot exist
    const Run r = cli({"export", "--epochs", "5", "--out", out});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("--out") && r.err.contains(out), qPrintable(r.err));
    QVERIFY(!r.out.contains("wrote"));
    QCOMPARE(filesIn(dir.path()), QStringList{"notes.txt"});
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllDirs | QDir::NoDotAndDotDot), QStringList{});
    QCOMPARE(readFile(file), QByteArray("keep me\n"));
}

void TestCli::exportRefusesAFolderThatIsAFile()
{
    QTemporaryDir dir;
    const QString file = writeFile(dir, "figures", "not a folder\n");
    const Run r = cli({"export", "--epochs", "5", "--out", file});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(file) && r.err.contains("not a folder"), qPrintable(r.err));
    QCOMPARE(readFile(file), QByteArray("not a folder\n"));
}

void TestCli::exportRefusesAReadOnlyFolder()
{
    QTemporaryDir dir;
    const QString out = dir.filePath("read-only");
    QVERIFY(QDir().mkdir(out));
    QVERIFY(QFile::setPermissions(out, QFile::ReadOwner | QFile::ExeOwner));
    if (QFile probe(out + "/probe"); probe.open(QIODevice::WriteOnly)) {
        probe.remove();
        QSKIP("this user may write into a read-only folder (root)");
    }
    const Run r = cli({"export", "--epochs", "5", "--out", out});
    QFile::setPermissions(out, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("--out") && r.err.contains(out), qPrintable(r.err));
    QCOMPARE(filesIn(out), QStringList{});
}

void TestCli::exportRefusesBadOptionsNamingThemBeforeWriting_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("fault");
    QTest::newRow("unknown view") << QStringList{"--views", "attention,colour"}
                                  << "--views \"attention,colour\": \"colour\"";
    QTest::newRow("unknown format") << QStringList{"--formats", "gif"} << "--formats \"gif\"";
    QTest::newRow("sentence past the corpus")
        << QStringList{"--sentence", "3"} << "--sentence \"3\"";
    QTest::newRow("sentence 0") << QStringList{"--sentence", "0"} << "--sentence \"0\"";
    QTest::newRow("width 0") << QStringList{"--width", "0"} << "--width \"0\"";
    QTest::newRow("height negative") << QStringList{"--height", "-2"} << "--height \"-2\"";
    QTest::newRow("width over 100") << QStringList{"--width", "101"} << "--width \"101\"";
    QTest::newRow("width not a number") << QStringList{"--width", "wide"} << "--width";
    QTest::newRow("dpi 9") << QStringList{"--dpi", "9"} << "--dpi \"9\"";
    QTest::newRow("dpi 2401") << QStringList{"--dpi", "2401"} << "--dpi \"2401\"";
    QTest::newRow("png too large")
        << QStringList{"--dpi", "2400", "--width", "50"} << "--dpi \"2400\"";
}

void TestCli::exportRefusesBadOptionsNamingThemBeforeWriting()
{
    QFETCH(QStringList, args);
    QFETCH(QString, fault);
    QTemporaryDir dir;
    const QString out = dir.filePath("figures");
    const Run r = cli(QStringList{"export", "--epochs", "5", "--out", out} + args);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(fault), qPrintable(r.err));
    QVERIFY(!r.out.contains("optimizer steps")); // refused before training
    QVERIFY(!QFileInfo::exists(out));
}

void TestCli::exportAfterANonFiniteLossExitsThreeWithTheFiles()
{
    QTemporaryDir dir;
    const Run r = cli({"export", "--learning-rate", "1e30", "--epochs", "10", "--views",
                       "predictions,loss", "--formats", "csv", "--out", dir.path()});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains("non-finite"), qPrintable(r.err));
    QVERIFY(!readFile(dir.filePath("sentence1-predictions.csv")).contains("nan"));
    QVERIFY(QFileInfo::exists(dir.filePath("loss.csv")));
}

// On the lesson the causal model cannot know the first word (man or woman): one position in
// five costs ln 2, so its loss stays at or above ln(2)/5. Without the mask it looks ahead.
void TestCli::transformerWithoutTheMaskBeatsTheCausalBound()
{
    const double bound = std::log(2.0) / 5.0;
    const QRegularExpression finalLoss("final loss ([0-9.]+)");
    const Run causal = cli({"transformer", "--lesson", "--log-every", "0"});
    QCOMPARE(causal.exitCode, 0);
    QVERIFY2(causal.out.contains("next token, causal mask"), qPrintable(causal.out.left(300)));
    const double causalLoss = finalLoss.match(causal.out).captured(1).toDouble();
    QVERIFY2(causalLoss >= bound - 1e-3, qPrintable(QString::number(causalLoss)));
    const Run unmasked = cli({"transformer", "--objective", "unmasked", "--log-every", "0"});
    QCOMPARE(unmasked.exitCode, 0);
    const double unmaskedLoss = finalLoss.match(unmasked.out).captured(1).toDouble();
    QVERIFY2(unmaskedLoss < 0.25 * causalLoss, qPrintable(QString::number(unmaskedLoss)));
    // At <start> the unmasked model attends ahead, to "man", and predicts it.
    const QList<double> start =
        tableRow(unmasked.out, "-- sentence 1", "attention of layer 1", "<start>");
    QCOMPARE(start.size(), 5);
    QVERIFY(start[1] > 0.5);
    const QList<double> causalStart =
        tableRow(causal.out, "-- sentence 1", "attention of layer 1", "<start>");
    QCOMPARE(causalStart, (QList<double>{1.0, 0.0, 0.0, 0.0, 0.0}));
}

void TestCli::transformerTrainsAPresetWithStackedBlocks()
{
    const Run r = cli({"transformer", "--preset", "switch-orders", "--layers", "2", "--heads", "4",
                       "--objective", "masked", "--epochs", "5", "--log-every", "1"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("<start> man ordered the [MASK]")); // the last token masked
    QVERIFY(r.out.contains("<start> woman ordered the [MASK]"));
    QVERIFY(r.out.contains("attention of layer 2"));
    QVERIFY(r.out.contains("[MASK]"));
    QVERIFY(r.out.contains("epoch     5"));
}

void TestCli::transformerRefusesBadInputNamingIt_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown preset") << QStringList{"--preset", "nope"} << 1 << "agreement";
    QTest::newRow("unknown objective") << QStringList{"--objective", "bert"} << 1 << "bert";
    QTest::newRow("heads do not divide H") << QStringList{"--heads", "3"} << 1 << "3";
    QTest::newRow("dropout of 1") << QStringList{"--dropout", "1"} << 1 << "dropout";
    QTest::newRow("sentence longer than the context")
        << QStringList{"--context", "4"} << 1 << "sentence 1";
    QTest::newRow("preset and corpus")
        << QStringList{"--preset", "lesson", "--corpus", "x.txt"} << 2 << "--preset";
    QTest::newRow("toy option") << QStringList{"--no-mask"} << 2 << "--no-mask";
    QTest::newRow("export option") << QStringList{"--out", "x"} << 2 << "--out";
}

void TestCli::transformerRefusesBadInputNamingIt()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    const Run r = cli(QStringList{"transformer"} + args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY(!r.out.contains("final loss"));
    // The toy's commands refuse the transformer's options.
    const Run train = cli({"train", "--layers", "2"});
    QCOMPARE(train.exitCode, 2);
    QVERIFY(train.err.contains("--layers"));
}

void TestCli::vitTrainsOnFashionMnistAndReportsAccuracy()
{
    if (!QFileInfo::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") &&
        qEnvironmentVariableIsEmpty("ATTNLAB_FASHION_MNIST")) {
        QSKIP("Fashion-MNIST is not installed (Debian's dataset-fashion-mnist; the README's "
              "test command installs it)");
    }
    // 200 steps of 32 images.
    const Run r =
        cli({"vit", "--limit", "6400", "--test-limit", "1000", "--epochs", "1", "--batch", "32"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("6400 training and 1000 test images of 28×28"),
             qPrintable(r.out.left(300)));
    QVERIFY2(r.out.contains("\ndevice "), qPrintable(r.out.left(300)));
    const QRegularExpression result("RESULT attnlab epochs=1 .* test_accuracy=([0-9.]+)");
    const QRegularExpressionMatch m = result.match(r.out);
    QVERIFY2(m.hasMatch(), qPrintable(r.out));
    // Ten classes: chance is 10%; a few hundred steps are far above it.
    QVERIFY2(m.captured(1).toDouble() > 0.6, qPrintable(m.captured(0)));
    QVERIFY(r.out.contains("confusion matrix"));
}

namespace {

// The environment with the host stand-in of the CUDA library as the GPU backend.
QProcessEnvironment withFakeGpu()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("ATTNLAB_CUDA_LIBRARY"), QStringLiteral(ATTNLAB_GPU_FAKE_LIBRARY));
    return env;
}

// The output without its device line and its timings.
QString withoutDeviceAndTimes(const QString& out)
{
    static const QRegularExpression timed(
        QStringLiteral("^device |per step|steps per second|images/s|sec_per_epoch"));
    QStringList kept;
    for (const QString& line : out.split('\n')) {
        if (!timed.match(line).hasMatch()) {
            kept << line;
        }
    }
    return kept.join('\n');
}

} // namespace

void TestCli::deviceGpuTrainsThereWithTheCpusNumbers_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("train") << QStringList{"train", "--lesson", "--epochs", "300"};
    QTest::newRow("transformer") << QStringList{"transformer", "--epochs", "30", "--layers", "2"};
    QTest::newRow("transformer pair") << QStringList{
        "transformer", "--epochs", "20", "--objective", "masked", "--save-session", "pair.attnlab"};
    QTest::newRow("vit") << QStringList{"vit", "--limit", "256", "--test-limit", "64", "--epochs",
                                        "1",   "--batch", "32"};
}

// --device gpu with a backend that can be used (here the host stand-in, which computes in the
// CPU's order): the device line names it, and every table and loss printed is the CPU's.
void TestCli::deviceGpuTrainsThereWithTheCpusNumbers()
{
    QFETCH(QStringList, args);
    if (args.first() == "vit" &&
        !QFileInfo::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") &&
        qEnvironmentVariableIsEmpty("ATTNLAB_FASHION_MNIST")) {
        QSKIP("Fashion-MNIST is not installed (Debian's dataset-fashion-mnist)");
    }
    for (QString& arg : args) {
        if (arg.endsWith(".attnlab")) {
            arg = m_dir.filePath(arg);
        }
    }
    const Run gpu = cli(args + QStringList{"--device", "gpu"}, withFakeGpu());
    QCOMPARE(gpu.exitCode, 0);
    QVERIFY2(gpu.out.contains("device CUDA: host fake"), qPrintable(gpu.out.left(400)));
    QVERIFY2(gpu.err.isEmpty(), qPrintable(gpu.err));
    const Run cpu = cli(args + QStringList{"--device", "cpu"}, withFakeGpu());
    QCOMPARE(cpu.exitCode, 0);
    QVERIFY2(cpu.out.contains("device CPU"), qPrintable(cpu.out.left(400)));
    QCOMPARE(withoutDeviceAndTimes(gpu.out), withoutDeviceAndTimes(cpu.out));
}

// A GPU that fails mid-run (the stand-in failing the product after its 200th): one message
// that says so and how to go on without it, exit status 1, no crash.
void TestCli::aGpuThatFailsMidRunExitsOneSayingSo()
{
    QProcessEnvironment env = withFakeGpu();
    env.insert(QStringLiteral("ATTNLAB_FAKE_PRODUCTS_BEFORE_FAILURE"), QStringLiteral("200"));
    const Run r = cli({"transformer", "--epochs", "30", "--device", "gpu"}, env);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("the GPU failed") && r.err.contains("--device cpu"), qPrintable(r.err));
    QVERIFY2(r.err.contains("planned failure"), qPrintable(r.err));
}

void TestCli::vitRefusesBadInputNamingIt_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("no data in the folder")
        << QStringList{"--data", "/nonexistent-folder"} << 1 << "/nonexistent-folder";
    QTest::newRow("patch that does not divide 28")
        << QStringList{"--data", "/nonexistent-folder", "--patch", "5"} << 1 << "patch size 5";
    QTest::newRow("text option") << QStringList{"--preset", "lesson"} << 2 << "--preset";
    QTest::newRow("toy option") << QStringList{"--no-mask"} << 2 << "--no-mask";
    QTest::newRow("bad device") << QStringList{"--device", "tpu"} << 1 << "\"tpu\"";
}

void TestCli::vitRefusesBadInputNamingIt()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    const Run r = cli(QStringList{"vit"} + args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY(!r.out.contains("RESULT"));
    const Run train = cli({"train", "--patch", "4"});
    QCOMPARE(train.exitCode, 2);
    QVERIFY(train.err.contains("--patch"));
}

// 30 epochs, saved; then on to 60 from the file: the same file as 60 epochs in one go (C22).
void TestCli::sessionGoesOnExactlyWhereItStopped()
{
    const QString half = m_dir.filePath("half.attnlab");
    const QString resumed = m_dir.filePath("resumed.attnlab");
    const QString whole = m_dir.filePath("whole.attnlab");
    QCOMPARE(cli({"train", "--lesson", "--epochs", "30", "--save-session", half}).exitCode, 0);
    const Run r = cli({"train", "--load-session", half, "--epochs", "60", "--save-session", resumed,
                       "--log-every", "10"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("going on from epoch 30 (step 60)"), qPrintable(r.out.left(400)));
    QVERIFY(r.out.contains("epoch    40"));
    QVERIFY(!r.out.contains("epoch    10 "));
    QCOMPARE(cli({"train", "--lesson", "--epochs", "60", "--save-session", whole}).exitCode, 0);
    QCOMPARE(readFile(resumed), readFile(whole));
    QVERIFY(readFile(whole).startsWith("attnlab-session 1\n"));
}

void TestCli::exportFromASessionRegeneratesTheFigures()
{
    const QString session = m_dir.filePath("figures.attnlab");
    QCOMPARE(cli({"train", "--lesson", "--epochs", "40", "--save-session", session}).exitCode, 0);
    const QString fromSession = m_dir.filePath("from-session");
    const QString direct = m_dir.filePath("direct");
    QCOMPARE(cli({"export", "--load-session", session, "--epochs", "0", "--out", fromSession,
                  "--views", "attention"})
                 .exitCode,
             0);
    QCOMPARE(cli({"export", "--lesson", "--epochs", "40", "--out", direct, "--views", "attention"})
                 .exitCode,
             0);
    const QByteArray csv = readFile(fromSession + "/sentence1-attention.csv");
    QVERIFY(!csv.isEmpty());
    QCOMPARE(csv, readFile(direct + "/sentence1-attention.csv"));
}

// The Transformer tab's pair (causal against masked, with dropout: every generator matters),
// 20 epochs saved, then on to 40 from the file: the same file as 40 epochs in one go.
void TestCli::transformerPairSessionGoesOnExactlyWhereItStopped()
{
    const QString half = m_dir.filePath("pair-half.attnlab");
    const QString resumed = m_dir.filePath("pair-resumed.attnlab");
    const QString whole = m_dir.filePath("pair-whole.attnlab");
    const QStringList pair = {"transformer", "--preset", "lesson",      "--objective", "masked",
                              "--dropout",   "0.1",      "--log-every", "10"};
    QCOMPARE(cli(pair + QStringList{"--epochs", "20", "--save-session", half}).exitCode, 0);
    const Run r = cli({"transformer", "--load-session", half, "--epochs", "40", "--save-session",
                       resumed, "--log-every", "10"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("left model: next token, causal mask") &&
                 r.out.contains("right model: masked token"),
             qPrintable(r.out.left(600)));
    QVERIFY2(r.out.contains("going on from epoch 20"), qPrintable(r.out.left(600)));
    QCOMPARE(r.out.count("final loss"), 2);
    const Run w = cli(pair + QStringList{"--epochs", "40", "--save-session", whole});
    QCOMPARE(w.exitCode, 0);
    QVERIFY(readFile(whole).contains("\nkind transformer-pair\n"));
    QCOMPARE(readFile(resumed), readFile(whole));
    // The same final losses printed either way.
    const QRegularExpression finals("final loss ([0-9.]+)");
    QStringList a, b;
    for (const auto& m : finals.globalMatch(r.out)) {
        a << m.captured(1);
    }
    for (const auto& m : finals.globalMatch(w.out)) {
        b << m.captured(1);
    }
    QCOMPARE(a, b);
}

// One epoch of 256 images saved, then a second from the file: the same file as two in one go.
void TestCli::vitSessionGoesOnExactlyWhereItStopped()
{
    if (!QFileInfo::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") &&
        qEnvironmentVariableIsEmpty("ATTNLAB_FASHION_MNIST")) {
        QSKIP("Fashion-MNIST is not installed (Debian's dataset-fashion-mnist; the README's "
              "test command installs it)");
    }
    const QString half = m_dir.filePath("vit-half.attnlab");
    const QString resumed = m_dir.filePath("vit-resumed.attnlab");
    const QString whole = m_dir.filePath("vit-whole.attnlab");
    const QStringList vit = {"vit",     "--limit",     "256",     "--test-limit", "64",
                             "--batch", "32",          "--embed", "16",           "--heads",
                             "2",       "--head-size", "16",      "--dropout",    "0.1"};
    QCOMPARE(cli(vit + QStringList{"--epochs", "1", "--save-session", half}).exitCode, 0);
    const Run r = cli({"vit", "--load-session", half, "--epochs", "2", "--save-session", resumed});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("going on from epoch 1 (step 8)"), qPrintable(r.out.left(600)));
    QVERIFY2(r.out.contains("256 training and 64 test images"), qPrintable(r.out.left(600)));
    QCOMPARE(cli(vit + QStringList{"--epochs", "2", "--save-session", whole}).exitCode, 0);
    QVERIFY(readFile(whole).contains("\nkind vision-transformer\n"));
    QCOMPARE(readFile(resumed), readFile(whole));
}

void TestCli::sessionOptionsAreCheckedNamingTheFault_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("no such session")
        << QStringList{"train", "--load-session", "/no/such.attnlab"} << 1 << "/no/such.attnlab";
    QTest::newRow("a session and other sentences")
        << QStringList{"train", "--load-session", "x.attnlab", "--corpus", "y.txt"} << 2
        << "--corpus";
    QTest::newRow("save every without a file")
        << QStringList{"train", "--save-every", "5"} << 2 << "--save-session";
    QTest::newRow("a folder that does not exist")
        << QStringList{"train", "--epochs", "2", "--save-session", "/no/such/folder/s.attnlab"} << 1
        << "/no/such/folder/s.attnlab";
    QTest::newRow("a pair session and a preset")
        << QStringList{"transformer", "--load-session", "t.attnlab", "--preset", "lesson"} << 2
        << "--preset";
    QTest::newRow("a pair whose right model is causal")
        << QStringList{"transformer", "--objective", "causal", "--save-session", "t.attnlab"} << 2
        << "--objective causal";
    QTest::newRow("a Vision Transformer session and another patch")
        << QStringList{"vit", "--load-session", "v.attnlab", "--patch", "4"} << 2 << "--patch";
    QTest::newRow("a pair session given to vit")
        << QStringList{"vit", "--load-session",
                       ATTNLAB_FIXTURES "/../../fuzz/corpus/session/pair-small.attnlab"}
        << 1 << "Transformer: masked against unmasked tab";
    QTest::newRow("a single-head session given to transformer")
        << QStringList{"transformer", "--load-session",
                       ATTNLAB_FIXTURES "/../../fuzz/corpus/session/small.attnlab"}
        << 1 << "Single head tab";
    QTest::newRow("saving every N epochs is for train")
        << QStringList{"transformer", "--save-every", "5"} << 2 << "--save-every";
}

void TestCli::sessionOptionsAreCheckedNamingTheFault()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    const Run r = cli(args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
}

// The program is killed (SIGKILL) at moments spread over its saves, again and again: the session
// file is always there and always whole, the old one or a new one.
void TestCli::killingDuringASaveNeverLeavesABrokenSession()
{
    const QString path = m_dir.filePath("killed.attnlab");
    QCOMPARE(cli({"train", "--lesson", "--epochs", "3", "--save-session", path}).exitCode, 0);
    const auto stepsIn = [&path] {
        return attnlab::loadSession(path.toStdString()).checkpoint.steps;
    };
    std::mt19937 gen(7);
    std::uniform_int_distribution<int> delay(0, 15);
    for (int round = 0; round < 25; ++round) {
        const long before = stepsIn();
        // Each round goes on from the file, saving it after every epoch.
        QProcess p;
        p.start(QStringLiteral(ATTNLAB_CLI),
                {"train", "--load-session", path, "--epochs", "100000000", "--log-every", "0",
                 "--save-session", path, "--save-every", "1"});
        QVERIFY(p.waitForStarted());
        // Once it has saved at least once, kill it a moment later, mid-save or between saves.
        QElapsedTimer clock;
        clock.start();
        while (stepsIn() == before) {
            QVERIFY2(clock.elapsed() < 30000, "no save within 30 s");
            QThread::msleep(1);
        }
        QThread::msleep(static_cast<unsigned long>(delay(gen)));
        p.kill();
        QVERIFY(p.waitForFinished());
        try {
            QVERIFY(stepsIn() > before);
        } catch (const attnlab::InputError& e) {
            QFAIL(qPrintable(QStringLiteral("round %1: %2").arg(round).arg(e.what())));
        }
    }
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
