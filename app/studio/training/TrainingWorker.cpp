#include "app/studio/training/TrainingWorker.h"

#include "engine/core/Error.h"
#include "engine/run/TrainingJob.h"
#include "engine/run/Workspace.h"
#include "engine/store/Sqlite.h"

#include <new>

using namespace neurite;

namespace {
// Ten updates a second: as often as the live charts redraw, so nothing shown is lost. Each update
// wakes the GUI thread, and on a machine whose every core trains, a woken thread takes a core
// from the training in the middle of a step (30 a second measured slower than 10).
constexpr qint64 kSendEveryMs = 100;

void fail(TrainingFinished& end, const char* kind, const char* message)
{
    end.status = QStringLiteral("failed");
    end.problemKind = QString::fromLatin1(kind);
    end.message = QString::fromUtf8(message);
}
} // namespace

void TrainingWorker::train(const JobSpec& job, const QString& workspace, const QString& label, qint64 forkedFrom,
                           std::shared_ptr<JobControl> control)
{
    execute(
        [&](RunStore* store) {
            return std::make_unique<TrainingJob>(job, store, forkedFrom > 0 ? std::optional(forkedFrom) : std::nullopt);
        },
        workspace, label, *control);
}

void TrainingWorker::resume(qint64 runId, const QString& workspace, std::shared_ptr<JobControl> control)
{
    execute(
        [&](RunStore* store) {
            if (!store)
                throw ConfigError("resuming a run needs a workspace");
            return TrainingJob::resume(*store, runId);
        },
        workspace, QStringLiteral("run %1").arg(runId), *control);
}

void TrainingWorker::evaluate(qint64 runId, const QString& workspace, std::shared_ptr<JobControl> control)
{
    TrainingFinished end;
    end.runId = runId;
    try {
        emit phaseChanged(int(JobPhase::Evaluating));
        const auto store = openWorkspace(workspace.toStdString());
        const auto evaluation = evaluateRun(*store, runId, &control->token());
        end.status = evaluation ? QStringLiteral("evaluated") : QStringLiteral("stopped");
        if (evaluation) {
            end.hasTest = true;
            end.testLoss = evaluation->result.loss;
            end.testAccuracy = evaluation->result.accuracy;
            end.message = QStringLiteral("checkpoint %1 of epoch %2").arg(evaluation->checkpointId).arg(evaluation->epoch);
        } else {
            end.message = QStringLiteral("evaluation stopped");
        }
    } catch (const DataError& e) {
        fail(end, "data", e.what());
    } catch (const ConfigError& e) {
        fail(end, "settings", e.what());
    } catch (const std::exception& e) {
        fail(end, "other", e.what());
    }
    emit finished(end);
}

// Back to back, so that the GUI thread takes them all in one wake-up: the steps first, then the
// telemetry of those steps.
void TrainingWorker::flushUpdates()
{
    if (!pending_.isEmpty())
        emit steps(pending_);
    for (const TelemetrySnapshot& t : pendingTelemetry_)
        emit telemetry(t);
    for (const FeatureMaps& m : pendingMaps_)
        emit featureMaps(m);
    pending_.clear();
    pendingTelemetry_.clear();
    pendingMaps_.clear();
    sinceSent_.restart();
}

void TrainingWorker::execute(const SetUp& setUp, const QString& workspace, const QString& label, JobControl& control)
{
    TrainingFinished end;
    pending_.clear();
    pendingTelemetry_.clear();
    pendingMaps_.clear();
    sinceSent_.start();
    try {
        // The worker's own connection: a RunStore is used by one thread.
        std::unique_ptr<RunStore> store = workspace.isEmpty() ? nullptr : openWorkspace(workspace.toStdString());
        std::unique_ptr<TrainingJob> job = setUp(store.get());
        const JobInfo& info = job->info();
        end.runId = info.runId;
        TrainingStarted begun{info.runId,
                              workspace,
                              label,
                              QString::fromStdString(info.device),
                              QString::fromStdString(info.deviceDescription),
                              QString::fromStdString(info.deviceNote),
                              QString::fromStdString(info.dataDescription),
                              info.trainSamples,
                              info.stepsPerEpoch,
                              job->spec().train.epochs,
                              info.resumedEpoch,
                              info.resumedStep};
        emit started(begun);
        if (control.cancelled()) {  // stopped while it was being set up
            end.status = QStringLiteral("stopped");
            end.message = QStringLiteral("stopped before the first step");
            if (store && info.runId && !info.resumed)
                store->finishRun(info.runId, "stopped", "stopped before the first step");
            emit finished(end);
            return;
        }
        JobCallbacks callbacks;
        callbacks.onStep = [&](const StepStats& s) {
            pending_.push_back({s.step, s.epoch, s.loss, s.accuracy, s.lr, s.samplesPerSecond, s.epochProgress});
            if (sinceSent_.elapsed() >= kSendEveryMs)
                flushUpdates();
        };
        callbacks.onTelemetry = [&](const TelemetrySnapshot& t) { pendingTelemetry_.push_back(t); };
        callbacks.onFeatureMaps = [&](const FeatureMaps& m) { pendingMaps_.push_back(m); };
        callbacks.onEpoch = [&](const EpochStats& e) {
            flushUpdates();
            emit epochEnded({e.epoch, job->trainer().state().step, e.trainLoss, e.trainAccuracy, e.hasValidation,
                             e.validation.loss, e.validation.accuracy, e.seconds, e.samplesPerSecond});
        };
        callbacks.onPhase = [&](JobPhase phase) {
            flushUpdates();
            emit phaseChanged(int(phase));
        };
        const JobOutcome outcome = job->run(callbacks, control);
        flushUpdates();
        end.status = QString::fromStdString(outcome.status);
        end.message = QString::fromStdString(outcome.result.message);
        end.nodeId = QString::fromStdString(outcome.result.divergedNode);
        end.steps = outcome.result.steps;
        end.seconds = outcome.result.seconds;
        if (outcome.test) {
            end.hasTest = true;
            end.testLoss = outcome.test->loss;
            end.testAccuracy = outcome.test->accuracy;
        }
    } catch (const ModelError& e) {
        fail(end, "model", e.what());
        end.nodeId = QString::fromStdString(e.nodeId());
    } catch (const DataError& e) {
        fail(end, "data", e.what());
    } catch (const DataSpecError& e) {
        fail(end, "data", e.what());
    } catch (const ConfigError& e) {
        fail(end, "settings", e.what());
    } catch (const StoreError& e) {
        fail(end, "workspace", e.what());
    } catch (const std::bad_alloc&) {
        fail(end, "memory", "out of memory: the model, the batch or the data set does not fit; try a smaller batch");
    } catch (const std::exception& e) {
        fail(end, "other", e.what());
    }
    flushUpdates();
    emit finished(end);
}
