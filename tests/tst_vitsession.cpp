// Saved sessions of the Vision Transformer: a resumed run continues bit for bit (dropout and a
// shuffled order included), a session taken in the middle of a step is the state before that
// step, the file reads back to the same text, the images it names are found again and must be
// as many as it was trained on, and every truncated, broken or misfitting file, and a file of
// another kind, is refused with a message naming it and the fault.
#include <errors.h>
#include <textsession.h>
#include <vitsession.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cstdint>
#include <memory>
#include <random>
#include <string>

using namespace attnlab;

namespace {

// Images of `size`² whose label is the quarter holding a bright square.
ImageSet quarters(int count, int size, unsigned seed)
{
    ImageSet set;
    set.rows = size;
    set.cols = size;
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> noise(0.0f, 0.2f);
    for (int i = 0; i < count; ++i) {
        const int label = int(gen() % 4);
        const int top = (label / 2) * size / 2, left = (label % 2) * size / 2;
        for (int y = 0; y < size; ++y) {
            for (int x = 0; x < size; ++x) {
                const bool lit = y >= top && y < top + size / 2 && x >= left && x < left + size / 2;
                set.pixels.push_back(lit ? 0.8f + noise(gen) : noise(gen));
            }
        }
        set.labels.push_back(label);
    }
    return set;
}

std::shared_ptr<const ImageSet> shared(ImageSet set)
{
    return std::make_shared<const ImageSet>(std::move(set));
}

VitTrainConfig smallConfig()
{
    VitTrainConfig c;
    c.model.imageRows = 8;
    c.model.imageCols = 8;
    c.model.patch = 4;
    c.model.embed = 8;
    c.model.heads = 2;
    c.model.headSize = 8;
    c.model.layers = 2;
    c.model.mlpWidth = 12;
    c.model.classes = 4;
    c.model.dropout = 0.2;
    c.model.seed = 11;
    c.batchSize = 16; // 40 images: 3 steps an epoch, the last of 8 images
    c.learningRate = 3e-3;
    c.epochs = 10;
    c.shuffle = true;
    return c;
}

const std::shared_ptr<const ImageSet>& trainSet()
{
    static const std::shared_ptr<const ImageSet> set = shared(quarters(40, 8, 1));
    return set;
}

const std::shared_ptr<const ImageSet>& testSet()
{
    static const std::shared_ptr<const ImageSet> set = shared(quarters(10, 8, 2));
    return set;
}

VitTrainer fresh()
{
    return VitTrainer(trainSet(), testSet(), smallConfig());
}

void steps(VitTrainer& trainer, int count)
{
    for (int i = 0; i < count; ++i) {
        QVERIFY(trainer.step());
    }
}

const VitDataSource kData{"/data/fashion mnist", 40, 10};

std::string textOf(const VitTrainer& trainer)
{
    return writeSession(sessionOf(trainer, kData, {{0.5, 1.25, 0.5, 1.5, 0.25}}, {{"image", "4"}}));
}

// A smaller model, for the tests that parse a file many times.
std::string smallText()
{
    VitTrainConfig c = smallConfig();
    c.model.embed = 2;
    c.model.heads = 1;
    c.model.headSize = 2;
    c.model.layers = 1;
    c.model.mlpWidth = 2;
    c.batchSize = 20;
    VitTrainer trainer(trainSet(), nullptr, c);
    steps(trainer, 1);
    return textOf(trainer);
}

QString messageOf(const std::string& text)
{
    try {
        trainerOf(parseVitSession(text, "vit.attnlab"), trainSet(), testSet());
    } catch (const InputError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

// An IDX file: big-endian header, then one byte per item.
void writeIdx(const QString& path, std::uint32_t magic, std::vector<std::uint32_t> sizes,
              const std::vector<unsigned char>& bytes)
{
    QByteArray data;
    sizes.insert(sizes.begin(), magic);
    for (std::uint32_t v : sizes) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            data.append(char((v >> shift) & 0xff));
        }
    }
    data.append(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(data), data.size());
}

void writeFashionFiles(const QDir& dir, const char* prefix, std::uint32_t count)
{
    const std::vector<unsigned char> pixels(count * 64, 100);
    std::vector<unsigned char> labels(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        labels[i] = static_cast<unsigned char>(i % 4);
    }
    writeIdx(dir.filePath(QString(prefix) + "-images-idx3-ubyte"), 0x803, {count, 8, 8}, pixels);
    writeIdx(dir.filePath(QString(prefix) + "-labels-idx1-ubyte"), 0x801, {count}, labels);
}

} // namespace

