// ImageGallery: thumbnails with their predictions, wrong ones marked, nearest-neighbour
// scaling, selection by click and keyboard, and items that do not fit refused by name.
#include <imagegallery.h>

#include <errors.h>

#include <QFontMetrics>
#include <QHelpEvent>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>

namespace {

const QStringList kLabels = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                             "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// A 28×28 image whose pixels all differ from their neighbours: a checkerboard of two grays
// with a bright diagonal, so that any smoothing or off-by-one shows.
GalleryItem itemOf(int index, bool correct)
{
    GalleryItem item;
    item.rows = 28;
    item.cols = 28;
    item.pixels.resize(28 * 28);
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            const float base = (x + y) % 2 == 0 ? 0.2f : 0.6f;
            item.pixels[size_t(y) * 28 + x] = x == (y + index) % 28 ? 1.0f : base;
        }
    }
    item.truth = kLabels[index % kLabels.size()];
    item.predicted = correct ? item.truth : kLabels[(index + 3) % kLabels.size()];
    item.correct = correct;
    return item;
}

// Sixteen items, every third one wrong.
QList<GalleryItem> sixteen()
{
    QList<GalleryItem> items;
    for (int i = 0; i < 16; ++i) {
        items.append(itemOf(i, i % 3 != 1));
    }
    return items;
}

QString messageOf(const std::function<void()>& run)
{
    try {
        run();
    } catch (const attnlab::InputError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

// The colour of a grabbed widget at a point in widget coordinates, at any pixel ratio.
QColor colorAt(const QImage& shot, int x, int y)
{
    const qreal dpr = shot.devicePixelRatio();
    return shot.pixelColor(int(x * dpr), int(y * dpr));
}

bool isReddish(const QColor& c)
{
    return c.red() > 150 && c.green() < 90 && c.blue() < 90;
}

} // namespace

class TestImageGallery : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void everyItemIsShownWithItsCaption();
    void wrongPredictionsAreMarkedBeyondColour();
    void thumbnailsAreScaledWithoutInterpolation();
    void clickSelectsTheItemAndEmitsItsIndex();
    void clickBetweenItemsDoesNothing();
    void arrowKeysMoveTheSelectionAndEnterActivates();
    void itemWithPixelsThatDoNotFitIsRefusedByName();
    void selectionIsDroppedWhenItsItemDisappears();
    void tooltipSaysWhatWasPredictedAndWhatIsTrue();
    void captionsFitAtTheMinimumSize();
    void emptyGalleryHasNoItems();
    void newPredictionsAmongTheLabelsOnShowKeepTheSize();
    void theSameItemsAgainChangeNothing();

private:
    std::unique_ptr<ImageGallery> m_gallery;
};

void TestImageGallery::init()
{
    m_gallery = std::make_unique<ImageGallery>(nullptr);
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPixelSize(13);
    m_gallery->setFont(font);
    m_gallery->setItems(sixteen());
    m_gallery->resize(m_gallery->sizeHint());
    m_gallery->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_gallery.get()));
}

void TestImageGallery::cleanup()
{
    m_gallery.reset();
}

void TestImageGallery::everyItemIsShownWithItsCaption()
{
    QCOMPARE(m_gallery->count(), 16);
    QCOMPARE(m_gallery->columns(), 4);
    QCOMPARE(m_gallery->pixelScale(), ImageGallery::kPreferredPixel);
    const QRect all = m_gallery->rect();
    for (int i = 0; i < 16; ++i) {
        const QRect cell = m_gallery->itemRect(i);
        QVERIFY(all.contains(cell));
        QVERIFY(cell.contains(m_gallery->thumbnailRect(i)));
        QCOMPARE(m_gallery->itemAt(cell.center()), i);
        // Four to a row, row-major.
        QCOMPARE(cell.top(), m_gallery->itemRect(i - i % 4).top());
        QCOMPARE(cell.left(), m_gallery->itemRect(i % 4).left());
    }
    QVERIFY(m_gallery->itemRect(4).top() > m_gallery->itemRect(3).bottom());
    QCOMPARE(m_gallery->caption(0), QStringLiteral("T-shirt/top ✓"));
    QCOMPARE(m_gallery->caption(6), QStringLiteral("Shirt ✓"));
    // Item 1 is wrong: it predicts "Coat" for a "Trouser".
    QCOMPARE(m_gallery->caption(1), QStringLiteral("Coat ✗\n(Trouser)"));
    GalleryItem sneaker = itemOf(7, true);
    GalleryItem shirt = itemOf(0, false);
    shirt.predicted = QStringLiteral("Shirt");
    m_gallery->setItems({sneaker, shirt});
    QCOMPARE(m_gallery->count(), 2);
    QCOMPARE(m_gallery->caption(0), QStringLiteral("Sneaker ✓"));
    QCOMPARE(m_gallery->caption(1), QStringLiteral("Shirt ✗\n(T-shirt/top)"));
}

