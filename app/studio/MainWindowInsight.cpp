// MainWindow's look inside the network (issue 12): the Layers dock (live telemetry, Dear ImGui),
// the layers' health as badges on the canvas, and the runs browser's Inspect layers, Confusion
// matrix… and Predict… actions. The work itself is the docks'.
#include "app/studio/MainWindow.h"

#include "app/studio/GraphAdapter.h"
#include "app/studio/HealthBadges.h"
#include "app/studio/evaluation/EvaluationDock.h"
#include "app/studio/predict/PredictDock.h"
#include "app/studio/runs/RunsDock.h"
#include "app/studio/telemetry/TelemetryDock.h"
#include "app/studio/training/TrainingController.h"
#include "engine/core/Error.h"
#include "engine/run/TelemetryCodec.h"
#include "engine/run/Workspace.h"
#include "engine/store/RunStore.h"
#include "widgets/nodegraph/NodeGraphScene.h"
#include "widgets/nodegraph/NodeGraphView.h"

#include <QStatusBar>

#include <algorithm>

using namespace neurite;

void MainWindow::createInsight()
{
    telemetry_ = new TelemetryDock(this);
    telemetry_->setObjectName(QStringLiteral("layers"));
    evaluation_ = new EvaluationDock(this);
    evaluation_->setObjectName(QStringLiteral("evaluation"));
    predict_ = new PredictDock(this);
    predict_->setObjectName(QStringLiteral("predict"));
    addDockWidget(Qt::BottomDockWidgetArea, telemetry_);
    tabifyDockWidget(runs_, telemetry_);
    tabifyDockWidget(telemetry_, evaluation_);
    tabifyDockWidget(evaluation_, predict_);
    evaluation_->hide();   // until asked for from the runs browser
    predict_->hide();

    // Live: every snapshot to the dock; the canvas's badges follow the latest.
    connect(training_, &TrainingController::started, this, [this](const TrainingStarted& info) {
        liveRun_ = info.runId;
        telemetry_->clear();
        telemetry_->setRunTitle(info.runId ? tr("Run %1 · %2 · live").arg(info.runId).arg(info.name)
                                           : tr("%1 · live").arg(info.name));
        telemetry_->setLive(true);
        adapter_->setBadges({});
    });
    connect(training_, &TrainingController::telemetry, this, &MainWindow::showLiveTelemetry);
    connect(training_, &TrainingController::featureMaps, telemetry_, &TelemetryDock::setFeatureMaps);
    connect(training_, &TrainingController::finished, this, [this](const TrainingFinished& result) {
        telemetry_->setLive(false);
        if (!liveBadges_.isEmpty())
            adapter_->setBadges(liveBadges_);   // the last snapshot's numbers
        liveBadges_.clear();
        if (result.runId && result.runId == liveRun_)
            telemetry_->setRunTitle(tr("Run %1 · %2").arg(result.runId).arg(result.status));
    });

    // The dock and the canvas select the same layer.
    connect(telemetry_, &TelemetryDock::nodeClicked, this, [this](const QString& id) {
        scene_->selectNodes({id});
        view_->centreOnNodes({id});
    });
    connect(scene_, &QGraphicsScene::selectionChanged, this, [this] {
        const QStringList ids = scene_->selectedNodeIds();
        telemetry_->selectNode(ids.size() == 1 ? ids.first() : QString());
    });

    connect(runs_, &RunsDock::inspectRequested, this, &MainWindow::inspectRun);
    connect(runs_, &RunsDock::evaluationViewsRequested, this, [this](qint64 id) {
        showReport(evaluation_);
        evaluation_->showRun(id, training_->workspace());
    });
    connect(runs_, &RunsDock::predictRequested, this, [this](qint64 id) {
        showReport(predict_);
        predict_->showRun(id, training_->workspace());
    });
}

// The evaluation views and Predict want room the bottom strip does not have: the first time, they
// open as a window of their own over the studio (a double-click on the title docks them back).
void MainWindow::showReport(QDockWidget* dock)
{
    if (!dock->property("shownOnce").toBool()) {
        dock->setProperty("shownOnce", true);
        dock->setFloating(true);
        const QRect area = geometry();
        const QSize size(area.width() * 85 / 100, area.height() * 85 / 100);
        dock->setGeometry(QRect(area.center() - QPoint(size.width() / 2, size.height() / 2), size));
    }
    dock->show();
    dock->raise();
}

void MainWindow::showLiveTelemetry(const TelemetrySnapshot& snapshot)
{
    telemetry_->addSnapshot(snapshot);
    // The canvas redraws its nodes when a badge changes: at once when a verdict changes, else
    // (only the tooltips' numbers) every 2 s, so that a fast run does not keep the canvas busy.
    const auto badges = healthBadges(snapshot, tr("live, step %1").arg(snapshot.step));
    bool verdictsChanged = badges.size() != adapter_->badges().size();
    for (auto it = badges.begin(); !verdictsChanged && it != badges.end(); ++it) {
        const auto was = adapter_->badges().find(it.key());
        verdictsChanged = was == adapter_->badges().end() || was->glyph != it->glyph;
    }
    liveBadges_ = badges;
    if (verdictsChanged || !badgeClock_.isValid() || badgeClock_.elapsed() >= 2000) {
        adapter_->setBadges(badges);
        badgeClock_.start();
    }
}

bool MainWindow::inspectRun(qint64 id)
{
    std::vector<TelemetrySnapshot> snapshots;
    try {
        const auto store = openWorkspace(training_->workspace().toStdString());
        for (const auto& record : store->telemetry(id))
            snapshots.push_back(decodeTelemetry(record.data));
    } catch (const Error& e) {
        showMessage(tr("Could not read the telemetry of run %1: %2").arg(id).arg(QString::fromUtf8(e.what())));
        return false;
    }
    if (snapshots.empty()) {
        showMessage(tr("Run %1 has no telemetry: it was trained with --no-telemetry or by an older Neurite.").arg(id));
        return false;
    }
    // The badges belong on the run's own model: open it unless the canvas shows its layers.
    const TelemetrySnapshot last = snapshots.back();
    const bool sameLayers = std::all_of(last.layers.begin(), last.layers.end(), [this](const LayerTelemetry& l) {
        const Node* node = doc_.graph().find(l.node);
        return node && node->type == l.type;
    });
    if (!sameLayers && !openRunModel(id))
        return false;
    telemetry_->clear();
    telemetry_->setRunTitle(tr("Run %1 · recorded, %2 snapshots").arg(id).arg(snapshots.size()));
    telemetry_->setSnapshots(std::move(snapshots));
    telemetry_->show();
    telemetry_->raise();
    adapter_->setBadges(healthBadges(last, tr("run %1, step %2").arg(id).arg(last.step)));
    statusBar()->showMessage(tr("Run %1's layers at step %2: hover a badge on the canvas for the numbers.")
                                 .arg(id).arg(last.step), 8000);
    return true;
}
