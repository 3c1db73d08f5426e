#include "figureactions.h"

#include "exportdialog.h"
#include "exportsettings.h"
#include "usermessage.h"

#include <errors.h>

#include <QAction>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QMessageBox>
#include <QWidget>

FigureActions::FigureActions(QWidget* owner, std::function<FigureSource()> source)
    : QObject(owner), m_owner(owner), m_source(std::move(source))
{
    m_exportFigure = makeAction(tr("Export figure…"), tr("Save this figure as PNG, SVG or PDF"),
                                &FigureActions::runExportFigure);
    m_exportData = makeAction(tr("Export data…"), tr("Save the numbers of this figure"),
                              &FigureActions::runExportData);
    m_copyImage = makeAction(tr("Copy image"), tr("Copy this figure to the clipboard as an image"),
                             &FigureActions::runCopyImage);
    m_exportAll =
        makeAction(tr("Export all…"), tr("Save this figure and its numbers in every format"),
                   &FigureActions::chooseFolderAndExportAll);
}

QAction* FigureActions::makeAction(const QString& text, const QString& tip,
                                   void (FigureActions::*run)())
{
    auto* action = new QAction(text, this);
    action->setStatusTip(tip);
    action->setToolTip(tip);
    connect(action, &QAction::triggered, this, run);
    return action;
}

ExportDialog* FigureActions::exportFigure()
{
    return openDialog(ExportDialog::Kind::Figure);
}

ExportDialog* FigureActions::exportData()
{
    return openDialog(ExportDialog::Kind::Data);
}

ExportDialog* FigureActions::openDialog(ExportDialog::Kind kind)
{
    auto* dialog = new ExportDialog(kind, m_source(), m_owner);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ExportDialog::exported, this, [this](const QString& path) {
        emit reported(tr("Exported %1").arg(QDir::toNativeSeparators(path)));
    });
    dialog->open();
    return dialog;
}

void FigureActions::runExportFigure()
{
    exportFigure();
}

void FigureActions::runExportData()
{
    exportData();
}

void FigureActions::runCopyImage()
{
    copyImage();
}

QImage FigureActions::copyImage()
{
    const FigureSource source = m_source();
    const QImage image = FigureExport::renderImage(source.paint, source.inches, kClipboardDpi);
    QGuiApplication::clipboard()->setImage(image);
    emit reported(tr("Copied the figure to the clipboard: %1 × %2 pixels")
                      .arg(image.width())
                      .arg(image.height()));
    return image;
}

QStringList FigureActions::exportAllTo(const QString& folder)
{
    const FigureSource source = m_source();
    const QStringList files = source.exportAll(folder, source.inches, ExportSettings::dpi());
    ExportSettings::setFolder(QDir(folder).absolutePath());
    emit reported(writtenMessage(folder, files));
    return files;
}

void FigureActions::chooseFolderAndExportAll()
{
    const QString folder = QFileDialog::getExistingDirectory(
        m_owner, tr("Export all formats into a folder"), ExportSettings::folder());
    if (folder.isEmpty() || !confirmReplacing(m_owner, folder, {m_source().name})) {
        return;
    }
    try {
        exportAllTo(folder);
    } catch (const attnlab::InputError& error) {
        QMessageBox::warning(m_owner, tr("Export failed"),
                             tr("Not every file was exported. %1").arg(userMessage(error)));
    }
}

void FigureActions::report(const QString& message)
{
    emit reported(message);
}

QString FigureActions::writtenMessage(const QString& folder, const QStringList& files)
{
    QStringList stems;
    QStringList suffixes;
    for (const QString& file : files) {
        const QString name = QFileInfo(file).fileName();
        const qsizetype dot = name.indexOf(u'.');
        if (!stems.contains(name.left(dot))) {
            stems << name.left(dot);
        }
        suffixes << (dot < 0 ? QString() : name.mid(dot));
    }
    const QString what = stems.size() == 1 ? stems.front() + suffixes.join(QStringLiteral(", "))
                                           : stems.join(QStringLiteral(", "));
    return tr("Exported %1 files to %2: %3")
        .arg(files.size())
        .arg(QDir::toNativeSeparators(folder), what);
}

bool FigureActions::confirmReplacing(QWidget* parent, const QString& folder,
                                     const QStringList& stems)
{
    QStringList patterns;
    for (const QString& stem : stems) {
        patterns << stem + QStringLiteral(".*");
    }
    const QStringList existing = QDir(folder).entryList(patterns, QDir::Files);
    if (existing.isEmpty()) {
        return true;
    }
    const QString question = tr("%1 holds %2 files of the same names already, such as %3. "
                                "Replace them?")
                                 .arg(QDir::toNativeSeparators(folder))
                                 .arg(existing.size())
                                 .arg(existing.front());
    return QMessageBox::question(parent, tr("Replace files?"), question) == QMessageBox::Yes;
}
