#include "sessionkeeper.h"

#include "settingskeys.h"
#include "trainingcontroller.h"

#include <errors.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>

SessionKeeper::SessionKeeper(TrainingController* controller, QObject* parent)
    : QObject(parent), m_controller(controller), m_timer(new QTimer(this))
{
    m_foundRecovery = QFile::exists(recoveryPath());
    m_timer->setInterval(kAutosaveInterval);
    connect(m_timer, &QTimer::timeout, this, &SessionKeeper::autosave);
    m_timer->start();
    connect(m_controller, &TrainingController::frameChanged, this, &SessionKeeper::checkModified);
}

std::pair<std::uint64_t, long> SessionKeeper::position() const
{
    const std::shared_ptr<const TrainingFrame> frame = m_controller->latest();
    return frame ? std::pair{frame->generation, frame->snapshot.step} : std::pair{0UL, 0L};
}

bool SessionKeeper::isModified() const
{
    const auto now = position();
    if (now == m_saved) {
        return false;
    }
    // A fresh model that never trained is not worth asking about, unless it replaced a file's.
    return now.second > 0 || !m_path.isEmpty();
}

void SessionKeeper::checkModified()
{
    const bool modified = isModified();
    if (modified != m_modified) {
        m_modified = modified;
        emit modifiedChanged(modified);
    }
}

void SessionKeeper::save(const QString& path, std::map<std::string, std::string> view)
{
    const attnlab::ToySession session = m_controller->session();
    attnlab::ToySession withView = session;
    withView.view = std::move(view);
    attnlab::saveSession(withView, path.toStdString());
    m_saved = {position().first, session.checkpoint.steps};
    m_path = path;
    remember(path);
    checkModified();
}

attnlab::ToySession SessionKeeper::read(const QString& path)
{
    return attnlab::loadSession(path.toStdString());
}

void SessionKeeper::opened(const QString& path)
{
    m_saved = position();
    m_autosaved = m_saved;
    m_path = path;
    if (!path.isEmpty()) {
        remember(path);
    }
    checkModified();
}

void SessionKeeper::markUnmodified()
{
    m_saved = position();
    m_autosaved = m_saved;
    m_path.clear();
    checkModified();
}

QStringList SessionKeeper::recentFiles() const
{
    return QSettings().value(SettingsKeys::recentSessions).toStringList();
}

void SessionKeeper::remember(const QString& path)
{
    QStringList files = recentFiles();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecent) {
        files.removeLast();
    }
    QSettings().setValue(SettingsKeys::recentSessions, files);
    emit recentFilesChanged();
}

void SessionKeeper::setAutosaveInterval(std::chrono::milliseconds interval)
{
    m_timer->setInterval(interval);
}

// Beside the settings file, so that each user (and each test) has its own.
QString SessionKeeper::recoveryPath() const
{
    const QFileInfo settings(QSettings().fileName());
    return settings.absoluteDir().filePath(QStringLiteral("recovery.attnlab"));
}

void SessionKeeper::closedCleanly()
{
    QFile::remove(recoveryPath());
}

bool SessionKeeper::autosave()
{
    const auto now = position();
    if (now == m_autosaved || now.second == 0 || !m_controller->hasModel()) {
        return false;
    }
    try {
        QDir().mkpath(QFileInfo(recoveryPath()).absolutePath());
        attnlab::saveSession(m_controller->session(), recoveryPath().toStdString());
    } catch (const attnlab::InputError&) {
        return false; // the next interval tries again; the user's own files are untouched
    }
    m_autosaved = now;
    return true;
}
