#pragma once
// One training job, for every front end: set up (model, backend with its CPU fallback, data,
// trainer, the run in the store), train with callbacks, pause and cancel, record metrics and
// checkpoints, evaluate on the test part. `neurite train` and the studio's TrainingWorker are thin
// front ends over it.
//
// Thread rule: construct, run and destroy a TrainingJob on one thread (the callbacks are called on
// it); only the JobControl is touched from other threads. The RunStore passed in is this thread's.
#include "engine/core/Error.h"
#include "engine/export/TrainedModel.h"
#include "engine/run/Job.h"
#include "engine/run/JobControl.h"
#include "engine/store/RunStore.h"
#include "engine/train/Trainer.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace neurite {

struct DataBundle;
class Backend;
class Batcher;
class RunRecorder;

// A data set named or given wrongly (an unknown name, a path that is no data set, bad options):
// a setting, said at the data set field.
class DataSpecError : public ConfigError {
public:
    using ConfigError::ConfigError;
};

// What is being trained, known once the job is set up (for the front end's header lines).
struct JobInfo {
    std::int64_t runId = 0;                     // 0: not recorded
    std::string workspace;                      // the store's file, when recorded
    std::string modelName;
    std::int64_t parameters = 0, flopsPerSample = 0;
    std::string dataDescription;
    std::int64_t trainSamples = 0, validationSamples = 0, testSamples = 0;
    std::vector<std::string> classNames;
    std::string device, deviceDescription;      // the backend really used
    std::string deviceNote;                     // why it is not the one asked for; empty when it is
    bool dataOnDevice = false;                  // the backend holds the training set, gathers batches
    std::int64_t stepsPerEpoch = 0;
    bool resumed = false;
    int resumedEpoch = 0;                       // epochs already done when resumed
    std::int64_t resumedStep = 0;
};

enum class JobPhase { Training, Paused, Evaluating, Finished };

struct JobCallbacks {
    std::function<void(const StepStats&)> onStep;
    std::function<void(const EpochStats&)> onEpoch;
    std::function<void(JobPhase)> onPhase;
    std::function<void(const TelemetrySnapshot&)> onTelemetry;   // with JobSpec::telemetry
    std::function<void(const FeatureMaps&)> onFeatureMaps;
};

struct JobOutcome {
    TrainResult result;
    std::string status;                         // as recorded: completed, stopped, diverged
    std::optional<EvalResult> test;             // when the data has a test part and it was not cancelled
    double metricSeconds = 0, checkpointSeconds = 0;  // recording's cost on the training thread
};

class TrainingJob {
public:
    // Sets up a new run of `spec`. store null (or spec.recording.record false): nothing recorded.
    // forkedFrom: the run this one was forked from (recorded as its parent).
    // Throws ModelError (the model, with its node), ConfigError (settings, unknown data set),
    // DataError (data files), StoreError.
    TrainingJob(JobSpec spec, RunStore* store, std::optional<std::int64_t> forkedFrom = {});
    // Sets up run `runId` (stopped, interrupted, failed or diverged) to continue from its last
    // checkpoint with the settings it was started with. Throws ConfigError when it cannot be.
    static std::unique_ptr<TrainingJob> resume(RunStore& store, std::int64_t runId);
    ~TrainingJob();

    const JobInfo& info() const { return info_; }
    const JobSpec& spec() const { return spec_; }
    const ModelGraph& graph() const { return graph_; }
    Trainer& trainer() { return *trainer_; }

    // Trains, records and evaluates. Pause blocks between steps; a cancel stops within one step
    // (training or evaluation) and records the run as stopped. When training throws, the run is
    // recorded as failed with the message and the exception goes on to the caller.
    JobOutcome run(const JobCallbacks& callbacks, JobControl& control);

private:
    TrainingJob() = default;
    void setUp(RunStore* store, std::optional<std::int64_t> forkedFrom, std::optional<std::int64_t> resumeRun);

    JobSpec spec_;
    ModelGraph graph_;
    JobInfo info_;
    RunStore* store_ = nullptr;
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<DataBundle> data_;
    std::unique_ptr<Batcher> train_, validation_;
    std::unique_ptr<Trainer> trainer_;
    std::unique_ptr<RunRecorder> recorder_;
};

// Evaluates run `runId`'s best checkpoint (else its last) on its data set's test part and records
// the result (an "evaluation" artefact and test/ metrics). Returns nothing when cancelled.
struct RunEvaluation {
    std::int64_t checkpointId = 0;
    int epoch = 0;
    EvalResult result;
};
std::optional<RunEvaluation> evaluateRun(RunStore& store, std::int64_t runId, const CancelToken* cancel = nullptr);

// Inference with a model's own weights (a bundle, an import) on a data set: its test part, or the
// whole set when it has none (normalised by the set's own statistics). On the CPU; `samples` > 0
// evaluates only the first samples.
struct ModelEvaluation {
    EvalResult result;
    std::string dataDescription;
    std::vector<std::string> classNames;
};
ModelEvaluation evaluateModel(const TrainedModel& model, const std::string& dataSpec, std::int64_t batch = 256,
                              std::int64_t samples = 0);

} // namespace neurite
