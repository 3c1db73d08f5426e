// Saved sessions of the transformer pair (masked against unmasked): a resumed pair continues
// bit for bit (dropout, the masked objective's masks and a shuffled order included), the file
// reads back to the same text, and every truncated, broken or misfitting file, and a file of
// another kind, is refused with a message naming it and the fault. Also the random generator
// the trainers draw from: the standard's Mersenne Twister, with a state that can be put back.
#include <errors.h>
#include <session.h>
#include <textsession.h>
#include <vitsession.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <random>
#include <string>

using namespace attnlab;

namespace {

constexpr std::string_view kSentences = "the cat sat on the mat\n"
                                        "the dog ran far\n"
                                        "a bird sang\n"
                                        "the cat ran\n"
                                        "the dog sat on a mat\n";

TextConfig pairConfig(Objective objective)
{
    TextConfig c;
    c.objective = objective;
    c.model.embed = 8;
    c.model.heads = 2;
    c.model.headSize = 8;
    c.model.layers = 2;
    c.model.context = 8;
    c.model.mlpWidth = 12;
    c.model.dropout = 0.2;
    c.model.seed = 5;
    c.maskFraction = 0.3;
    c.batchSize = 2; // 5 sentences: 3 steps an epoch, the last of one sentence
    c.shuffle = true;
    c.learningRate = 1e-2;
    c.epochs = 40;
    return c;
}

// The window's pair: causal on the left, masked (BERT) on the right.
struct Pair
{
    TextTrainer left{parseCorpus(kSentences), pairConfig(Objective::Causal)};
    TextTrainer right{parseCorpus(kSentences), pairConfig(Objective::Masked)};
};

void steps(TextTrainer& trainer, int count)
{
    for (int i = 0; i < count; ++i) {
        QVERIFY(trainer.step());
    }
}

std::string pairText(int stepsTaken)
{
    Pair pair;
    steps(pair.left, stepsTaken);
    steps(pair.right, stepsTaken);
    return writeSession(sessionOf(pair.left, pair.right, "", {{"sentence", "3"}}));
}

// A smaller pair, for the tests that parse a file many times.
std::string smallPairText()
{
    TextConfig c = pairConfig(Objective::Causal);
    c.model.embed = 2;
    c.model.heads = 1;
    c.model.headSize = 2;
    c.model.layers = 1;
    c.model.mlpWidth = 2;
    const Corpus corpus = parseCorpus("a b\nb a c\n");
    TextTrainer left(corpus, c);
    c.objective = Objective::Masked;
    TextTrainer right(corpus, c);
    steps(left, 1);
    steps(right, 1);
    return writeSession(sessionOf(left, right, "lesson", {{"tab", "1"}}));
}

QString messageOf(const std::string& text)
{
    try {
        trainersOf(parseTextPairSession(text, "pair.attnlab"));
    } catch (const InputError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestTextSession : public QObject
{
    Q_OBJECT
private slots:
    void generatorIsTheStandardTwisterAndResumes();
    void resumedPairEqualsAnUninterruptedOne();
    void fileReadsBackToTheSameText();
    void brokenFieldsAreRefusedNamingTheLine_data();
    void brokenFieldsAreRefusedNamingTheLine();
    void everyTruncationIsRefused();
    void sessionOfAnotherKindIsRefusedNamingItsTab();
    void weightsThatDoNotFitTheSettingsAreRefused_data();
    void weightsThatDoNotFitTheSettingsAreRefused();
    void savedFileLoadsAndTellsItsKind();
    void shapesTheSettingsMakeAreTheModels();
    void hugeSettingsAreRefusedBeforeAModelIsMade();
    void fuzzSeedOpensAndTrains();
};

void TestTextSession::generatorIsTheStandardTwisterAndResumes()
{
    for (std::uint64_t seed : {0ULL, 5ULL, 77ULL, ~0ULL}) {
        Rng rng(seed);
        std::mt19937_64 standard(seed);
        for (int i = 0; i < 20000; ++i) {
            QCOMPARE(rng.word(), standard());
        }
    }
    Rng a(9);
    a.normal(); // leaves a spare normal
    a.uniform();
    Rng b(1);
    b.setState(a.state());
    for (int i = 0; i < 1000; ++i) {
        QCOMPARE(b.normal(), a.normal());
        QCOMPARE(b.below(7), a.below(7));
    }
    Rng::State broken = a.state();
    broken.index = Rng::kStateWords + 1;
    QVERIFY_THROWS_EXCEPTION(InputError, b.setState(broken));
}

// 7 steps (mid-epoch), save, load, 8 more equals 15 uninterrupted steps of both models, to the
// bit: weights, moments, losses, orders and generators.
void TestTextSession::resumedPairEqualsAnUninterruptedOne()
{
    Pair whole;
    steps(whole.left, 15);
    steps(whole.right, 15);

    QTemporaryDir dir;
    const std::string path = dir.filePath("pair.attnlab").toStdString();
    {
        Pair first;
        steps(first.left, 7);
        steps(first.right, 7);
        saveSession(sessionOf(first.left, first.right), path);
    }
    TextTrainerPair resumed = trainersOf(loadTextPairSession(path));
    QCOMPARE(resumed[0]->stepCount(), 7L);
    QCOMPARE(resumed[1]->config().objective, Objective::Masked);
    steps(*resumed[0], 8);
    steps(*resumed[1], 8);
    QCOMPARE(resumed[0]->epochLosses(), whole.left.epochLosses());
    QCOMPARE(resumed[1]->epochLosses(), whole.right.epochLosses());
    const auto a = resumed[1]->model().params().all();
    const auto b = whole.right.model().params().all();
    for (size_t i = 0; i < a.size(); ++i) {
        QVERIFY(*a[i] == *b[i]);
    }
    QCOMPARE(writeSession(sessionOf(*resumed[0], *resumed[1])),
             writeSession(sessionOf(whole.left, whole.right)));
}

void TestTextSession::fileReadsBackToTheSameText()
{
    const std::string text = pairText(4);
    const TextPairSession back = parseTextPairSession(text, "x");
    QCOMPARE(writeSession(back), text);
    QCOMPARE(back.view.at("sentence"), std::string("3"));
    QCOMPARE(back.checkpoints[0].next, 2);
    QCOMPARE(back.configs[1].objective, Objective::Masked);
    QCOMPARE(back.configs[1].model.dropout, 0.2);
    QVERIFY(QString::fromStdString(text).startsWith(
        "attnlab-session 1\nkind transformer-pair\npreset \nvocabulary 12\n<start>\nthe\n"));
    const std::string small = smallPairText();
    QCOMPARE(parseTextPairSession(small, "x").preset, std::string("lesson"));
    QCOMPARE(writeSession(parseTextPairSession(small, "x")), small);
}

void TestTextSession::brokenFieldsAreRefusedNamingTheLine_data()
{
    const QString good = QString::fromStdString(smallPairText());
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("an unknown objective")
        << QString(good).replace("objective masked", "objective sideways")
        << "the objective is causal, unmasked or masked, not \"sideways\"";
    QTest::newRow("a word for a number")
        << QString(good).replace("setting embed 2", "setting embed x")
        << "embed is not a number: \"x\"";
    QTest::newRow("a setting given twice")
        << QString(good).replace("setting heads 1\n", "setting heads 1\nsetting heads 1\n")
        << "the setting heads is given twice";
    QTest::newRow("a missing setting")
        << QString(good).replace("setting mlp-width 2\n", "") << "the setting mlp-width is missing";
    QTest::newRow("a setting out of its range")
        << QString(good).replace("setting dropout 0.2", "setting dropout 2") << "dropout";
    QTest::newRow("a flag that is not 0 or 1")
        << QString(good).replace("setting shuffle 1", "setting shuffle 2")
        << "shuffle is 0 or 1, not \"2\"";
    QTest::newRow("a generator past its end")
        << QString(good).replace("rng mask 312", "rng mask 313")
        << "the generator's position 313 is out of range (0 to 312)";
    QTest::newRow("a generator short of words")
        << QString(good).replace(QRegularExpression("(rng order [^\n]*\n)[0-9]+ "), "\\1")
        << "the generator order has 311 words; expected 312";
    QTest::newRow("an order that claims too much")
        << QString(good).replace("order 2\n", "order 99999\n") << "out of range";
    QTest::newRow("a loss that is NaN")
        << QString(good).replace(QRegularExpression("epoch-sum [^\n]*"), "epoch-sum nan")
        << "the epoch sum is \"nan\", not a finite number";
    const qsizetype wq = good.indexOf("matrix block1.wq 2 2\n") + 21;
    QTest::newRow("a weight that is infinite")
        << QString(good).replace(wq, good.indexOf(' ', wq) - wq, "inf")
        << "a weight is \"inf\", not a finite number";
    QTest::newRow("moments for other weights")
        << QString(good).replace(QRegularExpression("adam 1 [0-9]+"), "adam 1 5")
        << "Adam has 0 or 19 moments, not 5";
    QTest::newRow("a matrix larger than the file")
        << QString(good).replace("matrix tok 4 2\n", "matrix tok 3000 3000\n")
        << "the matrix tok needs more than the";
    QTest::newRow("the right model missing")
        << QString(good).replace("model right", "model left") << "expected \"model right\"";
}

void TestTextSession::brokenFieldsAreRefusedNamingTheLine()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QVERIFY2(text != QString::fromStdString(smallPairText()), "the row changes nothing");
    const QString message = messageOf(text.toStdString());
    QVERIFY2(message.contains(expected) && message.startsWith("pair.attnlab, line "),
             qPrintable(message));
}

void TestTextSession::everyTruncationIsRefused()
{
    const std::string text = smallPairText();
    QVERIFY(messageOf(text).isEmpty());
    // Every line left out, and cuts within lines: never taken, never a crash.
    for (size_t size = 0; size + 1 < text.size(); ++size) {
        if (size % 7 == 0 || text[size] == '\n' || text[size - 1] == '\n') {
            QVERIFY2(!messageOf(text.substr(0, size)).isEmpty(), qPrintable(QString::number(size)));
        }
    }
}

void TestTextSession::sessionOfAnotherKindIsRefusedNamingItsTab()
{
    const std::string pair = smallPairText();
    ToyConfig toy;
    toy.epochs = 2;
    const std::string single = writeSession(sessionOf(ToyTrainer(lessonCorpus(), toy)));
    QCOMPARE(sessionKind(pair, "p"), SessionKind::TransformerPair);
    QCOMPARE(sessionKind(single, "s"), SessionKind::SingleHead);

    const QString asPair = messageOf(single);
    QVERIFY2(asPair.contains("line 2") && asPair.contains("Single head tab") &&
                 asPair.contains("kind single-head"),
             qPrintable(asPair));
    try {
        parseSession(pair, "pair.attnlab");
        QFAIL("a transformer-pair session opened as a single-head one");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("Transformer: masked against unmasked tab"), e.what());
    }
    try {
        parseVitSession(pair, "pair.attnlab");
        QFAIL("a transformer-pair session opened as a Vision Transformer one");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("not on the Vision Transformer tab"), e.what());
    }
    std::string unknown = pair;
    unknown.replace(unknown.find("transformer-pair"), 16, "transformer-trio");
    QVERIFY2(messageOf(unknown).contains("kind \"transformer-trio\" is unknown"),
             qPrintable(messageOf(unknown)));
    std::string later = pair;
    later.replace(0, 17, "attnlab-session 2");
    QVERIFY_THROWS_EXCEPTION(InputError, sessionKind(later, "later"));
    QVERIFY2(messageOf(later).contains("written by a later AttnLab (format 2)"),
             qPrintable(messageOf(later)));
}

