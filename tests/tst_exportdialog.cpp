// The export dialog: sizes in inches and the pixels they give, the format from the suffix or
// the list, names completed sensibly, and the folder, DPI and format remembered after an
// export that worked (and only then).
#include <exportdialog.h>
#include <exportsettings.h>
#include <settingskeys.h>

#include <errors.h>

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using FigureExport::Format;

namespace {

FigureSource square()
{
    FigureSource source;
    source.name = QStringLiteral("sentence2-values");
    source.title = QStringLiteral("Values");
    source.inches = QSizeF(5, 3.75);
    source.paint = [](QPainter& painter, const QRectF& target) {
        painter.fillRect(target.adjusted(10, 10, -10, -10), Qt::darkGreen);
    };
    source.dataFormats = {Format::Csv, Format::Npy};
    source.saveData = [](const QString& path) {
        if (!path.endsWith(QStringLiteral(".csv")) && !path.endsWith(QStringLiteral(".npy"))) {
            throw attnlab::InputError((path + QStringLiteral(": not data")).toStdString());
        }
        FigureExport::saveBytes(path, "a,b\n1,2\n");
    };
    return source;
}

} // namespace

class TestExportDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void startsAtTheSizeOnScreenAndTheRememberedDpi();
    void pixelSizeIsInchesTimesDpi_data();
    void pixelSizeIsInchesTimesDpi();
    void theSuffixChoosesTheFormatAndTheFormatTheSuffix();
    void dpiIsOfferedForPngOnly();
    void vectorFormatsSayTheirSize();
    void aNameIsCompletedIntoAFileInTheFolder();
    void asOnScreenRestoresTheSizeOnScreen();
    void aSuccessfulExportIsRememberedForTheNextDialog();
    void aFailedExportRemembersNothing();
    void theDataDialogOffersTheDataFormatsAndNoSize();
    void anOversizedPngIsRefusedBeforeAnythingIsDrawn();
    void anEmptyNameIsRefusedWithAWarning();

private:
    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_out;
};

void TestExportDialog::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_exportdialog"));
}

void TestExportDialog::init()
{
    QSettings().clear();
    m_out = std::make_unique<QTemporaryDir>();
    QVERIFY(m_out->isValid());
    ExportSettings::setFolder(m_out->path());
}

void TestExportDialog::startsAtTheSizeOnScreenAndTheRememberedDpi()
{
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    QCOMPARE(dialog.inches(), QSizeF(5, 3.75));
    QCOMPARE(dialog.dpi(), ExportSettings::kDefaultDpi);
    QCOMPARE(dialog.format(), Format::Png);
    QCOMPARE(dialog.targetPath(), m_out->filePath(QStringLiteral("sentence2-values.png")));
    QVERIFY(dialog.windowTitle().contains(QStringLiteral("Values")));
    auto* dpi = dialog.findChild<QSpinBox*>(QStringLiteral("dpiBox"));
    QCOMPARE(dpi->minimum(), 72);
    QCOMPARE(dpi->maximum(), 1200);
}

void TestExportDialog::pixelSizeIsInchesTimesDpi_data()
{
    QTest::addColumn<QSizeF>("inches");
    QTest::addColumn<int>("dpi");
    QTest::addColumn<QSize>("pixels");
    QTest::newRow("4x3 at 150") << QSizeF(4, 3) << 150 << QSize(600, 450);
    QTest::newRow("6x4.5 at 300") << QSizeF(6, 4.5) << 300 << QSize(1800, 1350);
    QTest::newRow("1.5x1 at 72") << QSizeF(1.5, 1) << 72 << QSize(108, 72);
}

void TestExportDialog::pixelSizeIsInchesTimesDpi()
{
    QFETCH(QSizeF, inches);
    QFETCH(int, dpi);
    QFETCH(QSize, pixels);
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    dialog.setInches(inches);
    dialog.setDpi(dpi);
    QCOMPARE(dialog.pixelSize(), pixels);
    const QString text = dialog.findChild<QLabel*>(QStringLiteral("sizeLabel"))->text();
    QCOMPARE(text, QStringLiteral("%1 × %2 pixels").arg(pixels.width()).arg(pixels.height()));
}

void TestExportDialog::theSuffixChoosesTheFormatAndTheFormatTheSuffix()
{
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    dialog.setPath(m_out->filePath(QStringLiteral("figure.PDF")));
    QCOMPARE(dialog.format(), Format::Pdf);
    dialog.setFormat(Format::Svg);
    QCOMPARE(dialog.path(), m_out->filePath(QStringLiteral("figure.svg")));
    // A suffix that is no format's stays part of the name.
    dialog.setPath(m_out->filePath(QStringLiteral("figure.v2")));
    dialog.setFormat(Format::Png);
    QCOMPARE(dialog.path(), m_out->filePath(QStringLiteral("figure.v2.png")));
    auto* box = dialog.findChild<QComboBox*>(QStringLiteral("formatBox"));
    QCOMPARE(box->count(), 3);
}

void TestExportDialog::dpiIsOfferedForPngOnly()
{
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    auto* dpi = dialog.findChild<QSpinBox*>(QStringLiteral("dpiBox"));
    QVERIFY(dpi->isEnabled());
    dialog.setFormat(Format::Svg);
    QVERIFY(!dpi->isEnabled());
    dialog.setFormat(Format::Pdf);
    QVERIFY(!dpi->isEnabled());
    dialog.setFormat(Format::Png);
    QVERIFY(dpi->isEnabled());
}

