// HeatmapFigure: cell colours against the colour map, hit tests against the painted cells,
// masked and missing values, degenerate ranges, and labels that always fit and never collide.
#include <heatmapfigure.h>

#include <QImage>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>

using ColorMap::Kind;

Q_DECLARE_METATYPE(ColorMap::Kind)
Q_DECLARE_METATYPE(attnlab::Matrix)

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
const QString kLong = QStringLiteral("supercalifragilisticexpialidocious");

attnlab::Matrix matrix(int rows, int cols, std::initializer_list<float> values)
{
    attnlab::Matrix m(rows, cols);
    auto it = values.begin();
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
            m(r, c) = *it++;
        }
    }
    return m;
}

QStringList tokens(int n, const QString& stem)
{
    QStringList out;
    for (int i = 0; i < n; ++i) {
        out.append(stem + QString::number(i));
    }
    return out;
}

// A causal attention matrix: row t spreads evenly over keys 0..t, −∞ above the diagonal.
attnlab::Matrix causal(int n)
{
    attnlab::Matrix m(n, n);
    for (int r = 0; r < n; ++r) {
        for (int c = 0; c < n; ++c) {
            m(r, c) = c <= r ? 1.0f / static_cast<float>(r + 1) : -kInf;
        }
    }
    return m;
}

HeatmapStyle plainStyle(Kind kind = Kind::Deck)
{
    HeatmapStyle style;
    style.colorMap = kind;
    style.annotate = false;
    style.font = QFont(QStringLiteral("DejaVu Sans"));
    style.font.setPixelSize(13);
    return style;
}

QImage render(const HeatmapFigure& figure, QSize size)
{
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QPainter painter(&image);
    figure.paint(painter, QRectF(QPointF(0, 0), QSizeF(size)));
    return image;
}

bool near(const QColor& a, const QColor& b, int tolerance)
{
    return std::abs(a.red() - b.red()) <= tolerance &&
           std::abs(a.green() - b.green()) <= tolerance &&
           std::abs(a.blue() - b.blue()) <= tolerance;
}

QString describe(const QColor& a, const QColor& b)
{
    return QStringLiteral("got %1, expected %2").arg(a.name(), b.name());
}

QColor pixelAt(const QImage& image, QPointF p)
{
    return image.pixelColor(p.toPoint());
}

// Every piece of text in a layout, grouped as it is laid out.
QList<HeatmapLabel> allLabels(const HeatmapLayout& l)
{
    QList<HeatmapLabel> out = l.rowLabels + l.colLabels;
    for (const auto* label : {&l.title, &l.rowAxisTitle, &l.colAxisTitle, &l.noData}) {
        if (*label) {
            out.append(**label);
        }
    }
    for (const HeatmapTick& tick : l.ticks) {
        if (tick.labelShown) {
            out.append(tick.label);
        }
    }
    for (const HeatmapLegendEntry& entry : l.legend) {
        out.append(entry.label);
    }
    return out;
}

bool inside(const QRectF& outer, const QRectF& inner)
{
    const double eps = 1e-6;
    return inner.left() >= outer.left() - eps && inner.top() >= outer.top() - eps &&
           inner.right() <= outer.right() + eps && inner.bottom() <= outer.bottom() + eps;
}

// Names the first two labels whose drawn boxes overlap, or returns an empty string.
QString firstOverlap(const QList<HeatmapLabel>& labels)
{
    for (qsizetype i = 0; i < labels.size(); ++i) {
        for (qsizetype j = i + 1; j < labels.size(); ++j) {
            if (labels[i].shape().intersects(labels[j].shape())) {
                return labels[i].text + QStringLiteral(" / ") + labels[j].text;
            }
        }
    }
    return {};
}

HeatmapData longLabelData()
{
    HeatmapData data;
    data.values = causal(5);
    data.rowLabels = {QStringLiteral("<start>"), kLong, QStringLiteral("ordered"),
                      QStringLiteral("the"), QStringLiteral("chicken")};
    data.colLabels = data.rowLabels;
    data.title = QStringLiteral("Attention weights");
    data.rowAxisTitle = QStringLiteral("query");
    data.colAxisTitle = QStringLiteral("key");
    return data;
}

} // namespace

