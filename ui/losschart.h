// The live loss curve (Qt Charts): mean loss per epoch, of one model or of two side by side.
//
// A long run has many epochs; the chart holds at most kMaxPoints points, decimated from the
// full history, and updates with at most one QXYSeries::replace() per refresh. The full
// history is kept for the CSV export. While training, each refresh brings the same history
// with a few more epochs: the chart then appends and decimates only those, so a refresh costs
// the same after a million epochs as after a thousand (but for one comparison of the old
// history with the new, at memory speed).
//
// The curve is a figure like the heatmaps: right-click or the "⋯" button in the corner
// exports it (PNG, SVG, PDF), exports its numbers (CSV) or copies it as an image. On screen
// its background, text and grid follow the palette and its fonts presenter mode's zoom, as far
// as the chart has room (FigureLook::onScreen); exported figures keep the light chart at unit
// zoom.
#pragma once

#include "figurelook.h"
#include "figuresource.h"

#include <QByteArray>
#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

class FigureActions;
class QChart;
class QChartView;
class QLineSeries;
class QMenu;
class QPainter;
class QValueAxis;

class LossChart : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kMaxPoints = 1000;

    explicit LossChart(QWidget* parent);
    ~LossChart() override;

    // Shows the curve of the given per-epoch losses (epoch i+1 has losses[i]). Non-finite
    // losses are left out; more than kMaxPoints finite ones are decimated (the first and last
    // kept, each bucket of epochs between them by its lowest and highest loss, the earlier on
    // a tie; the buckets are 2^k epochs wide, bucket b holding epochs b·2^k + 1 to
    // (b+1)·2^k, k the smallest that leaves at most (kMaxPoints - 2) / 2 buckets up to the
    // last finite loss). At most one replace() on each series per call, none when its curve
    // did not change. A single point is drawn as a marker. Each axis has at most about ten
    // ticks, whatever the losses, at every moment of the update.
    void setLosses(const std::vector<double>& epochLosses);
    // Two curves on the same axes, named in a legend: two models trained side by side. The
    // CSV then has a column per curve, named after it. setLosses() is the comparison with no
    // second curve and no names.
    void setComparison(const QString& firstName, const std::vector<double>& first,
                       const QString& secondName, const std::vector<double>& second);
    // The axes' titles ("epoch" and "loss" at first), on screen and in exported figures.
    void setAxisTitles(const QString& x, const QString& y);
    // Every epoch's loss as last given to setLosses(), non-finite ones included.
    const std::vector<double>& losses() const;
    // The second curve of a comparison; empty otherwise.
    const std::vector<double>& secondLosses() const;
    QLineSeries* secondSeries() const;
    // Number of points the series holds now (at most kMaxPoints).
    int pointCount() const;
    QChart* chart() const;
    QLineSeries* series() const;
    QValueAxis* axisX() const;
    QValueAxis* axisY() const;

    // Paints the curve as the chart shows it, laid out afresh for `target` (logical pixels at
    // 96 per inch): lines and text stay vector on SVG and PDF painters.
    void paintFigure(QPainter& painter, const QRectF& target) const;
    // The whole history as CSV: a header "epoch,loss", then one line per epoch from 1, the
    // shortest text that reads back to the same double, "." as decimal point in any locale,
    // "nan" and "inf" for non-finite losses.
    QByteArray csv() const;
    // The curve for the exporters, named "loss"; its data is saved as .csv only.
    FigureSource figureSource() const;
    // The menu that right-click and the corner button open.
    QMenu* menu() const;
    FigureActions* figureActions() const;

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    class History;
    struct Defaults;

    void createMenu();
    void applyLook(const FigureLook& look);
    void fitFonts();

    QChartView* m_view = nullptr;
    QLineSeries* m_series = nullptr;
    QLineSeries* m_second = nullptr;
    QValueAxis* m_axisX = nullptr;
    QValueAxis* m_axisY = nullptr;
    std::unique_ptr<History> m_firstHistory;  // every epoch's loss, and the curve decimated
    std::unique_ptr<History> m_secondHistory; // the same for a comparison's second curve
    std::unique_ptr<Defaults> m_defaults;     // the light chart's colours and fonts
    FigureLook m_look;
    double m_zoom = 1.0; // of the fonts now: the look's, as far as the chart has room
    QMenu* m_menu = nullptr;
    FigureActions* m_actions = nullptr;
};
