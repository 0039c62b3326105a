#include "app/studio/compare/ComparePane.h"

#include "app/studio/compare/Comparison.h"
#include "engine/compare/MetricBand.h"
#include "engine/run/MetricCatalogue.h"
#include "widgets/charts/MetricChart.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <set>

namespace {
const std::vector<qint64>* groupOf(const Comparison& comparison, qint64 run)
{
    for (const auto& group : comparison.seedGroups())
        if (std::find(group.begin(), group.end(), run) != group.end())
            return &group;
    return nullptr;
}
} // namespace

ComparePane::ComparePane(QWidget* parent) : QWidget(parent)
{
    metricCombo_ = new QComboBox;
    metricCombo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    log_ = new QCheckBox(tr("Log scale"));
    save_ = new QToolButton;
    save_->setText(tr("Save chart…"));
    save_->setToolTip(tr("Save this chart as a PNG or SVG image"));
    chart_ = new MetricChart;
    chart_->setLegendVisible(false);  // the dock's run list is the legend (exports draw their own)

    auto* header = new QHBoxLayout;
    header->addWidget(metricCombo_);
    header->addStretch(1);
    header->addWidget(log_);
    header->addWidget(save_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(header);
    layout->addWidget(chart_, 1);

    connect(metricCombo_, &QComboBox::currentIndexChanged, this, &ComparePane::metricChanged);
    connect(log_, &QCheckBox::toggled, chart_, &MetricChart::setLogScale);
    connect(save_, &QToolButton::clicked, this, &ComparePane::saveRequested);
}

QString ComparePane::seriesKey(qint64 run)
{
    return QStringLiteral("run:%1").arg(run);
}

QString ComparePane::bandKey(qint64 firstRun)
{
    return QStringLiteral("group:%1").arg(firstRun);
}

QString ComparePane::metricLabel(const std::string& metric)
{
    const neurite::MetricInfo* info = neurite::findMetric(metric);
    return QString::fromStdString(info ? info->label : metric);
}

void ComparePane::setMetrics(const std::vector<std::string>& names, const std::string& preferred)
{
    const std::string current = metric();
    const QSignalBlocker quiet(metricCombo_);
    metricCombo_->clear();
    for (const std::string& name : names)
        metricCombo_->addItem(metricLabel(name), QString::fromStdString(name));
    const bool keep = std::find(names.begin(), names.end(), current) != names.end();
    setMetric(keep ? current : preferred);
}

std::string ComparePane::metric() const
{
    return metricCombo_->currentData().toString().toStdString();
}

void ComparePane::setMetric(const std::string& name)
{
    const int i = metricCombo_->findData(QString::fromStdString(name));
    if (i >= 0)
        metricCombo_->setCurrentIndex(i);
}

// The same series are set again in place: removing and adding Qt Charts series costs more than
// their points.
void ComparePane::draw(Comparison& comparison, const CompareOptions& options)
{
    drawnStepsPerEpoch_.clear();
    const std::string name = metric();
    chart_->setXTitle(xAxisTitle(options.x));
    chart_->setYTitle(name.empty() ? QString() : metricLabel(name));
    chart_->setPlaceholderText(name.empty() ? tr("These runs recorded no metrics") : tr("No data yet"));
    chart_->setSmoothing(options.smoothing);
    QStringList wanted;
    for (const ComparedRun& run : comparison.runs()) {
        const std::vector<qint64>* group = options.groupSeeds ? groupOf(comparison, run.id()) : nullptr;
        if (!group || group->size() < 2)
            wanted << seriesKey(run.id());
        else if (group->front() == run.id())
            wanted << bandKey(run.id());
    }
    if (name.empty())
        wanted.clear();
    if (chart_->keys() != wanted)
        chart_->clear();                             // the legend keeps the runs' order
    for (const QString& key : wanted) {
        const qint64 id = key.section(QChar(':'), 1).toLongLong();
        if (key == seriesKey(id))
            drawRun(comparison, options, id);
        else
            drawBand(comparison, options, *groupOf(comparison, id));
    }
}

void ComparePane::drawRun(Comparison& comparison, const CompareOptions& options, qint64 run)
{
    const std::string name = metric();
    const double perEpoch = options.x == XAxisMode::Epoch ? comparison.stepsPerEpoch(run) : 0;
    const std::vector<QPointF> points =
        chartPoints(comparison.points(run, name), options.x, recordedPerEpoch(name), perEpoch);
    chart_->setSeries(seriesKey(run), comparison.run(run)->label(), options.colours.value(run), points);
    drawnStepsPerEpoch_[run] = perEpoch;
}

void ComparePane::drawBand(Comparison& comparison, const CompareOptions& options, const std::vector<qint64>& group)
{
    const std::string name = metric();
    const bool perEpoch = recordedPerEpoch(name);
    std::vector<std::vector<neurite::MetricPoint>> curves;
    std::map<std::int64_t, std::pair<double, int>> xAtStep;   // the sum of the runs' x, and how many
    QStringList ids;
    for (qint64 run : group) {
        const auto& points = comparison.points(run, name);
        curves.push_back(points);
        const double steps = options.x == XAxisMode::Epoch ? comparison.stepsPerEpoch(run) : 0;
        for (const neurite::MetricPoint& p : points) {
            auto& [sum, n] = xAtStep[p.step];
            sum += xOf(p, options.x, perEpoch, steps);
            ++n;
        }
        ids << QString::number(run);
    }
    const neurite::MetricBand band = neurite::metricBand(curves);
    std::vector<double> xs(band.xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const auto& [sum, n] = xAtStep[std::int64_t(band.xs[i])];
        xs[i] = sum / n;
    }
    const QString label = tr("run %1 (%2 seeds)").arg(ids.join(QStringLiteral(", "))).arg(group.size());
    chart_->setBand(bandKey(group.front()), label, options.colours.value(group.front()), xs, band.mean, band.min,
                    band.max);
}

void ComparePane::follow(Comparison& comparison, const CompareOptions& options, const std::vector<MetricGrowth>& grown)
{
    const std::string name = metric();
    std::set<qint64> again;                          // runs (or groups, by first run) to draw anew
    if (options.x == XAxisMode::Epoch)
        for (const auto& [run, steps] : drawnStepsPerEpoch_)
            if (comparison.stepsPerEpoch(run) != steps)
                again.insert(run);
    for (const MetricGrowth& g : grown) {
        if (g.metric != name)
            continue;
        const std::vector<qint64>* group = options.groupSeeds ? groupOf(comparison, g.run) : nullptr;
        if (group && group->size() > 1) {
            again.insert(group->front());
        } else if (!again.count(g.run)) {
            const auto& points = comparison.points(g.run, name);
            const std::span<const neurite::MetricPoint> tail(points.begin() + std::ptrdiff_t(g.before), points.end());
            chart_->appendPoints(seriesKey(g.run), chartPoints(tail, options.x, recordedPerEpoch(name),
                                                               drawnStepsPerEpoch_[g.run]));
        }
    }
    for (qint64 run : again) {
        const std::vector<qint64>* group = options.groupSeeds ? groupOf(comparison, run) : nullptr;
        if (group && group->size() > 1)
            drawBand(comparison, options, *group);
        else
            drawRun(comparison, options, run);
    }
}
