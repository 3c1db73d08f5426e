// How a figure looks on the device it is painted on: the colours of its background, text and
// outlines, and how much larger than its own size it is drawn.
//
// Exports always use print(): a white page, dark text and unit zoom, whatever the screen
// shows, so that a figure saved from a dark window in presenter mode is the figure saved from a
// light one. On screen, onScreen() follows the widget's palette (light text on a dark window)
// and the zoom that presenter mode sets for every view (setScreenZoom()).
#pragma once

#include <QColor>
#include <QPalette>

class QWidget;

struct FigureLook
{
    QColor background{Qt::white};
    QColor text{32, 32, 32};       // titles, labels, tick numbers
    QColor outline{128, 128, 128}; // frames of colour bars, swatches and images
    double zoom = 1.0;             // on-screen magnification of fonts, cells and lines

    bool isDark() const { return background.lightness() < 128; }

    // A white page at unit zoom: what every exported figure uses.
    static FigureLook print();
    // The print colours on a light palette; on a dark one its base, its text and an outline
    // between the two. The zoom is screenZoom().
    static FigureLook onScreen(const QPalette& palette);
    static FigureLook onScreen(const QWidget& widget);
    // Whether a palette is dark: its window colour is darker than mid-grey.
    static bool isDark(const QPalette& palette);

    // The zoom every view applies on screen: 1, or more in presenter mode. Views read it when
    // they are created and again on QEvent::FontChange, which presenter mode sends them by
    // changing the application font after setting the zoom.
    static double screenZoom();
    static void setScreenZoom(double zoom);
};
