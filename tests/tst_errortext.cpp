// Error messages stay readable: dark red on a light window, light red on a dark one, following
// the palette when it changes.
#include "appearance.h"
#include "errortext.h"

#include <QApplication>
#include <QLabel>
#include <QTest>

namespace {

QColor textColorOf(const QLabel& label)
{
    label.ensurePolished();
    return label.palette().color(QPalette::WindowText);
}

} // namespace

class TestErrorText : public QObject
{
    Q_OBJECT

private slots:
    void cleanup();

    void anErrorIsDarkRedOnALightWindow();
    void anErrorTurnsLightRedWhenThePaletteTurnsDark();
    void unmarkingGivesBackTheUsualColour();
};

void TestErrorText::cleanup()
{
    QApplication::setPalette(QPalette());
}

void TestErrorText::anErrorIsDarkRedOnALightWindow()
{
    QWidget window;
    auto* label = new QLabel(QStringLiteral("Not applied"), &window);
    ErrorText::mark(label);
    const QColor red = textColorOf(*label);
    QVERIFY(red.red() > 150 && red.green() < 80 && red.lightness() < 128);
    QVERIFY(label->font().bold());
}

void TestErrorText::anErrorTurnsLightRedWhenThePaletteTurnsDark()
{
    QWidget window;
    auto* label = new QLabel(QStringLiteral("Not applied"), &window);
    ErrorText::mark(label, false);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QApplication::setPalette(Appearance::darkPalette());
    QTRY_VERIFY(textColorOf(*label).lightness() > 150);
    QVERIFY(textColorOf(*label).red() > textColorOf(*label).green());
    QVERIFY(!label->font().bold());
}

void TestErrorText::unmarkingGivesBackTheUsualColour()
{
    QWidget window;
    auto* label = new QLabel(QStringLiteral("Built"), &window);
    const QColor usual = textColorOf(*label);
    ErrorText::mark(label);
    ErrorText::unmark(label);
    QCOMPARE(textColorOf(*label), usual);
    QVERIFY(label->styleSheet().isEmpty());
}

QTEST_MAIN(TestErrorText)
#include "tst_errortext.moc"
