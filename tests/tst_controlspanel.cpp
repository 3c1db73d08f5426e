// ControlsPanel: the state and where training stands, shown without laying out the window
// again on every refresh.
#include <controlspanel.h>
#include <statuslabel.h>

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTest>
#include <QVBoxLayout>

namespace {

TrainingFrame frameAt(int epoch, bool running, double loss)
{
    TrainingFrame frame;
    frame.running = running;
    frame.snapshot.state = epoch > 0 ? attnlab::TrainState::Training : attnlab::TrainState::Ready;
    frame.snapshot.config.epochs = 100000000;
    frame.snapshot.epoch = epoch;
    frame.snapshot.step = 2L * epoch;
    frame.snapshot.epochLosses.assign(static_cast<size_t>(epoch), loss);
    return frame;
}

// Counts the layout requests that reach a widget.
class LayoutRequests : public QObject
{
public:
    explicit LayoutRequests(QWidget* widget) { widget->installEventFilter(this); }
    int count = 0;

protected:
    bool eventFilter(QObject*, QEvent* event) override
    {
        count += event->type() == QEvent::LayoutRequest ? 1 : 0;
        return false;
    }
};

QLabel* label(const QWidget& parent, const char* name)
{
    return parent.findChild<QLabel*>(QLatin1String(name));
}

// Runs the event loop until the layouts asked for have run, up to the window.
void settle()
{
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::processEvents();
    }
}

} // namespace

class TestControlsPanel : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void theStateIsNamedAndColoured();
    void theStatusSaysWhereTrainingStands();
    void aRefreshWhileTrainingLaysNothingOutAgain();
    void aLongStatusWrapsAndIsShownWhole();
    void theButtonsFollowTheState();

private:
    QWidget* m_window = nullptr;
    ControlsPanel* m_panel = nullptr;
};

void TestControlsPanel::init()
{
    m_window = new QWidget;
    m_panel = new ControlsPanel(m_window);
    auto* layout = new QVBoxLayout(m_window);
    layout->addWidget(m_panel);
    m_window->resize(600, 200);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
}

void TestControlsPanel::cleanup()
{
    delete m_window;
}

void TestControlsPanel::theStateIsNamedAndColoured()
{
    QCOMPARE(m_panel->stateText(), QStringLiteral("Ready"));
    m_panel->showFrame(frameAt(10, true, 1.5));
    QCOMPARE(m_panel->stateText(), QStringLiteral("Training"));
    const QLabel* state = label(*m_panel, "stateLabel");
    QCOMPARE(state->palette().color(QPalette::WindowText), QColor(0x2e, 0x7d, 0x32));
    m_panel->showFrame(frameAt(12, false, 1.5));
    QCOMPARE(m_panel->stateText(), QStringLiteral("Paused"));
    QCOMPARE(state->palette().color(QPalette::WindowText), QColor(0xb2, 0x6a, 0x00));
}

void TestControlsPanel::theStatusSaysWhereTrainingStands()
{
    m_panel->showFrame(frameAt(1234, true, 0.5));
    QCOMPARE(m_panel->statusText(),
             QStringLiteral("epoch 1,234 / 100,000,000 · steps: 2,468 · loss: 0.5000"));
    QCOMPARE(m_panel->findChild<QProgressBar*>()->text(),
             QStringLiteral("1,234 / 100,000,000 epochs"));
}

// A label's new text asks its parent's layout to run again; from the panel, every layout up to
// the main window would follow, and the tab widget there repaints the whole page.
void TestControlsPanel::aRefreshWhileTrainingLaysNothingOutAgain()
{
    m_panel->showFrame(frameAt(1000, true, 0.75));
    settle();
    LayoutRequests panel(m_panel);
    LayoutRequests window(m_window);
    for (int epoch = 1001; epoch < 1030; ++epoch) {
        m_panel->showFrame(frameAt(epoch, true, 0.75 - epoch * 1e-4));
        QCoreApplication::processEvents();
    }
    QCOMPARE(panel.count, 0);
    QCOMPARE(window.count, 0);
    QVERIFY(m_panel->statusText().startsWith(QLatin1String("epoch 1,029 /")));
}

// A diverging loss has many digits: at the panel's least width the status needs more lines.
void TestControlsPanel::aLongStatusWrapsAndIsShownWhole()
{
    m_panel->showFrame(frameAt(123456, true, 1e30));
    m_window->resize(m_window->minimumSizeHint().width(), 300);
    QCoreApplication::processEvents();
    const auto* status = m_panel->findChild<StatusLabel*>(QStringLiteral("statusLabel"));
    const QLabel* text = status->label();
    const int oneLine = text->fontMetrics().height();
    QVERIFY(text->heightForWidth(text->width()) >= 2 * oneLine);    // it does not fit on one line
    QVERIFY(text->height() >= text->heightForWidth(text->width())); // every line shown
    QVERIFY(status->geometry().right() < m_panel->contentsRect().right());
    m_window->resize(1900, 300);
    QCoreApplication::processEvents();
    QVERIFY(text->height() < 2 * oneLine); // back on one line
    QVERIFY(text->height() >= text->heightForWidth(text->width()));
}

void TestControlsPanel::theButtonsFollowTheState()
{
    const auto* train = m_panel->findChild<QPushButton*>(QStringLiteral("trainButton"));
    const auto* pause = m_panel->findChild<QPushButton*>(QStringLiteral("pauseButton"));
    m_panel->showFrame(frameAt(5, true, 1.0));
    QVERIFY(!train->isEnabled());
    QVERIFY(pause->isEnabled());
    m_panel->showFrame(frameAt(6, false, 1.0));
    QVERIFY(train->isEnabled());
    QVERIFY(!pause->isEnabled());
}

QTEST_MAIN(TestControlsPanel)
#include "tst_controlspanel.moc"
