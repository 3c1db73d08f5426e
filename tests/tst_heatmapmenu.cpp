// The menu of a heatmap view: export the figure and its numbers, copy it, export every
// format at once, and change this view's colour map, numbers in cells and precision. Exports
// run through the export dialog as a user would fill it in; failures show a warning and write
// nothing.
#include <colormap.h>
#include <exportdialog.h>
#include <exportsettings.h>
#include <figureactions.h>
#include <figuremenubutton.h>
#include <heatmapmenu.h>
#include <heatmapview.h>

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <limits>
#include <memory>

namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();
constexpr QSize kViewSize(480, 360); // 5 × 3.75 inches at 96 per inch

HeatmapData lesson()
{
    HeatmapData data;
    const float weights[5][5] = {{1, 0, 0, 0, 0},
                                 {0.5f, 0.5f, 0, 0, 0},
                                 {0.1f, 0.8f, 0.1f, 0, 0},
                                 {0.02f, 0.96f, 0.01f, 0.01f, 0},
                                 {0.2f, 0.2f, 0.2f, 0.2f, 0.2f}};
    data.values = attnlab::Matrix::Zero(5, 5);
    for (int r = 0; r < 5; ++r) {
        for (int c = 0; c < 5; ++c) {
            data.values(r, c) = c <= r ? weights[r][c] : kMasked;
        }
    }
    data.rowLabels = {"<start>", "man", "ordered", "the", "chicken"};
    data.colLabels = data.rowLabels;
    data.title = QStringLiteral("Attention weights");
    return data;
}

QStringList actionTexts(const QMenu& menu)
{
    QStringList texts;
    for (const QAction* action : menu.actions()) {
        if (!action->isSeparator()) {
            texts << action->text();
        }
    }
    return texts;
}

QByteArray head(const QString& path, int bytes)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.read(bytes) : QByteArray();
}

} // namespace

class TestHeatmapMenu : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void theMenuOffersExportCopyAndDisplayChoices();
    void rightClickOpensTheMenu();
    void theCornerButtonOpensTheSameMenu();
    void exportFigureWritesAPngOfTheChosenPixelSize();
    void exportFigureWritesAValidSvgOrPdf_data();
    void exportFigureWritesAValidSvgOrPdf();
    void exportDataWritesTheNumbersWithTheirLabels();
    void aColourMapChangesOnlyThisViewsStyleAndImage();
    void precisionChangesHowValuesArePrinted_data();
    void precisionChangesHowValuesArePrinted();
    void numbersInCellsCanBeTurnedOff();
    void numbersThatDoNotFitTheCellsAreExplained();
    void theMenuShowsTheViewsStyleWhenItOpens();
    void aMissingFolderShowsAWarningAndWritesNothing();
    void anUnknownSuffixShowsAWarningAndKeepsTheChoices();
    void anExistingFileIsReplacedOnlyWhenTheUserAgrees();
    void copyImagePutsTheFigureOnTheClipboardAtTwiceTheDpi();
    void exportAllWritesExactlyTheExpectedFiles();
    void exportsShowTheFigureAsItWasWhenAsked();

private:
    ExportDialog* openFigureDialog();
    void exportAndWait(ExportDialog* dialog);

    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_out;
    std::unique_ptr<HeatmapView> m_view;
};

void TestHeatmapMenu::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_heatmapmenu"));
}

