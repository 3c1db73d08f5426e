// A figure exported from the GUI and the same figure from the CLI match: the window trains
// the lesson, each heatmap on screen and the loss chart are saved as PNG, CSV and .npy
// through the figure source the GUI's export menus use, and `attnlab-cli export` with the
// same seed, epochs, size and DPI must write the same pixels and the same bytes. Training is
// deterministic for a seed on the CPU.
#include "controlspanel.h"
#include "figureexport.h"
#include "figuresource.h"
#include "heatmapview.h"
#include "losschart.h"
#include "mainwindow.h"
#include "sentenceheatmaps.h"
#include "trainingcontroller.h"

#include <QComboBox>
#include <QDir>
#include <QImage>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

constexpr int kEpochs = 400;
constexpr double kDpi = 120;
const QSizeF kInches(4, 3);
const QStringList kViews{"attention", "values", "predictions", "queries", "keys", "bigram"};

template <typename T> T* child(const QWidget& parent, const QString& name)
{
    T* found = parent.findChild<T*>(name);
    if (!found) {
        qFatal("no child named %s", qPrintable(name));
    }
    return found;
}

HeatmapView* viewOf(const MainWindow& window, const QString& name)
{
    return child<HeatmapView>(window, name + QStringLiteral("View"));
}

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A figure on screen saved as the GUI's export menu saves it: through its figure source, at
// a given size and DPI rather than its size on screen. Returns the name its files get.
QString saveFromScreen(const FigureSource& source, const QString& folder)
{
    const QString stem = QDir(folder).filePath(source.name);
    FigureExport::saveFigure(stem + ".png", source.paint, kInches, kDpi, source.title);
    for (FigureExport::Format format : source.dataFormats) {
        source.saveData(stem + '.' + FigureExport::suffix(format));
    }
    return source.name;
}

// The stem of a heatmap's files, as the CLI names them: sentence1-attention.
QString stemOf(int sentence, const QString& view)
{
    return QStringLiteral("sentence%1-%2").arg(sentence + 1).arg(view);
}

QString fileName(int sentence, const QString& view, const QString& ext)
{
    return stemOf(sentence, view) + '.' + ext;
}

qsizetype differentPixels(const QImage& a, const QImage& b)
{
    qsizetype count = 0;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            count += a.pixel(x, y) != b.pixel(x, y) ? 1 : 0;
        }
    }
    return count;
}

// The PNG `name` in both folders: 4 × 3 inches at 120 DPI, and the same pixels.
void comparePngs(const QString& guiFolder, const QString& cliFolder, const QString& name)
{
    QImage gui(QDir(guiFolder).filePath(name));
    QImage cli(QDir(cliFolder).filePath(name));
    QCOMPARE(gui.size(), QSize(480, 360));
    QCOMPARE(cli.size(), gui.size());
    gui.convertTo(QImage::Format_ARGB32);
    cli.convertTo(QImage::Format_ARGB32);
    QVERIFY2(gui == cli,
             qPrintable(QStringLiteral("%1 pixels differ").arg(differentPixels(gui, cli))));
}

bool sameStyle(const HeatmapStyle& a, const HeatmapStyle& b)
{
    return a.colorMap == b.colorMap && a.annotate == b.annotate && a.precision == b.precision &&
           a.rangeMin == b.rangeMin && a.rangeMax == b.rangeMax && a.colorBar == b.colorBar &&
           a.squareCells == b.squareCells && a.font == b.font;
}

} // namespace

class TestFigureMatch : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void theWindowShowsWhatForSentenceBuilds_data();
    void theWindowShowsWhatForSentenceBuilds();
    void guiAndCliPngsArePixelIdentical_data();
    void guiAndCliPngsArePixelIdentical();
    void guiAndCliDataFilesAreByteIdentical_data();
    void guiAndCliDataFilesAreByteIdentical();
    void cliLossCsvIsTheWindowsLossHistory();
    void guiAndCliLossFiguresArePixelIdentical();

private:
    void trainTheWindow();
    void showSentence(int sentence);
    void exportFromTheWindow();
    void exportFromTheCli();
    void addSentenceViewRows();

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_guiDir;
    QTemporaryDir m_cliDir;
    std::unique_ptr<MainWindow> m_window;
};

