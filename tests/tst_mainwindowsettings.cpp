// What the main window keeps between runs: each tab's settings and view choices are stored when
// it closes and come back in the next window, built into the models; a stored value that is
// out of range, of the wrong type, or refused by the model gives way to the default.
#include "appearance.h"
#include "comparisoncontroller.h"
#include "heatmapview.h"
#include "mainwindow.h"
#include "settingskeys.h"
#include "trainingcontroller.h"
#include "transformerpage.h"
#include "vitpage.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

namespace {

template <typename T> T* child(const QWidget& parent, const char* name)
{
    T* found = parent.findChild<T*>(QLatin1String(name));
    if (!found) {
        qFatal("no child named %s", name);
    }
    return found;
}

int spin(const QWidget& window, const char* name)
{
    return child<QSpinBox>(window, name)->value();
}

// Closes the window, answering Discard if it asks about a trained model.
void closeWindow(MainWindow& window)
{
    QTimer::singleShot(0, &window, [&window] {
        if (auto* box = window.findChild<QMessageBox*>(QStringLiteral("saveSessionQuestion"))) {
            box->button(QMessageBox::Discard)->click();
        }
    });
    window.close();
    QTRY_VERIFY(!window.isVisible());
}

std::unique_ptr<MainWindow> openWindow()
{
    auto window = std::make_unique<MainWindow>(nullptr);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get())) {
        qFatal("the window was not shown");
    }
    return window;
}

// Changes a setting in every tab and a view choice in each.
void chooseSettings(MainWindow& w)
{
    child<QSpinBox>(w, "headSize")->setValue(12);
    child<QSpinBox>(w, "seed")->setValue(9);
    child<QCheckBox>(w, "skip")->setChecked(false);
    auto* pace = child<QComboBox>(w, "paceBox");
    pace->setCurrentIndex(pace->findData(200));
    HeatmapStyle style = child<HeatmapView>(w, "attentionView")->style();
    style.colorMap = ColorMap::Kind::Viridis;
    style.precision = 3;
    child<HeatmapView>(w, "attentionView")->setStyle(style);

    child<QSpinBox>(w, "layersSpin")->setValue(2);
    child<QSpinBox>(w, "headsSpin")->setValue(4);
    child<QSpinBox>(w, "headSizeSpin")->setValue(16);
    child<QSpinBox>(w, "transformerEpochs")->setValue(50);
    child<QDoubleSpinBox>(w, "dropoutSpin")->setValue(0.1);
    QVERIFY(w.transformerPage()->apply());
    w.transformerPage()->setChoice(AttentionChoice{1, 3, false});
    child<QTabWidget>(w, "transformerViews")->setCurrentIndex(2);

    child<QSpinBox>(w, "vitHeads")->setValue(2);
    child<QSpinBox>(w, "vitEmbed")->setValue(32);
    child<QSpinBox>(w, "vitHeadSize")->setValue(32);
    child<QComboBox>(w, "vitPatch")->setCurrentIndex(1);
    w.pages()->setCurrentIndex(1);
}

} // namespace

class TestMainWindowSettings : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void theSettingsOfEveryTabComeBackInTheNextWindow();
    void nothingIsStoredUntilTheWindowCloses();
    void badStoredValuesFallBackToTheDefaults();
    void storedSettingsTheLessonRefusesGiveWayToTheDefaults();
    void storedTransformerSettingsTheModelsRefuseGiveWayToTheDefaults();
    void aPageAskedForAtStartWinsOverTheStoredOne();
    void inPresenterModeEveryTabFitsA1600By1000Screen();

private:
    QTemporaryDir m_settingsDir;
};

void TestMainWindowSettings::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindowsettings"));
}

void TestMainWindowSettings::init()
{
    QSettings().clear();
}