void TestHeatmapMenu::init()
{
    QSettings().clear();
    m_out = std::make_unique<QTemporaryDir>();
    QVERIFY(m_out->isValid());
    ExportSettings::setFolder(m_out->path());
    m_view = std::make_unique<HeatmapView>(nullptr);
    m_view->setData(lesson());
    m_view->setExportName(QStringLiteral("sentence1-attention"));
    m_view->resize(kViewSize);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestHeatmapMenu::cleanup()
{
    m_view.reset();
    m_out.reset();
}

ExportDialog* TestHeatmapMenu::openFigureDialog()
{
    m_view->menu()->figureActions()->exportFigureAction()->trigger();
    auto* dialog = m_view->findChild<ExportDialog*>();
    if (dialog) {
        dialog->setInches(QSizeF(4, 3));
        dialog->setDpi(150);
    }
    return dialog;
}

void TestHeatmapMenu::exportAndWait(ExportDialog* dialog)
{
    dialog->findChild<QPushButton*>(QStringLiteral("exportButton"))->click();
}

void TestHeatmapMenu::theMenuOffersExportCopyAndDisplayChoices()
{
    const HeatmapMenu& menu = *m_view->menu();
    QStringList expected{"Export figure…", "Export data…", "Copy image", "Export all…"};
    expected << "Colour map"
             << "Numbers in cells"
             << "Precision";
    QCOMPARE(actionTexts(menu), expected);
    QStringList maps;
    for (ColorMap::Kind kind : ColorMap::allKinds()) {
        maps << ColorMap::name(kind);
    }
    const auto* colorMaps = menu.findChild<QMenu*>(QStringLiteral("colorMapMenu"));
    QCOMPARE(actionTexts(*colorMaps), maps);
    const auto* precision = menu.findChild<QMenu*>(QStringLiteral("precisionMenu"));
    const QStringList digits{"0 digits", "1 digit", "2 digits", "3 digits", "4 digits"};
    QCOMPARE(actionTexts(*precision), digits);
}

void TestHeatmapMenu::rightClickOpensTheMenu()
{
    const QPoint inside(kViewSize.width() / 2, kViewSize.height() / 2);
    QContextMenuEvent event(QContextMenuEvent::Mouse, inside, m_view->mapToGlobal(inside));
    QApplication::sendEvent(m_view.get(), &event);
    QTRY_VERIFY(m_view->menu()->isVisible());
    m_view->menu()->close();
}

void TestHeatmapMenu::theCornerButtonOpensTheSameMenu()
{
    auto* button = m_view->findChild<FigureMenuButton*>();
    QVERIFY(button);
    QVERIFY(button->isVisible());
    QVERIFY(button->geometry().right() >= kViewSize.width() - 8);
    QVERIFY(button->geometry().top() <= 8);
    QVERIFY(!button->toolTip().isEmpty());
    QCOMPARE(button->figureMenu(), m_view->menu());
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_VERIFY(m_view->menu()->isVisible());
    m_view->menu()->close();
}

void TestHeatmapMenu::exportFigureWritesAPngOfTheChosenPixelSize()
{
    QPointer<ExportDialog> dialog = openFigureDialog();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    const QString path = m_out->filePath(QStringLiteral("attention.png"));
    dialog->setPath(path);
    QCOMPARE(dialog->format(), FigureExport::Format::Png);
    QCOMPARE(dialog->pixelSize(), QSize(600, 450));
    QCOMPARE(dialog->sizeText(), QStringLiteral("600 × 450 pixels"));
    exportAndWait(dialog);
    QTRY_VERIFY(dialog.isNull()); // closed and deleted once the file is written
    const QImage image(path);
    QCOMPARE(image.size(), QSize(600, 450));
}

void TestHeatmapMenu::exportFigureWritesAValidSvgOrPdf_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("magic");
    QTest::newRow("svg") << "attention.svg" << QByteArray("<svg");
    QTest::newRow("pdf") << "attention.pdf" << QByteArray("%PDF-");
}

void TestHeatmapMenu::exportFigureWritesAValidSvgOrPdf()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, magic);
    QPointer<ExportDialog> dialog = openFigureDialog();
    QVERIFY(dialog);
    const QString path = m_out->filePath(name);
    dialog->setPath(path);
    QVERIFY(dialog->format() != FigureExport::Format::Png);
    exportAndWait(dialog);
    QTRY_VERIFY(dialog.isNull());
    const QByteArray start = head(path, 4096);
    if (magic == "%PDF-") {
        QVERIFY(start.startsWith(magic));
    } else {
        QVERIFY(start.contains(magic));
        QVERIFY(start.contains("viewBox=\"0 0 384 288\"")); // 4 × 3 inches at 96 per inch
    }
}

void TestHeatmapMenu::exportDataWritesTheNumbersWithTheirLabels()
{
    m_view->menu()->figureActions()->exportDataAction()->trigger();
    QPointer<ExportDialog> dialog = m_view->findChild<ExportDialog*>();
    QVERIFY(dialog);
    QCOMPARE(dialog->kind(), ExportDialog::Kind::Data);
    QCOMPARE(dialog->format(), FigureExport::Format::Csv);
    QCOMPARE(QFileInfo(dialog->targetPath()).fileName(), QStringLiteral("sentence1-attention.csv"));
    exportAndWait(dialog);
    QTRY_VERIFY(dialog.isNull());
    const QByteArray csv = head(m_out->filePath(QStringLiteral("sentence1-attention.csv")), 4096);
    QVERIFY(csv.startsWith(",<start>,man,ordered,the,chicken\n"));
    QVERIFY(csv.contains("\nthe,0.02,0.96,0.01,0.01,-inf\n"));
}

void TestHeatmapMenu::aColourMapChangesOnlyThisViewsStyleAndImage()
{
    HeatmapView other(nullptr);
    other.setData(lesson());
    const QImage before = m_view->renderedImage().copy();
    QCOMPARE(m_view->style().colorMap, ColorMap::Kind::Deck);
    m_view->menu()->colorMapAction(ColorMap::Kind::Viridis)->trigger();
    QCOMPARE(m_view->style().colorMap, ColorMap::Kind::Viridis);
    QCOMPARE(other.style().colorMap, ColorMap::Kind::Deck);
    QVERIFY(m_view->renderedImage() != before);
    const QColor high = m_view->figure().cellColor(1.0f);
    QCOMPARE(high, ColorMap::color(ColorMap::Kind::Viridis, 1.0));
}

