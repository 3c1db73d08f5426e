// Colour maps for heatmaps: a value in [0, 1] to a colour.
#pragma once

#include <QColor>
#include <QList>
#include <QString>

namespace ColorMap {

enum class Kind
{
    Deck,     // sequential, pale yellow to deep green, close to the lesson's slides
    Viridis,  // sequential, perceptually uniform, colour-blind-safe
    Cividis,  // sequential, designed for colour-vision deficiency
    Diverging // blue, white at 0, red; for signed matrices (values, queries, keys, scores)
};

// t in [0, 1] (clamped; NaN reads as 0). For Diverging, 0.5 is the centre. The sequential
// maps change luminance monotonically with t: Deck gets darker, Viridis and Cividis lighter.
QColor color(Kind kind, double t);
// Whether a map is meant for signed data (its range is made symmetric around 0).
bool isDiverging(Kind kind);
QString name(Kind kind);
// Black or white, whichever reads better on `background`.
QColor textColorOn(const QColor& background);
// Colour of a masked cell and of a cell with no value (NaN).
QColor maskedColor();
QColor noValueColor();
// Colour of the hatching drawn over masked cells.
QColor maskedHatchColor();
// Every kind, in the order a menu should list them.
QList<Kind> allKinds();

} // namespace ColorMap
