#pragma once
// One chart of the Compare view: a metric chosen in its combo, drawn for every compared run (or
// seed group), with its own log-scale switch and a button to save it as PNG or SVG.
// - Runs are series keyed seriesKey(id), named "run N · name", in the run's colour.
// - With groupSeeds, a group of several runs is one band keyed bandKey(first id): the mean over the
//   group's runs at each step, over the area from the lowest to the highest (metricBand), in the
//   first run's colour, named "run 3, 4, 5 (3 seeds)". A band's x at a step is the mean of its
//   runs' x there (their steps, epochs and samples agree; their times need not).
// - follow() appends what a live refresh added: the new points only for a lone run, the band
//   again for a group, the whole run again when its steps per epoch became known (epoch axis).
// GUI thread only.
#include "app/studio/compare/XAxisMode.h"

#include <QColor>
#include <QHash>
#include <QWidget>

#include <map>
#include <string>
#include <vector>

class Comparison;
class MetricChart;
class QCheckBox;
class QComboBox;
class QToolButton;
struct MetricGrowth;

// What every chart of the dock shares.
struct CompareOptions {
    XAxisMode x = XAxisMode::Step;
    double smoothing = 0;                           // MetricChart::setSmoothing's weight
    bool groupSeeds = false;
    QHash<qint64, QColor> colours;                  // by run id
};

class ComparePane : public QWidget {
    Q_OBJECT
public:
    explicit ComparePane(QWidget* parent = nullptr);

    static QString seriesKey(qint64 run);           // "run:7"
    static QString bandKey(qint64 firstRun);        // "group:7"
    static QString metricLabel(const std::string& metric);  // the catalogue's label, else the name

    // The metrics to choose from, labelled; keeps the current one if offered, else `preferred`.
    void setMetrics(const std::vector<std::string>& names, const std::string& preferred);
    std::string metric() const;                     // "" when there is none
    void setMetric(const std::string& name);        // one of those offered

    void draw(Comparison& comparison, const CompareOptions& options);   // everything again
    void follow(Comparison& comparison, const CompareOptions& options, const std::vector<MetricGrowth>& grown);

    // Parts
    MetricChart* chart() const { return chart_; }
    QComboBox* metricCombo() const { return metricCombo_; }
    QCheckBox* logCheck() const { return log_; }
    QToolButton* saveButton() const { return save_; }

signals:
    void metricChanged();                           // another metric is chosen (not by setMetrics)
    void saveRequested();

private:
    void drawRun(Comparison& comparison, const CompareOptions& options, qint64 run);
    void drawBand(Comparison& comparison, const CompareOptions& options, const std::vector<qint64>& group);

    MetricChart* chart_;
    QComboBox* metricCombo_;
    QCheckBox* log_;
    QToolButton* save_;
    std::map<qint64, double> drawnStepsPerEpoch_;   // of lone runs drawn on the epoch axis
};