void TestHeatmapMenu::precisionChangesHowValuesArePrinted_data()
{
    QTest::addColumn<int>("digits");
    QTest::addColumn<QString>("printed");
    QTest::newRow("0") << 0 << "0";
    QTest::newRow("1") << 1 << "0.1";
    QTest::newRow("3") << 3 << "0.123";
    QTest::newRow("4") << 4 << "0.1235";
}

void TestHeatmapMenu::precisionChangesHowValuesArePrinted()
{
    QFETCH(int, digits);
    QFETCH(QString, printed);
    m_view->menu()->precisionAction(digits)->trigger();
    QCOMPARE(m_view->style().precision, digits);
    QCOMPARE(m_view->figure().formatValue(0.123456), printed);
}

void TestHeatmapMenu::numbersInCellsCanBeTurnedOff()
{
    QVERIFY(m_view->style().annotate);
    QVERIFY(m_view->renderedLayout().numbersShown);
    const QImage before = m_view->renderedImage().copy();
    m_view->menu()->numbersAction()->trigger();
    QVERIFY(!m_view->style().annotate);
    QVERIFY(!m_view->renderedLayout().numbersShown);
    QVERIFY(m_view->renderedImage() != before);
    m_view->menu()->numbersAction()->trigger();
    QVERIFY(m_view->style().annotate);
}

void TestHeatmapMenu::numbersThatDoNotFitTheCellsAreExplained()
{
    FigureActions* actions = m_view->menu()->figureActions();
    QSignalSpy reported(actions, &FigureActions::reported);
    m_view->menu()->precisionAction(1)->trigger();
    QVERIFY(m_view->renderedLayout().numbersShown);
    QCOMPARE(reported.count(), 0);
    m_view->resize(200, 150);
    m_view->menu()->precisionAction(4)->trigger();
    QVERIFY(!m_view->renderedLayout().numbersShown);
    QCOMPARE(reported.count(), 1);
    const QString message = reported.front().front().toString();
    QVERIFY2(message.contains(QStringLiteral("do not fit")), qPrintable(message));
    QVERIFY(message.contains(QStringLiteral("Attention weights")));
    m_view->menu()->showStyle();
    QVERIFY(m_view->menu()->numbersAction()->text().contains(QStringLiteral("too small")));
}

void TestHeatmapMenu::theMenuShowsTheViewsStyleWhenItOpens()
{
    HeatmapStyle style = m_view->style();
    style.colorMap = ColorMap::Kind::Cividis;
    style.precision = 1;
    style.annotate = false;
    m_view->setStyle(style);
    HeatmapMenu* menu = m_view->menu();
    menu->popup(m_view->mapToGlobal(QPoint(10, 10)));
    QTRY_VERIFY(menu->isVisible());
    QVERIFY(menu->colorMapAction(ColorMap::Kind::Cividis)->isChecked());
    QVERIFY(!menu->colorMapAction(ColorMap::Kind::Deck)->isChecked());
    QVERIFY(menu->precisionAction(1)->isChecked());
    QVERIFY(!menu->numbersAction()->isChecked());
    menu->close();
    QVERIFY(!m_view->style().annotate); // showing the menu changed nothing
}

void TestHeatmapMenu::aMissingFolderShowsAWarningAndWritesNothing()
{
    QPointer<ExportDialog> dialog = openFigureDialog();
    QVERIFY(dialog);
    const QString missing = m_out->filePath(QStringLiteral("no such folder"));
    const QString path = missing + QStringLiteral("/attention.png");
    dialog->setPath(path);
    exportAndWait(dialog);
    auto* warning = dialog->findChild<QMessageBox*>(QStringLiteral("exportWarning"));
    QVERIFY(warning);
    QTRY_VERIFY(warning->isVisible());
    QCOMPARE(warning->icon(), QMessageBox::Warning);
    QVERIFY2(warning->text().contains(missing), qPrintable(warning->text()));
    QVERIFY(warning->text().contains(QStringLiteral("does not exist")));
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->path(), path);
    QCOMPARE(dialog->inches(), QSizeF(4, 3));
    QCOMPARE(dialog->dpi(), 150);
    QVERIFY(!QFileInfo::exists(missing));
    QCOMPARE(QDir(m_out->path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList());
    warning->close();
    dialog->reject();
}