void TestMainWindowSettings::theSettingsOfEveryTabComeBackInTheNextWindow()
{
    {
        const auto first = openWindow();
        chooseSettings(*first);
        closeWindow(*first);
    }
    const auto w = openWindow();
    QCOMPARE(w->controller()->config().headSize, 12);
    QCOMPARE(w->controller()->config().seed, std::uint64_t(9));
    QVERIFY(!w->controller()->config().skip);
    QCOMPARE(spin(*w, "headSize"), 12);
    QCOMPARE(child<QComboBox>(*w, "paceBox")->currentData().toInt(), 200);
    QCOMPARE(child<HeatmapView>(*w, "attentionView")->style().colorMap, ColorMap::Kind::Viridis);
    QCOMPARE(child<HeatmapView>(*w, "attentionView")->style().precision, 3);

    const attnlab::TextConfig& t = w->transformerPage()->controller()->setup().config;
    QCOMPARE(t.model.layers, 2);
    QCOMPARE(t.model.heads, 4);
    QCOMPARE(t.epochs, 50);
    QCOMPARE(t.model.dropout, 0.1);
    QCOMPARE(w->transformerPage()->choice(), (AttentionChoice{1, 3, false}));
    QCOMPARE(child<QTabWidget>(*w, "transformerViews")->currentIndex(), 2);

    QCOMPARE(spin(*w, "vitHeads"), 2);
    QCOMPARE(spin(*w, "vitEmbed"), 32);
    QCOMPARE(child<QComboBox>(*w, "vitPatch")->currentData().toInt(), 4);
    QCOMPARE(w->pages()->currentIndex(), 1);
    closeWindow(*w);
}

void TestMainWindowSettings::nothingIsStoredUntilTheWindowCloses()
{
    const auto w = openWindow();
    child<QSpinBox>(*w, "headSize")->setValue(12);
    QVERIFY(!QSettings().contains(SettingsKeys::singleHeadHeadSize));
    closeWindow(*w);
    QCOMPARE(QSettings().value(SettingsKeys::singleHeadHeadSize).toInt(), 12);
}

void TestMainWindowSettings::badStoredValuesFallBackToTheDefaults()
{
    using namespace SettingsKeys;
    QSettings s;
    s.setValue(singleHeadHeadSize, QStringLiteral("banana"));
    s.setValue(singleHeadLearningRate, QStringLiteral("1e40"));
    s.setValue(singleHeadEpochs, -3);
    s.setValue(singleHeadSeed, QStringLiteral("2.5"));
    s.setValue(singleHeadCausal, QStringLiteral("maybe"));
    s.setValue(singleHeadOutput, 7);
    s.setValue(singleHeadPace, 13);
    s.setValue(singleHeadViewStyles, QStringList{"attentionView,99,1,2", "valuesView,x", "junk"});
    s.setValue(transformerLayers, 400);
    s.setValue(transformerText, QStringLiteral("no-such-preset"));
    s.setValue(transformerDropout, QStringLiteral("nan"));
    s.setValue(transformerLayer, 5);
    s.setValue(transformerHead, QStringLiteral("-7"));
    s.setValue(transformerView, 9);
    s.setValue(vitHeads, 0);
    s.setValue(vitLearningRate, QStringLiteral("inf"));
    s.setValue(vitHead, 99);
    s.setValue(vitFolder, QStringLiteral("/no/such/folder"));
    s.setValue(shownPage, 7);
    s.setValue(theme, QStringLiteral("purple"));
    s.setValue(presenterMode, QStringLiteral("sometimes"));
    s.sync();

    const auto w = openWindow();
    const attnlab::ToyConfig defaults;
    const attnlab::ToyConfig& c = w->controller()->config();
    QCOMPARE(c.headSize, defaults.headSize);
    QCOMPARE(c.learningRate, defaults.learningRate);
    QCOMPARE(c.epochs, defaults.epochs);
    QCOMPARE(c.seed, defaults.seed);
    QCOMPARE(c.causal, defaults.causal);
    QCOMPARE(c.output, defaults.output);
    QCOMPARE(child<QComboBox>(*w, "paceBox")->currentData().toInt(), 1000);
    QCOMPARE(child<HeatmapView>(*w, "attentionView")->style().colorMap, ColorMap::Kind::Deck);
    const attnlab::TextConfig& t = w->transformerPage()->controller()->setup().config;
    QCOMPARE(t.model.layers, 1);
    QCOMPARE(t.model.dropout, 0.0);
    QCOMPARE(w->transformerPage()->choice(), AttentionChoice{});
    QCOMPARE(child<QTabWidget>(*w, "transformerViews")->currentIndex(), 0);
    QCOMPARE(spin(*w, "vitHeads"), 4);
    QCOMPARE(child<QDoubleSpinBox>(*w, "vitLearningRate")->value(), 1e-3);
    QCOMPARE(child<QComboBox>(*w, "vitHead")->currentData().toInt(), -1);
    QCOMPARE(w->pages()->currentIndex(), 0);
    QCOMPARE(w->appearance()->theme(), Appearance::Theme::System);
    QVERIFY(!w->appearance()->presenterMode());
    closeWindow(*w);
}