class TestVitSession : public QObject
{
    Q_OBJECT
private slots:
    void resumedRunEqualsAnUninterruptedOne();
    void sessionTakenMidStepIsTheStateBeforeTheStep();
    void fileReadsBackToTheSameText();
    void brokenFieldsAreRefusedNamingTheLine_data();
    void brokenFieldsAreRefusedNamingTheLine();
    void everyTruncationIsRefused();
    void sessionOfAnotherKindIsRefusedNamingItsTab();
    void sessionThatDoesNotFitIsRefused_data();
    void sessionThatDoesNotFitIsRefused();
    void trainingSetOfAnotherSizeIsRefused();
    void imagesAreFoundAgainAndCutToTheLimits();
    void shapesTheSettingsMakeAreTheModels();
    void hugeSettingsAreRefusedBeforeAModelIsMade();
    void fuzzSeedOpensAndTrains();
};

// 4 steps (mid-epoch), save, load, 4 more equals 8 uninterrupted steps, to the bit: weights,
// moments, losses, accuracies, the order and the generators.
void TestVitSession::resumedRunEqualsAnUninterruptedOne()
{
    VitTrainer whole = fresh();
    steps(whole, 8);

    QTemporaryDir dir;
    const std::string path = dir.filePath("vit.attnlab").toStdString();
    {
        VitTrainer first = fresh();
        steps(first, 4);
        saveSession(sessionOf(first, kData), path);
    }
    VitTrainer resumed = trainerOf(loadVitSession(path), trainSet(), testSet());
    QCOMPARE(resumed.stepCount(), 4L);
    QCOMPARE(resumed.stepInEpoch(), 1);
    steps(resumed, 4);
    QCOMPARE(resumed.stepLosses(), whole.stepLosses());
    QCOMPARE(resumed.stepAccuracies(), whole.stepAccuracies());
    QCOMPARE(resumed.epochLosses(), whole.epochLosses());
    const auto a = resumed.model().params().all();
    const auto b = whole.model().params().all();
    for (size_t i = 0; i < a.size(); ++i) {
        QVERIFY(*a[i] == *b[i]);
    }
    QCOMPARE(textOf(resumed), textOf(whole));
}

// The window's worker may be in the middle of a step when the user saves: the session is the
// state before it, and the run loaded from it does the step's images again, the same way.
void TestVitSession::sessionTakenMidStepIsTheStateBeforeTheStep()
{
    VitTrainer trainer = fresh();
    steps(trainer, 2);
    const std::string before = textOf(trainer);
    QCOMPARE(trainer.advance(5), VitTrainer::Progress::Partial);
    QVERIFY(trainer.midStep());
    QCOMPARE(textOf(trainer), before);

    VitTrainer resumed = trainerOf(parseVitSession(before, "x"), trainSet(), testSet());
    QVERIFY(!resumed.midStep());
    steps(trainer, 3); // the rest of the step begun, and two more
    steps(resumed, 3);
    QCOMPARE(textOf(resumed), textOf(trainer));
}

void TestVitSession::fileReadsBackToTheSameText()
{
    VitTrainer trainer = fresh();
    steps(trainer, 3); // a whole epoch: a new order drawn
    const std::string text = textOf(trainer);
    const VitSession back = parseVitSession(text, "x");
    QCOMPARE(writeSession(back), text);
    QCOMPARE(back.data.folder, kData.folder);
    QCOMPARE(back.data.trainLimit, 40);
    QCOMPARE(back.checkpoint.trainImages, 40);
    QCOMPARE(back.checkpoint.epoch, 1);
    QCOMPARE(back.curve.size(), size_t(1));
    QCOMPARE(back.curve[0].trainLoss, 1.25);
    QCOMPARE(back.view.at("image"), std::string("4"));
    QVERIFY(QString::fromStdString(text).startsWith(
        "attnlab-session 1\nkind vision-transformer\ndata /data/fashion mnist\nlimits 40 10\n"));
    // A curve point that is not finite is left out, so that every file written reads back.
    const VitSession withNaN = sessionOf(trainer, kData, {{1, 2, 3, std::nan(""), 4}});
    QVERIFY(withNaN.curve.empty());
}

