// The live loss curve (Qt Charts): mean loss per epoch.
//
// A long run has many epochs; the chart holds at most kMaxPoints points, decimated from the
// full history, and updates with one QXYSeries::replace() per refresh.
#pragma once

#include <QString>
#include <QWidget>

#include <vector>

class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

class LossChart : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kMaxPoints = 1000;

    explicit LossChart(QWidget* parent);

    // Shows the curve of the given per-epoch losses (epoch i+1 has losses[i]). Non-finite
    // losses are left out; more than kMaxPoints finite ones are decimated (the first and last
    // kept, each bucket of epochs between them by its lowest and highest loss). One replace()
    // on the series per call.
    void setLosses(const std::vector<double>& epochLosses);
    // Number of points the series holds now (at most kMaxPoints).
    int pointCount() const;
    QChart* chart() const;
    QLineSeries* series() const;
    QValueAxis* axisX() const;
    QValueAxis* axisY() const;

private:
    QValueAxis* makeAxis(const QString& title, const QString& format);
    void updateAxes(qsizetype epochs, double highest);

    QChartView* m_view = nullptr;
    QLineSeries* m_series = nullptr;
    QValueAxis* m_axisX = nullptr;
    QValueAxis* m_axisY = nullptr;
};