// Each value lies in its box's range, but a context of 3 is shorter than the lesson's
// sentences: the lesson is built with the defaults and says why.
void TestMainWindowSettings::storedSettingsTheLessonRefusesGiveWayToTheDefaults()
{
    QSettings().setValue(SettingsKeys::singleHeadContext, 3);
    QSettings().setValue(SettingsKeys::singleHeadHeadSize, 8);
    const auto w = openWindow();
    QCOMPARE(w->controller()->config().context, attnlab::ToyConfig{}.context);
    QCOMPARE(w->controller()->config().headSize, attnlab::ToyConfig{}.headSize);
    QCOMPARE(spin(*w, "context"), attnlab::ToyConfig{}.context);
    QVERIFY(child<QLabel>(*w, "settingsError")->text().contains(QStringLiteral("stored")));
    QVERIFY(w->controller()->latest());
    closeWindow(*w);
}

void TestMainWindowSettings::storedTransformerSettingsTheModelsRefuseGiveWayToTheDefaults()
{
    QSettings().setValue(SettingsKeys::transformerHeads, 3); // 16 is no multiple of 3
    QSettings().setValue(SettingsKeys::transformerHeadSize, 16);
    const auto w = openWindow();
    const attnlab::TextConfig& t = w->transformerPage()->controller()->setup().config;
    QCOMPARE(t.model.heads, 2);
    QCOMPARE(spin(*w, "headsSpin"), 2);
    QVERIFY(w->transformerPage()->message().contains(QStringLiteral("stored")));
    closeWindow(*w);
}

void TestMainWindowSettings::aPageAskedForAtStartWinsOverTheStoredOne()
{
    QSettings().setValue(SettingsKeys::shownPage, 1);
    const auto w = openWindow();
    QCOMPARE(w->pages()->currentIndex(), 1);
    w->showLessonPage();
    QCOMPARE(w->pages()->currentIndex(), 0);
    closeWindow(*w);
    QCOMPARE(QSettings().value(SettingsKeys::shownPage).toInt(), 0);
}

// A projector of 1600×1000 or more shows every tab whole in presenter mode.
void TestMainWindowSettings::inPresenterModeEveryTabFitsA1600By1000Screen()
{
    QSettings().setValue(SettingsKeys::presenterMode, true);
    const auto w = openWindow();
    QVERIFY(w->appearance()->presenterMode());
    for (int page = 0; page < w->pages()->count(); ++page) {
        w->pages()->setCurrentIndex(page);
        QTest::qWait(20);
        if (w->pages()->currentWidget() == w->vitPage()) {
            // The images load once the page is shown; the gallery then fills.
            QTRY_VERIFY_WITH_TIMEOUT(!w->vitPage()->message().contains(QStringLiteral("loads")),
                                     20000);
            QTest::qWait(200);
        }
        const QSize least = w->minimumSizeHint().expandedTo(w->minimumSize());
        QVERIFY2(least.width() <= 1600 && least.height() <= 1000,
                 qPrintable(QStringLiteral("page %1: %2 by %3")
                                .arg(page)
                                .arg(least.width())
                                .arg(least.height())));
    }
    closeWindow(*w);
}

QTEST_MAIN(TestMainWindowSettings)
#include "tst_mainwindowsettings.moc"
