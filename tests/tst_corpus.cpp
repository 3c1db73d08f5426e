// Text in, tokens out: the tokenizer, the vocabulary's order, the lesson, the bigram table,
// and text that is wrong (C12).
#include <bigram.h>
#include <corpus.h>
#include <errors.h>

#include <QElapsedTimer>
#include <QTest>

using namespace attnlab;

namespace {

using Words = std::vector<std::string>;

// The message of the InputError that `parse` throws, or an empty string.
template <typename F> QString refusal(F parse)
{
    try {
        parse();
    } catch (const InputError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestCorpus : public QObject
{
    Q_OBJECT
private slots:
    void tokenizerSplitsOnSpaceAndPunctuationAndLowerCases_data();
    void tokenizerSplitsOnSpaceAndPunctuationAndLowerCases();
    void vocabularyFollowsFirstAppearance();
    void lessonKeepsTheDecksOrder();
    void everySentenceStartsWithStartToken();
    void typedStartTokenIsNotDoubled();
    void emptyTextIsRefused_data();
    void emptyTextIsRefused();
    void oneWordSentenceTrainsAsTwoTokens();
    void textThatIsNotUtf8IsRefusedNamingLineAndByte();
    void overlongWordIsRefusedNamingItsLength();
    void tooManySentencesAreRefused();
    void manyDifferentWordsParseInLinearTime();
    void unknownWordIsNamed();
    void tooLongSentenceNamesItsLengthAndTheLimit();
    void nextTokenTargetsWrapToStart();
    void bigramTableSplitsAfterThe();
};

void TestCorpus::tokenizerSplitsOnSpaceAndPunctuationAndLowerCases_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QStringList>("words");
    QTest::newRow("two spaces") << "the  man" << QStringList{"the", "man"};
    QTest::newRow("punctuation") << "The man, ordered: chicken!"
                                 << QStringList{"the", "man", "ordered", "chicken"};
    QTest::newRow("tabs and ends") << "\t a\tb  " << QStringList{"a", "b"};
    QTest::newRow("apostrophe") << "Don't stop" << QStringList{"don't", "stop"};
    QTest::newRow("utf-8 kept") << "Café au lait" << QStringList{"café", "au", "lait"};
    QTest::newRow("latin-1 lower-cased") << "Émile ÉMILE" << QStringList{"émile", "émile"};
    QTest::newRow("cyrillic lower-cased") << "Мама" << QStringList{"мама"};
    QTest::newRow("byte-order mark") << "\uFEFFman" << QStringList{"man"};
    QTest::newRow("no-break space") << "man\u00A0ordered" << QStringList{"man", "ordered"};
    QTest::newRow("direction mark") << "the\u200Fchicken" << QStringList{"the", "chicken"};
    QTest::newRow("zero-width space") << "the\u200Bbeef" << QStringList{"the", "beef"};
    QTest::newRow("only punctuation") << "?!, ." << QStringList{};
}

void TestCorpus::tokenizerSplitsOnSpaceAndPunctuationAndLowerCases()
{
    QFETCH(QString, line);
    QFETCH(QStringList, words);
    QStringList got;
    for (const std::string& w : tokenizeLine(line.toStdString())) {
        QVERIFY(!w.empty());
        got << QString::fromStdString(w);
    }
    QCOMPARE(got, words);
}

void TestCorpus::vocabularyFollowsFirstAppearance()
{
    const Corpus c = parseCorpus("b a c\na d", "test");
    QCOMPARE(c.vocab.tokens(), (Words{"<start>", "b", "a", "c", "d"}));
    QCOMPARE(c.sentences.size(), size_t(2));
    QCOMPARE(c.sentences[1], (std::vector<int>{0, 2, 4}));
}

void TestCorpus::lessonKeepsTheDecksOrder()
{
    const Corpus c = lessonCorpus();
    QCOMPARE(c.vocab.tokens(),
             (Words{"<start>", "the", "man", "chicken", "ordered", "woman", "beef"}));
    QCOMPARE(c.sentences[0], (std::vector<int>{0, 2, 4, 1, 3}));
    QCOMPARE(c.sentences[1], (std::vector<int>{0, 5, 4, 1, 6}));
    // The same words typed in another order of lines still get the deck's order.
    const Corpus swapped =
        parseCorpusKeepingLessonOrder("woman ordered the beef\nman ordered the chicken", "t");
    QCOMPARE(swapped.vocab.tokens(), c.vocab.tokens());
}

void TestCorpus::everySentenceStartsWithStartToken()
{
    const Corpus c = parseCorpus("x y\n\n  \nz", "test");
    QCOMPARE(c.sentences.size(), size_t(2)); // blank lines are skipped
    for (const auto& s : c.sentences) {
        QCOMPARE(s.front(), 0);
    }
}

void TestCorpus::typedStartTokenIsNotDoubled()
{
    const Corpus c = parseCorpus("<start> man ordered", "test");
    QCOMPARE(c.words(0), (Words{"<start>", "man", "ordered"}));
}

void TestCorpus::emptyTextIsRefused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("fault");
    QTest::newRow("empty") << ""
                           << "no sentence";
    QTest::newRow("spaces") << "   "
                            << "no sentence";
    QTest::newRow("blank lines") << "\n \n\t\n"
                                 << "no sentence";
    QTest::newRow("<start> alone") << "<start>"
                                   << "no word after <start>";
    QTest::newRow("punctuation only") << "man ordered\n?!"
                                      << "line 2";
}

void TestCorpus::emptyTextIsRefused()
{
    QFETCH(QString, text);
    QFETCH(QString, fault);
    const QString message = refusal([&] { parseCorpus(text.toStdString(), "the sentences"); });
    QVERIFY2(message.contains(fault), qPrintable(message));
    QVERIFY(message.contains("the sentences"));
}

void TestCorpus::oneWordSentenceTrainsAsTwoTokens()
{
    const Corpus c = parseCorpus("hello", "test");
    QCOMPARE(c.words(0), (Words{"<start>", "hello"}));
}

void TestCorpus::textThatIsNotUtf8IsRefusedNamingLineAndByte()
{
    const QString message = refusal([] { parseCorpus("man ordered\nthe \xff\xfe beef", "f.txt"); });
    QVERIFY2(message.contains("f.txt, line 2") && message.contains("byte 5") &&
                 message.contains("UTF-8"),
             qPrintable(message));
    QVERIFY(!refusal([] { encodeSentence(lessonCorpus().vocab, "man \xc3"); }).isEmpty());
}

void TestCorpus::overlongWordIsRefusedNamingItsLength()
{
    const std::string word(5000, 'x');
    const QString message = refusal([&] { parseCorpus("man ordered\n" + word, "t"); });
    QVERIFY2(message.contains("line 2") && message.contains("5000 bytes") &&
                 message.contains("at most 64"),
             qPrintable(message));
    QVERIFY(message.size() < 300); // the word itself is cut in the message
    parseCorpus("supercalifragilisticexpialidocious", "t");
}

void TestCorpus::tooManySentencesAreRefused()
{
    std::string text;
    for (size_t i = 0; i <= kMaxSentences; ++i) {
        text += "a b\n";
    }
    const QString message = refusal([&] { parseCorpus(text, "t"); });
    QVERIFY2(message.contains("more than 10000 sentences"), qPrintable(message));
}

// 150 000 different words in 1 MiB of text (a file may have 16) parse in well under a second:
// finding a word does not grow with the vocabulary. It took minutes when each word was looked for
// among all the words before it (found by profiling the corpus fuzz target).
void TestCorpus::manyDifferentWordsParseInLinearTime()
{
    constexpr int words = 150000;
    std::string text;
    for (int i = 0; i < words; ++i) {
        text += "w" + std::to_string(i) + (i % 100 == 99 ? "\n" : " ");
    }
    QElapsedTimer timer;
    timer.start();
    const Corpus c = parseCorpus(text, "t");
    const qint64 ms = timer.elapsed();
    QCOMPARE(c.vocab.size(), words + 1);
    QCOMPARE(c.vocab.find("w149999"), std::optional<int>(words));
    Vocab vocab = c.vocab;
    QCOMPARE(vocab.add("w7"), 8);
    QCOMPARE(vocab.add("new"), words + 1);
    QVERIFY2(ms < 15000, qPrintable(QString("%1 ms").arg(ms)));
}

void TestCorpus::unknownWordIsNamed()
{
    const Corpus c = lessonCorpus();
    QCOMPARE(encodeSentence(c.vocab, "man ordered the"), (std::vector<int>{0, 2, 4, 1}));
    const QString message = refusal([&] { encodeSentence(c.vocab, "man ordered pizza"); });
    QVERIFY2(message.contains("\"pizza\""), qPrintable(message));
}

void TestCorpus::tooLongSentenceNamesItsLengthAndTheLimit()
{
    // C07: a 300-word sentence with the context set to 16.
    std::string text;
    for (int i = 0; i < 300; ++i) {
        text += 'w';
        text += std::to_string(i % 50);
        text += ' ';
    }
    const Corpus c = parseCorpus(text, "test");
    const QString message = refusal([&] { checkContext(c, 16); });
    QVERIFY2(message.contains("301 tokens") && message.contains("context is 16"),
             qPrintable(message));
    checkContext(c, 301); // fits exactly
}

void TestCorpus::nextTokenTargetsWrapToStart()
{
    const std::vector<int> ids{0, 2, 4, 1, 3};
    QCOMPARE(nextTokenTargets(ids), (std::vector<int>{2, 4, 1, 3, 0}));
}

void TestCorpus::bigramTableSplitsAfterThe()
{
    const Corpus c = lessonCorpus();
    const Matrix t = bigramTable(c, 0);
    QCOMPARE(t.rows(), 5);
    QCOMPARE(t.cols(), 7);
    // After "the": chicken once and beef once in the corpus.
    QCOMPARE(t(3, 3), 0.5f);
    QCOMPARE(t(3, 6), 0.5f);
    // After <start>: man and woman; after "ordered": always "the".
    QCOMPARE(t(0, 2), 0.5f);
    QCOMPARE(t(2, 1), 1.0f);
    for (int r = 0; r < 5; ++r) {
        QCOMPARE(t.row(r).sum(), 1.0f);
    }
}

QTEST_GUILESS_MAIN(TestCorpus)
#include "tst_corpus.moc"
