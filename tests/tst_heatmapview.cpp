// HeatmapView: renders off paintEvent at the device pixel ratio, follows the mouse, selects
// rows, and shows tooltips. Runs with a scale factor of 2 so the pixel ratio is not trivial.
#include <heatmapview.h>

#include <QApplication>
#include <QHelpEvent>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>
#include <QVBoxLayout>

#include <limits>

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

HeatmapData lesson()
{
    HeatmapData data;
    data.values = attnlab::Matrix::Zero(5, 5);
    const float weights[5][5] = {{1, 0, 0, 0, 0},
                                 {0.5f, 0.5f, 0, 0, 0},
                                 {0.1f, 0.8f, 0.1f, 0, 0},
                                 {0.02f, 0.96f, 0.01f, 0.01f, 0},
                                 {0.2f, 0.2f, 0.2f, 0.2f, 0.2f}};
    for (int r = 0; r < 5; ++r) {
        for (int c = 0; c < 5; ++c) {
            data.values(r, c) = c <= r ? weights[r][c] : -kInf;
        }
    }
    data.rowLabels = {"<start>", "man", "ordered", "the", "chicken"};
    data.colLabels = data.rowLabels;
    data.title = QStringLiteral("Attention weights");
    return data;
}

HeatmapStyle style()
{
    HeatmapStyle s;
    s.font = QFont(QStringLiteral("DejaVu Sans"));
    s.font.setPixelSize(13);
    return s;
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

// A widget's hints (HeatmapView has them protected, as QWidget's overrides).
QSize hintOf(const QWidget& widget)
{
    return widget.sizeHint();
}

QSize minimumHintOf(const QWidget& widget)
{
    return widget.minimumSizeHint();
}

// The hints of a new view of `data`.
QSize hintOf(const HeatmapData& data)
{
    HeatmapView view(nullptr);
    view.setStyle(style());
    view.setData(data);
    return hintOf(view);
}

QSize minimumHintOf(const HeatmapData& data)
{
    HeatmapView view(nullptr);
    view.setStyle(style());
    view.setData(data);
    return minimumHintOf(view);
}

} // namespace

class TestHeatmapView : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void imageIsRenderedAtTheDevicePixelRatio();
    void setDataChangesTheRenderedImage();
    void resizeRendersAgainAtTheNewSize();
    void paintEventOnlyDrawsTheImage();
    void hoverEmitsTheCellUnderTheMouse_data();
    void hoverEmitsTheCellUnderTheMouse();
    void hoverOutsideTheCellsEmitsNothing();
    void clickingACellSelectsItsRow();
    void clickingARowLabelSelectsItsRow();
    void selectionSurvivesNewDataOfTheSameShape();
    void selectionIsDroppedWhenItsRowDisappears();
    void tooltipNamesTokensAndValue();
    void tooltipProviderReplacesTheText();
    void sizeHintLeavesRoomForTheLabels();
    void newValuesNeverShrinkTheSizeHints();

private:
    std::unique_ptr<HeatmapView> m_view;
};

void TestHeatmapView::init()
{
    m_view = std::make_unique<HeatmapView>(nullptr);
    m_view->setStyle(style());
    m_view->setData(lesson());
    m_view->resize(520, 440);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestHeatmapView::cleanup()
{
    m_view.reset();
}

void TestHeatmapView::imageIsRenderedAtTheDevicePixelRatio()
{
    const qreal dpr = m_view->devicePixelRatioF();
    QCOMPARE(dpr, 2.0);
    const QImage& image = m_view->renderedImage();
    QCOMPARE(image.devicePixelRatio(), dpr);
    QCOMPARE(image.size(), QSize(1040, 880));
    // Near the corner of cell (4, 0), clear of its number, in device pixels.
    const QPointF corner = (m_view->cellRect(4, 0).topLeft() + QPointF(3, 3)) * dpr;
    const QColor got = image.pixelColor(corner.toPoint());
    QCOMPARE(got, m_view->figure().cellColor(0.2f));
}

void TestHeatmapView::setDataChangesTheRenderedImage()
{
    const QImage before = m_view->renderedImage().copy();
    HeatmapData data = lesson();
    data.values(3, 1) = 0.1f;
    data.values(3, 3) = 0.87f;
    m_view->setData(data);
    QVERIFY(m_view->renderedImage() != before);
    QCOMPARE(m_view->data().values(3, 3), 0.87f);
}

void TestHeatmapView::resizeRendersAgainAtTheNewSize()
{
    m_view->resize(300, 260);
    QTRY_COMPARE(m_view->renderedImage().size(), QSize(600, 520));
}

void TestHeatmapView::paintEventOnlyDrawsTheImage()
{
    const qint64 key = m_view->renderedImage().cacheKey();
    m_view->repaint();
    m_view->repaint();
    QCOMPARE(m_view->renderedImage().cacheKey(), key);
}

void TestHeatmapView::hoverEmitsTheCellUnderTheMouse_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("col");
    QTest::newRow("first") << 0 << 0;
    QTest::newRow("the -> man") << 3 << 1;
    QTest::newRow("masked") << 1 << 4;
    QTest::newRow("last") << 4 << 4;
}

