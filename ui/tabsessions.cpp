#include "tabsessions.h"

#include "comparisoncontroller.h"
#include "transformerpage.h"
#include "vitcontroller.h"
#include "vitpage.h"

#include <errors.h>
#include <sessionio.h>
#include <textsession.h>
#include <vitsession.h>

#include <QTabWidget>

#include <string>

TabSessions::TabSessions(QTabWidget* pages, TransformerPage* transformer, VitPage* vit,
                         QObject* parent)
    : QObject(parent), m_pages(pages), m_transformer(transformer), m_vit(vit)
{
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
        const attnlab::TextPairSession session = m_transformer->controller()->session();
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
