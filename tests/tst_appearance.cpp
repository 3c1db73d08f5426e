// The application's look: the theme (follow the system, light, dark) and presenter mode, how
// they are stored and read back, and what the drawn views make of them on screen while their
// exports stay white.
#include "appearance.h"
#include "figureexport.h"
#include "figurelook.h"
#include "heatmapview.h"
#include "losschart.h"
#include "patchoverlayview.h"
#include "settingskeys.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>

#include <memory>

namespace {

HeatmapData sampleData()
{
    HeatmapData data;
    data.values = attnlab::Matrix(3, 3);
    data.values << 0.1f, 0.2f, 0.7f, 0.3f, 0.3f, 0.4f, 0.9f, 0.05f, 0.05f;
    data.rowLabels = {QStringLiteral("<start>"), QStringLiteral("man"), QStringLiteral("the")};
    data.colLabels = data.rowLabels;
    data.title = QStringLiteral("Attention weights");
    data.rowAxisTitle = QStringLiteral("query");
    data.colAxisTitle = QStringLiteral("key");
    return data;
}

// The lightest pixel inside a label's bounds: text drawn in a light colour makes it light.
int lightestIn(const QImage& image, const QRectF& bounds)
{
    const QRect r = bounds.toAlignedRect().intersected(image.rect());
    int lightest = 0;
    for (int y = r.top(); y <= r.bottom(); ++y) {
        for (int x = r.left(); x <= r.right(); ++x) {
            lightest = std::max(lightest, image.pixelColor(x, y).lightness());
        }
    }
    return lightest;
}

QSize hintOf(const QWidget& widget)
{
    return widget.sizeHint();
}

} // namespace

class TestAppearance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void followSystemLeavesThePlatformPalette();
    void theDarkThemeDarkensThePaletteAndIsStored();
    void goingBackToFollowSystemRestoresThePlatformPalette();
    void theStoredChoicesAreAppliedAtStart();
    void storedValuesThatAreNoChoiceReadAsTheDefaults_data();
    void storedValuesThatAreNoChoiceReadAsTheDefaults();
    void theThemeActionsAreExclusiveAndFollowTheChoice();
    void presenterModeScalesTheFontAndLeavingItRestoresItExactly();
    void destroyingTheAppearanceGivesBackTheFont();
    void aDarkPaletteDrawsTheHeatmapsTextLightOnADarkBackground();
    void presenterModeZoomsTheHeatmapAndLeavingItGivesBackItsSizes();
    void exportsStayWhiteAndUnzoomedInDarkPresenterMode();
    void theLossChartAndThePatchOverlayFollowTheDarkPalette();

private:
    QTemporaryDir m_settingsDir;
    QFont m_font;
    std::unique_ptr<Appearance> m_appearance;
};

void TestAppearance::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_appearance"));
    m_font = QApplication::font();
}

void TestAppearance::init()
{
    QSettings().clear();
}

void TestAppearance::cleanup()
{
    if (m_appearance) {
        m_appearance->setTheme(Appearance::Theme::System);
        m_appearance->setPresenterMode(false);
    }
    m_appearance.reset();
    QCOMPARE(QApplication::font(), m_font);
}

void TestAppearance::followSystemLeavesThePlatformPalette()
{
    const QColor window = QApplication::palette().color(QPalette::Window);
    m_appearance = std::make_unique<Appearance>(nullptr);
    QCOMPARE(m_appearance->theme(), Appearance::Theme::System);
    QCOMPARE(QApplication::palette().color(QPalette::Window), window);
    QCOMPARE(m_appearance->isDark(), FigureLook::isDark(QApplication::palette()));
}

void TestAppearance::theDarkThemeDarkensThePaletteAndIsStored()
{
    m_appearance = std::make_unique<Appearance>(nullptr);
    QVERIFY(!m_appearance->isDark()); // the offscreen platform's palette is light
    m_appearance->setTheme(Appearance::Theme::Dark);
    QVERIFY(m_appearance->isDark());
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
    QVERIFY(QApplication::palette().color(QPalette::WindowText).lightness() > 180);
    QCOMPARE(QSettings().value(SettingsKeys::theme).toString(), QStringLiteral("dark"));
}