class TestHeatmapFigure : public QObject
{
    Q_OBJECT

private slots:
    void cellCentreHasTheMapColourOfItsValue_data();
    void cellCentreHasTheMapColourOfItsValue();
    void cellAtRoundTripsCellRect_data();
    void cellAtRoundTripsCellRect();
    void cellAtOutsideTheGridIsNothing();
    void cellsTileTheGridWithoutGaps();
    void maskedCellsUseTheMaskedColourNotTheMap();
    void maskedCellsCarryNoNumber();
    void maskedCellsAddALegendEntry();
    void noValueCellGetsItsColourAndIsLeftOutOfTheRange();
    void constantMatrixGetsTheMapMiddleAndAFiniteBar();
    void divergingRangeIsSymmetricAroundZero();
    void styleRangeOverridesTheData();
    void longLabelsFitInsideTheTarget_data();
    void longLabelsFitInsideTheTarget();
    void labelsNeverOverlapCellsOrEachOther_data();
    void labelsNeverOverlapCellsOrEachOther();
    void tinyTargetThinsLabelsWithoutOverlap();
    void crowdedColumnLabelsRotate();
    void roomyColumnLabelsStayHorizontal();
    void numbersSwitchOffWhenCellsAreTooSmall();
    void minimumSizeIsWhereScalingStops();
    void emptyMatrixSaysNoData_data();
    void emptyMatrixSaysNoData();
    void colorBarTicksAreNiceNumbersInsideTheRange();
    void aFigureFedFrameAfterFrameDrawsAsAFreshOne();
    void aNewFontIsMeasuredAfresh();
    void paintLaidOutDrawsAndReturnsTheLayout();
};

void TestHeatmapFigure::cellCentreHasTheMapColourOfItsValue_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<attnlab::Matrix>("values");
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");
    const attnlab::Matrix unit =
        matrix(3, 3, {0.1f, 0.5f, 0.9f, 0.3f, 0.2f, 0.7f, 1.0f, 0.0f, 0.4f});
    const attnlab::Matrix signedValues =
        matrix(3, 3, {-0.8f, 0.2f, 0.6f, 0.0f, -0.4f, 0.1f, 0.3f, -0.2f, 0.5f});
    QTest::newRow("deck") << Kind::Deck << unit << 0.0 << 1.0;
    QTest::newRow("viridis") << Kind::Viridis << unit << 0.0 << 1.0;
    QTest::newRow("cividis") << Kind::Cividis << unit << 0.0 << 1.0;
    QTest::newRow("deck, signed data") << Kind::Deck << signedValues << -0.8 << 0.6;
    // A diverging map makes the range symmetric: max(|-0.8|, |0.6|) = 0.8.
    QTest::newRow("diverging") << Kind::Diverging << signedValues << -0.8 << 0.8;
}

void TestHeatmapFigure::cellCentreHasTheMapColourOfItsValue()
{
    QFETCH(Kind, kind);
    QFETCH(attnlab::Matrix, values);
    QFETCH(double, lo);
    QFETCH(double, hi);
    HeatmapFigure figure;
    figure.setStyle(plainStyle(kind));
    figure.setData({values, {"a", "b", "c"}, {"x", "y", "z"}, "T", "rows", "cols"});
    const QSize size(420, 360);
    const QImage image = render(figure, size);
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) {
            const QRectF cell = figure.cellRect(QRectF(QPointF(), size), r, c);
            const QColor expected = ColorMap::color(kind, (values(r, c) - lo) / (hi - lo));
            const QColor got = pixelAt(image, cell.center());
            QVERIFY2(near(got, expected, 2), qPrintable(describe(got, expected)));
        }
    }
}

void TestHeatmapFigure::cellAtRoundTripsCellRect_data()
{
    QTest::addColumn<QRectF>("target");
    QTest::newRow("roomy") << QRectF(0, 0, 500, 400);
    QTest::newRow("offset") << QRectF(37.5, 12.25, 333, 555);
    QTest::newRow("scaled down") << QRectF(3, 5, 64, 64);
}

void TestHeatmapFigure::cellAtRoundTripsCellRect()
{
    QFETCH(QRectF, target);
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData({causal(6), tokens(6, "r"), tokens(6, "c"), {}, {}, {}});
    for (int r = 0; r < 6; ++r) {
        for (int c = 0; c < 6; ++c) {
            const QRectF cell = figure.cellRect(target, r, c);
            QVERIFY(!cell.isEmpty());
            QCOMPARE(figure.cellAt(target, cell.center()), std::optional<QPoint>(QPoint(c, r)));
        }
    }
}