void TestHeatmapMenu::anUnknownSuffixShowsAWarningAndKeepsTheChoices()
{
    QPointer<ExportDialog> dialog = openFigureDialog();
    QVERIFY(dialog);
    const QString path = m_out->filePath(QStringLiteral("attention.jpg"));
    dialog->setPath(path);
    exportAndWait(dialog);
    auto* warning = dialog->findChild<QMessageBox*>(QStringLiteral("exportWarning"));
    QVERIFY(warning);
    QVERIFY2(warning->text().contains(QStringLiteral(".png")), qPrintable(warning->text()));
    QVERIFY(warning->text().contains(path));
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->path(), path);
    QVERIFY(!QFileInfo::exists(path));
    warning->close();
    dialog->reject();
}

void TestHeatmapMenu::anExistingFileIsReplacedOnlyWhenTheUserAgrees()
{
    const QString path = m_out->filePath(QStringLiteral("attention.png"));
    QFile old(path);
    QVERIFY(old.open(QIODevice::WriteOnly));
    old.write("old");
    old.close();
    QPointer<ExportDialog> dialog = openFigureDialog();
    dialog->setPath(path);
    exportAndWait(dialog);
    auto* question = dialog->findChild<QMessageBox*>();
    QVERIFY(question);
    QCOMPARE(question->icon(), QMessageBox::Question);
    question->button(QMessageBox::No)->click();
    QCOMPARE(head(path, 16), QByteArray("old"));
    QVERIFY(dialog->isVisible());
    QTRY_VERIFY(!dialog->findChild<QMessageBox*>()); // the question is gone
    exportAndWait(dialog);
    question = dialog->findChild<QMessageBox*>();
    QVERIFY(question);
    question->button(QMessageBox::Yes)->click();
    QTRY_VERIFY(dialog.isNull());
    QCOMPARE(QImage(path).size(), QSize(600, 450));
}

void TestHeatmapMenu::copyImagePutsTheFigureOnTheClipboardAtTwiceTheDpi()
{
    QSignalSpy reported(m_view->menu()->figureActions(), &FigureActions::reported);
    m_view->menu()->figureActions()->copyImageAction()->trigger();
    const QImage copied = QGuiApplication::clipboard()->image();
    QCOMPARE(copied.size(), kViewSize * 2);
    QCOMPARE(reported.count(), 1);
    // Not blank: the top-left cell of the attention has the colour of a weight of 1 (sampled
    // off its number).
    const QRectF cell = m_view->cellRect(0, 0);
    const QColor inCell = copied.pixelColor(((cell.topLeft() + QPointF(3, 3)) * 2).toPoint());
    QCOMPARE(inCell, m_view->figure().cellColor(1.0f));
}

void TestHeatmapMenu::exportAllWritesExactlyTheExpectedFiles()
{
    FigureActions* actions = m_view->menu()->figureActions();
    QSignalSpy reported(actions, &FigureActions::reported);
    const QString folder = m_out->filePath(QStringLiteral("figures"));
    const QStringList written = actions->exportAllTo(folder);
    const QStringList expected{"sentence1-attention.csv",      "sentence1-attention.npy",
                               "sentence1-attention.npy.json", "sentence1-attention.pdf",
                               "sentence1-attention.png",      "sentence1-attention.svg"};
    QCOMPARE(QDir(folder).entryList(QDir::Files, QDir::Name), expected);
    QCOMPARE(written.size(), expected.size());
    QCOMPARE(QImage(QDir(folder).filePath("sentence1-attention.png")).size(),
             QSize(750, 563)); // 5 × 3.75 inches at the default 150 DPI
    QCOMPARE(reported.count(), 1);
    const QString message = reported.front().front().toString();
    QVERIFY2(message.contains(QStringLiteral("6 files")), qPrintable(message));
    QVERIFY(message.contains(QStringLiteral("sentence1-attention.png, .svg, .pdf")));
}

void TestHeatmapMenu::exportsShowTheFigureAsItWasWhenAsked()
{
    QPointer<ExportDialog> dialog = openFigureDialog();
    HeatmapData changed = lesson();
    changed.values.setConstant(0.5f);
    m_view->setData(changed);
    const QString path = m_out->filePath(QStringLiteral("asked.png"));
    dialog->setPath(path);
    dialog->setDpi(96);
    exportAndWait(dialog);
    QTRY_VERIFY(dialog.isNull());
    HeatmapFigure asked;
    asked.setData(lesson());
    asked.setStyle(m_view->style());
    const QImage image(path);
    const QRectF cell = asked.cellRect(QRectF(0, 0, 384, 288), 0, 0);
    QCOMPARE(image.pixelColor((cell.topLeft() + QPointF(3, 3)).toPoint()), asked.cellColor(1.0f));
}

QTEST_MAIN(TestHeatmapMenu)
#include "tst_heatmapmenu.moc"
