// The main window's keyboard: standard keys where the platform has them, one shortcut for each
// main action, none bound twice, each doing what its menu entry says on the tab shown, and
// Help ▸ Keyboard Shortcuts listing them all.
#include "appearance.h"
#include "comparisoncontroller.h"
#include "controlspanel.h"
#include "mainwindow.h"
#include "shortcutsdialog.h"
#include "trainingcontroller.h"
#include "transformerpage.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QMap>
#include <QSettings>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

QAction* action(const QWidget& window, const char* name)
{
    auto* found = window.findChild<QAction*>(QLatin1String(name));
    if (!found) {
        qFatal("no action named %s", name);
    }
    return found;
}

int epochOf(const MainWindow& window)
{
    return window.controller()->latest()->snapshot.epoch;
}

RunState stateOf(const MainWindow& window)
{
    return runStateOf(*window.controller()->latest());
}

} // namespace

class TestMainWindowShortcuts : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void everyShortcutIsBoundOnce();
    void theMenusUseThePlatformsStandardKeys();
    void ctrlTStartsTrainingAndPausesIt();
    void ctrlRightStepsOneEpoch();
    void ctrlShiftRResetsToEpochZero();
    void ctrlTwoShowsTheTransformerAndCtrlTTrainsIt();
    void ctrlOneToThreeSwitchTabs();
    void presenterModeNeitherStopsTrainingNorChangesTheModel();
    void theShortcutsDialogListsEveryShortcut();

private:
    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindowShortcuts::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindowshortcuts"));
}

void TestMainWindowShortcuts::init()
{
    QSettings().clear();
    m_window = std::make_unique<MainWindow>(nullptr);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    auto* pace = m_window->findChild<QComboBox*>(QStringLiteral("paceBox"));
    pace->setCurrentIndex(pace->findData(20)); // slow enough to see a pause
}

void TestMainWindowShortcuts::cleanup()
{
    m_window.reset();
}

// Qt would say "Ambiguous shortcut" at run time and do nothing.
void TestMainWindowShortcuts::everyShortcutIsBoundOnce()
{
    QMap<QString, QString> owner;
    const auto claim = [&owner](const QKeySequence& key, const QString& who) {
        const QString text = key.toString(QKeySequence::PortableText);
        QVERIFY2(
            !owner.contains(text),
            qPrintable(QStringLiteral("%1 is bound to %2 and %3").arg(text, owner[text], who)));
        owner.insert(text, who);
    };
    for (const QAction* a : m_window->findChildren<QAction*>()) {
        for (const QKeySequence& key : a->shortcuts()) {
            claim(key, a->text());
        }
    }
    for (const QAbstractButton* b : m_window->findChildren<QAbstractButton*>()) {
        if (!b->shortcut().isEmpty()) {
            claim(b->shortcut(), b->text());
        }
    }
    for (const char* name :
         {"trainPauseAction", "stepAction", "resetAction", "exportAllViewsAction",
          "showPage1Action", "showPage2Action", "showPage3Action", "fullScreenAction",
          "presenterModeAction", "keyboardShortcutsAction"}) {
        QVERIFY2(!action(*m_window, name)->shortcut().isEmpty(), name);
    }
}

void TestMainWindowShortcuts::theMenusUseThePlatformsStandardKeys()
{
    const std::pair<const char*, QKeySequence::StandardKey> standard[] = {
        {"openSessionAction", QKeySequence::Open},
        {"saveSessionAction", QKeySequence::Save},
        {"saveSessionAsAction", QKeySequence::SaveAs},
        {"quitAction", QKeySequence::Quit},
        {"keyboardShortcutsAction", QKeySequence::HelpContents}};
    for (const auto& [name, key] : standard) {
        QCOMPARE(action(*m_window, name)->shortcut(), QKeySequence(key));
    }
    const QList<QKeySequence> fullScreen = QKeySequence::keyBindings(QKeySequence::FullScreen);
    if (!fullScreen.isEmpty()) {
        QCOMPARE(action(*m_window, "fullScreenAction")->shortcuts(), fullScreen);
    }
}

void TestMainWindowShortcuts::ctrlTStartsTrainingAndPausesIt()
{
    QCOMPARE(stateOf(*m_window), RunState::Ready);
    QTest::keyClick(m_window.get(), Qt::Key_T, Qt::ControlModifier);
    QTRY_COMPARE(stateOf(*m_window), RunState::Training);
    QTRY_VERIFY(epochOf(*m_window) > 0);
    QTest::keyClick(m_window.get(), Qt::Key_T, Qt::ControlModifier);
    QTRY_COMPARE(stateOf(*m_window), RunState::Paused);
}