void TestHeatmapFigure::cellAtOutsideTheGridIsNothing()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData({causal(4), tokens(4, "r"), tokens(4, "c"), {}, {}, {}});
    const QRectF target(0, 0, 400, 400);
    const QRectF grid = figure.layout(target).grid;
    QCOMPARE(figure.cellAt(target, grid.topLeft() - QPointF(1, 1)), std::nullopt);
    QCOMPARE(figure.cellAt(target, grid.bottomRight() + QPointF(1, 1)), std::nullopt);
    QCOMPARE(figure.cellAt(target, QPointF(grid.right() + 5, grid.center().y())), std::nullopt);
    QCOMPARE(figure.cellRect(target, 4, 0), QRectF());
    QCOMPARE(figure.cellRect(target, 0, -1), QRectF());
}

void TestHeatmapFigure::cellsTileTheGridWithoutGaps()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData({causal(7), tokens(7, "r"), tokens(7, "c"), {}, {}, {}});
    const QRectF target(0, 0, 413, 377);
    const QRectF grid = figure.layout(target).grid;
    for (int r = 0; r < 7; ++r) {
        for (int c = 0; c + 1 < 7; ++c) {
            const QRectF a = figure.cellRect(target, r, c);
            const QRectF b = figure.cellRect(target, r, c + 1);
            QCOMPARE(a.right(), b.left());
            QCOMPARE(a.top(), b.top());
        }
    }
    QCOMPARE(figure.cellRect(target, 0, 0).topLeft(), grid.topLeft());
    QVERIFY(std::abs(figure.cellRect(target, 6, 6).right() - grid.right()) < 1e-9);
    QVERIFY(std::abs(figure.cellRect(target, 6, 6).bottom() - grid.bottom()) < 1e-9);
}

void TestHeatmapFigure::maskedCellsUseTheMaskedColourNotTheMap()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData({causal(5), tokens(5, "q"), tokens(5, "k"), {}, {}, {}});
    const QSize size(400, 400);
    const QImage image = render(figure, size);
    for (int r = 0; r < 5; ++r) {
        for (int c = r + 1; c < 5; ++c) {
            const QRect cell = figure.cellRect(QRectF(QPointF(), size), r, c)
                                   .toAlignedRect()
                                   .adjusted(2, 2, -2, -2);
            int plain = 0;
            for (int y = cell.top(); y <= cell.bottom(); ++y) {
                for (int x = cell.left(); x <= cell.right(); ++x) {
                    const QColor p = image.pixelColor(x, y);
                    // Only the masked grey and the darker grey of its hatching.
                    QVERIFY(p.red() == p.green() && p.green() == p.blue());
                    plain += near(p, ColorMap::maskedColor(), 1) ? 1 : 0;
                }
            }
            QVERIFY(plain > cell.width() * cell.height() / 2);
        }
    }
}

void TestHeatmapFigure::maskedCellsCarryNoNumber()
{
    HeatmapFigure figure;
    HeatmapStyle style = plainStyle();
    figure.setData({causal(5), tokens(5, "q"), tokens(5, "k"), {}, {}, {}});
    figure.setStyle(style);
    const QSize size(500, 500);
    const QImage bare = render(figure, size);
    style.annotate = true;
    figure.setStyle(style);
    const QImage annotated = render(figure, size);
    QVERIFY(figure.layout(QRectF(QPointF(), size)).numbersShown);
    const QRect masked = figure.cellRect(QRectF(QPointF(), size), 0, 4).toAlignedRect();
    const QRect kept = figure.cellRect(QRectF(QPointF(), size), 4, 0).toAlignedRect();
    QCOMPARE(annotated.copy(masked), bare.copy(masked));
    QVERIFY(annotated.copy(kept) != bare.copy(kept));
}

