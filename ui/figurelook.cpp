#include "figurelook.h"

#include <QWidget>

#include <algorithm>
#include <cmath>

namespace {

double g_screenZoom = 1.0;

QColor mixed(const QColor& a, const QColor& b)
{
    return QColor((a.red() + b.red()) / 2, (a.green() + b.green()) / 2, (a.blue() + b.blue()) / 2);
}

} // namespace

FigureLook FigureLook::print()
{
    return FigureLook{};
}

FigureLook FigureLook::onScreen(const QPalette& palette)
{
    FigureLook look;
    look.zoom = screenZoom();
    if (!isDark(palette)) {
        return look;
    }
    look.background = palette.color(QPalette::Active, QPalette::Base);
    look.text = palette.color(QPalette::Active, QPalette::Text);
    look.outline = mixed(look.background, look.text);
    return look;
}

FigureLook FigureLook::onScreen(const QWidget& widget)
{
    return onScreen(widget.palette());
}

bool FigureLook::isDark(const QPalette& palette)
{
    return palette.color(QPalette::Active, QPalette::Window).lightness() < 128;
}

double FigureLook::screenZoom()
{
    return g_screenZoom;
}

void FigureLook::setScreenZoom(double zoom)
{
    g_screenZoom = std::isfinite(zoom) ? std::clamp(zoom, 0.25, 4.0) : 1.0;
}
