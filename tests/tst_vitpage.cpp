// The Vision Transformer page offscreen, on small made-up image sets: it builds a model,
// trains it with its buttons, shows the class token's attention over the patches and the
// patch-to-patch attention, follows a clicked patch and a clicked gallery image, shows a
// user's picture, and refuses bad settings, folders and files with a message, keeping what it
// had.
#include "heatmapview.h"
#include "imagegallery.h"
#include "losschart.h"
#include "patchoverlayview.h"
#include "vitcontroller.h"
#include "vitpage.h"

#include <QComboBox>
#include <QImage>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <random>

using namespace attnlab;

namespace {

// 28×28 images whose label (0–3) is the quarter holding a bright square.
std::shared_ptr<const ImageSet> quarters(int count, unsigned seed)
{
    ImageSet set;
    std::mt19937 gen(seed);
    for (int i = 0; i < count; ++i) {
        const int label = int(gen() % 4);
        for (int y = 0; y < 28; ++y) {
            for (int x = 0; x < 28; ++x) {
                const bool lit = y / 14 == label / 2 && x / 14 == label % 2;
                set.pixels.push_back(lit ? 0.9f : 0.05f);
            }
        }
        set.labels.push_back(label);
    }
    return std::make_shared<const ImageSet>(std::move(set));
}

template <typename T> T* child(const QWidget& page, const char* name)
{
    T* found = page.findChild<T*>(QLatin1String(name));
    if (!found) {
        qFatal("no child named %s", name);
    }
    return found;
}

} // namespace

class TestVitPage : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void showsTheClassTokensAttentionOverThePatches();
    void trainsWithItsButtonsAndShowsCurvesAndConfusion();
    void theHiddenTrainingTabCatchesUpWhenShown();
    void clickedPatchShowsWhereItLooks();
    void galleryPicksTheTestImage();
    void userPictureGoesThroughTheModel();
    void refusedSettingKeepsTheModel();
    void missingFolderKeepsTheImages();

private:
    std::unique_ptr<VitPage> m_page;
};

void TestVitPage::init()
{
    m_page = std::make_unique<VitPage>(nullptr);
    child<QSpinBox>(*m_page, "vitEmbed")->setValue(16);
    child<QSpinBox>(*m_page, "vitHeads")->setValue(2);
    child<QSpinBox>(*m_page, "vitHeadSize")->setValue(16);
    child<QSpinBox>(*m_page, "vitLayers")->setValue(1);
    child<QSpinBox>(*m_page, "vitMlpWidth")->setValue(32);
    child<QSpinBox>(*m_page, "vitBatch")->setValue(16);
    child<QSpinBox>(*m_page, "vitEpochs")->setValue(2);
    QVERIFY(m_page->setData(quarters(320, 1), quarters(60, 2), QStringLiteral("made up")));
    m_page->resize(1300, 850);
    m_page->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
    QTRY_VERIFY(!m_page->overlay()->data().attention.empty());
}

void TestVitPage::cleanup()
{
    m_page.reset();
}

void TestVitPage::showsTheClassTokensAttentionOverThePatches()
{
    const PatchOverlayData& d = m_page->overlay()->data();
    QCOMPARE(d.rows, 28);
    QCOMPARE(d.patch, 7);
    QCOMPARE(int(d.attention.size()), 16);
    QVERIFY(d.title.contains(QLatin1String("class token")));
    // The overlay is the class token's row of the map beside it, without its own column.
    const HeatmapData& map = m_page->patchAttention()->data();
    QCOMPARE(map.values.rows(), 17);
    QCOMPARE(map.rowLabels.first(), QStringLiteral("cls"));
    QCOMPARE(map.rowLabels.at(5), QStringLiteral("r2c1")); // patch 4: row 2, column 1
    for (int p = 0; p < 16; ++p) {
        QCOMPARE(d.attention[size_t(p)], map.values(0, p + 1));
    }
    QCOMPARE(m_page->gallery()->count(), VitController::kGallerySize);
    QVERIFY(m_page->prediction().startsWith(QLatin1String("test image 1: predicted")));
}

