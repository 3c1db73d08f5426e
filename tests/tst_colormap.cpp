// ColorMap: published end colours, luminance order, the diverging centre, and text contrast.
#include <colormap.h>

#include <QTest>

#include <cmath>

using ColorMap::Kind;

Q_DECLARE_METATYPE(ColorMap::Kind)

namespace {

// WCAG 2 relative luminance of an sRGB colour.
double luminance(const QColor& c)
{
    auto linear = [](double v) {
        return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF());
}

double distance(const QColor& a, const QColor& b)
{
    const double dr = a.red() - b.red();
    const double dg = a.green() - b.green();
    const double db = a.blue() - b.blue();
    return std::sqrt(dr * dr + dg * dg + db * db);
}

} // namespace

class TestColorMap : public QObject
{
    Q_OBJECT

private slots:
    void endpointsArePublishedColours_data();
    void endpointsArePublishedColours();
    void valuesOutsideUnitRangeAreClamped_data();
    void valuesOutsideUnitRangeAreClamped();
    void sequentialMapsChangeLuminanceMonotonically_data();
    void sequentialMapsChangeLuminanceMonotonically();
    void divergingCentreIsWhite();
    void divergingIsBlueBelowAndRedAboveCentre();
    void onlyDivergingIsDiverging();
    void textColorOnPicksTheBetterContrast_data();
    void textColorOnPicksTheBetterContrast();
    void maskedAndNoValueStandApartFromEveryMap();
    void everyKindHasAName();
};

void TestColorMap::endpointsArePublishedColours_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QColor>("low");
    QTest::addColumn<QColor>("high");
    // ColorBrewer YlGn, viridis, cividis, and ColorBrewer RdBu reversed.
    QTest::newRow("deck") << Kind::Deck << QColor(255, 255, 229) << QColor(0, 69, 41);
    QTest::newRow("viridis") << Kind::Viridis << QColor(68, 1, 84) << QColor(253, 231, 37);
    QTest::newRow("cividis") << Kind::Cividis << QColor(0, 32, 77) << QColor(255, 234, 70);
    QTest::newRow("diverging") << Kind::Diverging << QColor(5, 48, 97) << QColor(103, 0, 31);
}

void TestColorMap::endpointsArePublishedColours()
{
    QFETCH(Kind, kind);
    QFETCH(QColor, low);
    QFETCH(QColor, high);
    QCOMPARE(ColorMap::color(kind, 0.0), low);
    QCOMPARE(ColorMap::color(kind, 1.0), high);
}

void TestColorMap::valuesOutsideUnitRangeAreClamped_data()
{
    QTest::addColumn<Kind>("kind");
    for (Kind kind : ColorMap::allKinds()) {
        QTest::newRow(qPrintable(ColorMap::name(kind))) << kind;
    }
}

void TestColorMap::valuesOutsideUnitRangeAreClamped()
{
    QFETCH(Kind, kind);
    QCOMPARE(ColorMap::color(kind, -3.0), ColorMap::color(kind, 0.0));
    QCOMPARE(ColorMap::color(kind, 7.5), ColorMap::color(kind, 1.0));
    QCOMPARE(ColorMap::color(kind, std::nan("")), ColorMap::color(kind, 0.0));
}

void TestColorMap::sequentialMapsChangeLuminanceMonotonically_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<bool>("rising");
    QTest::newRow("deck gets darker") << Kind::Deck << false;
    QTest::newRow("viridis gets lighter") << Kind::Viridis << true;
    QTest::newRow("cividis gets lighter") << Kind::Cividis << true;
}

void TestColorMap::sequentialMapsChangeLuminanceMonotonically()
{
    QFETCH(Kind, kind);
    QFETCH(bool, rising);
    const int samples = 400;
    double previous = luminance(ColorMap::color(kind, 0.0));
    for (int i = 1; i <= samples; ++i) {
        const double l = luminance(ColorMap::color(kind, static_cast<double>(i) / samples));
        // Rounding to 8-bit channels may leave two neighbouring samples equal, never reversed
        // by more than one unit's worth of luminance.
        const double step = rising ? l - previous : previous - l;
        QVERIFY2(step > -2e-3, qPrintable(QStringLiteral("reversal at sample %1").arg(i)));
        previous = l;
    }
    const double span = luminance(ColorMap::color(kind, 1.0)) - luminance(ColorMap::color(kind, 0));
    QVERIFY(std::abs(span) > 0.5);
}

void TestColorMap::divergingCentreIsWhite()
{
    const QColor centre = ColorMap::color(Kind::Diverging, 0.5);
    QVERIFY(centre.red() >= 240 && centre.green() >= 240 && centre.blue() >= 240);
    QVERIFY(luminance(centre) > 0.85);
}

void TestColorMap::divergingIsBlueBelowAndRedAboveCentre()
{
    for (double d : {0.1, 0.25, 0.45}) {
        const QColor below = ColorMap::color(Kind::Diverging, 0.5 - d);
        const QColor above = ColorMap::color(Kind::Diverging, 0.5 + d);
        QVERIFY(below.blue() > below.red());
        QVERIFY(above.red() > above.blue());
    }
}

void TestColorMap::onlyDivergingIsDiverging()
{
    QVERIFY(ColorMap::isDiverging(Kind::Diverging));
    QVERIFY(!ColorMap::isDiverging(Kind::Deck));
    QVERIFY(!ColorMap::isDiverging(Kind::Viridis));
    QVERIFY(!ColorMap::isDiverging(Kind::Cividis));
}

void TestColorMap::textColorOnPicksTheBetterContrast_data()
{
    QTest::addColumn<QColor>("background");
    QTest::addColumn<QColor>("expected");
    QTest::newRow("pale yellow") << QColor(255, 255, 229) << QColor(Qt::black);
    QTest::newRow("dark green") << QColor(0, 69, 41) << QColor(Qt::white);
    QTest::newRow("white") << QColor(Qt::white) << QColor(Qt::black);
    QTest::newRow("black") << QColor(Qt::black) << QColor(Qt::white);
    QTest::newRow("viridis purple") << QColor(68, 1, 84) << QColor(Qt::white);
    QTest::newRow("viridis yellow") << QColor(253, 231, 37) << QColor(Qt::black);
    QTest::newRow("deep red") << QColor(103, 0, 31) << QColor(Qt::white);
}

void TestColorMap::textColorOnPicksTheBetterContrast()
{
    QFETCH(QColor, background);
    QFETCH(QColor, expected);
    QCOMPARE(ColorMap::textColorOn(background), expected);
}

void TestColorMap::maskedAndNoValueStandApartFromEveryMap()
{
    const QColor masked = ColorMap::maskedColor();
    const QColor noValue = ColorMap::noValueColor();
    QVERIFY(distance(masked, noValue) > 100);
    for (Kind kind : ColorMap::allKinds()) {
        for (int i = 0; i <= 100; ++i) {
            const QColor c = ColorMap::color(kind, i / 100.0);
            QVERIFY2(distance(c, masked) > 25, qPrintable(ColorMap::name(kind)));
            QVERIFY2(distance(c, noValue) > 100, qPrintable(ColorMap::name(kind)));
        }
    }
}

void TestColorMap::everyKindHasAName()
{
    for (Kind kind : ColorMap::allKinds()) {
        QVERIFY(!ColorMap::name(kind).isEmpty());
    }
}

QTEST_MAIN(TestColorMap)
#include "tst_colormap.moc"
