#pragma once
// The training thread's side: a QObject moved to a QThread by TrainingController. It runs one job
// at a time (engine/run's TrainingJob) on its own connection to the workspace, and reports by
// queued signals only: step points, telemetry and feature maps are gathered and sent together at
// most every 100 ms (ten updates a second whatever the step rate, each one wake-up of the GUI
// thread; every point and snapshot arrives, none is dropped), epochs and the end at once.
// It never touches a GUI object; the GUI never touches the job. Pause and stop go through the
// JobControl the controller holds.
#include "app/studio/training/TrainingTypes.h"
#include "engine/run/Job.h"
#include "engine/run/JobControl.h"

#include <QElapsedTimer>
#include <functional>
#include <QObject>
#include <memory>
#include <optional>

namespace neurite {
class RunStore;
class TrainingJob;
} // namespace neurite

class TrainingWorker : public QObject {
    Q_OBJECT
public:
    TrainingWorker() = default;

public slots:
    // A new run of `job` in `workspace` (empty: not recorded). forkedFrom > 0: recorded as its fork.
    void train(const neurite::JobSpec& job, const QString& workspace, const QString& label, qint64 forkedFrom,
               std::shared_ptr<neurite::JobControl> control);
    // Continues recorded run `runId` from its last checkpoint.
    void resume(qint64 runId, const QString& workspace, std::shared_ptr<neurite::JobControl> control);
    // Evaluates recorded run `runId` on its test data; finished() says "evaluated" (or stopped).
    void evaluate(qint64 runId, const QString& workspace, std::shared_ptr<neurite::JobControl> control);

signals:
    void started(const TrainingStarted& info);
    void steps(const QVector<StepPoint>& points);
    void epochEnded(const EpochPoint& epoch);
    void phaseChanged(int phase);                  // a neurite::JobPhase
    // Telemetry as the trainer takes it (at most ~10 a second; feature maps about once a second),
    // sent right after the steps it follows.
    void telemetry(const neurite::TelemetrySnapshot& snapshot);
    void featureMaps(const neurite::FeatureMaps& maps);
    void finished(const TrainingFinished& result); // every job ends with exactly one of these

private:
    using SetUp = std::function<std::unique_ptr<neurite::TrainingJob>(neurite::RunStore* store)>;
    void execute(const SetUp& setUp, const QString& workspace, const QString& label, neurite::JobControl& control);
    void flushUpdates();                           // sends what is pending, in one burst

    QVector<StepPoint> pending_;
    QVector<neurite::TelemetrySnapshot> pendingTelemetry_;
    QVector<neurite::FeatureMaps> pendingMaps_;
    QElapsedTimer sinceSent_;
};