void TestTextSession::weightsThatDoNotFitTheSettingsAreRefused_data()
{
    const QString good = QString::fromStdString(smallPairText());
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    // The first "setting embed" is the left model's.
    QTest::newRow("a wider embedding")
        << QString(good).replace("setting embed 2\n", "setting embed 4\n")
        << "the left model: the weight tok is 4×2; the model's settings make it 4×4";
    QTest::newRow("a longer context")
        << QString(good).replace("setting context 8", "setting context 9")
        << "the left model: the weight pos is 8×2; the model's settings make it 9×2";
    QTest::newRow("an order that is no permutation")
        << QString(good).replace(QRegularExpression("order 2\n[01] [01]\n"), "order 2\n1 1\n")
        << "the order is not a permutation of the 2 sentences";
    QTest::newRow("a position past the sentences")
        << QString(good).replace(QRegularExpression("position 1 1 [0-9]+ [0-9]+"),
                                 "position 1 1 4 2")
        << "the training position does not fit together";
    QTest::newRow("a step count that does not agree")
        << QString(good).replace("adam 1 19", "adam 2 19") << "1 steps and 2 optimizer steps";
    QTest::newRow("a word the vocabulary lacks")
        << QString(good).replace("\nb a c\n", "\nb a d\n") << "sentence 2 of the session";
}

