// Saved sessions of the single-head lesson: a resumed run continues exactly (C22), the file
// reads back to the same text, and every broken, truncated, oversized or later-format file is
// refused with a message naming it and the fault. Saving replaces a file whole or not at all.
#include <errors.h>
#include <session.h>

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <string>

using namespace attnlab;

namespace {

ToyConfig seed77()
{
    ToyConfig c;
    c.seed = 77;
    c.learningRate = 1e-3;
    c.epochs = 50;
    return c;
}

void steps(ToyTrainer& trainer, int count)
{
    for (int i = 0; i < count; ++i) {
        QVERIFY(trainer.step());
    }
}

QString messageOf(const std::string& text)
{
    try {
        parseSession(text, "test.attnlab");
    } catch (const InputError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestSession : public QObject
{
    Q_OBJECT
private slots:
    void resumedRunEqualsAnUninterruptedOne();
    void fileReadsBackToTheSameText();
    void sessionKeepsItsOwnVocabularyAndSettings();
    void laterFormatIsRefusedSayingSo();
    void brokenFilesAreRefusedNamingTheLine_data();
    void brokenFilesAreRefusedNamingTheLine();
    void inputsFoundByFuzzingAreRefused();
    void everyTruncationIsRefused();
    void savingReplacesTheFileWholeOrNotAtAll();
    void sameSeedSameRunOtherSeedOtherRun();
};

// C22: 50 steps, save, load, 50 more equals 100 uninterrupted steps, to the bit.
void TestSession::resumedRunEqualsAnUninterruptedOne()
{
    ToyTrainer whole(lessonCorpus(), seed77());
    steps(whole, 100);

    QTemporaryDir dir;
    const std::string path = dir.filePath("run.attnlab").toStdString();
    {
        ToyTrainer first(lessonCorpus(), seed77());
        steps(first, 50);
        saveSession(sessionOf(first), path);
    }
    ToyTrainer resumed = trainerOf(loadSession(path));
    QCOMPARE(resumed.stepCount(), 50L);
    QCOMPARE(resumed.optimizer().stepCount(), 50L);
    steps(resumed, 50);
    QCOMPARE(resumed.epochLosses(), whole.epochLosses());
    const auto a = resumed.model().params().all();
    const auto b = whole.model().params().all();
    for (size_t i = 0; i < a.size(); ++i) {
        QVERIFY(*a[i] == *b[i]);
    }
    QVERIFY(resumed.optimizer().secondMoments()[2] == whole.optimizer().secondMoments()[2]);
}

void TestSession::fileReadsBackToTheSameText()
{
    ToyTrainer trainer(lessonCorpus(), seed77());
    steps(trainer, 7); // mid-epoch: sentence 1 next
    const std::string text = writeSession(sessionOf(trainer, {{"sentence", "2"}}));
    const ToySession back = parseSession(text, "x");
    QCOMPARE(writeSession(back), text);
    QCOMPARE(back.view.at("sentence"), std::string("2"));
    QCOMPARE(back.checkpoint.sentence, 1);
    QVERIFY(QString::fromStdString(text).startsWith("attnlab-session 1\nkind single-head\n"));
}

void TestSession::sessionKeepsItsOwnVocabularyAndSettings()
{
    ToyConfig c = seed77();
    c.headSize = 10;
    c.causal = false;
    ToyTrainer trainer(parseCorpus("the cat sat\nthe dog ran far\n"), c);
    steps(trainer, 3);
    const ToySession session = parseSession(writeSession(sessionOf(trainer)), "x");
    const ToyTrainer back = trainerOf(session);
    QCOMPARE(back.corpus().vocab.tokens(), trainer.corpus().vocab.tokens());
    QCOMPARE(back.corpus().sentences, trainer.corpus().sentences);
    QCOMPARE(back.config().headSize, 10);
    QVERIFY(!back.config().causal);
    // A sentence with a word the session's vocabulary lacks is refused, naming it.
    ToySession edited = session;
    edited.sentences[1] = "the bird ran far";
    try {
        trainerOf(edited);
        QFAIL("a sentence with an unknown word was taken");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("sentence 2") && QString(e.what()).contains("bird"),
                 e.what());
    }
}

void TestSession::laterFormatIsRefusedSayingSo()
{
    ToyTrainer trainer(lessonCorpus(), seed77());
    std::string text = writeSession(sessionOf(trainer));
    text.replace(0, 17, "attnlab-session 2");
    const QString message = messageOf(text);
    QVERIFY2(message.contains("later AttnLab") && message.contains("format 2") &&
                 message.contains("line 1"),
             qPrintable(message));
}

void TestSession::brokenFilesAreRefusedNamingTheLine_data()
{
    ToyTrainer trainer(lessonCorpus(), seed77());
    steps(trainer, 4);
    const QString good = QString::fromStdString(writeSession(sessionOf(trainer)));
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not a session") << QStringLiteral("hello\n") << "expected \"attnlab-session\"";
    QTest::newRow("a huge matrix")
        << QString(good).replace("matrix tok 7 7", "matrix tok 7 9999999") << "too large";
    QTest::newRow("a short row") << QString(good).replace("matrix wv 7 7\n", "matrix wv 7 8\n")
                                 << "row 1 of wv has 7 numbers; expected 8";
    QTest::newRow("a word for a number")
        << QString(good).replace("setting seed 77", "setting seed x") << "the seed is not a number";
    QTest::newRow("an unknown setting")
        << QString(good).replace("setting skip", "setting jump") << "unknown setting \"jump\"";
    QTest::newRow("a vocabulary that claims too much")
        << QString(good).replace("vocabulary 7", "vocabulary 99999999") << "out of range";
    QTest::newRow("garbage after the view") << QString(good).replace("\nend\n", "\nzzz\nend\n")
                                            << "expected \"view <key> <value>\" or \"end\"";
    // Non-finite numbers loaded and reached the views (found by the session fuzz target's check
    // that what loads is finite).
    const qsizetype tok = good.indexOf("matrix tok 7 7\n") + 15;
    const qsizetype m4 = good.indexOf("matrix m4 7 7\n") + 14;
    QTest::newRow("a weight that is NaN")
        << QString(good).replace(tok, good.indexOf(' ', tok) - tok, "nan")
        << "a weight is \"nan\", not a finite number";
    QTest::newRow("an infinite moment")
        << QString(good).replace(m4, good.indexOf(' ', m4) - m4, "-inf")
        << "a weight is \"-inf\", not a finite number";
    QTest::newRow("an infinite loss")
        << QString(good).replace(QRegularExpression("\nlosses 2\n[^ ]*"), "\nlosses 2\ninf")
        << "a loss is \"inf\", not a finite number";
    QTest::newRow("an epoch sum that is NaN")
        << QString(good).replace(QRegularExpression("epoch-sum [^\n]*"), "epoch-sum nan")
        << "the epoch sum is \"nan\", not a finite number";
}

void TestSession::brokenFilesAreRefusedNamingTheLine()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    const QString message = messageOf(text.toStdString());
    QVERIFY2(message.contains(expected) && message.startsWith("test.attnlab, line "),
             qPrintable(message));
}

// Every saved input that made the session fuzz target fail (tests/fixtures/fuzz/session) is
// refused, naming the file.
void TestSession::inputsFoundByFuzzingAreRefused()
{
    const QDir dir(ATTNLAB_FIXTURES "/fuzz/session");
    const QStringList files = dir.entryList(QDir::Files);
    QVERIFY(!files.isEmpty());
    for (const QString& name : files) {
        const std::string path = dir.filePath(name).toStdString();
        try {
            trainerOf(loadSession(path));
            QFAIL(qPrintable(name + " was accepted"));
        } catch (const InputError& e) {
            QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(path)), e.what());
        }
    }
}

