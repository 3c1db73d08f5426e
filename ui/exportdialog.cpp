#include "exportdialog.h"

#include "exportsettings.h"
#include "usermessage.h"

#include <errors.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>

#include <cmath>
#include <exception>

using FigureExport::Format;

namespace {

constexpr double kMinInches = 0.5;
constexpr double kMaxInches = 50.0;
constexpr double kInchStep = 0.25;
constexpr int kDpiStep = 50;
constexpr qint64 kMaxPngPixels = 100'000'000; // 100 megapixels: 400 MB while it is drawn
constexpr int kPathWidth = 360;

const QList<Format> kFigureFormats{Format::Png, Format::Svg, Format::Pdf};
const QList<Format> kAllFormats{Format::Png, Format::Svg, Format::Pdf, Format::Csv, Format::Npy};

QString formatName(Format format)
{
    switch (format) {
    case Format::Png:
        return ExportDialog::tr("PNG image");
    case Format::Svg:
        return ExportDialog::tr("SVG drawing");
    case Format::Pdf:
        return ExportDialog::tr("PDF document");
    case Format::Csv:
        return ExportDialog::tr("CSV table");
    case Format::Npy:
        return ExportDialog::tr("NumPy array");
    }
    return {};
}

QString filterOf(Format format)
{
    return ExportDialog::tr("%1 (*.%2)").arg(formatName(format), FigureExport::suffix(format));
}

bool isKnownSuffix(const QString& ext)
{
    for (Format format : kAllFormats) {
        if (ext.compare(FigureExport::suffix(format), Qt::CaseInsensitive) == 0) {
            return true;
        }
    }
    return false;
}

QString expandHome(QString path)
{
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/"))) {
        path.replace(0, 1, QDir::homePath());
    }
    return path;
}

QString dataNote(Format format)
{
    if (format == Format::Npy) {
        return ExportDialog::tr("A float32 array for numpy.load, with its labels in a .json "
                                "file of the same name.");
    }
    return ExportDialog::tr("A table of the numbers with their labels, “.” as the decimal "
                            "point in every language.");
}

} // namespace

ExportDialog::ExportDialog(Kind kind, FigureSource source, QWidget* parent)
    : QDialog(parent), m_kind(kind), m_source(std::move(source)), m_folder(ExportSettings::folder())
{
    setObjectName(QStringLiteral("exportDialog"));
    const QString what = m_kind == Kind::Figure ? tr("Export figure") : tr("Export data");
    setWindowTitle(m_source.title.isEmpty() ? what : tr("%1: %2").arg(what, m_source.title));
    createWidgets();
    layOut();
    connectWidgets();
    const Format initial = m_kind == Kind::Figure ? ExportSettings::figureFormat()
                                                  : m_source.dataFormats.value(0, Format::Csv);
    m_path->setText(QDir(m_folder).filePath(m_source.name + u'.' + FigureExport::suffix(initial)));
    setFormat(initial);
    if (m_kind == Kind::Figure) {
        setInches(m_source.inches.isValid() ? m_source.inches : FigureSize::kDefaultInches);
        setDpi(ExportSettings::dpi());
    }
    updateSize();
}

void ExportDialog::createWidgets()
{
    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("pathEdit"));
    m_path->setMinimumWidth(kPathWidth);
    m_path->setToolTip(tr("The file to write; its suffix chooses the format"));
    m_browse = new QPushButton(tr("Browse…"), this);
    m_browse->setObjectName(QStringLiteral("browseButton"));
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("formatBox"));
    fillFormats();
    m_pixels = new QLabel(this);
    m_pixels->setObjectName(QStringLiteral("sizeLabel"));
    m_pixels->setTextFormat(Qt::PlainText);
    m_pixels->setWordWrap(true);
    if (m_kind == Kind::Figure) {
        createSizeWidgets();
    }
}

void ExportDialog::createSizeWidgets()
{
    m_width = new QDoubleSpinBox(this);
    m_width->setObjectName(QStringLiteral("widthBox"));
    m_height = new QDoubleSpinBox(this);
    m_height->setObjectName(QStringLiteral("heightBox"));
    for (QDoubleSpinBox* box : {m_width, m_height}) {
        box->setRange(kMinInches, kMaxInches);
        box->setDecimals(2);
        box->setSingleStep(kInchStep);
        box->setSuffix(tr(" in"));
    }
    m_screenSize = new QPushButton(tr("As on screen"), this);
    m_screenSize->setObjectName(QStringLiteral("screenSizeButton"));
    m_screenSize->setToolTip(tr("The size the figure has on the screen now"));
    m_dpi = new QSpinBox(this);
    m_dpi->setObjectName(QStringLiteral("dpiBox"));
    m_dpi->setRange(ExportSettings::kMinDpi, ExportSettings::kMaxDpi);
    m_dpi->setSingleStep(kDpiStep);
    m_dpi->setSuffix(tr(" DPI"));
    m_dpi->setToolTip(tr("Dots per inch of a PNG; SVG and PDF stay sharp at any size"));
}

