#include "app/studio/telemetry/TelemetryDock.h"

#include "app/studio/telemetry/TelemetryView.h"
#include "engine/train/LayerHealth.h"

#include <QLabel>

TelemetryDock::TelemetryDock(QWidget* parent) : QDockWidget(tr("Layer telemetry"), parent)
{
    setObjectName(QStringLiteral("TelemetryDock"));
    if (ImGuiHost::openGlAvailable()) {
        view_ = new TelemetryView;
        setWidget(view_);
        connect(view_, &TelemetryView::nodeClicked, this, &TelemetryDock::nodeClicked);
        return;
    }
    // Without OpenGL the inspector cannot draw: the verdicts of the latest snapshot, as text.
    fallback_ = new QLabel;
    fallback_->setWordWrap(true);
    fallback_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    fallback_->setMargin(12);
    fallback_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setWidget(fallback_);
    showFallback();
}

void TelemetryDock::showFallback()
{
    QString text = tr("The layer inspector draws with OpenGL, which this display does not offer. The health badges on "
                      "the canvas and <tt>neurite runs show RUN</tt> give the same verdicts.");
    if (latest_) {
        QStringList trouble;
        for (const neurite::LayerTelemetry& layer : latest_->layers) {
            const neurite::HealthVerdict v = neurite::judgeLayer(layer, latest_->firstNonFinite);
            if (v.health != neurite::LayerHealth::Healthy && v.health != neurite::LayerHealth::Unknown &&
                layer.type != "Input")
                trouble << QStringLiteral("<b>%1</b>: %2").arg(QString::fromStdString(layer.node),
                                                                  QString::fromStdString(v.summary).toHtmlEscaped());
        }
        text += QStringLiteral("<p>") + title_.toHtmlEscaped() + tr(", step %1: ").arg(latest_->step) +
                (trouble.isEmpty() ? tr("every layer healthy.") : QStringLiteral("<br>") + trouble.join(QStringLiteral("<br>")));
    }
    fallback_->setText(text);
}

void TelemetryDock::clear()
{
    latest_.reset();
    if (view_)
        view_->clear();
    else
        showFallback();
}

void TelemetryDock::setRunTitle(const QString& title)
{
    title_ = title;
    if (view_)
        view_->setRunTitle(title);
}

void TelemetryDock::addSnapshot(const neurite::TelemetrySnapshot& s)
{
    if (view_) {
        view_->addSnapshot(s);
        return;
    }
    latest_ = s;
    showFallback();
}

void TelemetryDock::setSnapshots(std::vector<neurite::TelemetrySnapshot> all)
{
    if (view_) {
        view_->setSnapshots(std::move(all));
        return;
    }
    if (!all.empty())
        latest_ = all.back();
    showFallback();
}

void TelemetryDock::setFeatureMaps(const neurite::FeatureMaps& maps)
{
    if (view_)
        view_->setFeatureMaps(maps);
}

void TelemetryDock::setLive(bool live)
{
    if (view_)
        view_->setLive(live);
}

void TelemetryDock::selectNode(const QString& nodeId)
{
    if (view_)
        view_->selectNode(nodeId);
}

TelemetryView* TelemetryDock::view()
{
    return view_;
}
