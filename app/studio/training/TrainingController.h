#pragma once
// The GUI thread's side of training: owns the training thread and its TrainingWorker, a queue of
// jobs that run one after another, and the current job's JobControl (pause, continue, stop).
// Every value from the worker arrives here by queued signals and is passed on; the controller
// keeps the state the window shows (idle, training, paused, ...).
//
// Shutdown (Qt's QThread pattern): stopAndWait() cancels the job (it ends within one step and is
// recorded as stopped) and waits for the thread; the destructor does it too.
#include "app/studio/training/TrainingTypes.h"
#include "engine/run/Job.h"
#include "engine/run/JobControl.h"

#include <QObject>
#include <QThread>
#include <deque>
#include <memory>

class TrainingWorker;

class TrainingController : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Starting, Training, Paused, Evaluating, Stopping };
    Q_ENUM(State)

    explicit TrainingController(QObject* parent = nullptr);
    ~TrainingController() override;

    void setWorkspace(const QString& path);         // where runs are recorded (empty: nowhere)
    QString workspace() const { return workspace_; }

    // - The queue. A job is a copy: later edits of the model do not touch it.
    void enqueue(const neurite::JobSpec& job, const QString& label, qint64 forkedFrom = 0);
    void enqueueResume(qint64 runId);
    void enqueueEvaluation(qint64 runId);           // the run's best checkpoint on its test data
    int queued() const { return int(queue_.size()); }   // waiting, not counting the current one
    void clearQueue();

    // - The current job.
    State state() const { return state_; }
    bool busy() const { return state_ != State::Idle; }
    qint64 currentRun() const { return currentRun_; }
    void pause();
    void resume();
    void stop();                                    // the current job; the queue goes on
    void stopAll();                                 // the current job and the queue
    // Stops everything and waits until the job has ended and been recorded (closing the window).
    void stopAndWait();

signals:
    void stateChanged(TrainingController::State state);
    void queueChanged(int queued);
    void started(const TrainingStarted& info);
    void steps(const QVector<StepPoint>& points);
    void epochEnded(const EpochPoint& epoch);
    void telemetry(const neurite::TelemetrySnapshot& snapshot);
    void featureMaps(const neurite::FeatureMaps& maps);
    void finished(const TrainingFinished& result);

private:
    struct Entry {
        neurite::JobSpec job;
        QString label;
        qint64 forkedFrom = 0;
        enum class Kind { Train, Resume, Evaluate } kind = Kind::Train;
        qint64 run = 0;                             // Resume, Evaluate: the recorded run
    };
    void startNext();
    void setState(State state);
    void onPhase(int phase);
    void onFinished(const TrainingFinished& result);

    QThread thread_;
    TrainingWorker* worker_;
    QString workspace_;
    std::deque<Entry> queue_;
    std::shared_ptr<neurite::JobControl> control_;
    State state_ = State::Idle;
    qint64 currentRun_ = 0;
};