void ExportDialog::fillFormats()
{
    const QList<Format>& formats = m_kind == Kind::Figure ? kFigureFormats : m_source.dataFormats;
    for (Format format : formats) {
        const QString text = tr("%1 (.%2)").arg(formatName(format), FigureExport::suffix(format));
        m_format->addItem(text, static_cast<int>(format));
    }
}

void ExportDialog::layOut()
{
    auto* file = new QHBoxLayout;
    file->addWidget(m_path, 1);
    file->addWidget(m_browse);
    auto* form = new QFormLayout;
    form->addRow(tr("File"), file);
    form->addRow(tr("Format"), m_format);
    if (m_kind == Kind::Figure) {
        auto* size = new QHBoxLayout;
        size->addWidget(m_width);
        size->addWidget(new QLabel(tr("×"), this));
        size->addWidget(m_height);
        size->addWidget(m_screenSize);
        size->addStretch(1);
        form->addRow(tr("Size"), size);
        auto* resolution = new QHBoxLayout;
        resolution->addWidget(m_dpi);
        resolution->addStretch(1);
        form->addRow(tr("Resolution"), resolution);
    }
    form->addRow(QString(), m_pixels);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_export = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    m_export->setObjectName(QStringLiteral("exportButton"));
    m_export->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::exportChosen);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

