// A small "⋯" button in the top-right corner of a figure on screen. It opens the figure's
// menu (export, copy, display options), so that a newcomer finds them without knowing about
// right-click. It stays in the corner as its parent resizes.
#pragma once

#include <QToolButton>

class QMenu;

class FigureMenuButton : public QToolButton
{
    Q_OBJECT
public:
    FigureMenuButton(QMenu* menu, QWidget* parent);

    QMenu* figureMenu() const { return m_menu; }
    // Opens the menu under the button, its right edge at the button's.
    void openMenu();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void place();

    QMenu* m_menu;
};