void TestTextSession::weightsThatDoNotFitTheSettingsAreRefused()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QVERIFY2(text != QString::fromStdString(smallPairText()), "the row changes nothing");
    parseTextPairSession(text.toStdString(), "fits.attnlab"); // the file itself reads
    const QString message = messageOf(text.toStdString());
    QVERIFY2(message.contains(expected), qPrintable(message));
}

void TestTextSession::savedFileLoadsAndTellsItsKind()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("pair.attnlab").toStdString();
    Pair pair;
    steps(pair.left, 2);
    steps(pair.right, 2);
    saveSession(sessionOf(pair.left, pair.right, "lesson"), path);
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".saving")));
    QCOMPARE(sessionFileKind(path), SessionKind::TransformerPair);
    QCOMPARE(loadTextPairSession(path).preset, std::string("lesson"));
    try {
        loadVitSession(path);
        QFAIL("a transformer-pair file opened as a Vision Transformer session");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(path + ", line 2: ")),
                 e.what());
    }
    QVERIFY_THROWS_EXCEPTION(InputError, sessionFileKind(dir.filePath("absent").toStdString()));
    // Two trainers on other sentences are not one session.
    TextTrainer other(parseCorpus("a b c\n"), pairConfig(Objective::Unmasked));
    QVERIFY_THROWS_EXCEPTION(InputError, sessionOf(pair.left, other));
}