// A wrong item has a red frame around its thumbnail and a red caption; a right one a gray
// frame and a green caption. The ✗ itself is checked by the caption test.
void TestImageGallery::wrongPredictionsAreMarkedBeyondColour()
{
    const QImage shot = m_gallery->grab().toImage();
    const QRect wrong = m_gallery->thumbnailRect(1);
    const QRect right = m_gallery->thumbnailRect(0);
    QVERIFY(isReddish(colorAt(shot, wrong.left() - 1, wrong.center().y())));
    QVERIFY(isReddish(colorAt(shot, wrong.left() - 2, wrong.center().y())));
    QVERIFY(!isReddish(colorAt(shot, right.left() - 1, right.center().y())));
    auto captionHasRed = [&](int index) {
        const QRect cell = m_gallery->itemRect(index);
        for (int y = m_gallery->thumbnailRect(index).bottom() + 3; y < cell.bottom(); ++y) {
            for (int x = cell.left(); x < cell.right(); ++x) {
                if (isReddish(colorAt(shot, x, y))) {
                    return true;
                }
            }
        }
        return false;
    };
    QVERIFY(captionHasRed(1));
    QVERIFY(!captionHasRed(0));
}

void TestImageGallery::thumbnailsAreScaledWithoutInterpolation()
{
    m_gallery->resize(m_gallery->sizeHint() * 2);
    const int k = m_gallery->pixelScale();
    QVERIFY(k >= 4);
    const QImage shot = m_gallery->grab().toImage();
    const qreal dpr = shot.devicePixelRatio();
    const int device = int(k * dpr);
    for (int index : {0, 5, 15}) {
        const GalleryItem& item = m_gallery->items()[index];
        const QPoint origin = m_gallery->thumbnailRect(index).topLeft() * dpr;
        QCOMPARE(m_gallery->thumbnailRect(index).size(), QSize(28 * k, 28 * k));
        for (int y = 0; y < 28 * device; ++y) {
            for (int x = 0; x < 28 * device; ++x) {
                const float v = item.pixels[size_t(y / device) * 28 + x / device];
                const int gray = int(std::lround(v * 255.0f));
                if (qGray(shot.pixel(origin + QPoint(x, y))) != gray) {
                    QFAIL(qPrintable(QStringLiteral("item %1, pixel (%2, %3) is smoothed")
                                         .arg(index)
                                         .arg(x)
                                         .arg(y)));
                }
            }
        }
    }
}

void TestImageGallery::clickSelectsTheItemAndEmitsItsIndex()
{
    QSignalSpy clicked(m_gallery.get(), &ImageGallery::itemClicked);
    QSignalSpy selected(m_gallery.get(), &ImageGallery::selectedChanged);
    QCOMPARE(m_gallery->selected(), -1);
    const QImage before = m_gallery->grab().toImage();
    QTest::mouseClick(m_gallery.get(), Qt::LeftButton, {}, m_gallery->itemRect(6).center());
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), 6);
    QCOMPARE(m_gallery->selected(), 6);
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.at(0).at(0).toInt(), 6);
    // The selected cell is outlined.
    const QImage after = m_gallery->grab().toImage();
    QVERIFY(after != before);
    const QRect cell = m_gallery->itemRect(6);
    const QColor edge = colorAt(after, cell.left() + 1, cell.center().y());
    QVERIFY(edge.blue() > 150 && edge.red() < 60);
    // Clicking it again emits again but changes nothing.
    QTest::mouseClick(m_gallery.get(), Qt::LeftButton, {}, m_gallery->itemRect(6).center());
    QCOMPARE(clicked.count(), 2);
    QCOMPARE(selected.count(), 1);
}

void TestImageGallery::clickBetweenItemsDoesNothing()
{
    QSignalSpy clicked(m_gallery.get(), &ImageGallery::itemClicked);
    const QRect a = m_gallery->itemRect(0);
    const QPoint gap(a.right() + 3, a.center().y());
    QCOMPARE(m_gallery->itemAt(gap), -1);
    QTest::mouseClick(m_gallery.get(), Qt::LeftButton, {}, gap);
    QCOMPARE(clicked.count(), 0);
    QCOMPARE(m_gallery->selected(), -1);
}

void TestImageGallery::arrowKeysMoveTheSelectionAndEnterActivates()
{
    QSignalSpy clicked(m_gallery.get(), &ImageGallery::itemClicked);
    m_gallery->setFocus();
    QTest::keyClick(m_gallery.get(), Qt::Key_Right);
    QCOMPARE(m_gallery->selected(), 0);
    QTest::keyClick(m_gallery.get(), Qt::Key_Right);
    QTest::keyClick(m_gallery.get(), Qt::Key_Down);
    QCOMPARE(m_gallery->selected(), 5);
    QTest::keyClick(m_gallery.get(), Qt::Key_Up);
    QTest::keyClick(m_gallery.get(), Qt::Key_Up); // stays in the first row
    QCOMPARE(m_gallery->selected(), 1);
    QCOMPARE(clicked.count(), 0);
    QTest::keyClick(m_gallery.get(), Qt::Key_Return);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), 1);
}

