// The Transformer page offscreen: it builds both models on the lesson, trains them and shows
// both; causal attention draws its hidden cells as masked and the unmasked one has none; a
// refused setting keeps the models; the layer × head grid opens a map; a click masks a token
// for the masked-token model; long sentences are cut with a message.
#include "comparisoncontroller.h"
#include "heatmapview.h"
#include "losschart.h"
#include "transformerpage.h"

#include <corpus.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineSeries>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>

#include <cmath>
#include <memory>

namespace {

template <typename T> T* child(const QWidget& page, const char* name)
{
    T* found = page.findChild<T*>(QLatin1String(name));
    if (!found) {
        qFatal("no child named %s", name);
    }
    return found;
}

int maskedCells(const HeatmapData& data)
{
    return int((data.values.array() == -INFINITY).count());
}

void chooseData(QComboBox* combo, const QVariant& data)
{
    combo->setCurrentIndex(combo->findData(data));
}

bool finished(const ComparisonController& controller)
{
    const auto frame = controller.latest();
    return !frame->running && frame->sides[0].state == attnlab::TrainState::Finished &&
           frame->sides[1].state == attnlab::TrainState::Finished;
}

} // namespace

class TestTransformerPage : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void showsTheLessonThroughBothModels();
    void trainsBothModelsAndDrawsBothLossCurves();
    void refusedSettingKeepsTheModels();
    void gridThumbnailOpensItsMap();
    void clickingATokenMasksItForTheMaskedModel();
    void longSentencesAreCutWithAMessage();
    void switchedOrdersPresetRetrains();

private:
    std::unique_ptr<TransformerPage> m_page;
};

void TestTransformerPage::init()
{
    m_page = std::make_unique<TransformerPage>(nullptr);
    m_page->resize(1200, 800);
    m_page->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
    QTRY_VERIFY(m_page->leftAttention()->data().values.rows() > 0);
}

void TestTransformerPage::cleanup()
{
    m_page.reset();
}

void TestTransformerPage::showsTheLessonThroughBothModels()
{
    const QStringList rows{"<start>", "man", "ordered", "the", "chicken"};
    QCOMPARE(m_page->leftAttention()->data().rowLabels, rows);
    QCOMPARE(m_page->rightAttention()->data().rowLabels, rows);
    // The causal map hides the 10 cells above the diagonal of a 5×5 map; the other none.
    QCOMPARE(maskedCells(m_page->leftAttention()->data()), 10);
    QCOMPARE(maskedCells(m_page->rightAttention()->data()), 0);
    QCOMPARE(m_page->leftAttention()->data().dataValues.rows(), 5);
    QCOMPARE(m_page->difference()->data().values.rows(), 5);
    QCOMPARE(m_page->leftPredictions()->data().values.cols(), 7); // the lesson's 7 tokens
    QVERIFY(m_page->message().contains(QLatin1String("2 sentences")));
}

