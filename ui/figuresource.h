// What a figure on screen hands to the exporters: how to paint it, how to save its numbers,
// the name its files get, and its size on screen.
//
// A source is a snapshot. Its painter and savers hold copies of the figure and the numbers
// as they were when it was taken, so an export shows what was on screen when the user asked,
// however far training has gone on since.
#pragma once

#include "figureexport.h"

#include <QList>
#include <QSizeF>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>

struct FigureSource
{
    QString name;  // stem of the file names, e.g. "sentence1-attention"
    QString title; // written into SVG and PDF files
    QSizeF inches; // the size on screen at 96 logical pixels per inch
    FigureExport::Painter paint;
    QList<FigureExport::Format> dataFormats; // what saveData writes, the usual one first
    // Writes the numbers in the format of `path`'s suffix. Throws attnlab::InputError naming
    // the path and the fault.
    std::function<void(const QString& path)> saveData;
    // Every figure and data format into `folder`, each as <name>.<suffix> (the folder is
    // created if needed). Returns the files written; throws attnlab::InputError.
    std::function<QStringList(const QString& folder, QSizeF inches, double dpi)> exportAll;
};

namespace FigureSize {

// The size of a figure whose widget has no size yet: a 4:3 figure that fits a slide.
inline constexpr QSizeF kDefaultInches{6.0, 4.5};

// A widget's size in inches at 96 logical pixels per inch, whatever the screen.
inline QSizeF onScreen(const QWidget& widget)
{
    if (widget.width() <= 0 || widget.height() <= 0) {
        return kDefaultInches;
    }
    return QSizeF(widget.size()) / FigureExport::kLogicalDpi;
}

} // namespace FigureSize
