// The export actions of one figure on screen, for any widget that describes itself as a
// FigureSource: "Export figure…", "Export data…", "Copy image" and "Export all…".
//
// The actions ask the widget for a fresh source each time they run. The export dialogs open
// window-modal without blocking and are returned, so code can drive them; what was written
// or copied is announced through reported(), which the main window shows in its status bar.
#pragma once

#include "exportdialog.h"
#include "figuresource.h"

#include <QImage>
#include <QObject>
#include <QStringList>

#include <functional>

class QAction;
class QWidget;

class FigureActions : public QObject
{
    Q_OBJECT
public:
    // "Copy image" renders the figure at its size on screen and twice the logical DPI, sharp
    // on a high-density screen or a projector.
    static constexpr double kClipboardDpi = 2.0 * FigureExport::kLogicalDpi;

    FigureActions(QWidget* owner, std::function<FigureSource()> source);

    QAction* exportFigureAction() const { return m_exportFigure; }
    QAction* exportDataAction() const { return m_exportData; }
    QAction* copyImageAction() const { return m_copyImage; }
    QAction* exportAllAction() const { return m_exportAll; }

    ExportDialog* exportFigure();
    ExportDialog* exportData();
    // Puts the figure on the clipboard and returns the image put there.
    QImage copyImage();
    // Every format into `folder` at the size on screen and the remembered DPI, without asking
    // anything. Returns the files written; throws attnlab::InputError.
    QStringList exportAllTo(const QString& folder);
    // What "Export all…" does: asks for a folder (and before replacing files), exports, and
    // shows a warning if that fails.
    void chooseFolderAndExportAll();

    // Announces a message about this figure (reported()).
    void report(const QString& message);

    // What was written, short enough for a status bar: the file names when they share one
    // stem ("Exported 6 files to <folder>: a.png, .svg, …"), otherwise the stems.
    static QString writtenMessage(const QString& folder, const QStringList& files);
    // Asks before files named <stem>.<anything> in `folder` are replaced; true when there are
    // none or the user agrees.
    static bool confirmReplacing(QWidget* parent, const QString& folder, const QStringList& stems);

signals:
    void reported(const QString& message);

private:
    QAction* makeAction(const QString& text, const QString& tip, void (FigureActions::*run)());
    ExportDialog* openDialog(ExportDialog::Kind kind);
    void runExportFigure();
    void runExportData();
    void runCopyImage();

    QWidget* m_owner;
    std::function<FigureSource()> m_source;
    QAction* m_exportFigure = nullptr;
    QAction* m_exportData = nullptr;
    QAction* m_copyImage = nullptr;
    QAction* m_exportAll = nullptr;
};