void TestFigureMatch::initTestCase()
{
    QVERIFY(m_settingsDir.isValid() && m_guiDir.isValid() && m_cliDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_figurematch"));
    trainTheWindow();
    exportFromTheWindow();
    exportFromTheCli();
}

void TestFigureMatch::cleanupTestCase()
{
    m_window.reset();
}

// The lesson with its default settings, trained to the end at full speed.
void TestFigureMatch::trainTheWindow()
{
    m_window = std::make_unique<MainWindow>(nullptr);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    auto* pace = child<QComboBox>(*m_window, "paceBox");
    pace->setCurrentIndex(pace->findData(0));
    child<QSpinBox>(*m_window, "epochs")->setValue(kEpochs);
    QTest::mouseClick(child<QPushButton>(*m_window, "trainButton"), Qt::LeftButton);
    auto* controls = m_window->findChild<ControlsPanel*>();
    QTRY_COMPARE_WITH_TIMEOUT(controls->stateText(), QStringLiteral("Finished"), 60000);
    QCOMPARE(m_window->controller()->latest()->snapshot.epoch, kEpochs);
    QCOMPARE(m_window->controller()->config().seed, attnlab::kLessonSeed);
}

// Selects a corpus sentence and waits until every view shows it as of the last frame.
void TestFigureMatch::showSentence(int sentence)
{
    child<QComboBox>(*m_window, "sentenceBox")->setCurrentIndex(sentence);
    const TrainingController& controller = *m_window->controller();
    const auto expected =
        SentenceHeatmaps::forSentence(controller.latest()->snapshot, controller.corpus(), sentence);
    for (const SentenceHeatmaps::NamedHeatmap& heatmap : expected) {
        QTRY_VERIFY(viewOf(*m_window, heatmap.name)->data().rowLabels == heatmap.data.rowLabels);
    }
}

void TestFigureMatch::exportFromTheWindow()
{
    for (int sentence : {0, 1}) {
        showSentence(sentence);
        for (const QString& view : kViews) {
            const FigureSource source = viewOf(*m_window, view)->figureSource();
            QCOMPARE(saveFromScreen(source, m_guiDir.path()), stemOf(sentence, view));
        }
    }
    const FigureSource loss =
        m_window->findChild<LossChart*>(QStringLiteral("lossChart"))->figureSource();
    QCOMPARE(saveFromScreen(loss, m_guiDir.path()), QStringLiteral("loss"));
}

void TestFigureMatch::exportFromTheCli()
{
    QProcess cli;
    cli.start(QStringLiteral(ATTNLAB_CLI),
              {"export", "--lesson", "--epochs", QString::number(kEpochs), "--formats",
               "png,csv,npy", "--width", QString::number(kInches.width()), "--height",
               QString::number(kInches.height()), "--dpi", QString::number(kDpi), "--out",
               m_cliDir.path()});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
}

void TestFigureMatch::addSentenceViewRows()
{
    QTest::addColumn<int>("sentence");
    QTest::addColumn<QString>("view");
    for (int sentence : {0, 1}) {
        for (const QString& view : kViews) {
            QTest::addRow("sentence %d %s", sentence + 1, qPrintable(view)) << sentence << view;
        }
    }
}

void TestFigureMatch::theWindowShowsWhatForSentenceBuilds_data()
{
    addSentenceViewRows();
}

void TestFigureMatch::theWindowShowsWhatForSentenceBuilds()
{
    QFETCH(int, sentence);
    QFETCH(QString, view);
    showSentence(sentence);
    const TrainingController& controller = *m_window->controller();
    for (const auto& heatmap : SentenceHeatmaps::forSentence(controller.latest()->snapshot,
                                                             controller.corpus(), sentence)) {
        if (heatmap.name == view) {
            const HeatmapView& shown = *viewOf(*m_window, view);
            QCOMPARE(shown.data().values, heatmap.data.values);
            QCOMPARE(shown.data().rowLabels, heatmap.data.rowLabels);
            QCOMPARE(shown.data().colLabels, heatmap.data.colLabels);
            QCOMPARE(shown.data().title, heatmap.data.title);
            QVERIFY(sameStyle(shown.style(), heatmap.style));
            return;
        }
    }
    QFAIL("forSentence has no heatmap of that name");
}

void TestFigureMatch::guiAndCliPngsArePixelIdentical_data()
{
    addSentenceViewRows();
}

void TestFigureMatch::guiAndCliPngsArePixelIdentical()
{
    QFETCH(int, sentence);
    QFETCH(QString, view);
    comparePngs(m_guiDir.path(), m_cliDir.path(), fileName(sentence, view, "png"));
}

void TestFigureMatch::guiAndCliDataFilesAreByteIdentical_data()
{
    addSentenceViewRows();
}

void TestFigureMatch::guiAndCliDataFilesAreByteIdentical()
{
    QFETCH(int, sentence);
    QFETCH(QString, view);
    for (const QString ext : {"csv", "npy", "npy.json"}) {
        const QString name = fileName(sentence, view, ext);
        const QByteArray gui = readFile(QDir(m_guiDir.path()).filePath(name));
        QVERIFY2(!gui.isEmpty(), qPrintable(name));
        QCOMPARE(readFile(QDir(m_cliDir.path()).filePath(name)), gui);
    }
}

void TestFigureMatch::guiAndCliLossFiguresArePixelIdentical()
{
    comparePngs(m_guiDir.path(), m_cliDir.path(), "loss.png");
    QCOMPARE(readFile(QDir(m_cliDir.path()).filePath("loss.csv")),
             readFile(QDir(m_guiDir.path()).filePath("loss.csv")));
}

void TestFigureMatch::cliLossCsvIsTheWindowsLossHistory()
{
    const std::vector<double>& losses = m_window->controller()->latest()->snapshot.epochLosses;
    const QList<QByteArray> lines =
        readFile(QDir(m_cliDir.path()).filePath("loss.csv")).split('\n');
    QCOMPARE(lines.first(), QByteArray("epoch,loss"));
    QCOMPARE(qsizetype(losses.size()), qsizetype(kEpochs));
    QCOMPARE(lines.size(), qsizetype(kEpochs) + 2); // the header, and an empty end after '\n'
    for (int epoch = 1; epoch <= kEpochs; ++epoch) {
        const QList<QByteArray> cells = lines[epoch].split(',');
        QCOMPARE(cells.value(0).toInt(), epoch);
        QCOMPARE(cells.value(1).toDouble(), losses[size_t(epoch - 1)]);
    }
}

QTEST_MAIN(TestFigureMatch)
#include "tst_figurematch.moc"
