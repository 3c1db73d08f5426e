#include "figuremenubutton.h"

#include <QEvent>
#include <QMenu>

namespace {

constexpr int kMargin = 2;

} // namespace

FigureMenuButton::FigureMenuButton(QMenu* menu, QWidget* parent) : QToolButton(parent), m_menu(menu)
{
    setObjectName(QStringLiteral("figureMenuButton"));
    setText(QStringLiteral("⋯"));
    setAutoRaise(true);
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Export, copy and display options (also on right-click)"));
    setAccessibleName(tr("Figure menu"));
    connect(this, &QToolButton::clicked, this, &FigureMenuButton::openMenu);
    parent->installEventFilter(this);
    place();
}

void FigureMenuButton::openMenu()
{
    const QPoint below(width() - m_menu->sizeHint().width(), height());
    m_menu->popup(mapToGlobal(below));
}

bool FigureMenuButton::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == parent() && event->type() == QEvent::Resize) {
        place();
    }
    return QToolButton::eventFilter(watched, event);
}

void FigureMenuButton::place()
{
    resize(sizeHint());
    move(parentWidget()->width() - width() - kMargin, kMargin);
    raise();
}