void TestTextSession::shapesTheSettingsMakeAreTheModels()
{
    for (Objective objective : {Objective::Causal, Objective::Masked}) {
        const TextTrainer trainer(parseCorpus(kSentences), pairConfig(objective));
        const std::vector<ParamShape> shapes = parameterShapes(trainer.model().config());
        const auto params = trainer.model().params().all();
        QCOMPARE(shapes.size(), params.size());
        for (size_t i = 0; i < params.size(); ++i) {
            QCOMPARE(shapes[i], ParamShape(int(params[i]->rows()), int(params[i]->cols())));
        }
        QCOMPARE(modelConfig(trainer.config(), trainer.corpus()).vocab,
                 trainer.model().config().vocab);
    }
}

// A small file whose settings describe a model of a gigabyte: refused from its weights'
// shapes, before a model of that size is allocated and initialized.
void TestTextSession::hugeSettingsAreRefusedBeforeAModelIsMade()
{
    TextPairSession session = parseTextPairSession(smallPairText(), "x");
    TransformerConfig& model = session.configs[0].model;
    model.embed = 4096;
    model.headSize = 4096;
    model.mlpWidth = 16384;
    model.context = 4096;
    const std::string text = writeSession(session);
    QElapsedTimer timer;
    timer.start();
    const QString message = messageOf(text);
    QVERIFY2(message.contains("the left model: the weight tok is 4×2; the model's settings make "
                              "it 4×4096"),
             qPrintable(message));
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
}

// The fuzz target's seed (fuzz/make_corpus.py writes it by hand) is a session that opens.
void TestTextSession::fuzzSeedOpensAndTrains()
{
    const std::string path = ATTNLAB_FIXTURES "/../../fuzz/corpus/session/pair-small.attnlab";
    QCOMPARE(sessionFileKind(path), SessionKind::TransformerPair);
    const TextPairSession session = loadTextPairSession(path);
    QCOMPARE(writeSession(session), readSessionFile(path));
    TextTrainerPair pair = trainersOf(session);
    QVERIFY(pair[0]->step());
    QVERIFY(pair[1]->step());
    QCOMPARE(pair[1]->stepCount(), 2L);
}

QTEST_GUILESS_MAIN(TestTextSession)
#include "tst_textsession.moc"