void TestExportDialog::vectorFormatsSayTheirSize()
{
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    dialog.setInches(QSizeF(6, 4.5));
    dialog.setFormat(Format::Svg);
    QVERIFY2(dialog.sizeText().startsWith(QStringLiteral("576 × 432 pixels")),
             qPrintable(dialog.sizeText()));
    dialog.setFormat(Format::Pdf);
    QVERIFY2(dialog.sizeText().contains(QStringLiteral("6 × 4.5 inches")),
             qPrintable(dialog.sizeText()));
}

void TestExportDialog::aNameIsCompletedIntoAFileInTheFolder()
{
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    dialog.setPath(QStringLiteral("slide"));
    QCOMPARE(dialog.targetPath(), m_out->filePath(QStringLiteral("slide.png")));
    dialog.setPath(m_out->path());
    QCOMPARE(dialog.targetPath(), m_out->filePath(QStringLiteral("sentence2-values.png")));
    dialog.setPath(QStringLiteral("~/slide.svg"));
    QCOMPARE(dialog.targetPath(), QDir::home().filePath(QStringLiteral("slide.svg")));
}

void TestExportDialog::asOnScreenRestoresTheSizeOnScreen()
{
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    dialog.setInches(QSizeF(2, 2));
    dialog.findChild<QPushButton*>(QStringLiteral("screenSizeButton"))->click();
    QCOMPARE(dialog.inches(), QSizeF(5, 3.75));
}

void TestExportDialog::aSuccessfulExportIsRememberedForTheNextDialog()
{
    const QString folder = m_out->filePath(QStringLiteral("slides"));
    QVERIFY(QDir().mkpath(folder));
    QPointer<ExportDialog> dialog = new ExportDialog(ExportDialog::Kind::Figure, square(), nullptr);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    QSignalSpy exported(dialog.data(), &ExportDialog::exported);
    dialog->setPath(QDir(folder).filePath(QStringLiteral("values.svg")));
    dialog->setDpi(300);
    dialog->exportChosen();
    QCOMPARE(exported.count(), 1);
    QCOMPARE(exported.front().front().toString(), QDir(folder).filePath("values.svg"));
    QTRY_VERIFY(dialog.isNull());
    QCOMPARE(QSettings().value(SettingsKeys::exportFolder).toString(), folder);
    ExportDialog next(ExportDialog::Kind::Figure, square(), nullptr);
    QCOMPARE(next.dpi(), 300);
    QCOMPARE(next.format(), Format::Svg);
    QCOMPARE(next.targetPath(), QDir(folder).filePath(QStringLiteral("sentence2-values.svg")));
}

void TestExportDialog::aFailedExportRemembersNothing()
{
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    dialog.open();
    QSignalSpy exported(&dialog, &ExportDialog::exported);
    dialog.setPath(m_out->filePath(QStringLiteral("missing/values.pdf")));
    dialog.setDpi(600);
    dialog.exportChosen();
    QCOMPARE(exported.count(), 0);
    QVERIFY(dialog.findChild<QMessageBox*>(QStringLiteral("exportWarning")));
    QVERIFY(dialog.isVisible());
    QCOMPARE(ExportSettings::dpi(), ExportSettings::kDefaultDpi);
    QCOMPARE(ExportSettings::figureFormat(), Format::Png);
    QCOMPARE(ExportSettings::folder(), m_out->path());
}

void TestExportDialog::theDataDialogOffersTheDataFormatsAndNoSize()
{
    ExportDialog dialog(ExportDialog::Kind::Data, square(), nullptr);
    auto* box = dialog.findChild<QComboBox*>(QStringLiteral("formatBox"));
    QCOMPARE(box->count(), 2);
    QCOMPARE(dialog.format(), Format::Csv);
    QVERIFY(!dialog.findChild<QDoubleSpinBox*>());
    QVERIFY(!dialog.findChild<QSpinBox*>());
    dialog.setFormat(Format::Npy);
    QCOMPARE(dialog.targetPath(), m_out->filePath(QStringLiteral("sentence2-values.npy")));
    QVERIFY(dialog.sizeText().contains(QStringLiteral(".json")));
    dialog.open();
    dialog.exportChosen();
    QVERIFY(QFileInfo::exists(m_out->filePath(QStringLiteral("sentence2-values.npy"))));
}

void TestExportDialog::anOversizedPngIsRefusedBeforeAnythingIsDrawn()
{
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    dialog.open();
    dialog.setInches(QSizeF(40, 30));
    dialog.setDpi(1200);
    dialog.exportChosen();
    auto* warning = dialog.findChild<QMessageBox*>(QStringLiteral("exportWarning"));
    QVERIFY(warning);
    QVERIFY2(warning->text().contains(QStringLiteral("48000 × 36000")),
             qPrintable(warning->text()));
    QVERIFY(QDir(m_out->path()).isEmpty());
}

void TestExportDialog::anEmptyNameIsRefusedWithAWarning()
{
    ExportDialog dialog(ExportDialog::Kind::Figure, square(), nullptr);
    dialog.open();
    dialog.setPath(QStringLiteral("  "));
    dialog.exportChosen();
    QVERIFY(dialog.findChild<QMessageBox*>(QStringLiteral("exportWarning")));
    QVERIFY(dialog.isVisible());
    QVERIFY(QDir(m_out->path()).isEmpty());
}

QTEST_MAIN(TestExportDialog)
#include "tst_exportdialog.moc"