void TestSession::everyTruncationIsRefused()
{
    ToyTrainer trainer(lessonCorpus(), seed77());
    steps(trainer, 4);
    const std::string text = writeSession(sessionOf(trainer));
    // Every prefix that cuts a line short or leaves lines out: never taken, never a crash.
    for (size_t size = 0; size + 1 < text.size(); size += 7) {
        const QString message = messageOf(text.substr(0, size));
        QVERIFY2(!message.isEmpty(), qPrintable(QString::number(size)));
    }
}

void TestSession::savingReplacesTheFileWholeOrNotAtAll()
{
    QTemporaryDir dir;
    ToyTrainer trainer(lessonCorpus(), seed77());
    const std::string path = dir.filePath("a.attnlab").toStdString();
    saveSession(sessionOf(trainer), path);
    steps(trainer, 6);
    saveSession(sessionOf(trainer), path);
    QCOMPARE(loadSession(path).checkpoint.steps, 6L);
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".saving")));
    // A folder that does not exist: refused, naming the path.
    const std::string missing = dir.filePath("no/such/folder/b.attnlab").toStdString();
    try {
        saveSession(sessionOf(trainer), missing);
        QFAIL("saved into a folder that does not exist");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(missing)), e.what());
    }
    // A target that is a folder: the rename fails, nothing is left behind.
    const QString folder = dir.filePath("taken.attnlab");
    QVERIFY(QDir().mkpath(folder));
    QVERIFY_THROWS_EXCEPTION(InputError, saveSession(sessionOf(trainer), folder.toStdString()));
    QVERIFY(!QFile::exists(folder + ".saving"));
    QVERIFY_THROWS_EXCEPTION(InputError, loadSession(dir.filePath("absent").toStdString()));
}

void TestSession::sameSeedSameRunOtherSeedOtherRun()
{
    ToyTrainer a(lessonCorpus(), seed77());
    ToyTrainer b(lessonCorpus(), seed77());
    ToyConfig other = seed77();
    other.seed = 78;
    ToyTrainer c(lessonCorpus(), other);
    steps(a, 20);
    steps(b, 20);
    steps(c, 20);
    QCOMPARE(writeSession(sessionOf(a)), writeSession(sessionOf(b)));
    QVERIFY(a.epochLosses() != c.epochLosses());
}

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
