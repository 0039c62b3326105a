#pragma once
// A small plot of the learning rate over the whole run, as the chosen schedule gives it
// (engine/train/Schedule.h, the same function the trainer uses).
#include "engine/train/Schedule.h"

#include <QWidget>

class SchedulePlot : public QWidget {
    Q_OBJECT
public:
    explicit SchedulePlot(QWidget* parent = nullptr);
    // Shows the schedule; a schedule the engine refuses shows its message instead.
    void setSchedule(const neurite::ScheduleConfig& config, double lr, std::int64_t stepsPerEpoch, int epochs);
    QSize sizeHint() const override { return {240, 70}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<double> values_;   // lr at evenly spaced steps over the run
    QString error_;
};