void TestHeatmapFigure::maskedCellsAddALegendEntry()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData({causal(5), tokens(5, "q"), tokens(5, "k"), {}, {}, {}});
    const HeatmapLayout masked = figure.layout(QRectF(0, 0, 400, 400));
    QCOMPARE(masked.legend.size(), 1);
    QCOMPARE(masked.legend[0].kind, HeatmapLegendEntry::Kind::Masked);
    QCOMPARE(masked.legend[0].label.text, QStringLiteral("masked"));
    QVERIFY(masked.legend[0].swatch.top() >= masked.colorBar.bottom());

    figure.setData({attnlab::Matrix::Constant(3, 3, 0.5f), {}, {}, {}, {}, {}});
    QVERIFY(figure.layout(QRectF(0, 0, 400, 400)).legend.isEmpty());
}

void TestHeatmapFigure::noValueCellGetsItsColourAndIsLeftOutOfTheRange()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle(Kind::Viridis));
    const attnlab::Matrix values =
        matrix(3, 3, {0.2f, 0.4f, 0.5f, 0.3f, kNaN, 0.6f, 0.8f, 0.25f, 0.35f});
    figure.setData({values, tokens(3, "r"), tokens(3, "c"), {}, {}, {}});
    QCOMPARE(figure.range().min, double(0.2f));
    QCOMPARE(figure.range().max, double(0.8f));
    QVERIFY(!figure.range().constant);

    const QSize size(400, 400);
    const QRectF target(QPointF(), size);
    const QImage image = render(figure, size);
    QCOMPARE(pixelAt(image, figure.cellRect(target, 1, 1).center()), ColorMap::noValueColor());
    // 0.5 sits at (0.5 - 0.2) / (0.8 - 0.2) = 0.5 of the map.
    const QColor expected = ColorMap::color(Kind::Viridis, 0.5);
    const QColor got = pixelAt(image, figure.cellRect(target, 0, 2).center());
    QVERIFY2(near(got, expected, 2), qPrintable(describe(got, expected)));

    const HeatmapLayout l = figure.layout(target);
    QCOMPARE(l.legend.size(), 1);
    QCOMPARE(l.legend[0].kind, HeatmapLegendEntry::Kind::NoValue);
    QCOMPARE(l.legend[0].label.text, QStringLiteral("no value"));
}

void TestHeatmapFigure::constantMatrixGetsTheMapMiddleAndAFiniteBar()
{
    HeatmapFigure figure;
    HeatmapStyle style = plainStyle();
    style.annotate = true;
    figure.setStyle(style);
    figure.setData(
        {attnlab::Matrix::Constant(4, 4, 0.2f), tokens(4, "r"), tokens(4, "c"), {}, {}, {}});
    QVERIFY(figure.range().constant);
    QCOMPARE(figure.range().min, double(0.2f));
    QCOMPARE(figure.range().max, double(0.2f));

    const QSize size(400, 400);
    const QRectF target(QPointF(), size);
    const QImage image = render(figure, size);
    const HeatmapLayout l = figure.layout(target);
    QCOMPARE(l.ticks.size(), 1);
    QVERIFY(std::isfinite(l.ticks[0].line.y1()));
    QCOMPARE(l.ticks[0].label.text, QStringLiteral("0.20"));
    QVERIFY(std::abs(l.ticks[0].line.y1() - l.colorBar.center().y()) < 1e-9);
    const QColor middle = ColorMap::color(Kind::Deck, 0.5);
    QVERIFY(image.pixelColor(l.cellRect(0, 0).topLeft().toPoint() + QPoint(2, 2)) == middle);
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            QVERIFY(image.pixelColor(x, y) != ColorMap::noValueColor());
        }
    }
}

void TestHeatmapFigure::divergingRangeIsSymmetricAroundZero()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle(Kind::Diverging));
    figure.setData({matrix(1, 3, {-0.2f, 0.1f, 0.6f}), {}, {}, {}, {}, {}});
    QVERIFY(std::abs(figure.range().min + 0.6) < 1e-6);
    QVERIFY(std::abs(figure.range().max - 0.6) < 1e-6);
    // Zero is the map's white centre.
    QCOMPARE(figure.cellColor(0.0f), ColorMap::color(Kind::Diverging, 0.5));

    figure.setData({attnlab::Matrix::Zero(2, 2), {}, {}, {}, {}, {}});
    QVERIFY(figure.range().constant);
    QCOMPARE(figure.cellColor(0.0f), ColorMap::color(Kind::Diverging, 0.5));
}

