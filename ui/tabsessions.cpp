#include "tabsessions.h"

#include "comparisoncontroller.h"
#include "sessionkeeper.h"
#include "transformerpage.h"
#include "vitcontroller.h"
#include "vitpage.h"

#include <errors.h>
#include <sessionio.h>
#include <textsession.h>
#include <vitsession.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QTabWidget>
#include <QTimer>

#include <string>

TabSessions::TabSessions(QTabWidget* pages, TransformerPage* transformer, VitPage* vit,
                         QObject* parent)
    : QObject(parent), m_pages(pages), m_transformer(transformer), m_vit(vit),
      m_timer(new QTimer(this))
{
    m_foundRecovery =
        QFile::exists(recoveryPath(m_transformer)) || QFile::exists(recoveryPath(m_vit));
    m_timer->setInterval(SessionKeeper::kAutosaveInterval);
    connect(m_timer, &QTimer::timeout, this, &TabSessions::autosave);
    m_timer->start();
}

bool TabSessions::open(const QString& path)
{
    attnlab::SessionKind kind = attnlab::SessionKind::SingleHead;
    try {
        kind = attnlab::sessionFileKind(path.toStdString());
    } catch (const attnlab::InputError&) {
        return false;
    }
    switch (kind) {
    case attnlab::SessionKind::SingleHead:
        return false;
    case attnlab::SessionKind::TransformerPair:
        openTransformer(path);
        return true;
    case attnlab::SessionKind::VisionTransformer:
        openVit(path);
        return true;
    }
    return false;
}

// A fault of the session's contents, said with the file it is in, as the readers say theirs.
void TabSessions::namingFile(const QString& path, const std::function<void()>& restore)
{
    try {
        restore();
    } catch (const attnlab::InputError& error) {
        throw attnlab::InputError(path.toStdString() + ": " + error.what());
    }
}

void TabSessions::openTransformer(const QString& path)
{
    const attnlab::TextPairSession session = attnlab::loadTextPairSession(path.toStdString());
    namingFile(path, [&] { m_transformer->restoreSession(session); });
    m_transformerPath = path;
    m_transformerSaved = transformerMark();
    m_pages->setCurrentWidget(m_transformer);
}

void TabSessions::openVit(const QString& path)
{
    const attnlab::VitSession session = attnlab::loadVitSession(path.toStdString());
    namingFile(path, [&] { m_vit->restoreSession(session); });
    m_vitPath = path;
    m_vitSaved = vitMark();
    m_pages->setCurrentWidget(m_vit);
}

bool TabSessions::handlesShownTab() const
{
    QWidget* shown = m_pages->currentWidget();
    return shown == m_transformer || shown == m_vit;
}

void TabSessions::save(const QString& path)
{
    // The steps come from the session, which may be ahead of the frame shown.
    if (m_pages->currentWidget() == m_transformer) {
        const attnlab::TextPairSession session =
            m_transformer->controller()->session(m_transformer->viewMap());
        attnlab::saveSession(session, path.toStdString());
        m_transformerPath = path;
        m_transformerSaved = {transformerMark().generation,
                              session.checkpoints[0].steps + session.checkpoints[1].steps};
    } else if (m_pages->currentWidget() == m_vit) {
        const attnlab::VitSession session = m_vit->session();
        attnlab::saveSession(session, path.toStdString());
        m_vitPath = path;
        m_vitSaved = {vitMark().generation, session.checkpoint.steps};
    } else {
        throw attnlab::InputError("the tab shown keeps its sessions elsewhere");
    }
}

QString TabSessions::path() const
{
    if (m_pages->currentWidget() == m_transformer) {
        return m_transformerPath;
    }
    return m_pages->currentWidget() == m_vit ? m_vitPath : QString();
}

QString TabSessions::defaultName() const
{
    return m_pages->currentWidget() == m_vit ? QStringLiteral("vit.attnlab")
                                             : QStringLiteral("transformer.attnlab");
}

TabSessions::Mark TabSessions::transformerMark() const
{
    const auto frame = m_transformer->controller()->latest();
    return frame ? Mark{frame->generation, frame->sides[0].step + frame->sides[1].step} : Mark{};
}

TabSessions::Mark TabSessions::vitMark() const
{
    const auto frame = m_vit->controller()->latest();
    return frame ? Mark{frame->generation, frame->step} : Mark{};
}

QList<QWidget*> TabSessions::modifiedPages() const
{
    const auto trained = [](const Mark& now, const Mark& saved) {
        return now.steps > 0 && now != saved;
    };
    QList<QWidget*> pages;
    if (trained(transformerMark(), m_transformerSaved)) {
        pages << m_transformer;
    }
    if (trained(vitMark(), m_vitSaved)) {
        pages << m_vit;
    }
    return pages;
}

void TabSessions::setAutosaveInterval(std::chrono::milliseconds interval)
{
    m_timer->setInterval(interval);
}

// Beside the settings file, like the Single head tab's.
QString TabSessions::recoveryPath(QWidget* page) const
{
    const QFileInfo settings(QSettings().fileName());
    return settings.absoluteDir().filePath(page == m_vit ? QStringLiteral("recovery-vit.attnlab")
                                                         : QStringLiteral("recovery-pair.attnlab"));
}

int TabSessions::autosave()
{
    int written = 0;
    const auto due = [](const Mark& now, const Mark& last) { return now.steps > 0 && now != last; };
    // A failure is tried again at the next interval; the user's own files are untouched.
    try {
        const Mark now = transformerMark();
        if (due(now, m_transformerAutosaved) && m_transformer->controller()->hasModels()) {
            QDir().mkpath(QFileInfo(recoveryPath(m_transformer)).absolutePath());
            attnlab::saveSession(m_transformer->controller()->session(),
                                 recoveryPath(m_transformer).toStdString());
            m_transformerAutosaved = now;
            ++written;
        }
    } catch (const attnlab::InputError&) {
    }
    try {
        const Mark now = vitMark();
        if (due(now, m_vitAutosaved)) {
            QDir().mkpath(QFileInfo(recoveryPath(m_vit)).absolutePath());
            attnlab::saveSession(m_vit->session(), recoveryPath(m_vit).toStdString());
            m_vitAutosaved = now;
            ++written;
        }
    } catch (const attnlab::InputError&) {
    }
    return written;
}

void TabSessions::recover(QStringList& recovered, QStringList& faults)
{
    for (QWidget* page : {static_cast<QWidget*>(m_transformer), static_cast<QWidget*>(m_vit)}) {
        const QString path = recoveryPath(page);
        if (!QFile::exists(path)) {
            continue;
        }
        try {
            if (page == m_transformer) {
                openTransformer(path);
                m_transformerPath.clear();
                m_transformerSaved = {};
            } else {
                openVit(path);
                m_vitPath.clear();
                m_vitSaved = {};
            }
            recovered << m_pages->tabText(m_pages->indexOf(page));
        } catch (const attnlab::InputError& error) {
            faults << QString::fromStdString(error.what());
        }
    }
}

void TabSessions::closedCleanly()
{
    QFile::remove(recoveryPath(m_transformer));
    QFile::remove(recoveryPath(m_vit));
}