void TestMainWindowShortcuts::ctrlRightStepsOneEpoch()
{
    QTest::keyClick(m_window.get(), Qt::Key_Right, Qt::ControlModifier);
    QTRY_COMPARE(epochOf(*m_window), 1);
    QTest::keyClick(m_window.get(), Qt::Key_Right, Qt::ControlModifier);
    QTRY_COMPARE(epochOf(*m_window), 2);
}

void TestMainWindowShortcuts::ctrlShiftRResetsToEpochZero()
{
    QTest::keyClick(m_window.get(), Qt::Key_Right, Qt::ControlModifier);
    QTRY_COMPARE(epochOf(*m_window), 1);
    QTest::keyClick(m_window.get(), Qt::Key_R, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_COMPARE(epochOf(*m_window), 0);
}

void TestMainWindowShortcuts::ctrlTwoShowsTheTransformerAndCtrlTTrainsIt()
{
    QTest::keyClick(m_window.get(), Qt::Key_2, Qt::ControlModifier);
    QCOMPARE(m_window->pages()->currentWidget(), m_window->transformerPage());
    QTest::keyClick(m_window.get(), Qt::Key_T, Qt::ControlModifier);
    ComparisonController* transformer = m_window->transformerPage()->controller();
    QTRY_VERIFY(transformer->latest() && transformer->latest()->sides[0].epoch > 0);
    QTest::keyClick(m_window.get(), Qt::Key_T, Qt::ControlModifier);
    QTRY_VERIFY(!transformer->latest()->running);
    QCOMPARE(epochOf(*m_window), 0); // the Single head's model was left alone
}

void TestMainWindowShortcuts::ctrlOneToThreeSwitchTabs()
{
    for (const auto& [key, page] : {std::pair{Qt::Key_3, 2}, {Qt::Key_2, 1}, {Qt::Key_1, 0}}) {
        QTest::keyClick(m_window.get(), key, Qt::ControlModifier);
        QCOMPARE(m_window->pages()->currentIndex(), page);
    }
}

void TestMainWindowShortcuts::presenterModeNeitherStopsTrainingNorChangesTheModel()
{
    const QFont font = QApplication::font();
    const auto config = m_window->controller()->config();
    QTest::keyClick(m_window.get(), Qt::Key_T, Qt::ControlModifier);
    QTRY_COMPARE(stateOf(*m_window), RunState::Training);
    QTest::keyClick(m_window.get(), Qt::Key_P, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(m_window->appearance()->presenterMode());
    QCOMPARE(QApplication::font().pointSizeF(), font.pointSizeF() * Appearance::kPresenterScale);
    const int epoch = epochOf(*m_window);
    QTRY_VERIFY(epochOf(*m_window) > epoch);
    QCOMPARE(stateOf(*m_window), RunState::Training);
    QCOMPARE(m_window->controller()->config().headSize, config.headSize);
    QTest::keyClick(m_window.get(), Qt::Key_P, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(!m_window->appearance()->presenterMode());
    QCOMPARE(QApplication::font(), font);
}

void TestMainWindowShortcuts::theShortcutsDialogListsEveryShortcut()
{
    const QList<ShortcutsDialog::Entry> entries = ShortcutsDialog::entriesOf(m_window.get());
    const auto find = [&entries](const QString& what) {
        for (const ShortcutsDialog::Entry& e : entries) {
            if (e.what == what) {
                return e.keys;
            }
        }
        return QList<QKeySequence>();
    };
    QCOMPARE(find(QStringLiteral("Train / Pause")),
             QList<QKeySequence>{QKeySequence(Qt::CTRL | Qt::Key_T)});
    QCOMPARE(find(QStringLiteral("Presenter Mode")),
             QList<QKeySequence>{QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P)});
    QCOMPARE(find(QStringLiteral("Save Session")), QKeySequence::keyBindings(QKeySequence::Save));
    QCOMPARE(find(QStringLiteral("Apply")).size(), 1); // the sentence editor's button
    ShortcutsDialog dialog(m_window.get());
    QCOMPARE(dialog.table()->rowCount(), entries.size());
}

QTEST_MAIN(TestMainWindowShortcuts)
#include "tst_mainwindowshortcuts.moc"