void TestAppearance::goingBackToFollowSystemRestoresThePlatformPalette()
{
    const QColor window = QApplication::palette().color(QPalette::Window);
    m_appearance = std::make_unique<Appearance>(nullptr);
    m_appearance->setTheme(Appearance::Theme::Dark);
    m_appearance->setTheme(Appearance::Theme::System);
    QCOMPARE(QApplication::palette().color(QPalette::Window), window);
    QVERIFY(!m_appearance->isDark());
    m_appearance->setTheme(Appearance::Theme::Light); // already light: the platform's palette
    QCOMPARE(QApplication::palette().color(QPalette::Window), window);
}

void TestAppearance::theStoredChoicesAreAppliedAtStart()
{
    QSettings().setValue(SettingsKeys::theme, QStringLiteral("dark"));
    QSettings().setValue(SettingsKeys::presenterMode, true);
    m_appearance = std::make_unique<Appearance>(nullptr);
    QCOMPARE(m_appearance->theme(), Appearance::Theme::Dark);
    QVERIFY(m_appearance->isDark());
    QVERIFY(m_appearance->presenterMode());
    QVERIFY(m_appearance->presenterAction()->isChecked());
    QCOMPARE(QApplication::font().pointSizeF(), m_font.pointSizeF() * Appearance::kPresenterScale);
}

void TestAppearance::storedValuesThatAreNoChoiceReadAsTheDefaults_data()
{
    QTest::addColumn<QVariant>("theme");
    QTest::addColumn<QVariant>("presenter");
    QTest::newRow("unknown names")
        << QVariant(QStringLiteral("purple")) << QVariant(QStringLiteral("yes"));
    QTest::newRow("numbers") << QVariant(2) << QVariant(1);
    QTest::newRow("empty") << QVariant(QString()) << QVariant(QString());
    QTest::newRow("lists") << QVariant(QStringList{"dark", "light"})
                           << QVariant(QStringList{"true", "true"});
}

void TestAppearance::storedValuesThatAreNoChoiceReadAsTheDefaults()
{
    QFETCH(QVariant, theme);
    QFETCH(QVariant, presenter);
    QSettings().setValue(SettingsKeys::theme, theme);
    QSettings().setValue(SettingsKeys::presenterMode, presenter);
    m_appearance = std::make_unique<Appearance>(nullptr);
    QCOMPARE(m_appearance->theme(), Appearance::Theme::System);
    QVERIFY(!m_appearance->presenterMode());
    QCOMPARE(QApplication::font(), m_font);
}

void TestAppearance::theThemeActionsAreExclusiveAndFollowTheChoice()
{
    m_appearance = std::make_unique<Appearance>(nullptr);
    const QList<QAction*> actions = m_appearance->themeActions();
    QCOMPARE(actions.size(), 3);
    QVERIFY(actions[0]->isChecked());
    actions[2]->trigger();
    QCOMPARE(m_appearance->theme(), Appearance::Theme::Dark);
    QVERIFY(!actions[0]->isChecked());
    QVERIFY(actions[2]->isChecked());
}

void TestAppearance::presenterModeScalesTheFontAndLeavingItRestoresItExactly()
{
    m_appearance = std::make_unique<Appearance>(nullptr);
    m_appearance->presenterAction()->trigger();
    QVERIFY(m_appearance->presenterMode());
    QCOMPARE(QApplication::font().pointSizeF(), m_font.pointSizeF() * Appearance::kPresenterScale);
    QCOMPARE(FigureLook::screenZoom(), Appearance::kPresenterScale);
    QVERIFY(QSettings().value(SettingsKeys::presenterMode).toBool());
    m_appearance->presenterAction()->trigger();
    QVERIFY(!m_appearance->presenterMode());
    QCOMPARE(QApplication::font(), m_font);
    QCOMPARE(FigureLook::screenZoom(), 1.0);
    QVERIFY(!QSettings().value(SettingsKeys::presenterMode).toBool());
}

void TestAppearance::destroyingTheAppearanceGivesBackTheFont()
{
    QSettings().setValue(SettingsKeys::presenterMode, true);
    auto appearance = std::make_unique<Appearance>(nullptr);
    QVERIFY(QApplication::font() != m_font);
    appearance.reset();
    QCOMPARE(QApplication::font(), m_font);
    QCOMPARE(FigureLook::screenZoom(), 1.0);
}