void TestImageGallery::itemWithPixelsThatDoNotFitIsRefusedByName()
{
    QList<GalleryItem> items = sixteen();
    items[3].pixels.pop_back();
    const QString message = messageOf([&] { m_gallery->setItems(items); });
    QVERIFY2(message.contains(QStringLiteral("gallery item 3")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("783 pixel values")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("784")), qPrintable(message));
    QCOMPARE(m_gallery->count(), 16);
    QCOMPARE(m_gallery->items()[3].pixels.size(), size_t(784));
    items = sixteen();
    items[0].rows = 0;
    QVERIFY(messageOf([&] { m_gallery->setItems(items); }).contains(QStringLiteral("item 0")));
}

void TestImageGallery::selectionIsDroppedWhenItsItemDisappears()
{
    m_gallery->setSelected(12);
    QSignalSpy selected(m_gallery.get(), &ImageGallery::selectedChanged);
    m_gallery->setItems(sixteen().mid(0, 4));
    QCOMPARE(m_gallery->selected(), -1);
    QCOMPARE(selected.count(), 1);
    m_gallery->setSelected(2);
    m_gallery->setItems(sixteen());
    QCOMPARE(m_gallery->selected(), 2);
    m_gallery->setSelected(40);
    QCOMPARE(m_gallery->selected(), -1);
}

void TestImageGallery::tooltipSaysWhatWasPredictedAndWhatIsTrue()
{
    const QPoint pos = m_gallery->itemRect(1).center();
    QHelpEvent event(QEvent::ToolTip, pos, m_gallery->mapToGlobal(pos));
    QApplication::sendEvent(m_gallery.get(), &event);
    QTRY_COMPARE(QToolTip::text(), QStringLiteral("Predicted Coat, but it is Trouser"));
}

void TestImageGallery::captionsFitAtTheMinimumSize()
{
    m_gallery->resize(m_gallery->minimumSizeHint());
    QCOMPARE(m_gallery->pixelScale(), 1);
    const QFontMetrics fm(m_gallery->font());
    for (int i = 0; i < m_gallery->count(); ++i) {
        for (const QString& line : m_gallery->caption(i).split(u'\n')) {
            QVERIFY2(fm.horizontalAdvance(line) <= m_gallery->itemRect(i).width() - 4,
                     qPrintable(line));
        }
        QVERIFY(m_gallery->rect().contains(m_gallery->itemRect(i)));
    }
}

void TestImageGallery::emptyGalleryHasNoItems()
{
    m_gallery->setItems({});
    QCOMPARE(m_gallery->count(), 0);
    QCOMPARE(m_gallery->itemAt(m_gallery->rect().center()), -1);
    QVERIFY(m_gallery->itemRect(0).isNull());
    QVERIFY(m_gallery->caption(0).isEmpty());
    QVERIFY(!m_gallery->grab().isNull());
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

// While a model trains, the predictions change with every frame. Were the cells sized by the
// captions of the moment, each change would lay out the page again.
void TestImageGallery::newPredictionsAmongTheLabelsOnShowKeepTheSize()
{
    QWidget parent;
    m_gallery->setParent(&parent);
    const QSize hint = m_gallery->sizeHint();
    const QSize least = m_gallery->minimumSizeHint();
    LayoutRequests requests(&parent);
    for (int frame = 1; frame < 10; ++frame) {
        QList<GalleryItem> items = sixteen();
        for (int i = 0; i < items.size(); ++i) {
            items[i].predicted = kLabels[(i * 7 + frame) % kLabels.size()];
            items[i].correct = items[i].predicted == items[i].truth;
        }
        m_gallery->setItems(items);
        QCoreApplication::processEvents();
        QCOMPARE(m_gallery->sizeHint(), hint);
        QCOMPARE(m_gallery->minimumSizeHint(), least);
    }
    QCOMPARE(requests.count, 0);
    m_gallery->resize(least);
    for (int i = 0; i < m_gallery->count(); ++i) { // and every caption still fits
        for (const QString& line : m_gallery->caption(i).split(u'\n')) {
            QVERIFY(QFontMetrics(m_gallery->font()).horizontalAdvance(line) <=
                    m_gallery->itemRect(i).width() - 4);
        }
    }
    m_gallery->setParent(nullptr);
}

void TestImageGallery::theSameItemsAgainChangeNothing()
{
    QSignalSpy selected(m_gallery.get(), &ImageGallery::selectedChanged);
    m_gallery->setSelected(5);
    QCoreApplication::processEvents();
    QVERIFY(!m_gallery->visibleRegion().isEmpty());
    m_gallery->setItems(sixteen());
    QCOMPARE(m_gallery->selected(), 5);
    QCOMPARE(m_gallery->items(), sixteen());
    QCOMPARE(selected.count(), 1);
}

QTEST_MAIN(TestImageGallery)
#include "tst_imagegallery.moc"
