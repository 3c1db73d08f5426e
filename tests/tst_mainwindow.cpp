// The main window on the lesson: what it shows at start, how the buttons drive training, and
// how wrong input is refused with a message while nothing is lost.
#include "controlspanel.h"
#include "corpuspanel.h"
#include "heatmapview.h"
#include "mainwindow.h"
#include "matricespanel.h"
#include "trainingcontroller.h"
#include "vocabpanel.h"

#include <device.h>

#include <QComboBox>
#include <QHelpEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>

#include <memory>

namespace {

const QStringList kLessonVocab{"<start>", "the", "man", "chicken", "ordered", "woman", "beef"};

template <typename T> T* child(const QWidget& parent, const char* name)
{
    T* found = parent.findChild<T*>(QLatin1String(name));
    if (!found) {
        qFatal("no child named %s", name);
    }
    return found;
}

HeatmapView* view(const MainWindow& window, const char* name)
{
    return child<HeatmapView>(window, name);
}

QSize shapeOf(const HeatmapView* view)
{
    return QSize(int(view->data().values.cols()), int(view->data().values.rows()));
}

int epochOf(const MainWindow& window)
{
    return window.controller()->latest()->snapshot.epoch;
}

std::uint64_t generationOf(const MainWindow& window)
{
    return window.controller()->latest()->generation;
}

void click(const MainWindow& window, const char* button)
{
    QTest::mouseClick(child<QPushButton>(window, button), Qt::LeftButton);
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void theLessonLoadsWithItsVocabularyAndMatrices();
    void theWindowFitsA1280By800Screen();
    void theStatusBarNamesTheDevice();
    void clickingStepChangesTheAttentionWeights();
    void trainThenPauseStopsTheEpochs();
    void badSentencesAreRefusedAndTheCorpusStays_data();
    void badSentencesAreRefusedAndTheCorpusStays();
    void applyingNewSentencesRebuildsTheVocabularyAndLessonRestoresIt();
    void tryingAnUnknownWordNamesIt();
    void tryingAKnownSentenceShowsItsMatrices();
    void hoveringAPredictionExplainsItWithTheTokenNames();
    void changingTheHeadSizeRebuildsTheModel();
    void changingTheLearningRateKeepsTheModel();
    void aContextShorterThanTheSentencesIsRefused();
    void aHugeLearningRateStopsTrainingWithAMessage();
    void theLearningRateStepsAlongOneTwoFiveAndReadsScientific();
    void closingWhileTrainingIsClean();

private:
    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
}

void TestMainWindow::init()
{
    m_window = std::make_unique<MainWindow>(nullptr);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    // Fast training where a test trains to an end.
    auto* pace = child<QComboBox>(*m_window, "paceBox");
    pace->setCurrentIndex(pace->findData(0));
}

void TestMainWindow::cleanup()
{
    m_window.reset();
}

void TestMainWindow::theLessonLoadsWithItsVocabularyAndMatrices()
{
    const MainWindow& w = *m_window;
    QCOMPARE(w.windowTitle(), QStringLiteral("AttnLab"));
    QCOMPARE(w.findChild<VocabPanel*>()->tokens(), kLessonVocab);
    QCOMPARE(child<QComboBox>(w, "sentenceBox")->count(), 2);
    QCOMPARE(shapeOf(view(w, "attentionView")), QSize(5, 5));
    QCOMPARE(shapeOf(view(w, "predictionsView")), QSize(7, 5));
    QCOMPARE(shapeOf(view(w, "valuesView")), QSize(7, 5));
    QCOMPARE(shapeOf(view(w, "queriesView")), QSize(20, 5));
    QCOMPARE(shapeOf(view(w, "keysView")), QSize(20, 5));
    QCOMPARE(shapeOf(view(w, "bigramView")), QSize(7, 5));
    QCOMPARE(view(w, "predictionsView")->data().colLabels, kLessonVocab);
    const QStringList rows{"<start>", "man", "ordered", "the", "chicken"};
    QCOMPARE(view(w, "attentionView")->data().rowLabels, rows);
    QCOMPARE(w.findChild<ControlsPanel*>()->stateText(), QStringLiteral("Ready"));
}

void TestMainWindow::theWindowFitsA1280By800Screen()
{
    const QSize least = m_window->minimumSizeHint().expandedTo(m_window->minimumSize());
    QVERIFY2(least.width() <= 1280 && least.height() <= 800,
             qPrintable(QStringLiteral("%1×%2").arg(least.width()).arg(least.height())));
    m_window->resize(1280, 800);
    QTest::qWait(50);
    QVERIFY(m_window->width() <= 1280 && m_window->height() <= 800);
}

void TestMainWindow::theStatusBarNamesTheDevice()
{
    const QString device = QString::fromStdString(attnlab::chooseDevice("auto").description);
    bool found = false;
    for (const QLabel* label : m_window->statusBar()->findChildren<QLabel*>()) {
        found = found || label->text() == device;
    }
    QVERIFY2(found, qPrintable(device));
}

void TestMainWindow::clickingStepChangesTheAttentionWeights()
{
    const MainWindow& w = *m_window;
    const attnlab::Matrix before = view(w, "attentionView")->data().values;
    for (int i = 0; i < 3; ++i) {
        click(w, "stepButton");
    }
    QTRY_COMPARE(epochOf(w), 3);
    QTRY_VERIFY(view(w, "attentionView")->data().values != before);
    QTRY_VERIFY(w.findChild<ControlsPanel*>()->statusText().startsWith(QLatin1String("epoch 3 /")));
    QCOMPARE(w.findChild<ControlsPanel*>()->stateText(), QStringLiteral("Paused"));
}

void TestMainWindow::trainThenPauseStopsTheEpochs()
{
    const MainWindow& w = *m_window;
    child<QSpinBox>(w, "epochs")->setValue(100000000);
    click(w, "trainButton");
    QTRY_VERIFY(epochOf(w) > 10);
    QTRY_COMPARE(w.findChild<ControlsPanel*>()->stateText(), QStringLiteral("Training"));
    click(w, "pauseButton");
    QTRY_COMPARE(w.findChild<ControlsPanel*>()->stateText(), QStringLiteral("Paused"));
    const int paused = epochOf(w);
    QTest::qWait(200);
    QCOMPARE(epochOf(w), paused);
    QVERIFY(child<QPushButton>(w, "trainButton")->isEnabled());
    QVERIFY(!child<QPushButton>(w, "pauseButton")->isEnabled());
}

void TestMainWindow::badSentencesAreRefusedAndTheCorpusStays_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("problem");
    QTest::newRow("empty") << QString() << "no sentence";
    QTest::newRow("only spaces") << "   \n  \n"
                                 << "no sentence";
    QTest::newRow("longer than the context") << "the man ordered the chicken"
                                             << "context";
    QTest::newRow("only <start>") << "<start>\nman ordered"
                                  << "line 1";
}

