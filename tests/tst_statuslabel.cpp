// StatusLabel: a text that changes at display rate repaints itself and lays nothing out
// again, and is shown whole, wrapped into as many lines as its width needs.
#include <statuslabel.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QTest>

namespace {

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

QString words(int n)
{
    QStringList list;
    for (int i = 0; i < n; ++i) {
        list << QStringLiteral("word%1").arg(i);
    }
    return list.join(u' ');
}

// Runs the event loop until the layouts asked for have run, up to the window.
void settle()
{
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::processEvents();
    }
}

} // namespace

class TestStatusLabel : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void aNewTextLaysNothingOutAgain();
    void aTextOfMoreLinesMakesItHigherOnce();
    void aNarrowerWidthWrapsTheTextIntoMoreLines();
    void theTextReadsBack();

private:
    QWidget* m_window = nullptr;
    StatusLabel* m_status = nullptr;
};

void TestStatusLabel::init()
{
    m_window = new QWidget;
    m_status = new StatusLabel(m_window);
    auto* layout = new QHBoxLayout(m_window);
    layout->addWidget(new QLabel(QStringLiteral("State"), m_window));
    layout->addWidget(m_status, 1);
    m_window->resize(500, 120);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
}

void TestStatusLabel::cleanup()
{
    delete m_window;
}

void TestStatusLabel::aNewTextLaysNothingOutAgain()
{
    m_status->setText(QStringLiteral("epoch 1"));
    settle();
    LayoutRequests window(m_window);
    for (int epoch = 2; epoch < 200; epoch += 7) {
        m_status->setText(QStringLiteral("epoch %1 · loss %2").arg(epoch).arg(1.0 / epoch));
        QCoreApplication::processEvents();
    }
    QCOMPARE(window.count, 0);
}

void TestStatusLabel::aTextOfMoreLinesMakesItHigherOnce()
{
    m_status->setText(QStringLiteral("short"));
    settle();
    const int oneLine = m_status->height();
    LayoutRequests window(m_window);
    m_status->setText(words(60));
    QCoreApplication::processEvents();
    QCOMPARE(window.count, 1);
    const QLabel* label = m_status->label();
    QVERIFY(m_status->height() >= 3 * oneLine);
    QCOMPARE(label->height(), label->heightForWidth(label->width()));
    QCOMPARE(label->width(), m_status->width());
}

void TestStatusLabel::aNarrowerWidthWrapsTheTextIntoMoreLines()
{
    m_status->setText(words(12));
    QCoreApplication::processEvents();
    const int wide = m_status->height();
    m_window->resize(200, 120);
    QCoreApplication::processEvents();
    const QLabel* label = m_status->label();
    QVERIFY(m_status->height() > wide);
    QCOMPARE(label->height(), label->heightForWidth(label->width()));
    QVERIFY(m_status->geometry().right() < m_window->width());
}

void TestStatusLabel::theTextReadsBack()
{
    m_status->setText(QStringLiteral("epoch 3 / 10"));
    QCOMPARE(m_status->text(), QStringLiteral("epoch 3 / 10"));
    QCOMPARE(m_status->label()->text(), QStringLiteral("epoch 3 / 10"));
}

QTEST_MAIN(TestStatusLabel)
#include "tst_statuslabel.moc"
