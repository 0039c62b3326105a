#pragma once
// Live charts of the run being trained: loss and accuracy (training per step, validation per
// epoch) and the learning rate, against the step. Every point the worker sends is appended; the
// chart widget draws all of them or a min/max per pixel column, never a thinned subset. While the
// run trains, the step axis spans all its planned steps: new points then repaint only themselves,
// which leaves the cores to the training.
#include "app/studio/training/TrainingTypes.h"

#include <QDockWidget>

class MetricChart;
class QSlider;
class QLabel;

class LiveChartsDock : public QDockWidget {
    Q_OBJECT
public:
    explicit LiveChartsDock(QWidget* parent = nullptr);

    MetricChart* lossChart() const { return loss_; }
    MetricChart* accuracyChart() const { return accuracy_; }
    MetricChart* lrChart() const { return lr_; }

public slots:
    void onStarted(const TrainingStarted& info);    // clears the charts for the new run
    void onSteps(const QVector<StepPoint>& points);
    void onEpoch(const EpochPoint& epoch);
    void onFinished(const TrainingFinished& finished);   // the charts fit what was recorded

private:
    MetricChart* loss_;
    MetricChart* accuracy_;
    MetricChart* lr_;
    QSlider* smoothing_;
    QLabel* title_;
};