void TestAppearance::aDarkPaletteDrawsTheHeatmapsTextLightOnADarkBackground()
{
    m_appearance = std::make_unique<Appearance>(nullptr);
    HeatmapView view(nullptr);
    view.setData(sampleData());
    view.resize(420, 320);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QRectF title = view.renderedLayout().title->bounds();
    QVERIFY(view.renderedImage().pixelColor(2, 2).lightness() > 240);
    QVERIFY(lightestIn(view.renderedImage(), title) > 240); // the white page itself

    m_appearance->setTheme(Appearance::Theme::Dark);
    QTRY_VERIFY(view.figure().look().isDark()); // a window's palette follows in a posted event
    const QImage& image = view.renderedImage();
    QVERIFY(image.pixelColor(2, 2).lightness() < 60);
    QVERIFY(lightestIn(image, view.renderedLayout().title->bounds()) > 180);
    for (const HeatmapLabel& label : view.renderedLayout().rowLabels) {
        QVERIFY(lightestIn(image, label.bounds()) > 180);
    }
}

void TestAppearance::presenterModeZoomsTheHeatmapAndLeavingItGivesBackItsSizes()
{
    m_appearance = std::make_unique<Appearance>(nullptr);
    HeatmapView view(nullptr);
    view.setData(sampleData());
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QSize hint = hintOf(view);
    const double title = view.renderedLayout().title->bounds().height();
    const QSizeF cell = view.renderedLayout().cellSize;
    m_appearance->setPresenterMode(true);
    // A window gets the application's new font in a posted event.
    QTRY_COMPARE(view.renderedLayout().scale, Appearance::kPresenterScale);
    QVERIFY(hintOf(view).width() >= hint.width() * 1.4);
    QVERIFY(view.renderedLayout().title->bounds().height() >= title * 1.4);
    m_appearance->setPresenterMode(false);
    QTRY_COMPARE(hintOf(view), hint);
    QCOMPARE(view.renderedLayout().cellSize, cell);
}

void TestAppearance::exportsStayWhiteAndUnzoomedInDarkPresenterMode()
{
    m_appearance = std::make_unique<Appearance>(nullptr);
    HeatmapView view(nullptr);
    view.setData(sampleData());
    view.resize(600, 450);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const FigureSource before = view.figureSource();
    const QImage plain = FigureExport::renderImage(before.paint, before.inches, 96);
    m_appearance->setTheme(Appearance::Theme::Dark);
    m_appearance->setPresenterMode(true);
    const FigureSource after = view.figureSource();
    QCOMPARE(after.inches, before.inches * 1.0);
    const QImage image = FigureExport::renderImage(after.paint, after.inches, 96);
    QCOMPARE(image.pixelColor(1, 1), QColor(Qt::white));
    QCOMPARE(image, plain);
}

void TestAppearance::theLossChartAndThePatchOverlayFollowTheDarkPalette()
{
    m_appearance = std::make_unique<Appearance>(nullptr);
    LossChart chart(nullptr);
    chart.setLosses({2.0, 1.5, 1.0});
    PatchOverlayView overlay(nullptr);
    overlay.resize(300, 260);
    overlay.show();
    QVERIFY(QTest::qWaitForWindowExposed(&overlay));
    const QFont labels = chart.axisX()->labelsFont();
    m_appearance->setTheme(Appearance::Theme::Dark);
    m_appearance->setPresenterMode(true);
    QTRY_VERIFY(chart.chart()->backgroundBrush().color().lightness() < 60);
    QTRY_VERIFY(chart.axisY()->labelsBrush().color().lightness() > 180);
    QVERIFY(chart.axisX()->labelsFont().pixelSize() > labels.pixelSize() ||
            chart.axisX()->labelsFont().pointSizeF() > labels.pointSizeF());
    QTRY_VERIFY(overlay.renderedImage().pixelColor(2, 2).lightness() < 60);
    m_appearance->setPresenterMode(false);
    QTRY_COMPARE(chart.axisX()->labelsFont(), labels);
}

QTEST_MAIN(TestAppearance)
#include "tst_appearance.moc"