void TestMainWindow::badSentencesAreRefusedAndTheCorpusStays()
{
    QFETCH(QString, text);
    QFETCH(QString, problem);
    const MainWindow& w = *m_window;
    const std::uint64_t generation = generationOf(w);
    child<QPlainTextEdit>(w, "corpusEditor")->setPlainText(text);
    click(w, "applyButton");

    const QLabel* error = child<QLabel>(w, "corpusError");
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(problem), qPrintable(error->text()));
    QVERIFY2(w.statusBar()->currentMessage().contains(problem),
             qPrintable(w.statusBar()->currentMessage()));
    QCOMPARE(child<QPlainTextEdit>(w, "corpusEditor")->toPlainText(), text);
    QCOMPARE(w.findChild<VocabPanel*>()->tokens(), kLessonVocab);
    QCOMPARE(generationOf(w), generation);
    QCOMPARE(shapeOf(view(w, "predictionsView")), QSize(7, 5));
}

void TestMainWindow::applyingNewSentencesRebuildsTheVocabularyAndLessonRestoresIt()
{
    const MainWindow& w = *m_window;
    child<QPlainTextEdit>(w, "corpusEditor")->setPlainText("the cat sat\nthe dog ran\n");
    click(w, "applyButton");
    const QStringList vocab{"<start>", "the", "cat", "sat", "dog", "ran"};
    QCOMPARE(w.findChild<VocabPanel*>()->tokens(), vocab);
    QVERIFY(!child<QLabel>(w, "corpusError")->isVisible());
    QTRY_COMPARE(shapeOf(view(w, "attentionView")), QSize(4, 4));
    QTRY_COMPARE(shapeOf(view(w, "predictionsView")), QSize(6, 4));

    click(w, "lessonButton");
    QCOMPARE(w.findChild<VocabPanel*>()->tokens(), kLessonVocab);
    QTRY_COMPARE(shapeOf(view(w, "predictionsView")), QSize(7, 5));
}

