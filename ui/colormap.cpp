// Each map is a short list of published anchor colours, evenly spaced over [0, 1] and
// interpolated linearly in sRGB. The anchors are close enough that the interpolation stays
// within a unit or two of the full 256-entry tables.
#include "colormap.h"

#include <QCoreApplication>

#include <algorithm>
#include <array>
#include <cmath>
#include <span>

namespace ColorMap {
namespace {

struct Rgb
{
    int r;
    int g;
    int b;
};

// ColorBrewer YlGn, 9 classes: the pale yellow to deep green of the lesson's slides.
constexpr std::array<Rgb, 9> kDeck = {{{255, 255, 229},
                                       {247, 252, 185},
                                       {217, 240, 163},
                                       {173, 221, 142},
                                       {120, 198, 121},
                                       {65, 171, 93},
                                       {35, 132, 67},
                                       {0, 104, 55},
                                       {0, 69, 41}}};

// viridis sampled at k/9, k = 0..9.
constexpr std::array<Rgb, 10> kViridis = {{{68, 1, 84},
                                           {72, 40, 120},
                                           {62, 74, 137},
                                           {49, 104, 142},
                                           {38, 130, 142},
                                           {31, 158, 137},
                                           {53, 183, 121},
                                           {109, 205, 89},
                                           {180, 222, 44},
                                           {253, 231, 37}}};

// cividis sampled at k/9, k = 0..9.
constexpr std::array<Rgb, 10> kCividis = {{{0, 32, 77},
                                           {0, 51, 111},
                                           {57, 72, 107},
                                           {87, 92, 109},
                                           {112, 113, 115},
                                           {138, 135, 121},
                                           {166, 157, 117},
                                           {196, 181, 108},
                                           {228, 207, 91},
                                           {255, 234, 70}}};

// ColorBrewer RdBu, 11 classes, reversed so that negative is blue and positive red.
constexpr std::array<Rgb, 11> kDiverging = {{{5, 48, 97},
                                             {33, 102, 172},
                                             {67, 147, 195},
                                             {146, 197, 222},
                                             {209, 229, 240},
                                             {247, 247, 247},
                                             {253, 219, 199},
                                             {244, 165, 130},
                                             {214, 96, 77},
                                             {178, 24, 43},
                                             {103, 0, 31}}};

std::span<const Rgb> anchors(Kind kind)
{
    switch (kind) {
    case Kind::Deck:
        return kDeck;
    case Kind::Viridis:
        return kViridis;
    case Kind::Cividis:
        return kCividis;
    case Kind::Diverging:
        return kDiverging;
    }
    return kDeck;
}

int mix(int a, int b, double f)
{
    return static_cast<int>(std::lround(a + (b - a) * f));
}

// WCAG relative luminance of an sRGB colour, in [0, 1].
double relativeLuminance(const QColor& c)
{
    auto linear = [](double v) {
        return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF());
}

} // namespace

QColor color(Kind kind, double t)
{
    const std::span<const Rgb> a = anchors(kind);
    const double clamped = std::isfinite(t) ? std::clamp(t, 0.0, 1.0) : 0.0;
    const double pos = clamped * static_cast<double>(a.size() - 1);
    const auto i = std::min(static_cast<size_t>(pos), a.size() - 2);
    const double f = pos - static_cast<double>(i);
    return QColor(mix(a[i].r, a[i + 1].r, f), mix(a[i].g, a[i + 1].g, f),
                  mix(a[i].b, a[i + 1].b, f));
}

bool isDiverging(Kind kind)
{
    return kind == Kind::Diverging;
}

QString name(Kind kind)
{
    switch (kind) {
    case Kind::Deck:
        return QCoreApplication::translate("ColorMap", "Deck (yellow to green)");
    case Kind::Viridis:
        return QCoreApplication::translate("ColorMap", "Viridis");
    case Kind::Cividis:
        return QCoreApplication::translate("ColorMap", "Cividis");
    case Kind::Diverging:
        return QCoreApplication::translate("ColorMap", "Diverging (blue, white, red)");
    }
    return {};
}

QColor textColorOn(const QColor& background)
{
    // Contrast ratios (L1 + 0.05) / (L2 + 0.05) against white (L = 1) and black (L = 0).
    const double l = relativeLuminance(background);
    const double onWhite = 1.05 / (l + 0.05);
    const double onBlack = (l + 0.05) / 0.05;
    return onBlack >= onWhite ? QColor(Qt::black) : QColor(Qt::white);
}

QColor maskedColor()
{
    return QColor(217, 217, 217);
}

QColor maskedHatchColor()
{
    return QColor(150, 150, 150);
}

QColor noValueColor()
{
    return QColor(220, 0, 220);
}

QList<Kind> allKinds()
{
    return {Kind::Deck, Kind::Viridis, Kind::Cividis, Kind::Diverging};
}

} // namespace ColorMap