void ExportDialog::connectWidgets()
{
    connect(m_browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(m_path, &QLineEdit::textEdited, this, &ExportDialog::pathEdited);
    connect(m_format, &QComboBox::activated, this, &ExportDialog::formatChosen);
    if (m_kind != Kind::Figure) {
        return;
    }
    connect(m_width, &QDoubleSpinBox::valueChanged, this, &ExportDialog::updateSize);
    connect(m_height, &QDoubleSpinBox::valueChanged, this, &ExportDialog::updateSize);
    connect(m_dpi, &QSpinBox::valueChanged, this, &ExportDialog::updateSize);
    connect(m_screenSize, &QPushButton::clicked, this, &ExportDialog::useScreenSize);
}

QString ExportDialog::path() const
{
    return m_path->text();
}

void ExportDialog::setPath(const QString& path)
{
    m_path->setText(path);
    pathEdited();
}

Format ExportDialog::format() const
{
    return static_cast<Format>(m_format->currentData().toInt());
}

void ExportDialog::setFormat(Format format)
{
    const int index = m_format->findData(static_cast<int>(format));
    if (index >= 0) {
        m_format->setCurrentIndex(index);
        formatChosen();
    }
}

QSizeF ExportDialog::inches() const
{
    if (m_kind != Kind::Figure) {
        return m_source.inches;
    }
    return QSizeF(m_width->value(), m_height->value());
}

void ExportDialog::setInches(QSizeF inches)
{
    if (m_kind == Kind::Figure) {
        m_width->setValue(inches.width());
        m_height->setValue(inches.height());
    }
}

int ExportDialog::dpi() const
{
    return m_kind == Kind::Figure ? m_dpi->value() : ExportSettings::kDefaultDpi;
}

void ExportDialog::setDpi(int dpi)
{
    if (m_kind == Kind::Figure) {
        m_dpi->setValue(dpi);
    }
}

QSize ExportDialog::pixelSize() const
{
    const QSizeF size = inches() * double(dpi());
    return QSize(int(std::lround(size.width())), int(std::lround(size.height())));
}

QString ExportDialog::sizeText() const
{
    const QSizeF in = inches();
    const QSize logical = (in * FigureExport::kLogicalDpi).toSize();
    switch (format()) {
    case Format::Png:
        return tr("%1 × %2 pixels").arg(pixelSize().width()).arg(pixelSize().height());
    case Format::Svg:
        return tr("%1 × %2 pixels at 96 per inch; lines and text stay sharp at any size")
            .arg(logical.width())
            .arg(logical.height());
    case Format::Pdf:
        return tr("A page of %L1 × %L2 inches; lines and text stay sharp at any size")
            .arg(in.width(), 0, 'g', 4)
            .arg(in.height(), 0, 'g', 4);
    default:
        return dataNote(format());
    }
}

QString ExportDialog::targetPath() const
{
    const QString typed = expandHome(m_path->text().trimmed());
    if (typed.isEmpty()) {
        return {};
    }
    const QString ext = u'.' + FigureExport::suffix(format());
    const QString path = QDir::cleanPath(QDir(m_folder).absoluteFilePath(typed));
    if (QFileInfo(path).isDir()) {
        return QDir(path).filePath(m_source.name + ext);
    }
    return QFileInfo(path).suffix().isEmpty() ? path + ext : path;
}

void ExportDialog::pathEdited()
{
    const QString ext = QFileInfo(m_path->text().trimmed()).suffix().toLower();
    for (int i = 0; i < m_format->count(); ++i) {
        if (FigureExport::suffix(static_cast<Format>(m_format->itemData(i).toInt())) == ext) {
            const QSignalBlocker blocker(m_format);
            m_format->setCurrentIndex(i);
        }
    }
    updateSize();
}

// The suffix follows the format; a suffix that is no format's stays part of the name.
void ExportDialog::formatChosen()
{
    QString text = m_path->text().trimmed();
    const QString ext = QFileInfo(text).suffix();
    if (isKnownSuffix(ext)) {
        text.chop(ext.size() + 1);
    }
    if (!text.isEmpty()) {
        m_path->setText(text + u'.' + FigureExport::suffix(format()));
    }
    updateSize();
}

void ExportDialog::useScreenSize()
{
    setInches(m_source.inches);
}

void ExportDialog::updateSize()
{
    if (m_dpi) {
        m_dpi->setEnabled(format() == Format::Png);
    }
    m_pixels->setText(sizeText());
}

QString ExportDialog::fileFilters() const
{
    QStringList filters;
    for (int i = 0; i < m_format->count(); ++i) {
        filters << filterOf(static_cast<Format>(m_format->itemData(i).toInt()));
    }
    return filters.join(QStringLiteral(";;"));
}

void ExportDialog::browse()
{
    QString filter = filterOf(format());
    const QString chosen =
        QFileDialog::getSaveFileName(this, windowTitle(), targetPath(), fileFilters(), &filter);
    if (chosen.isEmpty()) {
        return;
    }
    for (Format candidate : kAllFormats) {
        if (filterOf(candidate) == filter) {
            setFormat(candidate);
        }
    }
    const bool named = !QFileInfo(chosen).suffix().isEmpty();
    setPath(named ? chosen : chosen + u'.' + FigureExport::suffix(format()));
    if (named) {
        m_confirmed = chosen; // the file dialog asked before choosing a file that exists
    }
}

void ExportDialog::exportChosen()
{
    const QString path = targetPath();
    const QSize pixels = pixelSize();
    if (path.isEmpty()) {
        showWarning(tr("Type a file name, or choose one with Browse."));
    } else if (m_kind == Kind::Figure && format() == Format::Png &&
               qint64(pixels.width()) * pixels.height() > kMaxPngPixels) {
        showWarning(tr("A PNG of %1 × %2 pixels is too large to write. Choose a smaller size "
                       "or a lower DPI.")
                        .arg(pixels.width())
                        .arg(pixels.height()));
    } else if (const QString folder = QFileInfo(path).absolutePath(); !QFileInfo(folder).isDir()) {
        showWarning(tr("Nothing was exported: the folder %1 does not exist. Choose a folder "
                       "that exists, or create it first.")
                        .arg(QDir::toNativeSeparators(folder)));
    } else if (QFileInfo::exists(path) && path != m_confirmed) {
        askToReplace(path);
    } else {
        write(path);
    }
}

void ExportDialog::askToReplace(const QString& path)
{
    auto* box =
        new QMessageBox(QMessageBox::Question, tr("Replace the file?"),
                        tr("%1 exists already. Replace it?").arg(QDir::toNativeSeparators(path)),
                        QMessageBox::Yes | QMessageBox::No, this);
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, box, path](QAbstractButton* button) {
        if (box->standardButton(button) == QMessageBox::Yes) {
            m_confirmed = path;
            write(path);
        }
    });
    box->open();
}

void ExportDialog::write(const QString& path)
{
    try {
        if (m_kind == Kind::Figure) {
            FigureExport::saveFigure(path, m_source.paint, inches(), dpi(), m_source.title);
        } else {
            m_source.saveData(path);
        }
    } catch (const attnlab::InputError& error) {
        showWarning(tr("Nothing was exported. %1").arg(userMessage(error)));
        return;
    } catch (const std::exception& error) {
        showWarning(tr("Nothing was exported to %1: %2").arg(path, userMessage(error)));
        return;
    }
    remember(path);
    emit exported(path);
    accept();
}

void ExportDialog::remember(const QString& path) const
{
    ExportSettings::setFolder(QFileInfo(path).absolutePath());
    if (m_kind == Kind::Figure) {
        ExportSettings::setDpi(dpi());
        ExportSettings::setFigureFormat(format());
    }
}

void ExportDialog::showWarning(const QString& text)
{
    auto* box =
        new QMessageBox(QMessageBox::Warning, tr("Export failed"), text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("exportWarning"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}