void TestMainWindow::tryingAnUnknownWordNamesIt()
{
    const MainWindow& w = *m_window;
    auto* edit = child<QLineEdit>(w, "tryEdit");
    edit->setText(QStringLiteral("woman ordered the pizza"));
    QTest::keyClick(edit, Qt::Key_Return);
    const QLabel* error = child<QLabel>(w, "tryError");
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QLatin1String("pizza")), qPrintable(error->text()));
    QCOMPARE(edit->text(), QStringLiteral("woman ordered the pizza"));
}

void TestMainWindow::tryingAKnownSentenceShowsItsMatrices()
{
    const MainWindow& w = *m_window;
    auto* edit = child<QLineEdit>(w, "tryEdit");
    edit->setText(QStringLiteral("woman ordered the chicken"));
    click(w, "tryButton");
    const QComboBox* sentences = child<QComboBox>(w, "sentenceBox");
    QTRY_VERIFY(sentences->currentText().startsWith(QLatin1String("Tried")));
    QTRY_COMPARE(view(w, "attentionView")->data().rowLabels.value(1), QStringLiteral("woman"));
    QCOMPARE(view(w, "predictionsView")->data().rowLabels.value(4), QStringLiteral("chicken"));
    QVERIFY(!child<QLabel>(w, "tryError")->isVisible());
    // The bigram table has the rows of these tokens too.
    QCOMPARE(shapeOf(view(w, "bigramView")), QSize(7, 5));
    QVERIFY(view(w, "bigramView")->data().values.allFinite());
}

void TestMainWindow::hoveringAPredictionExplainsItWithTheTokenNames()
{
    MainWindow& w = *m_window;
    HeatmapView* predictions = view(w, "predictionsView");
    QTRY_VERIFY(predictions->cellRect(3, 3).isValid()); // row "the", column "chicken"
    const QPoint centre = predictions->cellRect(3, 3).center().toPoint();
    QCOMPARE(predictions->cellAt(centre), QPoint(3, 3));
    QHelpEvent event(QEvent::ToolTip, centre, predictions->mapToGlobal(centre));
    QCoreApplication::sendEvent(predictions, &event);
    QTRY_VERIFY(QToolTip::isVisible());
    const QString text = QToolTip::text();
    for (const char* word : {"P(chicken | the)", "logit", "man", "ordered", "skip"}) {
        QVERIFY2(text.contains(QLatin1String(word)), qPrintable(text));
    }
    QToolTip::hideText();
}

