#include "app/studio/training/TrainingController.h"

#include "app/studio/training/TrainingWorker.h"
#include "engine/run/TrainingJob.h"

#include <QEventLoop>

using namespace neurite;

TrainingController::TrainingController(QObject* parent) : QObject(parent), worker_(new TrainingWorker)
{
    qRegisterMetaType<StepPoint>();
    qRegisterMetaType<EpochPoint>();
    qRegisterMetaType<TrainingStarted>();
    qRegisterMetaType<TrainingFinished>();
    qRegisterMetaType<QVector<StepPoint>>();
    qRegisterMetaType<neurite::TelemetrySnapshot>();
    qRegisterMetaType<neurite::FeatureMaps>();
    thread_.setObjectName(QStringLiteral("training"));
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &TrainingWorker::started, this, [this](const TrainingStarted& info) {
        currentRun_ = info.runId;
        if (state_ == State::Starting)
            setState(State::Training);
        emit started(info);
    });
    connect(worker_, &TrainingWorker::steps, this, &TrainingController::steps);
    connect(worker_, &TrainingWorker::epochEnded, this, &TrainingController::epochEnded);
    connect(worker_, &TrainingWorker::telemetry, this, &TrainingController::telemetry);
    connect(worker_, &TrainingWorker::featureMaps, this, &TrainingController::featureMaps);
    connect(worker_, &TrainingWorker::phaseChanged, this, &TrainingController::onPhase);
    connect(worker_, &TrainingWorker::finished, this, &TrainingController::onFinished);
    thread_.start();
}

TrainingController::~TrainingController()
{
    stopAndWait();
    thread_.quit();
    thread_.wait();
}

void TrainingController::setWorkspace(const QString& path)
{
    workspace_ = path;
}

void TrainingController::enqueue(const JobSpec& job, const QString& label, qint64 forkedFrom)
{
    queue_.push_back({job, label, forkedFrom, Entry::Kind::Train, 0});
    emit queueChanged(queued());
    if (state_ == State::Idle)
        startNext();
}

void TrainingController::enqueueResume(qint64 runId)
{
    queue_.push_back({JobSpec{}, QStringLiteral("run %1").arg(runId), 0, Entry::Kind::Resume, runId});
    emit queueChanged(queued());
    if (state_ == State::Idle)
        startNext();
}

void TrainingController::enqueueEvaluation(qint64 runId)
{
    queue_.push_back({JobSpec{}, QStringLiteral("run %1").arg(runId), 0, Entry::Kind::Evaluate, runId});
    emit queueChanged(queued());
    if (state_ == State::Idle)
        startNext();
}

void TrainingController::clearQueue()
{
    queue_.clear();
    emit queueChanged(0);
}

void TrainingController::startNext()
{
    if (queue_.empty()) {
        setState(State::Idle);
        return;
    }
    Entry next = std::move(queue_.front());
    queue_.pop_front();
    emit queueChanged(queued());
    control_ = std::make_shared<JobControl>();
    currentRun_ = 0;
    setState(State::Starting);
    if (next.kind == Entry::Kind::Resume)
        QMetaObject::invokeMethod(worker_, [w = worker_, id = next.run, ws = workspace_, c = control_] {
            w->resume(id, ws, c);
        }, Qt::QueuedConnection);
    else if (next.kind == Entry::Kind::Evaluate)
        QMetaObject::invokeMethod(worker_, [w = worker_, id = next.run, ws = workspace_, c = control_] {
            w->evaluate(id, ws, c);
        }, Qt::QueuedConnection);
    else
        QMetaObject::invokeMethod(worker_, [w = worker_, e = std::move(next), ws = workspace_, c = control_] {
            w->train(e.job, ws, e.label, e.forkedFrom, c);
        }, Qt::QueuedConnection);
}

void TrainingController::setState(State state)
{
    if (state_ == state)
        return;
    state_ = state;
    emit stateChanged(state);
}

void TrainingController::onPhase(int phase)
{
    if (state_ == State::Stopping)
        return;
    switch (JobPhase(phase)) {
    case JobPhase::Training: setState(State::Training); break;
    case JobPhase::Paused: setState(State::Paused); break;
    case JobPhase::Evaluating: setState(State::Evaluating); break;
    case JobPhase::Finished: break;  // finished() follows
    }
}

void TrainingController::onFinished(const TrainingFinished& result)
{
    control_.reset();
    emit finished(result);
    startNext();
}

void TrainingController::pause()
{
    if (control_ && (state_ == State::Training || state_ == State::Starting))
        control_->pause();
}

void TrainingController::resume()
{
    if (control_ && state_ == State::Paused) {
        control_->resume();
        setState(State::Training);
    }
}

void TrainingController::stop()
{
    if (!control_)
        return;
    control_->cancel();
    setState(State::Stopping);
}

void TrainingController::stopAll()
{
    clearQueue();
    stop();
}

void TrainingController::stopAndWait()
{
    clearQueue();
    if (!control_)
        return;
    stop();
    // The worker records the run as stopped and says finished(); wait for it here, handling
    // only that (the window is closing: no other input should be processed meanwhile).
    QEventLoop loop;
    connect(this, &TrainingController::finished, &loop, &QEventLoop::quit);
    if (control_)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
}
