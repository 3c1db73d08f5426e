// Saving what a view shows: figures as PNG, SVG and PDF, and their numbers as CSV and .npy.
//
// A figure is anything that paints itself into a rectangle (a heatmap, the loss chart). It
// is laid out in logical pixels at 96 per inch, whatever the screen, so the same figure at the
// same size in inches looks the same from the GUI and from the CLI, on any device pixel ratio:
// - PNG: width × height inches at `dpi` dots per inch, e.g. 4 × 3 inches at 150 DPI is 600×450
//   pixels; the painter is scaled by dpi/96, and the DPI is written into the file.
// - SVG: width × height inches at 96 per inch; the root has viewBox="0 0 W H" and width and
//   height W and H (pixels), text stays text (escaped), and a heatmap of many cells embeds
//   its cells as one image (see HeatmapStyle::rasterCellsAbove) so files stay small.
// - PDF: one page of exactly the figure's size, vector text.
// Files are written through QSaveFile (a temporary file renamed over the target): a failure
// leaves the old file as it was. Failures throw attnlab::InputError naming the path and why.
#pragma once

#include "heatmapfigure.h"

#include <QByteArray>
#include <QImage>
#include <QSizeF>
#include <QString>

#include <functional>

class QPainter;

namespace FigureExport {

enum class Format
{
    Png,
    Svg,
    Pdf,
    Csv,
    Npy
};

// Paints a figure into `target`, given in logical pixels (96 per inch).
using Painter = std::function<void(QPainter& painter, const QRectF& target)>;

inline constexpr double kLogicalDpi = 96.0;

// The format a file name asks for, by its suffix (.png .svg .pdf .csv .npy, any case).
// Throws InputError naming the file and the suffixes it knows.
Format formatOf(const QString& path);
QString suffix(Format format);
bool isFigureFormat(Format format);

// The figure on a white background, round(inches × dpi) pixels, device pixel ratio 1.
QImage renderImage(const Painter& paint, QSizeF inches, double dpi);
QByteArray pngBytes(const Painter& paint, QSizeF inches, double dpi);
QByteArray svgBytes(const Painter& paint, QSizeF inches, const QString& title);
QByteArray pdfBytes(const Painter& paint, QSizeF inches, const QString& title);

// The figure in the format of `path`'s suffix (PNG, SVG or PDF).
void saveFigure(const QString& path, const Painter& paint, QSizeF inches, double dpi,
                const QString& title);

// A heatmap's numbers (its dataValues when set, else its values): .csv with the labels, or
// .npy (float32, row-major) with a JSON side file `<path>.json` holding the title, the row
// and column labels, and the shape.
void saveData(const QString& path, const HeatmapData& data);

// Writes bytes through QSaveFile; throws InputError naming the path and the reason.
void saveBytes(const QString& path, const QByteArray& bytes);

// A painter for a heatmap figure. A figure on paper always has its colour bar, even where the
// view on screen leaves it out to make room, and the print look (white, unit zoom) whatever
// the screen's palette and presenter mode.
Painter heatmapPainter(const HeatmapFigure& figure);

// Every figure and data format of one heatmap into `folder`, as <name>.png, .svg, .pdf, .csv,
// .npy and .npy.json. Returns the files written.
QStringList exportAll(const QString& folder, const QString& name, const HeatmapFigure& figure,
                      QSizeF inches, double dpi);

} // namespace FigureExport