void TestHeatmapView::hoverEmitsTheCellUnderTheMouse()
{
    QFETCH(int, row);
    QFETCH(int, col);
    QSignalSpy hovered(m_view.get(), &HeatmapView::cellHovered);
    QTest::mouseMove(m_view.get(), m_view->cellRect(row, col).center().toPoint());
    QTRY_COMPARE(hovered.count(), 1);
    QCOMPARE(hovered.at(0).at(0).toInt(), row);
    QCOMPARE(hovered.at(0).at(1).toInt(), col);
    QCOMPARE(m_view->cellAt(m_view->cellRect(row, col).center()), QPoint(col, row));
}

void TestHeatmapView::hoverOutsideTheCellsEmitsNothing()
{
    QSignalSpy hovered(m_view.get(), &HeatmapView::cellHovered);
    QTest::mouseMove(m_view.get(), QPoint(2, 2));
    QTest::qWait(20);
    QCOMPARE(hovered.count(), 0);
    QCOMPARE(m_view->cellAt(QPointF(2, 2)), QPoint(-1, -1));
}

void TestHeatmapView::clickingACellSelectsItsRow()
{
    QSignalSpy clicked(m_view.get(), &HeatmapView::cellClicked);
    QSignalSpy selected(m_view.get(), &HeatmapView::selectedRowChanged);
    const QImage before = m_view->renderedImage().copy();
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, m_view->cellRect(3, 1).center().toPoint());
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), 3);
    QCOMPARE(clicked.at(0).at(1).toInt(), 1);
    QCOMPARE(m_view->selectedRow(), 3);
    QCOMPARE(selected.count(), 1);
    // The row is outlined in the picture.
    QVERIFY(m_view->renderedImage() != before);
    const QRectF row = m_view->cellRect(3, 0);
    const QPointF edge(row.left() - 1.0, row.center().y());
    const QColor outline =
        m_view->renderedImage().pixelColor((edge * m_view->devicePixelRatioF()).toPoint());
    QVERIFY(outline.lightness() < 60);
}

void TestHeatmapView::clickingARowLabelSelectsItsRow()
{
    QSignalSpy clicked(m_view.get(), &HeatmapView::cellClicked);
    const HeatmapLayout& l = m_view->renderedLayout();
    QCOMPARE(l.rowLabels.size(), 5);
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, l.rowLabels[2].bounds().center().toPoint());
    QCOMPARE(m_view->selectedRow(), 2);
    QCOMPARE(clicked.count(), 0);
}

void TestHeatmapView::selectionSurvivesNewDataOfTheSameShape()
{
    m_view->setSelectedRow(4);
    HeatmapData data = lesson();
    data.values(4, 4) = 0.5f;
    m_view->setData(data);
    QCOMPARE(m_view->selectedRow(), 4);
}