void TestVitSession::brokenFieldsAreRefusedNamingTheLine_data()
{
    const QString good = QString::fromStdString(smallText());
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("a negative limit") << QString(good).replace("limits 40 10", "limits -1 10")
                                      << "the training limit -1 is out of range";
    QTest::newRow("a patch that does not divide the image")
        << QString(good).replace("setting patch 4", "setting patch 3") << "patch";
    QTest::newRow("a missing setting")
        << QString(good).replace("setting classes 4\n", "") << "the setting classes is missing";
    QTest::newRow("an unknown setting")
        << QString(good).replace("setting shuffle", "setting shuffled")
        << "unknown setting \"shuffled\"";
    QTest::newRow("a step loss that is NaN")
        << QString(good).replace(QRegularExpression("step-losses 1\n[^\n]*"), "step-losses 1\nnan")
        << "a loss is \"nan\", not a finite number";
    QTest::newRow("fewer step accuracies than said")
        << QString(good).replace(QRegularExpression("step-accuracies 1\n[^\n]*"),
                                 "step-accuracies 1\n")
        << "there are 0 step-accuracies; expected 1";
    QTest::newRow("a curve point short of a number")
        << QString(good).replace("0.5 1.25 0.5 1.5 0.25", "0.5 1.25 0.5 1.5")
        << "a curve point has 5 numbers, not 4";
    QTest::newRow("an infinite accuracy on the curve")
        << QString(good).replace("0.5 1.25 0.5 1.5 0.25", "0.5 1.25 0.5 1.5 inf")
        << "an accuracy is \"inf\", not a finite number";
    QTest::newRow("a weight that is NaN")
        << QString(good).replace(QRegularExpression("(matrix head.b 1 4\n)[^ ]*"), "\\1nan")
        << "a weight is \"nan\", not a finite number";
    QTest::newRow("an order entry that is no number")
        << QString(good).replace(QRegularExpression("(order 40\n)[0-9]+"), "\\1x")
        << "an entry of the order is not a number: \"x\"";
    QTest::newRow("images that claim too much")
        << QString(good).replace("images 40", "images 9999999") << "the images 9999999 is out";
    QTest::newRow("garbage before the end") << QString(good).replace("\nend\n", "\nzzz\nend\n")
                                            << "expected \"view <key> <value>\" or \"end\"";
}

void TestVitSession::brokenFieldsAreRefusedNamingTheLine()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QVERIFY2(text != QString::fromStdString(smallText()), "the row changes nothing");
    const QString message = messageOf(text.toStdString());
    QVERIFY2(message.contains(expected) && message.startsWith("vit.attnlab, line "),
             qPrintable(message));
}

void TestVitSession::everyTruncationIsRefused()
{
    const std::string text = smallText();
    QVERIFY(messageOf(text).isEmpty());
    for (size_t size = 0; size + 1 < text.size(); ++size) {
        if (size % 7 == 0 || text[size] == '\n' || text[size - 1] == '\n') {
            QVERIFY2(!messageOf(text.substr(0, size)).isEmpty(), qPrintable(QString::number(size)));
        }
    }
}

void TestVitSession::sessionOfAnotherKindIsRefusedNamingItsTab()
{
    const std::string vit = smallText();
    QCOMPARE(sessionKind(vit, "v"), SessionKind::VisionTransformer);
    try {
        parseTextPairSession(vit, "vit.attnlab");
        QFAIL("a Vision Transformer session opened as a transformer pair");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("vit.attnlab, line 2: this is a session of the "
                                            "Vision Transformer tab (kind vision-transformer)"),
                 e.what());
    }
    std::string single = vit;
    single.replace(single.find("vision-transformer"), 18, "single-head");
    const QString message = messageOf(single);
    QVERIFY2(message.contains("Single head tab") && message.contains("line 2"),
             qPrintable(message));
}

