// The main window on the lesson: what it shows at start, how the buttons drive training, and
// how wrong input is refused with a message while nothing is lost.
#include "controlspanel.h"
#include "corpuspanel.h"
#include "heatmapview.h"
#include "losschart.h"
#include "mainwindow.h"
#include "matricespanel.h"
#include "trainingcontroller.h"
#include "vocabpanel.h"

#include <corpus.h>
#include <device.h>

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QHelpEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
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

void typeInto(QWidget* widget, const QString& text)
{
    widget->setFocus();
    QTest::keyClick(widget, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(widget, text);
}

// Types `text` into a spin box over what it holds, then ends the edit with Return.
void typeAndReturn(QAbstractSpinBox* box, const QString& text)
{
    box->setFocus();
    box->selectAll();
    QTest::keyClicks(box, text);
    QTest::keyClick(box, Qt::Key_Return);
}

bool sameConfig(const attnlab::ToyConfig& a, const attnlab::ToyConfig& b)
{
    return a.headSize == b.headSize && a.context == b.context && a.learningRate == b.learningRate &&
           a.epochs == b.epochs && a.seed == b.seed && a.causal == b.causal && a.skip == b.skip &&
           a.output == b.output;
}

QMessageBox* openQuestion(const QWidget& window)
{
    for (QMessageBox* box : window.findChildren<QMessageBox*>()) {
        if (box->isVisible()) {
            return box;
        }
    }
    return nullptr;
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
    void aUsableGpuIsNamedAndTakesTheVisionTransformer();
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
    void aLearningRateOfTenAtFullSpeedKeepsTheWindowResponsive();
    void lessonCanBeUndoneToBringBackTheTypedSentences();
    void aTypedValueOutOfRangeIsRefusedNamingTheSettingAndItsRange_data();
    void aTypedValueOutOfRangeIsRefusedNamingTheSettingAndItsRange();
    void aTypedValueAppliesOnlyWhenTheEditEnds();
    void aRefusalMessageIsShownWhole();
    void theTryErrorGoesWhenANewCorpusKnowsTheWord();
    void theTryErrorGoesWhenTheTypedSentenceBecomesValid();
    void theTryErrorGoesWhenTheContextGrows();
    void oneSentenceAndOneEpochAreSaidInTheSingular();
    void aSentenceLongerThanTheLargestContextSaysToShortenIt();
    void closingWithUnappliedSentencesAsksAndCancelKeepsThem();
    void closingWithUnappliedSentencesAndDiscardCloses();
    void closingWithTheAppliedSentencesDoesNotAsk();

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
    QCOMPARE(w.windowTitle(), QStringLiteral("AttnLab[*]")); // [*]: Qt marks unsaved changes there
    QVERIFY(!w.isWindowModified());
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
    const QString device =
        QString::fromStdString(attnlab::chooseTrainingDevice("auto").report.description);
    const auto* label = m_window->statusBar()->findChild<QLabel*>(QStringLiteral("deviceLabel"));
    QVERIFY(label);
    QCOMPARE(label->text(), device);
}

// With a backend that can be used (the host stand-in of the CUDA library) the status bar names
// it and says which page trains there; "cpu" keeps the CPU and loads nothing.
void TestMainWindow::aUsableGpuIsNamedAndTakesTheVisionTransformer()
{
    const QByteArray old = qgetenv("ATTNLAB_CUDA_LIBRARY");
    qputenv("ATTNLAB_CUDA_LIBRARY", ATTNLAB_GPU_FAKE_LIBRARY);
    for (const char* request : {"gpu", "cpu"}) {
        MainWindow window(nullptr, request);
        const auto* label = window.statusBar()->findChild<QLabel*>(QStringLiteral("deviceLabel"));
        QVERIFY(label);
        if (std::string(request) == "gpu") {
            QVERIFY2(label->text().startsWith("CUDA: host fake"), qPrintable(label->text()));
            QVERIFY2(label->toolTip().contains("Vision Transformer"), qPrintable(label->toolTip()));
        } else {
            QVERIFY2(label->text().startsWith("CPU"), qPrintable(label->text()));
        }
    }
    if (old.isEmpty()) {
        qunsetenv("ATTNLAB_CUDA_LIBRARY");
    } else {
        qputenv("ATTNLAB_CUDA_LIBRARY", old);
    }
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

// At a learning rate of 10 the loss leaps from 2 to about 1e5 in a few epochs; the loss chart
// froze the window for minutes building a tick per 0.5 of that range.
void TestMainWindow::aLearningRateOfTenAtFullSpeedKeepsTheWindowResponsive()
{
    const MainWindow& w = *m_window;
    child<QDoubleSpinBox>(w, "learningRate")->setValue(10.0);
    click(w, "trainButton");
    const ControlsPanel* controls = w.findChild<ControlsPanel*>();
    QTRY_VERIFY_WITH_TIMEOUT(controls->stateText() == QLatin1String("Finished") ||
                                 controls->stateText() == QLatin1String("Stopped"),
                             60000);
    // The state and the chart come from the same frame: the chart shows the run's end.
    const LossChart* loss = w.findChild<LossChart*>(QStringLiteral("lossChart"));
    const QValueAxis* y = loss->axisY();
    QVERIFY(y->tickInterval() > 0.0);
    QVERIFY2((y->max() - y->min()) / y->tickInterval() <= 20.0,
             qPrintable(QStringLiteral("%1 / %2").arg(y->max()).arg(y->tickInterval())));
    double highest = 0.0;
    QCOMPARE(loss->losses().size(), w.controller()->latest()->snapshot.epochLosses.size());
    for (double l : loss->losses()) {
        highest = std::isfinite(l) ? std::max(highest, l) : highest;
    }
    QVERIFY2(highest > 1e4, qPrintable(QString::number(highest))); // the loss did leap
    QVERIFY(y->max() >= highest);
}

// Lesson replaces the editor's text; the sentences typed before must come back with Ctrl+Z.
void TestMainWindow::lessonCanBeUndoneToBringBackTheTypedSentences()
{
    const MainWindow& w = *m_window;
    auto* editor = child<QPlainTextEdit>(w, "corpusEditor");
    typeInto(editor, QStringLiteral("the cat sat"));
    QCOMPARE(editor->toPlainText(), QStringLiteral("the cat sat"));
    click(w, "lessonButton");
    QCOMPARE(editor->toPlainText(), QString::fromStdString(attnlab::lessonText()));
    QCOMPARE(w.findChild<VocabPanel*>()->tokens(), kLessonVocab);
    QTest::keyClick(editor, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(editor->toPlainText(), QStringLiteral("the cat sat"));
}

void TestMainWindow::aTypedValueOutOfRangeIsRefusedNamingTheSettingAndItsRange_data()
{
    QTest::addColumn<QString>("box");
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QStringList>("said");
    QTest::newRow("learning rate too small")
        << "learningRate"
        << "1e-7" << QStringList{"learning rate", "1e-6", "1e30", "1e-7"};
    QTest::newRow("learning rate zero") << "learningRate"
                                        << "0" << QStringList{"learning rate", "1e-6", "1e30"};
    QTest::newRow("learning rate too large")
        << "learningRate"
        << "1e31" << QStringList{"learning rate", "1e30", "1e31"};
    QTest::newRow("head size") << "headSize"
                               << "300" << QStringList{"Head size", "256", "300"};
    QTest::newRow("context") << "context"
                             << "65" << QStringList{"Context", "64", "65"};
    QTest::newRow("epochs") << "epochs"
                            << "0" << QStringList{"Epochs", "100,000,000"};
    QTest::newRow("seed") << "seed"
                          << "2147483648" << QStringList{"Seed", "2,147,483,647", "2147483648"};
}

// A refused value used to vanish silently, or lose its last digit ("300" became "30") and
// rebuild the model with that.
void TestMainWindow::aTypedValueOutOfRangeIsRefusedNamingTheSettingAndItsRange()
{
    QFETCH(QString, box);
    QFETCH(QString, typed);
    QFETCH(QStringList, said);
    const MainWindow& w = *m_window;
    auto* spin = child<QAbstractSpinBox>(w, qPrintable(box));
    const QString before = spin->text();
    const attnlab::ToyConfig config = w.controller()->config();
    const std::uint64_t generation = generationOf(w);
    typeAndReturn(spin, typed);

    QCOMPARE(spin->text(), before);
    QVERIFY(sameConfig(w.controller()->config(), config));
    QCOMPARE(generationOf(w), generation);
    const QLabel* error = child<QLabel>(w, "settingsError");
    QVERIFY(error->isVisible());
    for (const QString& word : said) {
        QVERIFY2(error->text().contains(word), qPrintable(error->text()));
    }
    QVERIFY2(w.statusBar()->currentMessage() == error->text(),
             qPrintable(w.statusBar()->currentMessage()));
}

// The message under the form wraps; every line of it must fit the height it is given.
void TestMainWindow::aRefusalMessageIsShownWhole()
{
    const MainWindow& w = *m_window;
    typeAndReturn(child<QAbstractSpinBox>(w, "learningRate"), QStringLiteral("1e-7"));
    const QLabel* error = child<QLabel>(w, "settingsError");
    QVERIFY(error->isVisible());
    for (int i = 0; i < 3; ++i) {
        QCoreApplication::processEvents(); // the layout settles on posted layout requests
    }
    QVERIFY2(error->height() >= error->heightForWidth(error->width()),
             qPrintable(QStringLiteral("%1 px tall, needs %2 at %3 px wide")
                            .arg(error->height())
                            .arg(error->heightForWidth(error->width()))
                            .arg(error->width())));
}

void TestMainWindow::aTypedValueAppliesOnlyWhenTheEditEnds()
{
    const MainWindow& w = *m_window;
    auto* head = child<QSpinBox>(w, "headSize");
    const std::uint64_t generation = generationOf(w);
    head->setFocus();
    head->selectAll();
    QTest::keyClicks(head, QStringLiteral("12"));
    QCOMPARE(w.controller()->config().headSize, 20);
    QCOMPARE(generationOf(w), generation);
    QTest::keyClick(head, Qt::Key_Return);
    QCOMPARE(w.controller()->config().headSize, 12);
    QCOMPARE(generationOf(w), generation + 1);
    QVERIFY(!child<QLabel>(w, "settingsError")->isVisible());
}

void TestMainWindow::theTryErrorGoesWhenANewCorpusKnowsTheWord()
{
    const MainWindow& w = *m_window;
    auto* edit = child<QLineEdit>(w, "tryEdit");
    edit->setText(QStringLiteral("woman ordered the pizza"));
    QTest::keyClick(edit, Qt::Key_Return);
    const QLabel* error = child<QLabel>(w, "tryError");
    QVERIFY(error->isVisible());
    child<QPlainTextEdit>(w, "corpusEditor")->setPlainText("woman ordered the pizza\n");
    click(w, "applyButton");
    QVERIFY(!error->isVisible());
    click(w, "trainButton");
    QTRY_VERIFY(w.findChild<ControlsPanel*>()->stateText() != QLatin1String("Ready"));
    QVERIFY(!error->isVisible());
}

void TestMainWindow::theTryErrorGoesWhenTheTypedSentenceBecomesValid()
{
    const MainWindow& w = *m_window;
    auto* edit = child<QLineEdit>(w, "tryEdit");
    edit->setText(QStringLiteral("woman ordered the pizza"));
    QTest::keyClick(edit, Qt::Key_Return);
    const QLabel* error = child<QLabel>(w, "tryError");
    QVERIFY(error->isVisible());
    edit->setFocus();
    QTest::keyClick(edit, Qt::Key_S);
    QVERIFY(error->isVisible()); // "pizzas" is unknown too
    for (int i = 0; i < 6; ++i) {
        QTest::keyClick(edit, Qt::Key_Backspace);
    }
    QCOMPARE(edit->text(), QStringLiteral("woman ordered the "));
    QVERIFY(!error->isVisible());
}

void TestMainWindow::theTryErrorGoesWhenTheContextGrows()
{
    const MainWindow& w = *m_window;
    auto* edit = child<QLineEdit>(w, "tryEdit");
    edit->setText(QStringLiteral("man ordered the chicken the beef"));
    QTest::keyClick(edit, Qt::Key_Return);
    const QLabel* error = child<QLabel>(w, "tryError");
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QLatin1String("context")), qPrintable(error->text()));
    child<QSpinBox>(w, "context")->setValue(8);
    QTRY_VERIFY(!error->isVisible());
    const QComboBox* sentences = child<QComboBox>(w, "sentenceBox");
    QTRY_VERIFY(sentences->itemText(sentences->count() - 1).startsWith("Tried"));
}

void TestMainWindow::oneSentenceAndOneEpochAreSaidInTheSingular()
{
    const MainWindow& w = *m_window;
    child<QPlainTextEdit>(w, "corpusEditor")->setPlainText("the cat sat\n");
    click(w, "applyButton");
    const QString applied = w.statusBar()->currentMessage();
    QVERIFY2(applied.contains(QLatin1String("1 sentence:")), qPrintable(applied));
    child<QSpinBox>(w, "epochs")->setValue(1);
    const QString epochs = w.statusBar()->currentMessage();
    QVERIFY2(epochs.contains(QLatin1String("1 epoch;")), qPrintable(epochs));
    QTRY_COMPARE(child<QProgressBar>(w, "epochProgress")->text(), QStringLiteral("0 / 1 epoch"));
    child<QPlainTextEdit>(w, "corpusEditor")->setPlainText("the cat sat\nthe dog ran\n");
    click(w, "applyButton");
    QVERIFY(w.statusBar()->currentMessage().contains(QLatin1String("2 sentences:")));
}

// Raising the context is no help past the largest context the window offers.
void TestMainWindow::aSentenceLongerThanTheLargestContextSaysToShortenIt()
{
    const MainWindow& w = *m_window;
    const QString sentence = QStringLiteral("the man ordered the chicken ").repeated(60);
    child<QPlainTextEdit>(w, "corpusEditor")->setPlainText(sentence);
    click(w, "applyButton");
    const QLabel* error = child<QLabel>(w, "corpusError");
    QVERIFY(error->isVisible());
    for (const char* word : {"301 tokens", "64", "shorten"}) {
        QVERIFY2(error->text().contains(QLatin1String(word)), qPrintable(error->text()));
    }
    QVERIFY2(!error->text().contains(QLatin1String("raise")), qPrintable(error->text()));
    QVERIFY(w.statusBar()->currentMessage().contains(QLatin1String("64")));
    QCOMPARE(w.findChild<VocabPanel*>()->tokens(), kLessonVocab);
}

void TestMainWindow::closingWithUnappliedSentencesAsksAndCancelKeepsThem()
{
    MainWindow& w = *m_window;
    auto* editor = child<QPlainTextEdit>(w, "corpusEditor");
    typeInto(editor, QStringLiteral("the cat sat"));
    QVERIFY(!w.close());
    QMessageBox* question = openQuestion(w);
    QVERIFY(question);
    QVERIFY(question->button(QMessageBox::Discard));
    QTest::mouseClick(question->button(QMessageBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!openQuestion(w));
    QVERIFY(w.isVisible());
    QCOMPARE(editor->toPlainText(), QStringLiteral("the cat sat"));
}

void TestMainWindow::closingWithUnappliedSentencesAndDiscardCloses()
{
    MainWindow& w = *m_window;
    typeInto(child<QPlainTextEdit>(w, "corpusEditor"), QStringLiteral("the cat sat"));
    QVERIFY(!w.close());
    QMessageBox* question = openQuestion(w);
    QVERIFY(question);
    QTest::mouseClick(question->button(QMessageBox::Discard), Qt::LeftButton);
    QTRY_VERIFY(!w.isVisible());
}

void TestMainWindow::closingWithTheAppliedSentencesDoesNotAsk()
{
    MainWindow& w = *m_window;
    typeInto(child<QPlainTextEdit>(w, "corpusEditor"), QStringLiteral("the cat sat"));
    click(w, "applyButton");
    QVERIFY(w.close());
    QVERIFY(!openQuestion(w));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