void TestTransformerPage::trainsBothModelsAndDrawsBothLossCurves()
{
    child<QSpinBox>(*m_page, "transformerEpochs")->setValue(40);
    QVERIFY(m_page->apply());
    QTest::mouseClick(child<QPushButton>(*m_page, "transformerTrain"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished(*m_page->controller()), 60000);
    QTRY_COMPARE(m_page->lossChart()->losses().size(), size_t(40));
    QCOMPARE(m_page->lossChart()->secondLosses().size(), size_t(40));
    QVERIFY(m_page->lossChart()->secondSeries()->count() > 0);
    QVERIFY(m_page->status().contains(QLatin1String("Epoch 40 of 40")));
    QCOMPARE(child<QPushButton>(*m_page, "transformerTrain")->text(), QStringLiteral("Train"));
    const QByteArray csv = m_page->lossChart()->csv();
    QVERIFY(csv.startsWith("epoch,left: causal (GPT),right: no mask"));
}

void TestTransformerPage::refusedSettingKeepsTheModels()
{
    const std::uint64_t generation = m_page->controller()->latest()->generation;
    child<QSpinBox>(*m_page, "headsSpin")->setValue(3); // H = 16 is not a multiple of 3
    QVERIFY(!m_page->apply());
    QVERIFY2(m_page->message().contains(QLatin1String("Not applied")),
             qPrintable(m_page->message()));
    QVERIFY(m_page->message().contains(QLatin1String("3")));
    QCOMPARE(m_page->controller()->setup().config.model.heads, 2);
    QCOMPARE(m_page->controller()->latest()->generation, generation);
}

void TestTransformerPage::gridThumbnailOpensItsMap()
{
    child<QSpinBox>(*m_page, "layersSpin")->setValue(2);
    QVERIFY(m_page->apply());
    QCOMPARE(m_page->grid(0).size(), 6); // 2 layers × (2 heads + mean)
    QCOMPARE(m_page->grid(1).size(), 6);
    QCOMPARE(m_page->layerViews().size(), 2);
    auto* tabs = child<QTabWidget>(*m_page, "transformerViews");
    tabs->setCurrentIndex(1);
    HeatmapView* thumbnail = m_page->grid(1)[4]; // layer 2, head 2
    QTRY_VERIFY(thumbnail->data().values.rows() == 5);
    QCOMPARE(m_page->grid(0)[4]->data().values(0, 4), 0.0f); // causal: nothing ahead
    const QRectF cell = thumbnail->cellRect(1, 1);
    QTest::mouseClick(thumbnail, Qt::LeftButton, {}, cell.center().toPoint());
    QCOMPARE(m_page->choice(), (AttentionChoice{1, 1, false}));
    QCOMPARE(tabs->currentIndex(), 0);
    QVERIFY(m_page->rightAttention()->data().title.contains(QLatin1String("layer 2, head 2")));
    QCOMPARE(child<QSpinBox>(*m_page, "attentionLayer")->value(), 2);
}

void TestTransformerPage::clickingATokenMasksItForTheMaskedModel()
{
    chooseData(child<QComboBox>(*m_page, "rightObjective"), int(attnlab::Objective::Masked));
    QVERIFY(m_page->apply());
    // With nothing clicked, the last token is the slot.
    QTRY_COMPARE(m_page->rightAttention()->data().rowLabels.last(), QStringLiteral("[MASK]"));
    HeatmapView* right = m_page->rightAttention();
    QTest::mouseClick(right, Qt::LeftButton, {}, right->cellRect(2, 0).center().toPoint());
    QCOMPARE(m_page->maskedPositions(), std::vector<int>{2});
    const QStringList rows{"<start>", "man", "[MASK]", "the", "chicken"};
    QTRY_COMPARE(m_page->rightAttention()->data().rowLabels, rows);
    QCOMPARE(m_page->leftAttention()->data().rowLabels.at(2), QStringLiteral("ordered"));
    QCOMPARE(m_page->rightPredictions()->data().colLabels.last(), QStringLiteral("[MASK]"));
    // <start> is never masked; a second click unmasks.
    m_page->toggleMask(0);
    m_page->toggleMask(2);
    QVERIFY(m_page->maskedPositions().empty());
}

void TestTransformerPage::longSentencesAreCutWithAMessage()
{
    m_page->setUserCorpus(attnlab::parseCorpus(
        "the quick brown fox jumps over the lazy dog and runs far away\nthe dog sleeps\n"));
    chooseData(child<QComboBox>(*m_page, "transformerText"), QStringLiteral("user"));
    QCOMPARE(child<QSpinBox>(*m_page, "contextSpin")->value(), 14); // fits the longest
    child<QSpinBox>(*m_page, "contextSpin")->setValue(6);
    QVERIFY(m_page->apply());
    QVERIFY2(m_page->message().contains(QLatin1String("cut to the context of 6")),
             qPrintable(m_page->message()));
    QTRY_COMPARE(m_page->leftAttention()->data().values.rows(), 6);
}

void TestTransformerPage::switchedOrdersPresetRetrains()
{
    chooseData(child<QComboBox>(*m_page, "transformerText"), QStringLiteral("switch-orders"));
    QVERIFY(m_page->apply());
    QTRY_COMPARE(m_page->leftAttention()->data().rowLabels.last(), QStringLiteral("beef"));
    QVERIFY(child<QComboBox>(*m_page, "transformerSentence")->itemText(0).contains("beef"));
    chooseData(child<QComboBox>(*m_page, "transformerText"), QStringLiteral("agreement"));
    QVERIFY(m_page->apply());
    QCOMPARE(child<QComboBox>(*m_page, "transformerSentence")->count(), 320);
}

QTEST_MAIN(TestTransformerPage)
#include "tst_transformerpage.moc"