void TestMainWindow::changingTheHeadSizeRebuildsTheModel()
{
    const MainWindow& w = *m_window;
    child<QComboBox>(w, "sentenceBox")->setCurrentIndex(1);
    click(w, "stepButton");
    QTRY_COMPARE(epochOf(w), 1);
    child<QSpinBox>(w, "headSize")->setValue(8);
    QCOMPARE(w.controller()->config().headSize, 8);
    QCOMPARE(epochOf(w), 0);
    QTRY_COMPARE(shapeOf(view(w, "queriesView")), QSize(8, 5));
    QVERIFY(w.statusBar()->currentMessage().contains(QLatin1String("head size")));
    QCOMPARE(child<QComboBox>(w, "sentenceBox")->currentIndex(), 1);
    QCOMPARE(view(w, "attentionView")->data().rowLabels.value(1), QStringLiteral("woman"));
}

void TestMainWindow::changingTheLearningRateKeepsTheModel()
{
    const MainWindow& w = *m_window;
    click(w, "stepButton");
    click(w, "stepButton");
    QTRY_COMPARE(epochOf(w), 2);
    const std::uint64_t generation = generationOf(w);
    child<QDoubleSpinBox>(w, "learningRate")->setValue(1e-3);
    QTRY_COMPARE(w.controller()->latest()->snapshot.config.learningRate, 1e-3);
    QCOMPARE(epochOf(w), 2);
    QCOMPARE(generationOf(w), generation);
}

void TestMainWindow::aContextShorterThanTheSentencesIsRefused()
{
    const MainWindow& w = *m_window;
    const std::uint64_t generation = generationOf(w);
    auto* context = child<QSpinBox>(w, "context");
    context->setValue(3);
    const QLabel* error = child<QLabel>(w, "settingsError");
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QLatin1String("context")), qPrintable(error->text()));
    QCOMPARE(context->value(), 5);
    QCOMPARE(generationOf(w), generation);
    QCOMPARE(w.controller()->config().context, 5);
}

void TestMainWindow::aHugeLearningRateStopsTrainingWithAMessage()
{
    const MainWindow& w = *m_window;
    child<QDoubleSpinBox>(w, "learningRate")->setValue(1e30);
    click(w, "trainButton");
    const ControlsPanel* controls = w.findChild<ControlsPanel*>();
    QTRY_COMPARE(controls->stateText(), QStringLiteral("Stopped"));
    const QLabel* message = child<QLabel>(w, "messageLabel");
    QVERIFY(message->isVisible());
    QVERIFY2(message->text().contains(QLatin1String("learning rate")), qPrintable(message->text()));
    QVERIFY(!child<QPushButton>(w, "trainButton")->isEnabled());
    QVERIFY(child<QPushButton>(w, "resetButton")->isEnabled());
}

void TestMainWindow::theLearningRateStepsAlongOneTwoFiveAndReadsScientific()
{
    auto* rate = child<QDoubleSpinBox>(*m_window, "learningRate");
    QCOMPARE(rate->text(), QStringLiteral("1e-4"));
    const double up[] = {2e-4, 5e-4, 1e-3, 2e-3};
    for (double expected : up) {
        rate->stepUp();
        QCOMPARE(rate->value(), expected);
    }
    QCOMPARE(rate->text(), QStringLiteral("2e-3"));
    rate->setValue(1.5e-4);
    rate->stepDown();
    QCOMPARE(rate->value(), 1e-4);
    rate->setValue(0.5);
    QCOMPARE(rate->text(), QStringLiteral("0.5"));
    QString typed = QStringLiteral("3e-5");
    int pos = 0;
    QCOMPARE(rate->validate(typed, pos), QValidator::Acceptable);
    QCOMPARE(rate->valueFromText(typed), 3e-5);
    typed = QStringLiteral("3e-");
    QCOMPARE(rate->validate(typed, pos), QValidator::Intermediate);
    typed = QStringLiteral("abc");
    QCOMPARE(rate->validate(typed, pos), QValidator::Invalid);
}

void TestMainWindow::closingWhileTrainingIsClean()
{
    child<QSpinBox>(*m_window, "epochs")->setValue(100000000);
    click(*m_window, "trainButton");
    QTRY_VERIFY(epochOf(*m_window) > 0);
    m_window->close();
    m_window.reset();
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