void TestHeatmapFigure::styleRangeOverridesTheData()
{
    HeatmapFigure figure;
    HeatmapStyle style = plainStyle();
    style.rangeMin = 0.0;
    style.rangeMax = 1.0;
    figure.setStyle(style);
    figure.setData({matrix(1, 2, {0.25f, 0.5f}), {}, {}, {}, {}, {}});
    QCOMPARE(figure.range().min, 0.0);
    QCOMPARE(figure.range().max, 1.0);
    QCOMPARE(figure.cellColor(0.25f), ColorMap::color(Kind::Deck, 0.25));
}

void TestHeatmapFigure::longLabelsFitInsideTheTarget_data()
{
    QTest::addColumn<QSizeF>("size");
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData(longLabelData());
    QTest::newRow("minimum size") << figure.minimumSize();
    QTest::newRow("landscape") << QSizeF(900, 600);
    QTest::newRow("portrait") << QSizeF(420, 1000);
    QTest::newRow("wide and low") << QSizeF(2000, 420);
    QTest::newRow("64x64") << QSizeF(64, 64);
}

void TestHeatmapFigure::longLabelsFitInsideTheTarget()
{
    QFETCH(QSizeF, size);
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData(longLabelData());
    const QRectF target(QPointF(10, 20), size);
    const HeatmapLayout l = figure.layout(target);
    QVERIFY(l.title && l.rowAxisTitle && l.colAxisTitle);
    for (const HeatmapLabel& label : allLabels(l)) {
        QVERIFY2(inside(target, label.bounds()), qPrintable(label.text));
    }
    // Unless thinned away, the long token is laid out whole on both axes.
    auto hasLong = [](const QList<HeatmapLabel>& labels) {
        return std::any_of(labels.begin(), labels.end(),
                           [](const HeatmapLabel& label) { return label.text == kLong; });
    };
    QVERIFY(l.rowLabelStep > 1 || hasLong(l.rowLabels));
    QVERIFY(l.colLabelStep > 1 || hasLong(l.colLabels));
    QVERIFY(inside(target, l.grid));
    QVERIFY(inside(target, l.colorBar));
}

void TestHeatmapFigure::labelsNeverOverlapCellsOrEachOther_data()
{
    QTest::addColumn<int>("n");
    QTest::addColumn<QSizeF>("size");
    QTest::newRow("5 at 900x600") << 5 << QSizeF(900, 600);
    QTest::newRow("12 at 500x500") << 12 << QSizeF(500, 500);
    QTest::newRow("40 at 600x600") << 40 << QSizeF(600, 600);
    QTest::newRow("200 at 800x800") << 200 << QSizeF(800, 800);
}

void TestHeatmapFigure::labelsNeverOverlapCellsOrEachOther()
{
    QFETCH(int, n);
    QFETCH(QSizeF, size);
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    QStringList labels = tokens(n, QStringLiteral("token"));
    labels[n / 2] = kLong;
    figure.setData({causal(n), labels, labels, QStringLiteral("Weights"), QStringLiteral("query"),
                    QStringLiteral("key")});
    const HeatmapLayout l = figure.layout(QRectF(QPointF(), size));
    const QList<HeatmapLabel> texts = allLabels(l);
    QCOMPARE(firstOverlap(texts), QString());
    for (const HeatmapLabel& label : texts) {
        QVERIFY2(!label.shape().intersects(QPolygonF(l.grid)), qPrintable(label.text));
        QVERIFY2(!label.shape().intersects(QPolygonF(l.colorBar)), qPrintable(label.text));
    }
}

void TestHeatmapFigure::tinyTargetThinsLabelsWithoutOverlap()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData({causal(16), tokens(16, "token"), tokens(16, "token"), {}, {}, {}});
    const QRectF target(0, 0, 64, 64);
    const HeatmapLayout l = figure.layout(target);
    QVERIFY(l.scale < 1.0);
    QVERIFY(l.rowLabelStep > 1);
    QVERIFY(l.colLabelStep > 1);
    QVERIFY(l.rowLabels.size() < 16);
    QVERIFY(l.colLabels.size() < 16);
    QCOMPARE(firstOverlap(allLabels(l)), QString());
    for (const HeatmapLabel& label : allLabels(l)) {
        QVERIFY2(inside(target, label.bounds()), qPrintable(label.text));
    }
    for (int i = 0; i < l.colLabels.size(); ++i) {
        QCOMPARE(l.colLabels[i].index, i * l.colLabelStep);
    }
    const QImage image = render(figure, QSize(64, 64));
    QVERIFY(!image.isNull());
}

