// MainWindow's training part: the Training, Live charts, Runs and Compare docks, the Run menu and
// toolbar, what happens when a job starts and ends, and the workspace. The work itself is the
// TrainingController's and the docks'.
#include "app/studio/MainWindow.h"

#include "app/studio/EditCommands.h"
#include "app/studio/InspectorDock.h"
#include "app/studio/ProblemsDock.h"
#include "app/studio/SummaryDock.h"
#include "app/studio/compare/CompareDock.h"
#include "app/studio/compare/RunColours.h"
#include "app/studio/export/ExportDialog.h"
#include "app/studio/runs/RunsDock.h"
#include "app/studio/runs/RunsTableModel.h"
#include "app/studio/training/LiveChartsDock.h"
#include "app/studio/training/TrainingController.h"
#include "app/studio/training/TrainingPanel.h"
#include "engine/core/Error.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/Job.h"
#include "engine/run/Workspace.h"
#include "engine/store/RunStore.h"
#include "widgets/nodegraph/NodeGraphScene.h"
#include "widgets/nodegraph/NodeGraphView.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolBar>

using namespace neurite;

void MainWindow::createTraining()
{
    training_ = new TrainingController(this);

    trainAction_ = new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Train"), this);
    trainAction_->setShortcut(QKeySequence(Qt::Key_F5));
    trainAction_->setToolTip(tr("Train the model on the canvas (F5)"));
    queueAction_ = new QAction(style()->standardIcon(QStyle::SP_FileDialogNewFolder), tr("&Queue"), this);
    queueAction_->setToolTip(tr("Train these settings after the jobs already queued"));
    pauseAction_ = new QAction(style()->standardIcon(QStyle::SP_MediaPause), tr("&Pause"), this);
    pauseAction_->setCheckable(true);
    pauseAction_->setToolTip(tr("Pause between two steps; press again to continue"));
    stopAction_ = new QAction(style()->standardIcon(QStyle::SP_MediaStop), tr("&Stop"), this);
    stopAction_->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    stopAction_->setToolTip(tr("Stop the run within one step; it is recorded as stopped and can be resumed (Shift+F5)"));
    connect(trainAction_, &QAction::triggered, this, [this] { train(false); });
    connect(queueAction_, &QAction::triggered, this, [this] { train(true); });
    connect(pauseAction_, &QAction::triggered, this, [this](bool paused) { paused ? training_->pause() : training_->resume(); });
    connect(stopAction_, &QAction::triggered, training_, &TrainingController::stop);

    trainingPanel_ = new TrainingPanel({trainAction_, pauseAction_, stopAction_, queueAction_}, this);
    trainingPanel_->setMinimumWidth(340);
    charts_ = new LiveChartsDock(this);
    runs_ = new RunsDock(this);
    compare_ = new CompareDock(this);
    addDockWidget(Qt::RightDockWidgetArea, trainingPanel_);
    // One full-height column of tabs on the right: the training settings need the room.
    tabifyDockWidget(inspector_, trainingPanel_);
    tabifyDockWidget(trainingPanel_, summary_);
    addDockWidget(Qt::BottomDockWidgetArea, charts_);
    tabifyDockWidget(problems_, charts_);
    tabifyDockWidget(charts_, runs_);
    tabifyDockWidget(runs_, compare_);
    compare_->hide();  // until runs are compared: its charts and table would claim the designer's room
    problems_->raise();
    inspector_->raise();
    setWorkspace(settings_.workspace().isEmpty() ? QString::fromStdString(RunStore::defaultPath()) : settings_.workspace());

    connect(runs_, &RunsDock::openModelRequested, this, &MainWindow::openRunModel);
    connect(runs_, &RunsDock::resumeRequested, training_, &TrainingController::enqueueResume);
    connect(runs_, &RunsDock::forkRequested, this, &MainWindow::forkRun);
    connect(runs_, &RunsDock::evaluateRequested, training_, &TrainingController::enqueueEvaluation);
    connect(runs_, &RunsDock::compareRequested, this, &MainWindow::compareRuns);
    connect(runs_, &RunsDock::exportRequested, this, [this](qint64 id) {
        auto* dialog = new ExportDialog(runs_->workspace(), id, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    // One colour per run everywhere: the browser's swatches follow the Compare dock's choices.
    runs_->model()->setColourOf([this](qint64 id) { return RunColours().colour(training_->workspace(), id); });
    connect(compare_, &CompareDock::colourChanged, runs_->model(), &RunsTableModel::coloursChanged);
    // The browser polls the workspace; after our own writes it need not wait for the poll.
    connect(training_, &TrainingController::started, runs_, &RunsDock::reload);
    connect(training_, &TrainingController::finished, runs_, &RunsDock::reload);

    connect(training_, &TrainingController::started, trainingPanel_, &TrainingPanel::onStarted);
    connect(training_, &TrainingController::steps, trainingPanel_, &TrainingPanel::onSteps);
    connect(training_, &TrainingController::finished, trainingPanel_, &TrainingPanel::onFinished);
    connect(training_, &TrainingController::queueChanged, trainingPanel_, &TrainingPanel::setQueued);
    connect(training_, &TrainingController::started, charts_, &LiveChartsDock::onStarted);
    connect(training_, &TrainingController::steps, charts_, &LiveChartsDock::onSteps);
    connect(training_, &TrainingController::epochEnded, charts_, &LiveChartsDock::onEpoch);
    connect(training_, &TrainingController::finished, charts_, &LiveChartsDock::onFinished);
    connect(training_, &TrainingController::started, this, [this] {
        charts_->show();
        charts_->raise();
        // Curves want room; the designer's bottom strip is small until something trains.
        if (charts_->height() < height() / 3)
            resizeDocks({charts_}, {height() * 36 / 100}, Qt::Vertical);
    });
    connect(training_, &TrainingController::stateChanged, this, &MainWindow::trainingStateChanged);
    connect(training_, &TrainingController::finished, this, &MainWindow::trainingFinished);
    createInsight();

    // The settings live in the document: edits in the dock are undoable document edits.
    connect(trainingPanel_, &TrainingPanel::jobEdited, this, [this] {
        nlohmann::json settings = jobToJson(trainingPanel_->job());
        settings.erase("recording");  // how runs are recorded is the studio's business, not the model's
        if (settings != doc_.graph().training)
            doc_.push(new SetTrainingCommand(&doc_, settings));
    });
    connect(&doc_, &Document::trainingChanged, this, &MainWindow::syncTrainingPanel);
    // CUDA is probed once the window shows (loading its libraries takes a moment).
    QTimer::singleShot(0, trainingPanel_, &TrainingPanel::findDevices);
    trainingStateChanged();
}

void MainWindow::createTrainingActions(QMenu* run)
{
    run->addAction(trainAction_);
    run->addAction(queueAction_);
    run->addAction(pauseAction_);
    run->addAction(stopAction_);
    run->addSeparator();
    run->addAction(tr("Stop and Clear the &Queue"), training_, &TrainingController::stopAll);

    QToolBar* bar = addToolBar(tr("Run"));
    bar->setObjectName(QStringLiteral("RunToolbar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(trainAction_);
    bar->addAction(pauseAction_);
    bar->addAction(stopAction_);
}

void MainWindow::syncTrainingPanel()
{
    nlohmann::json shown = jobToJson(trainingPanel_->job());
    shown.erase("recording");
    if (shown == doc_.graph().training)
        return;  // the change came from the dock: leave what the person is typing alone
    if (doc_.graph().training.empty()) {
        JobSpec defaults;
        defaults.device = trainingPanel_->job().device;  // the device found here stays chosen
        trainingPanel_->setJob(defaults);
        return;
    }
    try {
        trainingPanel_->setJob(jobFromJson(doc_.graph().training, doc_.displayName().toStdString()));
    } catch (const Error& e) {
        showMessage(tr("The model's training settings could not be read (%1); the defaults are shown.")
                        .arg(QString::fromUtf8(e.what())));
        trainingPanel_->setJob(JobSpec{});
    }
}

bool MainWindow::train(bool queue)
{
    const GraphAnalysis& a = doc_.analysis();
    if (doc_.graph().nodes.empty()) {
        showMessage(tr("Nothing to train yet: add layers (or open an example from the start page), then press Train."));
        return false;
    }
    if (const auto errors = a.errors(); !errors.empty()) {
        const Diagnostic& first = errors.front();
        showMessage(tr("Fix %n problem(s) before training. First: %1", nullptr, int(errors.size()))
                        .arg(QString::fromStdString(first.str())));
        if (!first.nodeId.empty()) {
            const QString id = QString::fromStdString(first.nodeId);
            showCanvas();
            scene_->selectNodes({id});
            view_->centreOnNodes({id});
        }
        return false;
    }
    JobSpec job = trainingPanel_->job();
    job.modelJson = modelToJson(doc_.graph()).dump();
    job.recording.name = doc_.displayName().toStdString();
    if (!queue && training_->busy() &&
        QMessageBox::question(this, tr("Train"),
                              tr("A run is training. Queue this one to start when it ends?")) != QMessageBox::Yes)
        return false;
    showMessage({});
    trainingPanel_->showDataProblem({});
    training_->enqueue(job, doc_.displayName());
    trainingPanel_->show();
    trainingPanel_->raise();
    return true;
}

void MainWindow::trainingStateChanged()
{
    using S = TrainingController::State;
    const S s = training_->state();
    const bool running = s == S::Training || s == S::Paused || s == S::Starting || s == S::Evaluating;
    pauseAction_->setEnabled(s == S::Training || s == S::Paused);
    pauseAction_->setChecked(s == S::Paused);
    pauseAction_->setText(s == S::Paused ? tr("&Continue") : tr("&Pause"));
    pauseAction_->setIcon(style()->standardIcon(s == S::Paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    stopAction_->setEnabled(running);
    queueAction_->setEnabled(true);
    const char* names[] = {"idle", "starting", "training", "paused", "evaluating", "stopping"};
    statusBar()->showMessage(running || s == S::Stopping ? tr("Training: %1").arg(tr(names[int(s)])) : QString(),
                             running ? 0 : 3000);
}

void MainWindow::trainingFinished(const TrainingFinished& r)
{
    if (r.status == QLatin1String("completed") || r.status == QLatin1String("stopped"))
        return;  // the Training dock says how it went
    const QString what = r.status == QLatin1String("diverged") ? tr("Run %1 diverged: %2").arg(r.runId).arg(r.message)
                                                               : tr("Training failed: %1").arg(r.message);
    if (r.problemKind == QLatin1String("data")) {
        trainingPanel_->showDataProblem(r.message);
        trainingPanel_->show();
        trainingPanel_->raise();
    }
    showMessage(what);
    if (!r.nodeId.isEmpty() && doc_.graph().find(r.nodeId.toStdString())) {
        showCanvas();
        scene_->selectNodes({r.nodeId});
        view_->centreOnNodes({r.nodeId});
    }
}

bool MainWindow::confirmStopTraining(const QString& why)
{
    if (!training_->busy())
        return true;
    const auto answer = QMessageBox::question(
        this, tr("Training"), tr("A run is training. %1 stops it; it is recorded as stopped and can be resumed later.").arg(why),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer != QMessageBox::Yes)
        return false;
    training_->stopAndWait();
    return true;
}

// [SECTION] Runs --------------------------------------------------------------------------------------

void MainWindow::openWorkspaceDialog()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Open or create a workspace (the file every run is recorded in)"), training_->workspace(),
        tr("Neurite workspaces (*.db);;All files (*)"), nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        setWorkspace(path);
}

bool MainWindow::setWorkspace(const QString& path)
{
    if (training_->busy() && path != training_->workspace()) {
        showMessage(tr("The workspace cannot change while a run is training; stop it first."));
        return false;
    }
    if (!runs_->setWorkspace(path)) {
        showMessage(tr("Could not open the workspace %1: %2").arg(QDir::toNativeSeparators(path), runs_->errorText()));
        return false;
    }
    training_->setWorkspace(path);
    compare_->setWorkspace(path);
    compare_->setRuns({});
    runs_->model()->coloursChanged();
    if (path != QString::fromStdString(RunStore::defaultPath()) || !settings_.workspace().isEmpty())
        settings_.setWorkspace(path);
    runs_->setWindowTitle(tr("Runs — %1").arg(QFileInfo(path).fileName()));
    return true;
}

bool MainWindow::openRunModel(qint64 id)
{
    if (!confirmStopTraining(tr("Opening another model")) || !maybeSave())
        return false;
    try {
        const auto store = openWorkspace(training_->workspace().toStdString());
        const RunRecord run = store->run(id);
        ModelGraph graph = modelFromText(run.modelJson, "run " + std::to_string(id));
        nlohmann::json settings = jobToJson(jobOfRun(run));
        settings.erase("recording");
        graph.training = settings;
        if (graph.name.empty())
            graph.name = run.name;
        doc_.reset(std::move(graph), {});
    } catch (const Error& e) {
        showMessage(tr("Could not open the model of run %1: %2").arg(id).arg(QString::fromUtf8(e.what())));
        return false;
    }
    fileOpened({});
    statusBar()->showMessage(tr("The model and settings of run %1; Train (F5) trains them anew.").arg(id), 6000);
    return true;
}

void MainWindow::forkRun(qint64 id)
{
    try {
        const auto store = openWorkspace(training_->workspace().toStdString());
        const RunRecord run = store->run(id);
        JobSpec job = jobOfRun(run);
        job.recording.name = run.name + " (fork of run " + std::to_string(id) + ")";
        training_->enqueue(job, QString::fromStdString(job.recording.name), id);
        trainingPanel_->show();
        trainingPanel_->raise();
    } catch (const Error& e) {
        showMessage(tr("Could not fork run %1: %2").arg(id).arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::compareRuns(const QList<qint64>& ids)
{
    compare_->setRuns(ids);
    compare_->show();
    compare_->raise();
    // Curves beside their settings want room: give the bottom docks at least half the window.
    if (compare_->height() < height() / 2)
        resizeDocks({compare_}, {height() * 55 / 100}, Qt::Vertical);
}
