// Exporting from the main window: File → Export all views writes every heatmap of the
// selected sentence and the loss curve under predictable names, each view's menu reports in
// the status bar, and a view's own colour map survives training.
#include <colormap.h>
#include <exportsettings.h>
#include <figureactions.h>
#include <heatmapmenu.h>
#include <heatmapview.h>
#include <losschart.h>
#include <mainwindow.h>
#include <trainingcontroller.h>

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QImage>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

const QStringList kKinds{"attention", "values", "predictions", "queries", "keys", "bigram"};

QStringList expectedFiles(const QString& sentence)
{
    QStringList files{"loss.csv", "loss.pdf", "loss.png", "loss.svg"};
    for (const QString& kind : kKinds) {
        const QString stem = sentence + u'-' + kind;
        for (const char* suffix : {".csv", ".npy", ".npy.json", ".pdf", ".png", ".svg"}) {
            files << stem + QLatin1String(suffix);
        }
    }
    files.sort();
    return files;
}

HeatmapView* view(const MainWindow& window, const char* name)
{
    return window.findChild<HeatmapView*>(QLatin1String(name));
}

} // namespace

class TestMainWindowExport : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void theFileMenuOffersExportAllViews();
    void exportAllViewsWritesEveryHeatmapOfTheSentenceAndTheLossCurve();
    void heatmapsAreNamedAfterTheSelectedSentence();
    void aViewsExportIsReportedInTheStatusBar();
    void aColourMapChosenInTheMenuSurvivesTraining();

private:
    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_out;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindowExport::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindowexport"));
}

void TestMainWindowExport::init()
{
    QSettings().clear();
    m_out = std::make_unique<QTemporaryDir>();
    QVERIFY(m_out->isValid());
    ExportSettings::setFolder(m_out->path());
    m_window = std::make_unique<MainWindow>(nullptr);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindowExport::cleanup()
{
    m_window.reset();
    m_out.reset();
}

void TestMainWindowExport::theFileMenuOffersExportAllViews()
{
    auto* action = m_window->findChild<QAction*>(QStringLiteral("exportAllViewsAction"));
    QVERIFY(action);
    QCOMPARE(action->text(), QStringLiteral("&Export All Views…"));
    const QMenu* file = m_window->menuBar()->actions().front()->menu();
    QVERIFY(file->actions().contains(action));
}

void TestMainWindowExport::exportAllViewsWritesEveryHeatmapOfTheSentenceAndTheLossCurve()
{
    const QString folder = m_out->filePath(QStringLiteral("lesson"));
    const QStringList written = m_window->exportAllViewsTo(folder);
    const QStringList expected = expectedFiles(QStringLiteral("sentence1"));
    QCOMPARE(QDir(folder).entryList(QDir::Files, QDir::Name), expected);
    QCOMPARE(written.size(), expected.size());
    const HeatmapView* attention = view(*m_window, "attentionView");
    const QSize pixels = (QSizeF(attention->size()) * (150.0 / 96.0)).toSize();
    const QImage png(QDir(folder).filePath(QStringLiteral("sentence1-attention.png")));
    QVERIFY(std::abs(png.width() - pixels.width()) <= 1);
    QVERIFY(std::abs(png.height() - pixels.height()) <= 1);
}

void TestMainWindowExport::heatmapsAreNamedAfterTheSelectedSentence()
{
    auto* sentence = m_window->findChild<QComboBox*>(QStringLiteral("sentenceBox"));
    sentence->setCurrentIndex(1);
    QCOMPARE(view(*m_window, "attentionView")->exportName(), QStringLiteral("sentence2-attention"));
    QCOMPARE(view(*m_window, "bigramView")->exportName(), QStringLiteral("sentence2-bigram"));
    const QString folder = m_out->filePath(QStringLiteral("second"));
    m_window->exportAllViewsTo(folder);
    QCOMPARE(QDir(folder).entryList(QDir::Files, QDir::Name),
             expectedFiles(QStringLiteral("sentence2")));
}

void TestMainWindowExport::aViewsExportIsReportedInTheStatusBar()
{
    HeatmapView* predictions = view(*m_window, "predictionsView");
    const QString folder = m_out->filePath(QStringLiteral("one"));
    predictions->menu()->figureActions()->exportAllTo(folder);
    const QString message = m_window->statusBar()->currentMessage();
    QVERIFY2(message.contains(QStringLiteral("sentence1-predictions.png")), qPrintable(message));
    QVERIFY(message.contains(QDir::toNativeSeparators(folder)));
    m_window->findChild<LossChart*>(QStringLiteral("lossChart"))
        ->figureActions()
        ->copyImageAction()
        ->trigger();
    QVERIFY(m_window->statusBar()->currentMessage().contains(QStringLiteral("clipboard")));
}

void TestMainWindowExport::aColourMapChosenInTheMenuSurvivesTraining()
{
    HeatmapView* attention = view(*m_window, "attentionView");
    HeatmapView* predictions = view(*m_window, "predictionsView");
    attention->menu()->colorMapAction(ColorMap::Kind::Cividis)->trigger();
    attention->menu()->precisionAction(3)->trigger();
    const attnlab::Matrix before = attention->data().values;
    QTest::mouseClick(m_window->findChild<QPushButton*>(QStringLiteral("stepButton")),
                      Qt::LeftButton);
    QTRY_VERIFY((attention->data().values.array() != before.array()).any());
    QCOMPARE(attention->style().colorMap, ColorMap::Kind::Cividis);
    QCOMPARE(attention->style().precision, 3);
    QCOMPARE(predictions->style().colorMap, ColorMap::Kind::Deck);
}

QTEST_MAIN(TestMainWindowExport)
#include "tst_mainwindowexport.moc"