void TestVitPage::trainsWithItsButtonsAndShowsCurvesAndConfusion()
{
    QTest::mouseClick(child<QPushButton>(*m_page, "vitTrain"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_page->status().startsWith(QLatin1String("Finished")), 60000);
    QVERIFY2(m_page->status().contains(QLatin1String("on 60 test images")),
             qPrintable(m_page->status()));
    QCOMPARE(m_page->progress()->value(), m_page->progress()->maximum());
    child<QTabWidget>(*m_page, "vitViews")->setCurrentIndex(1); // Training
    QCOMPARE(m_page->confusion()->data().values.sum(), 60.0f);
    QCOMPARE(m_page->confusion()->data().rowLabels.first(), QStringLiteral("T-shirt/top"));
    QVERIFY(m_page->lossChart()->secondSeries()->count() >= 1);
    QCOMPARE(m_page->accuracyChart()->losses().size(), m_page->lossChart()->losses().size());
    QCOMPARE(m_page->accuracyChart()->secondLosses().size(), m_page->lossChart()->losses().size());
    for (double accuracy : m_page->accuracyChart()->losses()) {
        QVERIFY(accuracy >= 0.0 && accuracy <= 1.0);
    }
    QCOMPARE(child<QPushButton>(*m_page, "vitTrain")->text(), QStringLiteral("Train"));
}

// The curves and the confusion matrix are drawn while their tab is shown, and brought up to
// date when it is shown again.
void TestVitPage::theHiddenTrainingTabCatchesUpWhenShown()
{
    auto* tabs = child<QTabWidget>(*m_page, "vitViews");
    QCOMPARE(tabs->currentIndex(), 0);
    QTest::mouseClick(child<QPushButton>(*m_page, "vitTrain"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_page->status().startsWith(QLatin1String("Finished")), 60000);
    QVERIFY(m_page->lossChart()->losses().empty()); // not drawn while hidden
    QCOMPARE(m_page->confusion()->data().values.size(), 0);
    tabs->setCurrentIndex(1);
    const auto frame = m_page->controller()->latest();
    QCOMPARE(m_page->lossChart()->losses().size(), frame->curve.size());
    QCOMPARE(m_page->lossChart()->losses().back(), frame->curve.back().trainLoss);
    QCOMPARE(m_page->confusion()->data().values, frame->evaluation.confusion);
    tabs->setCurrentIndex(0);
    m_page->controller()->reset(); // a fresh model: no curve
    QTRY_COMPARE(m_page->controller()->latest()->step, 0L);
    tabs->setCurrentIndex(1);
    QVERIFY(m_page->lossChart()->losses().empty());
}

void TestVitPage::clickedPatchShowsWhereItLooks()
{
    PatchOverlayView* overlay = m_page->overlay();
    // Patch 6 is at patch row 2, column 3 (1-based: r2c3).
    QTest::mouseClick(overlay, Qt::LeftButton, {}, overlay->patchRect(6).center().toPoint());
    QCOMPARE(m_page->queryPatch(), 6);
    QVERIFY2(overlay->data().title.contains(QLatin1String("patch r2c3")),
             qPrintable(overlay->data().title));
    const HeatmapData& map = m_page->patchAttention()->data();
    QCOMPARE(overlay->data().attention[0], map.values(7, 1));
    QCOMPARE(overlay->data().highlighted, 6);
    QTest::mouseClick(overlay, Qt::LeftButton, {}, overlay->patchRect(6).center().toPoint());
    QCOMPARE(m_page->queryPatch(), -1);
}

void TestVitPage::galleryPicksTheTestImage()
{
    ImageGallery* gallery = m_page->gallery();
    QTest::mouseClick(gallery, Qt::LeftButton, {}, gallery->itemRect(5).center());
    QTRY_VERIFY(m_page->prediction().startsWith(QLatin1String("test image 6:")));
    QCOMPARE(m_page->controller()->latest()->image.index, 5);
    QCOMPARE(gallery->selected(), 5);
}

void TestVitPage::userPictureGoesThroughTheModel()
{
    QTemporaryDir dir;
    QImage picture(29, 30, QImage::Format_RGB32); // 29 wide, 30 high: scaled and padded
    picture.fill(Qt::white);
    const QString path = dir.filePath(QStringLiteral("mine.png"));
    QVERIFY(picture.save(path));
    QVERIFY(m_page->openImage(path));
    QVERIFY2(m_page->message().contains(QLatin1String("mine.png")), qPrintable(m_page->message()));
    QTRY_VERIFY(m_page->prediction().startsWith(QLatin1String("mine.png: predicted")));
    QCOMPARE(m_page->gallery()->selected(), -1);
    QVERIFY(!m_page->openImage(dir.filePath(QStringLiteral("absent.png"))));
    QVERIFY2(m_page->message().contains(QLatin1String("absent.png")),
             qPrintable(m_page->message()));
    QVERIFY(m_page->prediction().startsWith(QLatin1String("mine.png"))); // still shown
}

void TestVitPage::refusedSettingKeepsTheModel()
{
    const std::uint64_t generation = m_page->controller()->latest()->generation;
    child<QSpinBox>(*m_page, "vitHeads")->setValue(3); // 16 is not a multiple of 3
    QVERIFY(!m_page->apply());
    QVERIFY2(m_page->message().startsWith(QLatin1String("Not applied")),
             qPrintable(m_page->message()));
    QCOMPARE(m_page->controller()->config().model.heads, 2);
    QCOMPARE(m_page->controller()->latest()->generation, generation);
}

void TestVitPage::missingFolderKeepsTheImages()
{
    QTemporaryDir empty;
    QVERIFY(!m_page->loadFashionMnist(empty.path()));
    QVERIFY2(m_page->message().contains(empty.path()), qPrintable(m_page->message()));
    QVERIFY(m_page->message().contains(QLatin1String("stay")));
    QCOMPARE(m_page->controller()->trainSet()->count(), 320);
}

QTEST_MAIN(TestVitPage)
#include "tst_vitpage.moc"