void TestHeatmapFigure::crowdedColumnLabelsRotate()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    const QStringList words = {"<start>", "woman", "ordered", "the", "beef", "chicken", "man"};
    attnlab::Matrix values = attnlab::Matrix::Constant(7, 7, 0.1f);
    values(3, 1) = 0.9f;
    figure.setData({values, words, words, {}, {}, {}});
    const HeatmapLayout l = figure.layout(QRectF(0, 0, 330, 420));
    QVERIFY(l.colLabelAngle == 45 || l.colLabelAngle == 90);
    QCOMPARE(l.colLabelStep, 1);
    QCOMPARE(firstOverlap(l.colLabels), QString());
}

void TestHeatmapFigure::roomyColumnLabelsStayHorizontal()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData({causal(4), tokens(4, "t"), tokens(4, "t"), {}, {}, {}});
    const HeatmapLayout l = figure.layout(QRectF(0, 0, 800, 800));
    QCOMPARE(l.colLabelAngle, 0);
    QCOMPARE(l.colLabelStep, 1);
    QCOMPARE(l.rowLabelStep, 1);
}

void TestHeatmapFigure::numbersSwitchOffWhenCellsAreTooSmall()
{
    HeatmapFigure figure;
    HeatmapStyle style = plainStyle();
    style.annotate = true;
    figure.setStyle(style);
    figure.setData({causal(3), tokens(3, "r"), tokens(3, "c"), {}, {}, {}});
    QVERIFY(figure.layout(QRectF(0, 0, 400, 400)).numbersShown);
    figure.setData({causal(60), tokens(60, "r"), tokens(60, "c"), {}, {}, {}});
    QVERIFY(!figure.layout(QRectF(0, 0, 400, 400)).numbersShown);
    style.annotate = false;
    figure.setStyle(style);
    figure.setData({causal(3), tokens(3, "r"), tokens(3, "c"), {}, {}, {}});
    QVERIFY(!figure.layout(QRectF(0, 0, 400, 400)).numbersShown);
}

void TestHeatmapFigure::minimumSizeIsWhereScalingStops()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData(longLabelData());
    const QSizeF least = figure.minimumSize();
    QVERIFY(least.width() > 0 && least.height() > 0);
    QCOMPARE(figure.layout(QRectF(QPointF(), least)).scale, 1.0);
    QVERIFY(figure.layout(QRectF(QPointF(), least - QSizeF(10, 0))).scale < 1.0);
    QVERIFY(figure.layout(QRectF(QPointF(), least - QSizeF(0, 10))).scale < 1.0);
    const QSizeF preferred = figure.preferredSize();
    QVERIFY(preferred.width() >= least.width() && preferred.height() >= least.height());
}

void TestHeatmapFigure::emptyMatrixSaysNoData_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::newRow("0x0") << 0 << 0;
    QTest::newRow("0x3") << 0 << 3;
    QTest::newRow("3x0") << 3 << 0;
}

void TestHeatmapFigure::emptyMatrixSaysNoData()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData({attnlab::Matrix(rows, cols),
                    tokens(rows, "r"),
                    tokens(cols, "c"),
                    QStringLiteral("Empty"),
                    {},
                    {}});
    const QRectF target(0, 0, 300, 200);
    const HeatmapLayout l = figure.layout(target);
    QVERIFY(l.empty);
    QVERIFY(l.noData);
    QCOMPARE(l.noData->text, QStringLiteral("no data"));
    QVERIFY(inside(target, l.noData->bounds()));
    QCOMPARE(figure.cellAt(target, target.center()), std::nullopt);
    QCOMPARE(figure.cellRect(target, 0, 0), QRectF());
    QVERIFY(!figure.minimumSize().isEmpty());
    const QImage image = render(figure, QSize(300, 200));
    const QRect text = l.noData->bounds().toAlignedRect();
    bool inked = false;
    for (int y = text.top(); y <= text.bottom() && !inked; ++y) {
        for (int x = text.left(); x <= text.right() && !inked; ++x) {
            inked = image.pixelColor(x, y).lightness() < 128;
        }
    }
    QVERIFY(inked);
}

