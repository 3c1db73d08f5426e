#include "appearance.h"

#include "figurelook.h"
#include "settingskeys.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QEvent>
#include <QScopedValueRollback>
#include <QSettings>
#include <QStyle>
#include <QTimer>

#include <tuple>

namespace {

QFont scaled(QFont font, double factor)
{
    if (font.pointSizeF() > 0) {
        font.setPointSizeF(font.pointSizeF() * factor);
    } else if (font.pixelSize() > 0) {
        font.setPixelSize(qRound(font.pixelSize() * factor));
    }
    return font;
}

// Only a stored boolean, or the text "true" or "false", is a choice; anything else is not.
bool storedFlag(const QVariant& value)
{
    if (value.typeId() == QMetaType::Bool) {
        return value.toBool();
    }
    return value.toString() == QLatin1String("true");
}

} // namespace

Appearance::Appearance(QObject* parent) : QObject(parent), m_baseFont(QApplication::font())
{
    const QSettings settings;
    m_theme = themeNamed(settings.value(SettingsKeys::theme).toString());
    m_presenter = storedFlag(settings.value(SettingsKeys::presenterMode));
    createActions();
    qApp->installEventFilter(this);
    if (m_theme != Theme::System) {
        applyTheme();
    }
    updateDark();
    applyFont();
}

Appearance::~Appearance()
{
    qApp->removeEventFilter(this);
    if (m_presenter) {
        FigureLook::setScreenZoom(1.0);
        QApplication::setFont(m_baseFont);
    }
}

void Appearance::createActions()
{
    m_themes = new QActionGroup(this);
    const std::tuple<Theme, QString, const char*> themes[] = {
        {Theme::System, tr("Follow &System"), "themeSystemAction"},
        {Theme::Light, tr("&Light"), "themeLightAction"},
        {Theme::Dark, tr("&Dark"), "themeDarkAction"}};
    for (const auto& [theme, text, name] : themes) {
        QAction* action = m_themes->addAction(text);
        action->setObjectName(QLatin1String(name));
        action->setData(int(theme));
        action->setCheckable(true);
        action->setChecked(theme == m_theme);
        connect(action, &QAction::triggered, this, [this, theme] { setTheme(theme); });
    }
    m_presenterAction = new QAction(tr("&Presenter Mode"), this);
    m_presenterAction->setObjectName(QStringLiteral("presenterModeAction"));
    m_presenterAction->setCheckable(true);
    m_presenterAction->setChecked(m_presenter);
    // F5 is the platform's Refresh key (QKeySequence::Refresh); this one means nothing else.
    m_presenterAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_presenterAction->setStatusTip(tr("Larger text and figures for a projector; the model and "
                                       "training carry on as they are"));
    connect(m_presenterAction, &QAction::toggled, this, &Appearance::setPresenterMode);
}

QList<QAction*> Appearance::themeActions() const
{
    return m_themes->actions();
}

void Appearance::setTheme(Theme theme)
{
    QSettings().setValue(SettingsKeys::theme, themeName(theme));
    for (QAction* action : m_themes->actions()) {
        action->setChecked(action->data().toInt() == int(theme));
    }
    if (theme == m_theme) {
        return;
    }
    m_theme = theme;
    applyTheme();
    emit themeChanged(theme);
}

void Appearance::setPresenterMode(bool on)
{
    QSettings().setValue(SettingsKeys::presenterMode, on);
    m_presenterAction->setChecked(on);
    if (on == m_presenter) {
        return;
    }
    m_presenter = on;
    applyFont();
    emit presenterModeChanged(on);
}

// The platform's palette first, to see whether it already is what the theme asks for.
void Appearance::applyTheme()
{
    {
        const QScopedValueRollback<bool> guard(m_applying, true);
        if (m_paletteSet) {
            QApplication::setPalette(QPalette());
            m_paletteSet = false;
        }
        const bool systemDark = FigureLook::isDark(QApplication::palette());
        if (m_theme == Theme::Dark && !systemDark) {
            QApplication::setPalette(darkPalette());
            m_paletteSet = true;
        } else if (m_theme == Theme::Light && systemDark) {
            QApplication::setPalette(QApplication::style()->standardPalette());
            m_paletteSet = true;
        }
    }
    updateDark();
}

// The zoom first: the font change that follows is what tells the views to look again.
void Appearance::applyFont()
{
    if (m_presenter) {
        FigureLook::setScreenZoom(kPresenterScale);
        QApplication::setFont(scaled(m_baseFont, kPresenterScale));
    } else if (QApplication::font() != m_baseFont) {
        FigureLook::setScreenZoom(1.0);
        QApplication::setFont(m_baseFont);
    }
}

void Appearance::updateDark()
{
    const bool dark = FigureLook::isDark(QApplication::palette());
    if (dark != m_dark) {
        m_dark = dark;
        emit darkChanged(dark);
    }
}

bool Appearance::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::ApplicationPaletteChange && watched == qApp && !m_applying) {
        updateDark();
    } else if (event->type() == QEvent::ThemeChange && m_theme != Theme::System) {
        reapplyLater();
    }
    return QObject::eventFilter(watched, event);
}

// A theme change reaches every window: the palette is chosen again once, after them all.
void Appearance::reapplyLater()
{
    if (m_reapplyQueued) {
        return;
    }
    m_reapplyQueued = true;
    QTimer::singleShot(0, this, [this] {
        m_reapplyQueued = false;
        applyTheme();
    });
}

QPalette Appearance::darkPalette()
{
    const QColor window(45, 45, 48);
    const QColor base(30, 30, 32);
    const QColor text(230, 230, 230);
    const QColor disabled(128, 128, 128);
    QPalette p(text, window, window.lighter(150), window.darker(150), window.darker(120), text,
               QColor(Qt::white), base, window);
    p.setColor(QPalette::AlternateBase, QColor(40, 40, 43));
    p.setColor(QPalette::Button, QColor(55, 55, 58));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(150, 150, 150));
    p.setColor(QPalette::Highlight, QColor(42, 110, 200));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(110, 170, 255));
    p.setColor(QPalette::LinkVisited, QColor(180, 140, 255));
    for (QPalette::ColorRole role :
         {QPalette::WindowText, QPalette::Text, QPalette::ButtonText, QPalette::HighlightedText}) {
        p.setColor(QPalette::Disabled, role, disabled);
    }
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(70, 70, 74));
    return p;
}

QString Appearance::themeName(Theme theme)
{
    switch (theme) {
    case Theme::Light:
        return QStringLiteral("light");
    case Theme::Dark:
        return QStringLiteral("dark");
    case Theme::System:
        break;
    }
    return QStringLiteral("system");
}

Appearance::Theme Appearance::themeNamed(const QString& name)
{
    for (Theme theme : {Theme::Light, Theme::Dark}) {
        if (name == themeName(theme)) {
            return theme;
        }
    }
    return Theme::System;
}
