// The loss curve as a figure and as data: painted afresh at any size with vector lines and
// text, saved as PNG, SVG and PDF through its menu, and its whole history as CSV with "." as
// decimal point whatever the language.
#include <exportdialog.h>
#include <exportsettings.h>
#include <figureactions.h>
#include <figuremenubutton.h>
#include <losschart.h>

#include <QApplication>
#include <QChartView>
#include <QClipboard>
#include <QComboBox>
#include <QContextMenuEvent>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLineSeries>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>
#include <memory>

namespace {

std::vector<double> decaying(int n)
{
    std::vector<double> losses(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        losses[static_cast<size_t>(i)] = 2.0 * std::exp(-i / 700.0) + 0.013 * (i % 7);
    }
    return losses;
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Pixels of `image` within a small distance of `colour`.
int pixelsNear(const QImage& image, const QColor& colour)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            const int d = std::abs(c.red() - colour.red()) + std::abs(c.green() - colour.green()) +
                          std::abs(c.blue() - colour.blue());
            count += d < 40 ? 1 : 0;
        }
    }
    return count;
}

QImage paintedAt(const LossChart& chart, QSize size)
{
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QPainter painter(&image);
    chart.paintFigure(painter, QRectF(QPointF(0, 0), QSizeF(size)));
    return image;
}

} // namespace

class TestLossExport : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void csvHoldsTheWholeHistoryWithPointDecimalsInAGermanLocale();
    void csvKeepsNonFiniteLossesAsNanAndInf();
    void csvOfNoEpochsIsTheHeaderAlone();
    void paintFigureDrawsTheCurveAtAnySize_data();
    void paintFigureDrawsTheCurveAtAnySize();
    void paintFigureLeavesTheChartOnScreenAlone();
    void svgAndPdfKeepLinesAndTextAsVectors();
    void theMenuOffersExportFigureDataAndCopy();
    void rightClickOnTheCurveOpensTheMenu();
    void exportFigureWritesAPngOfTheChosenPixelSize();
    void exportDataWritesTheCsvAndRefusesOtherSuffixes();
    void copyImagePutsTheCurveOnTheClipboardAtTwiceTheDpi();
    void exportAllWritesTheCurveInEveryFormat();

private:
    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_out;
    std::unique_ptr<LossChart> m_chart;
};

void TestLossExport::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_lossexport"));
}

void TestLossExport::init()
{
    QSettings().clear();
    m_out = std::make_unique<QTemporaryDir>();
    QVERIFY(m_out->isValid());
    ExportSettings::setFolder(m_out->path());
    m_chart = std::make_unique<LossChart>(nullptr);
    m_chart->resize(576, 192);
    m_chart->setLosses(decaying(5000));
    m_chart->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_chart.get()));
}

void TestLossExport::cleanup()
{
    QLocale::setDefault(QLocale::c());
    m_chart.reset();
    m_out.reset();
}

void TestLossExport::csvHoldsTheWholeHistoryWithPointDecimalsInAGermanLocale()
{
    QLocale::setDefault(QLocale::German);
    const std::vector<double> losses = decaying(5000);
    m_chart->setLosses(losses);
    QVERIFY(m_chart->pointCount() < 5000); // the chart shows fewer points than the file has
    const QList<QByteArray> lines = m_chart->csv().split('\n');
    QCOMPARE(lines.size(), 5002); // header, 5000 epochs, and the final newline's empty tail
    QCOMPARE(lines.front(), QByteArray("epoch,loss"));
    QVERIFY(lines.back().isEmpty());
    for (size_t i = 0; i < losses.size(); ++i) {
        const QList<QByteArray> fields = lines[qsizetype(i) + 1].split(',');
        QCOMPARE(fields.size(), 2);
        QCOMPARE(fields[0].toULongLong(), i + 1);
        bool ok = false;
        QCOMPARE(fields[1].toDouble(&ok), losses[i]); // exactly: the shortest round trip
        QVERIFY(ok);
    }
    QVERIFY(lines[2].contains('.'));
}

void TestLossExport::csvKeepsNonFiniteLossesAsNanAndInf()
{
    const double inf = std::numeric_limits<double>::infinity();
    m_chart->setLosses({1.5, std::nan(""), inf, 0.25});
    QCOMPARE(m_chart->csv(), QByteArray("epoch,loss\n1,1.5\n2,nan\n3,inf\n4,0.25\n"));
}

void TestLossExport::csvOfNoEpochsIsTheHeaderAlone()
{
    m_chart->setLosses({});
    QCOMPARE(m_chart->csv(), QByteArray("epoch,loss\n"));
}

void TestLossExport::paintFigureDrawsTheCurveAtAnySize_data()
{
    QTest::addColumn<QSize>("size");
    QTest::newRow("wide") << QSize(600, 300);
    QTest::newRow("tall") << QSize(300, 500);
    QTest::newRow("slide") << QSize(576, 432);
}

void TestLossExport::paintFigureDrawsTheCurveAtAnySize()
{
    QFETCH(QSize, size);
    const QImage image = paintedAt(*m_chart, size);
    const int curve = pixelsNear(image, m_chart->series()->color());
    QVERIFY2(curve > size.width() / 2, qPrintable(QString::number(curve)));
}