void TestHeatmapFigure::colorBarTicksAreNiceNumbersInsideTheRange()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData({matrix(2, 2, {0.013f, 0.4f, 0.5f, 0.98f}), {}, {}, {}, {}, {}});
    const HeatmapLayout l = figure.layout(QRectF(0, 0, 400, 400));
    // The span 0.967 over at most six ticks gives a step of 0.2: 0.2, 0.4, 0.6, 0.8.
    QStringList texts;
    for (const HeatmapTick& tick : l.ticks) {
        texts.append(tick.label.text);
        QVERIFY(tick.line.y1() >= l.colorBar.top() - 1e-9);
        QVERIFY(tick.line.y1() <= l.colorBar.bottom() + 1e-9);
    }
    QCOMPARE(texts, QStringList({"0.2", "0.4", "0.6", "0.8"}));
    // Higher values sit higher on the bar.
    QVERIFY(l.ticks.front().line.y1() > l.ticks.back().line.y1());
}

// Text widths are remembered from one setData() to the next: what a long-lived figure draws is
// what a new figure given the same data and style draws, pixel for pixel.
void TestHeatmapFigure::aFigureFedFrameAfterFrameDrawsAsAFreshOne()
{
    HeatmapStyle style = plainStyle(Kind::Diverging);
    style.annotate = true;
    HeatmapFigure fed;
    fed.setStyle(style);
    HeatmapData data = longLabelData();
    for (int frame = 0; frame < 6; ++frame) {
        data.values = causal(5) * float(frame + 1) * (frame % 2 ? -1.0f : 1.0f);
        data.rowLabels[2] = QStringLiteral("word%1").arg(frame);
        data.title = QStringLiteral("frame %1").arg(frame);
        fed.setData(data);
    }
    HeatmapFigure fresh;
    fresh.setStyle(style);
    fresh.setData(data);
    QCOMPARE(fed.minimumSize(), fresh.minimumSize());
    QCOMPARE(fed.preferredSize(), fresh.preferredSize());
    QCOMPARE(render(fed, QSize(520, 420)), render(fresh, QSize(520, 420)));
}

void TestHeatmapFigure::aNewFontIsMeasuredAfresh()
{
    HeatmapStyle small = plainStyle();
    HeatmapStyle large = small;
    large.font.setPixelSize(26);
    HeatmapFigure figure;
    figure.setStyle(small);
    figure.setData(longLabelData());
    const QSizeF smallSize = figure.minimumSize();
    figure.setStyle(large);
    HeatmapFigure fresh;
    fresh.setStyle(large);
    fresh.setData(longLabelData());
    QCOMPARE(figure.minimumSize(), fresh.minimumSize());
    QCOMPARE(render(figure, QSize(700, 600)), render(fresh, QSize(700, 600)));
    QVERIFY(figure.minimumSize().width() > smallSize.width()); // the labels did grow
}

void TestHeatmapFigure::paintLaidOutDrawsAndReturnsTheLayout()
{
    HeatmapFigure figure;
    figure.setStyle(plainStyle());
    figure.setData(longLabelData());
    const QRectF target(10, 20, 480, 360);
    QImage image(QSize(500, 400), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QPainter painter(&image);
    const HeatmapLayout l = figure.paintLaidOut(painter, target);
    painter.end();
    QImage expected(image.size(), image.format());
    expected.fill(Qt::white);
    QPainter other(&expected);
    figure.paint(other, target);
    other.end();
    QCOMPARE(image, expected);
    const HeatmapLayout alone = figure.layout(target);
    QCOMPARE(l.grid, alone.grid);
    QCOMPARE(l.transform, alone.transform);
    QCOMPARE(l.rowLabels.size(), alone.rowLabels.size());
    for (qsizetype i = 0; i < l.rowLabels.size(); ++i) {
        QCOMPARE(l.rowLabels[i].bounds(), alone.rowLabels[i].bounds());
    }
    QCOMPARE(l.ticks.size(), alone.ticks.size());
    QCOMPARE(figure.paintLaidOut(other, QRectF()).grid, QRectF()); // nothing to draw into
}

QTEST_MAIN(TestHeatmapFigure)
#include "tst_heatmapfigure.moc"
