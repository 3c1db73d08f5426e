// Session files of the "Transformer: masked against unmasked" and "Vision Transformer" tabs
// (textsession.h, vitsession.h), for the window's File menu and drag and drop. Opening a file
// sends it to the tab its kind names and shows that tab; saving writes the model of the tab
// shown. Each tab keeps the path of its own current file. The Single head tab's files are the
// SessionKeeper's: open() leaves them, and files it cannot read, to it.
#pragma once

#include <QList>
#include <QObject>
#include <QString>

#include <chrono>
#include <cstdint>
#include <functional>

class QTabWidget;
class QTimer;
class TransformerPage;
class VitPage;

class TabSessions : public QObject
{
    Q_OBJECT
public:
    TabSessions(QTabWidget* pages, TransformerPage* transformer, VitPage* vit, QObject* parent);

    // Opens a session of the Transformer or Vision Transformer tab into that tab, shows the
    // tab and makes `path` its current file. Returns false, touching nothing, for a session of
    // the Single head tab or a file whose kind cannot be read (the Single head reader then
    // names the fault). Throws attnlab::InputError naming the file and the fault when the
    // session is refused; the model shown stays.
    bool open(const QString& path);
    // Whether the tab shown keeps its session files here.
    bool handlesShownTab() const;
    // Writes the shown tab's model to `path` (atomically) and makes it that tab's current
    // file. Throws attnlab::InputError naming the reason (no model, images not read from a
    // folder, a path that cannot be written); an old file is then untouched.
    void save(const QString& path);
    // The shown tab's current file, or empty.
    QString path() const;
    // The file name Save As offers first on the shown tab.
    QString defaultName() const;
    // The pages (of these two tabs) whose model has trained since it was built, opened or
    // saved, for the question on close.
    QList<QWidget*> modifiedPages() const;

    // Autosave, as the Single head tab's SessionKeeper does it: every interval, the model of
    // each of these tabs that trained since its last autosave is written to its recovery file
    // beside the settings (a Vision Transformer whose images did not come from a folder is
    // left out: its session could not find them). A clean close removes the files.
    void setAutosaveInterval(std::chrono::milliseconds interval);
    QString recoveryPath(QWidget* page) const;
    // Whether a recovery file of either tab was there when the window started.
    bool foundRecovery() const { return m_foundRecovery; }
    // Writes the recovery files that are due; returns how many it wrote.
    int autosave();
    // Opens every recovery file there is into its tab, as an unsaved model (no current file);
    // the names of the tabs recovered go into `recovered`, a fault per file into `faults`.
    void recover(QStringList& recovered, QStringList& faults);
    void closedCleanly();

private:
    // Where a tab's model is: its build (the frames' generation) and the steps taken.
    struct Mark
    {
        std::uint64_t generation = 0;
        long steps = 0;
        bool operator==(const Mark&) const = default;
    };
    Mark transformerMark() const;
    Mark vitMark() const;

    static void namingFile(const QString& path, const std::function<void()>& restore);
    void openTransformer(const QString& path);
    void openVit(const QString& path);

    QTabWidget* m_pages;
    TransformerPage* m_transformer;
    VitPage* m_vit;
    QString m_transformerPath;
    QString m_vitPath;
    Mark m_transformerSaved; // at the last open or save
    Mark m_vitSaved;
    Mark m_transformerAutosaved; // at the last autosave
    Mark m_vitAutosaved;
    QTimer* m_timer = nullptr;
    bool m_foundRecovery = false;
};