void TestHeatmapView::selectionIsDroppedWhenItsRowDisappears()
{
    m_view->setSelectedRow(4);
    QSignalSpy selected(m_view.get(), &HeatmapView::selectedRowChanged);
    HeatmapData data = lesson();
    data.values = data.values.topLeftCorner(3, 3).eval();
    data.rowLabels = data.rowLabels.mid(0, 3);
    data.colLabels = data.colLabels.mid(0, 3);
    m_view->setData(data);
    QCOMPARE(m_view->selectedRow(), -1);
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.at(0).at(0).toInt(), -1);
}

void TestHeatmapView::tooltipNamesTokensAndValue()
{
    const QPoint pos = m_view->cellRect(3, 1).center().toPoint();
    QHelpEvent event(QEvent::ToolTip, pos, m_view->mapToGlobal(pos));
    QApplication::sendEvent(m_view.get(), &event);
    QTRY_COMPARE(QToolTip::text(), QStringLiteral("the → man: 0.96"));

    const QPoint masked = m_view->cellRect(0, 3).center().toPoint();
    QHelpEvent maskedEvent(QEvent::ToolTip, masked, m_view->mapToGlobal(masked));
    QApplication::sendEvent(m_view.get(), &maskedEvent);
    QTRY_COMPARE(QToolTip::text(), QStringLiteral("<start> → the: masked"));
}

void TestHeatmapView::tooltipProviderReplacesTheText()
{
    m_view->setCellToolTip(
        [](int row, int col) { return QStringLiteral("cell %1,%2").arg(row).arg(col); });
    const QPoint pos = m_view->cellRect(2, 0).center().toPoint();
    QHelpEvent event(QEvent::ToolTip, pos, m_view->mapToGlobal(pos));
    QApplication::sendEvent(m_view.get(), &event);
    QTRY_COMPARE(QToolTip::text(), QStringLiteral("cell 2,0"));
}

void TestHeatmapView::sizeHintLeavesRoomForTheLabels()
{
    const QWidget* widget = m_view.get();
    const QSizeF least = m_view->figure().minimumSize();
    const QSize minimum = widget->minimumSizeHint();
    const QSize hint = widget->sizeHint();
    QVERIFY(minimum.width() >= least.width() && minimum.height() >= least.height());
    QVERIFY(hint.width() >= minimum.width() && hint.height() >= minimum.height());
    // At its size hint the figure is drawn at full size, with numbers in the cells.
    const HeatmapLayout l = m_view->figure().layout(QRectF(QPointF(), QSizeF(hint)));
    QCOMPARE(l.scale, 1.0);
    QVERIFY(l.numbersShown);
}

// While a model trains the values change at display rate, and with them the numbers' and the
// colour bar's widths. Hints that followed them down and up would lay the page out again and
// again: they follow them up only, until the shape, labels or titles change.
void TestHeatmapView::newValuesNeverShrinkTheSizeHints()
{
    QWidget parent;
    auto* view = new HeatmapView(&parent);
    (new QVBoxLayout(&parent))->addWidget(view);
    view->setStyle(style());
    const HeatmapData small = lesson();
    HeatmapData large = lesson();
    large.values *= 12345.0f; // numbers and ticks of five digits
    view->setData(small);
    parent.show();
    QVERIFY(QTest::qWaitForWindowExposed(&parent));
    QCOMPARE(hintOf(*view), hintOf(small));
    view->setData(large);
    QCOMPARE(hintOf(*view), hintOf(large));
    QVERIFY(hintOf(large).width() > hintOf(small).width());
    QCoreApplication::processEvents();
    LayoutRequests requests(&parent);
    view->setData(small);
    QCOMPARE(hintOf(*view), hintOf(large));
    QCOMPARE(minimumHintOf(*view), minimumHintOf(large));
    QCoreApplication::processEvents();
    QCOMPARE(requests.count, 0);
    HeatmapData renamed = small; // other labels: the hints are the figure's again
    renamed.rowLabels[1] = QStringLiteral("woman");
    view->setData(renamed);
    QCOMPARE(hintOf(*view), hintOf(renamed));
    QCOMPARE(minimumHintOf(*view), minimumHintOf(renamed));
}

int main(int argc, char** argv)
{
    qputenv("QT_SCALE_FACTOR", "2");
    QApplication app(argc, argv);
    TestHeatmapView test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_heatmapview.moc"
