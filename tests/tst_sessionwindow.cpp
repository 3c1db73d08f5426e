// Sessions in the window: saving and opening give back the same model, sentences and settings;
// a refused file keeps the model shown; a trained model is not dropped on close without
// asking; recent files are listed; the autosave lets a run that did not close be recovered;
// dropped session and text files open.
#include "mainwindow.h"
#include "sessionkeeper.h"
#include "trainingcontroller.h"

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <memory>

namespace {

long stepOf(const MainWindow& w)
{
    return w.controller()->latest()->snapshot.step;
}

// Trains `epochs` epochs, one Step at a time, and waits for them.
void trainEpochs(MainWindow& w, int epochs)
{
    const int start = w.controller()->latest()->snapshot.epoch;
    for (int i = 0; i < epochs; ++i) {
        w.controller()->step();
    }
    QTRY_COMPARE(w.controller()->latest()->snapshot.epoch, start + epochs);
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

void drop(QWidget& target, const QString& path)
{
    QMimeData data;
    data.setUrls({QUrl::fromLocalFile(path)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&target, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent dropped(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&target, &dropped);
}

} // namespace

class TestSessionWindow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void savedSessionOpensToTheSameModel();
    void refusedFileKeepsTheModelShown();
    void closingAfterTrainingAsksToSave();
    void savedModelClosesWithoutAsking();
    void recentFilesAreListed();
    void autosaveLetsARunThatDidNotCloseBeRecovered();
    void droppedFilesOpen();

private:
    QTemporaryDir m_settingsDir;
    QTemporaryDir m_files;
    std::unique_ptr<MainWindow> m_window;
};

void TestSessionWindow::initTestCase()
{
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_sessionwindow"));
}

void TestSessionWindow::init()
{
    m_window = std::make_unique<MainWindow>(nullptr);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestSessionWindow::cleanup()
{
    if (m_window) {
        m_window->sessions()->closedCleanly();
    }
    m_window.reset();
}

void TestSessionWindow::savedSessionOpensToTheSameModel()
{
    MainWindow& w = *m_window;
    w.findChild<QSpinBox*>(QStringLiteral("headSize"))->setValue(12);
    trainEpochs(w, 7);
    const std::vector<double> losses = w.controller()->latest()->snapshot.epochLosses;
    const QString path = m_files.filePath(QStringLiteral("seven.attnlab"));
    QVERIFY(w.saveSessionFile(path));
    QVERIFY(w.windowTitle().contains(QLatin1String("seven.attnlab")));
    QVERIFY(!w.isWindowModified());

    // Other sentences and a fresh model, then the file again.
    auto* editor = w.findChild<QPlainTextEdit*>(QStringLiteral("corpusEditor"));
    editor->setPlainText(QStringLiteral("the cat sat"));
    QTest::mouseClick(w.findChild<QPushButton*>(QStringLiteral("applyButton")), Qt::LeftButton);
    QTRY_COMPARE(stepOf(w), 0L);
    QTRY_VERIFY(w.isWindowModified()); // the file's model was replaced

    QVERIFY(w.openSessionFile(path));
    QTRY_COMPARE(w.controller()->latest()->snapshot.epoch, 7);
    QCOMPARE(w.controller()->latest()->snapshot.epochLosses, losses);
    QCOMPARE(w.controller()->config().headSize, 12);
    QCOMPARE(w.findChild<QSpinBox*>(QStringLiteral("headSize"))->value(), 12);
    QCOMPARE(editor->toPlainText(),
             QStringLiteral("man ordered the chicken\nwoman ordered the beef"));
    QVERIFY(!w.isWindowModified());
    // It goes on: one more epoch equals the eighth of an uninterrupted run.
    trainEpochs(w, 1);
    QCOMPARE(w.controller()->latest()->snapshot.epochLosses.size(), size_t(8));
}

void TestSessionWindow::refusedFileKeepsTheModelShown()
{
    MainWindow& w = *m_window;
    trainEpochs(w, 3);
    const QString path = m_files.filePath(QStringLiteral("broken.attnlab"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("attnlab-session 1\nkind single-head\nsetting head-size x\n");
    file.close();
    QVERIFY(!w.openSessionFile(path));
    const QString message = w.statusBar()->currentMessage();
    QVERIFY2(message.contains(path) && message.contains(QLatin1String("line 3")),
             qPrintable(message));
    QCOMPARE(w.controller()->latest()->snapshot.epoch, 3);
    QVERIFY(!w.openSessionFile(m_files.filePath(QStringLiteral("absent.attnlab"))));
}

void TestSessionWindow::closingAfterTrainingAsksToSave()
{
    MainWindow& w = *m_window;
    trainEpochs(w, 2);
    QTRY_VERIFY(w.isWindowModified());
    QVERIFY(!w.close());
    QMessageBox* question = openQuestion(w);
    QVERIFY(question);
    QVERIFY(question->button(QMessageBox::Save));
    QTest::mouseClick(question->button(QMessageBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!openQuestion(w));
    QVERIFY(w.isVisible());
    QVERIFY(!w.close());
    question = openQuestion(w);
    QVERIFY(question);
    QTest::mouseClick(question->button(QMessageBox::Discard), Qt::LeftButton);
    QTRY_VERIFY(!w.isVisible());
}

void TestSessionWindow::savedModelClosesWithoutAsking()
{
    MainWindow& w = *m_window;
    QVERIFY(w.close()); // a fresh model that never trained: nothing to lose
    m_window = std::make_unique<MainWindow>(nullptr);
    m_window->show();
    trainEpochs(*m_window, 2);
    QVERIFY(m_window->saveSessionFile(m_files.filePath(QStringLiteral("two.attnlab"))));
    QVERIFY(m_window->close());
    QVERIFY(!openQuestion(*m_window));
}

void TestSessionWindow::recentFilesAreListed()
{
    MainWindow& w = *m_window;
    trainEpochs(w, 1);
    QVERIFY(w.saveSessionFile(m_files.filePath(QStringLiteral("first.attnlab"))));
    QVERIFY(w.saveSessionFile(m_files.filePath(QStringLiteral("second.attnlab"))));
    auto* recent = w.findChild<QMenu*>(QStringLiteral("recentSessionsMenu"));
    QVERIFY(recent->isEnabled());
    QCOMPARE(recent->actions().first()->text(), QStringLiteral("second.attnlab"));
    QCOMPARE(recent->actions().at(1)->text(), QStringLiteral("first.attnlab"));
    recent->actions().at(1)->trigger();
    QVERIFY(w.windowTitle().contains(QLatin1String("first.attnlab")));
}

void TestSessionWindow::autosaveLetsARunThatDidNotCloseBeRecovered()
{
    MainWindow& w = *m_window;
    QVERIFY(!w.findChild<QAction*>(QStringLiteral("recoverSessionAction"))->isEnabled());
    w.sessions()->setAutosaveInterval(std::chrono::milliseconds(20));
    trainEpochs(w, 4);
    const QString recovery = w.sessions()->recoveryPath();
    QTRY_VERIFY(QFile::exists(recovery));
    QTRY_COMPARE(attnlab::loadSession(recovery.toStdString()).checkpoint.epoch, 4);

    // The run "crashes": a new window starts while the recovery file is still there.
    auto next = std::make_unique<MainWindow>(nullptr);
    auto* recover = next->findChild<QAction*>(QStringLiteral("recoverSessionAction"));
    QVERIFY(recover->isEnabled());
    QVERIFY(next->statusBar()->currentMessage().contains(QLatin1String("did not close")));
    recover->trigger();
    QTRY_COMPARE(next->controller()->latest()->snapshot.epoch, 4);
    QVERIFY(!recover->isEnabled());
    // A clean close removes the recovery file.
    next->sessions()->closedCleanly();
    QVERIFY(!QFile::exists(recovery));
}

void TestSessionWindow::droppedFilesOpen()
{
    MainWindow& w = *m_window;
    trainEpochs(w, 5);
    const QString session = m_files.filePath(QStringLiteral("dropped.attnlab"));
    QVERIFY(w.saveSessionFile(session));
    w.controller()->reset();
    QTRY_COMPARE(stepOf(w), 0L);
    drop(w, session);
    QTRY_COMPARE(w.controller()->latest()->snapshot.epoch, 5);

    const QString text = m_files.filePath(QStringLiteral("sentences.txt"));
    QFile file(text);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("the dog ran\nthe cat sat\n");
    file.close();
    drop(w, text);
    QCOMPARE(w.findChild<QPlainTextEdit*>(QStringLiteral("corpusEditor"))->toPlainText(),
             QStringLiteral("the dog ran\nthe cat sat\n"));
    QVERIFY(w.statusBar()->currentMessage().contains(QLatin1String("Apply")));
}

QTEST_MAIN(TestSessionWindow)
#include "tst_sessionwindow.moc"