void TestVitSession::sessionThatDoesNotFitIsRefused_data()
{
    const QString good = QString::fromStdString(smallText());
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("a wider embedding")
        << QString(good).replace("setting embed 2", "setting embed 4")
        << "the weight patch.w is 16×2; the model's settings make it 16×4";
    QTest::newRow("more classes") << QString(good).replace("setting classes 4", "setting classes 5")
                                  << "the weight head.w is 2×4; the model's settings make it 2×5";
    QTest::newRow("another batch size")
        << QString(good).replace("setting batch-size 20", "setting batch-size 8")
        << "the training position does not fit together";
    QTest::newRow("an order with an image twice")
        << QString(good).replace(QRegularExpression("(order 40\n)([0-9]+) [0-9]+ "), "\\1\\2 \\2 ")
        << "the order is not a permutation of the 40 training images";
}

void TestVitSession::sessionThatDoesNotFitIsRefused()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QVERIFY2(text != QString::fromStdString(smallText()), "the row changes nothing");
    parseVitSession(text.toStdString(), "fits.attnlab"); // the file itself reads
    const QString message = messageOf(text.toStdString());
    QVERIFY2(message.contains(expected), qPrintable(message));
}

void TestVitSession::trainingSetOfAnotherSizeIsRefused()
{
    const VitSession session = parseVitSession(smallText(), "x");
    try {
        trainerOf(session, shared(quarters(41, 8, 1)), testSet());
        QFAIL("a training set of another size was taken");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("trained on 40 training images; the set given has 41"),
                 e.what());
    }
    // Images of another size are refused as a fresh trainer refuses them.
    QVERIFY_THROWS_EXCEPTION(InputError, trainerOf(session, shared(quarters(40, 4, 1)), nullptr));
}

void TestVitSession::imagesAreFoundAgainAndCutToTheLimits()
{
    QTemporaryDir dir;
    writeFashionFiles(QDir(dir.path()), "train", 6);
    writeFashionFiles(QDir(dir.path()), "t10k", 3);
    const FashionMnist images = loadSessionImages({dir.path().toStdString(), 4, 0});
    QCOMPARE(images.train.count(), 4);
    QCOMPARE(images.train.pixels.size(), size_t(4 * 64));
    QCOMPARE(images.test.count(), 3);
    QCOMPARE(images.folder, dir.path().toStdString());
    const std::string missing = dir.filePath("elsewhere").toStdString();
    try {
        loadSessionImages({missing, 0, 0});
        QFAIL("a folder without the files was taken");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains(QString::fromStdString(missing)), e.what());
    }
}

void TestVitSession::shapesTheSettingsMakeAreTheModels()
{
    const VitTrainer trainer = fresh();
    const std::vector<ParamShape> shapes = parameterShapes(trainer.config().model);
    const auto params = trainer.model().params().all();
    QCOMPARE(shapes.size(), params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        QCOMPARE(shapes[i], ParamShape(int(params[i]->rows()), int(params[i]->cols())));
    }
}

// A small file whose settings describe a model of gigabytes: refused from its weights' shapes,
// before a model of that size is allocated and initialized.
void TestVitSession::hugeSettingsAreRefusedBeforeAModelIsMade()
{
    VitSession session = parseVitSession(smallText(), "x");
    VitConfig& model = session.config.model;
    model.embed = 4096;
    model.headSize = 4096;
    model.mlpWidth = 16384;
    QElapsedTimer timer;
    timer.start();
    const QString message = messageOf(writeSession(session));
    QVERIFY2(message.contains("the weight patch.w is 16×2; the model's settings make it 16×4096"),
             qPrintable(message));
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
}

// The fuzz target's seed (fuzz/make_corpus.py writes it by hand) is a session that opens on two
// images of its size.
void TestVitSession::fuzzSeedOpensAndTrains()
{
    const std::string path = ATTNLAB_FIXTURES "/../../fuzz/corpus/session/vit-small.attnlab";
    QCOMPARE(sessionFileKind(path), SessionKind::VisionTransformer);
    const VitSession session = loadVitSession(path);
    QCOMPARE(writeSession(session), readSessionFile(path));
    ImageSet images;
    images.rows = 2;
    images.cols = 2;
    images.pixels = {1, 0, 0, 0, 0, 0, 0, 1};
    images.labels = {0, 1};
    VitTrainer trainer = trainerOf(session, shared(images), nullptr);
    QCOMPARE(trainer.stepInEpoch(), 1);
    QVERIFY(trainer.step());
    QCOMPARE(trainer.epochLosses().size(), size_t(1));
}

QTEST_GUILESS_MAIN(TestVitSession)
#include "tst_vitsession.moc"