void TestLossExport::paintFigureLeavesTheChartOnScreenAlone()
{
    const QRectF plot = m_chart->chart()->plotArea();
    const qsizetype points = m_chart->series()->count();
    paintedAt(*m_chart, QSize(800, 800));
    QCOMPARE(m_chart->chart()->plotArea(), plot);
    QCOMPARE(m_chart->series()->count(), points);
}

void TestLossExport::svgAndPdfKeepLinesAndTextAsVectors()
{
    const FigureSource source = m_chart->figureSource();
    const QByteArray svg = FigureExport::svgBytes(source.paint, QSizeF(6, 4), source.title);
    QVERIFY(svg.contains("<svg"));
    QVERIFY(svg.contains("<polyline") || svg.contains("<path"));
    QVERIFY(svg.contains(">epoch</text>"));
    QVERIFY(svg.contains(">loss</text>"));
    QVERIFY(!svg.contains("<image")); // nothing is drawn as a picture
    const QByteArray pdf = FigureExport::pdfBytes(source.paint, QSizeF(6, 4), source.title);
    QVERIFY(pdf.startsWith("%PDF-"));
}

void TestLossExport::theMenuOffersExportFigureDataAndCopy()
{
    QStringList texts;
    for (const QAction* action : m_chart->menu()->actions()) {
        texts << action->text();
    }
    QCOMPARE(texts, QStringList({"Export figure…", "Export data…", "Copy image"}));
    auto* button = m_chart->findChild<FigureMenuButton*>();
    QVERIFY(button);
    QCOMPARE(button->figureMenu(), m_chart->menu());
    QVERIFY(button->isVisible());
}

void TestLossExport::rightClickOnTheCurveOpensTheMenu()
{
    auto* view = m_chart->findChild<QChartView*>();
    QWidget* viewport = view->viewport();
    const QPoint inside = viewport->rect().center();
    QContextMenuEvent event(QContextMenuEvent::Mouse, inside, viewport->mapToGlobal(inside));
    QApplication::sendEvent(viewport, &event);
    QTRY_VERIFY(m_chart->menu()->isVisible());
    m_chart->menu()->close();
}

void TestLossExport::exportFigureWritesAPngOfTheChosenPixelSize()
{
    m_chart->figureActions()->exportFigureAction()->trigger();
    QPointer<ExportDialog> dialog = m_chart->findChild<ExportDialog*>();
    QVERIFY(dialog);
    QCOMPARE(dialog->inches(), QSizeF(6, 2)); // 576 × 192 on screen
    const QString path = m_out->filePath(QStringLiteral("loss.png"));
    dialog->setPath(path);
    dialog->setInches(QSizeF(4, 3));
    dialog->setDpi(150);
    dialog->findChild<QPushButton*>(QStringLiteral("exportButton"))->click();
    QTRY_VERIFY(dialog.isNull());
    const QImage image(path);
    QCOMPARE(image.size(), QSize(600, 450));
    QVERIFY(pixelsNear(image, m_chart->series()->color()) > 300);
}

void TestLossExport::exportDataWritesTheCsvAndRefusesOtherSuffixes()
{
    m_chart->figureActions()->exportDataAction()->trigger();
    QPointer<ExportDialog> dialog = m_chart->findChild<ExportDialog*>();
    QVERIFY(dialog);
    QCOMPARE(dialog->findChild<QComboBox*>(QStringLiteral("formatBox"))->count(), 1);
    QCOMPARE(dialog->format(), FigureExport::Format::Csv);
    const QString npy = m_out->filePath(QStringLiteral("loss.npy"));
    dialog->setPath(npy);
    dialog->exportChosen();
    auto* warning = dialog->findChild<QMessageBox*>(QStringLiteral("exportWarning"));
    QVERIFY(warning);
    QVERIFY2(warning->text().contains(QStringLiteral(".csv")), qPrintable(warning->text()));
    QVERIFY(!QFileInfo::exists(npy));
    warning->close();
    dialog->setPath(m_out->filePath(QStringLiteral("loss.csv")));
    dialog->exportChosen();
    QTRY_VERIFY(dialog.isNull());
    QCOMPARE(readAll(m_out->filePath(QStringLiteral("loss.csv"))), m_chart->csv());
}

void TestLossExport::copyImagePutsTheCurveOnTheClipboardAtTwiceTheDpi()
{
    m_chart->figureActions()->copyImageAction()->trigger();
    const QImage copied = QGuiApplication::clipboard()->image();
    QCOMPARE(copied.size(), QSize(1152, 384));
    QVERIFY(pixelsNear(copied, m_chart->series()->color()) > 500);
}

void TestLossExport::exportAllWritesTheCurveInEveryFormat()
{
    const QString folder = m_out->filePath(QStringLiteral("all"));
    const QStringList written = m_chart->figureActions()->exportAllTo(folder);
    const QStringList expected{"loss.csv", "loss.pdf", "loss.png", "loss.svg"};
    QCOMPARE(QDir(folder).entryList(QDir::Files, QDir::Name), expected);
    QCOMPARE(written.size(), 4);
    QCOMPARE(QImage(QDir(folder).filePath("loss.png")).size(), QSize(900, 300));
    QCOMPARE(readAll(QDir(folder).filePath("loss.csv")), m_chart->csv());
}

QTEST_MAIN(TestLossExport)
#include "tst_lossexport.moc"
