// The look of the whole application: a light or a dark palette, and presenter mode.
//
// Theme: Follow system uses the platform's palette as it is and as it changes; Light and Dark
// use the platform's palette when it already is light or dark (judged by its window colour),
// and otherwise the style's standard palette (light) or darkPalette(). Qt 6.4 has no colour
// scheme hint, so the platform's palette is looked at again on every ThemeChange.
//
// Presenter mode scales the application font by kPresenterScale and every figure on screen by
// the same factor (FigureLook::setScreenZoom), for a room that reads the screen from afar.
// Leaving it, or destroying this object, sets back the very font it found. Neither the theme
// nor presenter mode touches a model or a training run.
//
// Both choices are stored in QSettings at once and read back when this object is created; a
// stored value that is not one of the choices reads as the default (Follow system, off).
#pragma once

#include <QFont>
#include <QObject>
#include <QPalette>

class QAction;
class QActionGroup;

class Appearance : public QObject
{
    Q_OBJECT
public:
    enum class Theme
    {
        System,
        Light,
        Dark
    };
    static constexpr double kPresenterScale = 1.5;

    // Reads the stored choices and applies them to the application.
    explicit Appearance(QObject* parent);
    ~Appearance() override;

    Theme theme() const { return m_theme; }
    void setTheme(Theme theme);
    bool presenterMode() const { return m_presenter; }
    void setPresenterMode(bool on);
    // The application font outside presenter mode.
    QFont baseFont() const { return m_baseFont; }
    // Whether the application's palette is dark now.
    bool isDark() const { return m_dark; }

    // View ▸ Theme ▸ Follow system, Light, Dark (exclusive) and View ▸ Presenter Mode
    // (checkable, Ctrl+Shift+P), kept in step with the choices.
    QList<QAction*> themeActions() const;
    QAction* presenterAction() const { return m_presenterAction; }

    // AttnLab's dark palette, for a Dark theme on a platform that has none.
    static QPalette darkPalette();
    // The name a theme is stored under ("system", "light", "dark") and back; an unknown name
    // reads as System.
    static QString themeName(Theme theme);
    static Theme themeNamed(const QString& name);

signals:
    void themeChanged(Appearance::Theme theme);
    void presenterModeChanged(bool on);
    void darkChanged(bool dark);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void createActions();
    void applyTheme();
    void applyFont();
    void updateDark();
    void reapplyLater();

    Theme m_theme = Theme::System;
    bool m_presenter = false;
    bool m_dark = false;
    bool m_paletteSet = false; // this object set the application palette
    bool m_applying = false;   // palette changes of our own are not the system's
    bool m_reapplyQueued = false;
    QFont m_baseFont; // the application font outside presenter mode
    QActionGroup* m_themes = nullptr;
    QAction* m_presenterAction = nullptr;
};
