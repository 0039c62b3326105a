#include "app/studio/training/LiveChartsDock.h"

#include "engine/run/MetricCatalogue.h"
#include "engine/store/RunStore.h"
#include "widgets/charts/MetricChart.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>
#include <memory>
#include <vector>

namespace {
const QColor kTrain(0x1f, 0x77, 0xb4);       // blue: training
const QColor kValidation(0xff, 0x7f, 0x0e);  // orange: validation
const QColor kRate(0x2c, 0xa0, 0x2c);

QString label(const char* metric)
{
    const neurite::MetricInfo* m = neurite::findMetric(metric);
    return m ? QString::fromStdString(m->label) : QString::fromLatin1(metric);
}

// A resumed run's curve so far, up to the step it continues from (the store has them).
std::vector<QPointF> recorded(neurite::RunStore& store, qint64 run, const char* metric, qint64 upToStep)
{
    std::vector<QPointF> points;
    for (const auto& p : store.metrics(run, metric))
        if (p.step <= upToStep)
            points.emplace_back(double(p.step), p.value);
    return points;
}
} // namespace

LiveChartsDock::LiveChartsDock(QWidget* parent) : QDockWidget(tr("Live charts"), parent)
{
    setObjectName(QStringLiteral("LiveChartsDock"));
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    v->setContentsMargins(4, 4, 4, 4);
    auto* bar = new QHBoxLayout;
    title_ = new QLabel(tr("No run yet"));
    bar->addWidget(title_, 1);
    bar->addWidget(new QLabel(tr("Smoothing")));
    smoothing_ = new QSlider(Qt::Horizontal);
    smoothing_->setRange(0, 99);
    smoothing_->setValue(60);
    smoothing_->setMaximumWidth(140);
    smoothing_->setToolTip(tr("Exponential moving average; the raw curve stays drawn faintly"));
    bar->addWidget(smoothing_);
    auto* log = new QCheckBox(tr("Log loss"));
    bar->addWidget(log);
    v->addLayout(bar);

    auto make = [](const QString& title, const QString& y) {
        auto* c = new MetricChart;
        c->setTitle(title);
        c->setXTitle(QObject::tr("step"));
        c->setYTitle(y);
        c->setPlaceholderText(QObject::tr("Press Train (F5): the curves appear here as the model learns"));
        c->setMinimumSize(200, 120);
        // Ten redraws a second look continuous and leave the cores to the training.
        c->setMinimumRedrawInterval(100);
        return c;
    };
    loss_ = make(tr("Loss"), tr("loss"));
    accuracy_ = make(tr("Accuracy"), tr("accuracy"));
    lr_ = make(tr("Learning rate"), tr("lr"));
    lr_->setLegendVisible(false);
    auto* split = new QSplitter(Qt::Horizontal);  // side by side: a bottom dock is wide, not tall
    split->addWidget(loss_);
    split->addWidget(accuracy_);
    split->addWidget(lr_);
    split->setSizes({400, 400, 240});
    v->addWidget(split, 1);
    setWidget(body);

    const auto smooth = [this] {
        for (auto* c : {loss_, accuracy_})
            c->setSmoothing(smoothing_->value() / 100.0);
    };
    connect(smoothing_, &QSlider::valueChanged, this, smooth);
    connect(log, &QCheckBox::toggled, loss_, &MetricChart::setLogScale);
    smooth();
}

void LiveChartsDock::onStarted(const TrainingStarted& info)
{
    for (auto* c : {loss_, accuracy_, lr_})
        c->clear();
    // Names from the metric catalogue; a resumed run starts with what it recorded before.
    struct Curve {
        MetricChart* chart;
        const char* key;
        const char* metric;
        QColor colour;
    };
    const Curve curves[] = {{loss_, "train", "train/loss", kTrain},     {loss_, "val", "val/loss", kValidation},
                            {accuracy_, "train", "train/accuracy", kTrain}, {accuracy_, "val", "val/accuracy", kValidation},
                            {lr_, "lr", "lr", kRate}};
    std::unique_ptr<neurite::RunStore> store;
    if (info.resumedStep > 0 && info.runId > 0 && !info.workspace.isEmpty()) {
        try {
            store = std::make_unique<neurite::RunStore>(info.workspace.toStdString(), true);
        } catch (const std::exception&) {
            // the earlier part of the curves is missing; the run itself is fine
        }
    }
    const std::optional<AxisRange> planned =
        info.epochs > 0 && info.stepsPerEpoch > 0
            ? std::optional<AxisRange>(AxisRange{0, double(info.epochs) * double(info.stepsPerEpoch)})
            : std::nullopt;
    for (auto* c : {loss_, accuracy_, lr_})
        c->setPlannedXRange(planned);
    for (const Curve& c : curves)
        c.chart->setSeries(QString::fromLatin1(c.key), label(c.metric), c.colour,
                           store ? recorded(*store, info.runId, c.metric, info.resumedStep) : std::vector<QPointF>{});
    title_->setText(info.runId ? tr("Run %1 on %2").arg(info.runId).arg(info.device) : tr("Training on %1").arg(info.device));
}

void LiveChartsDock::onSteps(const QVector<StepPoint>& points)
{
    std::vector<QPointF> loss, accuracy, rate;
    loss.reserve(std::size_t(points.size()));
    accuracy.reserve(std::size_t(points.size()));
    rate.reserve(std::size_t(points.size()));
    for (const StepPoint& p : points) {
        loss.emplace_back(double(p.step), p.loss);
        accuracy.emplace_back(double(p.step), p.accuracy);
        rate.emplace_back(double(p.step), p.lr);
    }
    loss_->appendPoints(QStringLiteral("train"), loss);
    accuracy_->appendPoints(QStringLiteral("train"), accuracy);
    lr_->appendPoints(QStringLiteral("lr"), rate);
}

void LiveChartsDock::onFinished(const TrainingFinished&)
{
    for (auto* c : {loss_, accuracy_, lr_})
        c->setPlannedXRange(std::nullopt);   // a run that stopped early fills its chart
}

void LiveChartsDock::onEpoch(const EpochPoint& e)
{
    if (!e.hasValidation)
        return;
    loss_->appendPoint(QStringLiteral("val"), QPointF(double(e.step), e.valLoss));
    accuracy_->appendPoint(QStringLiteral("val"), QPointF(double(e.step), e.valAccuracy));
}
