// The session file of the Single head tab: where it is, whether the model changed since it was
// saved or opened, the list of recent files, and the autosave that lets a crashed run be
// recovered.
//
// Autosave: every interval (a minute by default), when the model changed since the last
// autosave, the session is written (atomically, see session.h) to recoveryPath(), beside the
// application's settings. A clean close removes it; a recovery file found at start means the
// last run ended without closing, and the window offers to recover it.
#pragma once

#include <session.h>

#include <QObject>
#include <QString>
#include <QStringList>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

class QTimer;
class TrainingController;

class SessionKeeper : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxRecent = 8;
    static constexpr std::chrono::milliseconds kAutosaveInterval{60000};

    SessionKeeper(TrainingController* controller, QObject* parent);

    // The session file of the model shown, or empty.
    const QString& path() const { return m_path; }
    // True when the model has trained, or was rebuilt after a session was opened or saved,
    // since the last save or open.
    bool isModified() const;
    // Writes the model's session to `path` and makes it the current file. Throws
    // attnlab::InputError naming the path and the reason; the old file is then untouched.
    void save(const QString& path, std::map<std::string, std::string> view);
    // Reads a session file; throws attnlab::InputError naming the file and the fault.
    static attnlab::ToySession read(const QString& path);
    // After the window restored a session read from `path` (empty for a recovered one).
    void opened(const QString& path);
    // The model shown now is the baseline: not modified (a fresh start, a new corpus).
    void markUnmodified();

    QStringList recentFiles() const;
    // Puts `path` first among the recent files (a session of any tab).
    void remember(const QString& path);
    void setAutosaveInterval(std::chrono::milliseconds interval);
    QString recoveryPath() const;
    // A recovery file was there when the window started.
    bool foundRecovery() const { return m_foundRecovery; }
    // Removes the recovery file (a clean close).
    void closedCleanly();
    // Writes the recovery file now when the model changed since the last autosave. Returns
    // whether it wrote.
    bool autosave();

signals:
    void modifiedChanged(bool modified);
    void recentFilesChanged();

private:
    void checkModified();
    std::pair<std::uint64_t, long> position() const;

    TrainingController* m_controller;
    QTimer* m_timer = nullptr;
    QString m_path;
    std::pair<std::uint64_t, long> m_saved{0, 0};     // generation and step at the last save
    std::pair<std::uint64_t, long> m_autosaved{0, 0}; // … and at the last autosave
    bool m_foundRecovery = false;
    bool m_modified = false;
};
