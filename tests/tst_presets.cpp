// The shipped corpora: each parses, fits the context the Transformer page starts with, and the
// switched lesson has the lesson's words.
#include <presets.h>
#include <texttrainer.h>

#include <QTest>

using namespace attnlab;

class TestPresets : public QObject
{
    Q_OBJECT
private slots:
    void everyPresetParsesAndFitsTheContext();
    void lessonPresetIsTheLesson();
    void switchedOrdersKeepTheLessonsVocabulary();
    void agreementCorpusIsAFewHundredShortSentences();
    void unknownNameFindsNothing();
    void agreementTrainsBelowItsStartingLoss();
};

void TestPresets::everyPresetParsesAndFitsTheContext()
{
    QVERIFY(presets().size() >= 3);
    for (const Preset& p : presets()) {
        const Corpus corpus = presetCorpus(p);
        QVERIFY2(!corpus.sentences.empty(), p.name.data());
        QVERIFY2(corpus.longest() <= 12, p.name.data());
        QVERIFY(!p.title.empty());
        QVERIFY(!p.description.empty());
        QCOMPARE(findPreset(p.name), &p);
    }
}

void TestPresets::lessonPresetIsTheLesson()
{
    const Corpus corpus = presetCorpus(presets()[0]);
    QCOMPARE(corpus.vocab.tokens(), lessonCorpus().vocab.tokens());
    QCOMPARE(corpus.sentences, lessonCorpus().sentences);
}

void TestPresets::switchedOrdersKeepTheLessonsVocabulary()
{
    const Corpus corpus = presetCorpus(*findPreset("switch-orders"));
    QCOMPARE(corpus.vocab.tokens(), lessonCorpus().vocab.tokens());
    const std::vector<std::string> first{"<start>", "man", "ordered", "the", "beef"};
    QCOMPARE(corpus.words(0), first);
}

void TestPresets::agreementCorpusIsAFewHundredShortSentences()
{
    const Corpus corpus = presetCorpus(*findPreset("agreement"));
    QVERIFY(corpus.sentences.size() >= 250);
    QVERIFY(corpus.sentences.size() <= 400);
    QVERIFY2(corpus.vocab.size() <= 80, std::to_string(corpus.vocab.size()).c_str());
    for (const char* word : {"he", "she", "they", "runs", "run"}) {
        QVERIFY2(corpus.vocab.find(word).has_value(), word);
    }
}

void TestPresets::unknownNameFindsNothing()
{
    QCOMPARE(findPreset("no-such-preset"), nullptr);
    QVERIFY(QString::fromStdString(presetNames()).contains("agreement"));
}

void TestPresets::agreementTrainsBelowItsStartingLoss()
{
    TextConfig c;
    c.model.layers = 2;
    c.model.heads = 4;
    c.model.embed = 32;
    c.model.headSize = 32;
    c.model.context = 12;
    c.batchSize = 8;
    c.shuffle = true;
    c.epochs = 3;
    TextTrainer trainer(presetCorpus(*findPreset("agreement")), c);
    trainer.runToEnd();
    const std::vector<double>& losses = trainer.epochLosses();
    QVERIFY2(losses.back() < 0.8 * losses.front(),
             (std::to_string(losses.front()) + " → " + std::to_string(losses.back())).c_str());
}

QTEST_GUILESS_MAIN(TestPresets)
#include "tst_presets.moc"
