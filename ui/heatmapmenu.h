// The menu of a heatmap view, on right-click and behind the view's corner button:
//   Export figure…, Export data…, Copy image, Export all…   (FigureActions)
//   Colour map ▸ Deck, Viridis, Cividis, Diverging
//   Numbers in cells
//   Precision ▸ 0 to 4 digits
// The display choices change the style of this view alone, which re-renders at once; the
// menu shows the view's style as it is each time it opens. The figure prints numbers only
// when every one fits its cell: when a choice leaves them out at the view's present size, the
// menu says so (reported through the figure actions) rather than let them vanish silently.
#pragma once

#include "colormap.h"
#include "heatmapfigure.h"

#include <QMenu>

class FigureActions;
class HeatmapView;
class QActionGroup;

class HeatmapMenu : public QMenu
{
    Q_OBJECT
public:
    static constexpr int kMaxPrecision = 4;

    explicit HeatmapMenu(HeatmapView* view);

    FigureActions* figureActions() const { return m_actions; }
    QAction* colorMapAction(ColorMap::Kind kind) const;
    QAction* numbersAction() const { return m_numbers; }
    QAction* precisionAction(int digits) const;
    // Checks the actions that match the view's style.
    void showStyle();

private:
    void addColorMaps();
    void addPrecisions();
    void setColorMap(ColorMap::Kind kind);
    void setNumbersShown(bool shown);
    void setPrecision(int digits);
    void applyStyle(const HeatmapStyle& style);
    bool numbersDoNotFit() const;

    HeatmapView* m_view;
    FigureActions* m_actions;
    QActionGroup* m_colorMaps = nullptr;
    QActionGroup* m_precisions = nullptr;
    QAction* m_numbers = nullptr;
};
