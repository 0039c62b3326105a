#include "engine/run/TrainingJob.h"

#include "datasets/Batcher.h"
#include "datasets/DatasetCatalogue.h"
#include "engine/backends/Registry.h"
#include "engine/core/CpuInfo.h"
#include "engine/core/Error.h"
#include "engine/export/Bundle.h"
#include "engine/graph/ModelJson.h"
#include "engine/graph/ShapeInference.h"
#include "engine/run/MetricCatalogue.h"
#include "engine/run/RunModel.h"
#include "engine/run/RunRecorder.h"
#include "engine/run/Workspace.h"
#include "engine/train/PlanWeights.h"

#include <algorithm>
#include <cstdlib>

namespace neurite {

namespace {

// Telemetry snapshots kept in the store per epoch (the studio sees every one live).
constexpr std::int64_t kTelemetryStoredPerEpoch = 20;

// Evaluation stops within one batch of a cancel: the source throws, evaluate() unwinds.
struct EvaluationCancelled {};

class CancellableSource final : public BatchSource {
public:
    CancellableSource(BatchSource& inner, const CancelToken* cancel) : inner_(inner), cancel_(cancel) {}
    std::int64_t size() const override { return inner_.size(); }
    Shape sampleShape() const override { return inner_.sampleShape(); }
    int classes() const override { return inner_.classes(); }
    void startEpoch(int epoch) override { inner_.startEpoch(epoch); }
    std::int64_t next(float* x, std::int32_t* labels, std::int64_t max) override
    {
        if (cancel_ && cancel_->cancelled())
            throw EvaluationCancelled{};
        return inner_.next(x, labels, max);
    }

private:
    BatchSource& inner_;
    const CancelToken* cancel_;
};

std::optional<EvalResult> evaluateCancellable(Trainer& trainer, BatchSource& source, const CancelToken* cancel)
{
    CancellableSource cancellable(source, cancel);
    try {
        return trainer.evaluate(cancellable);
    } catch (const EvaluationCancelled&) {
        return std::nullopt;
    }
}

// The test part is normalised as the training part was.
void normaliseTestLikeTrain(DataBundle& data)
{
    data.test.mean = data.train.mean;
    data.test.std = data.train.std;
}

const char* statusOf(RunStatus status)
{
    switch (status) {
    case RunStatus::Completed:
    case RunStatus::EarlyStopped: return "completed";
    case RunStatus::Cancelled: return "stopped";
    case RunStatus::Diverged: return "diverged";
    }
    return "failed";
}

} // namespace

TrainingJob::TrainingJob(JobSpec spec, RunStore* store, std::optional<std::int64_t> forkedFrom) : spec_(std::move(spec))
{
    setUp(spec_.recording.record ? store : nullptr, forkedFrom, std::nullopt);
}

TrainingJob::~TrainingJob() = default;

std::unique_ptr<TrainingJob> TrainingJob::resume(RunStore& store, std::int64_t runId)
{
    const RunRecord run = store.run(runId);
    const std::string id = std::to_string(runId);
    if (run.status == "running" || run.status == "queued")
        throw ConfigError("run " + id + " is " + run.status + " in another process");
    if (run.status == "completed")
        throw ConfigError("run " + id + " has completed; nothing to resume");
    if (store.checkpoints(runId).empty())
        throw ConfigError("run " + id + " has no checkpoint to resume from");
    std::unique_ptr<TrainingJob> job(new TrainingJob);
    job->spec_ = jobOfRun(run);
    job->spec_.recording.record = true;
    job->setUp(&store, std::nullopt, runId);
    return job;
}


void TrainingJob::setUp(RunStore* store, std::optional<std::int64_t> forkedFrom, std::optional<std::int64_t> resumeRun)
{
    validate(spec_);
    const TrainConfig& config = spec_.train;
    graph_ = modelFromText(spec_.modelJson, resumeRun ? "run " + std::to_string(*resumeRun) : "the model");
    graph_.training = nlohmann::json::object();  // the job says how it is trained; the run keeps the network
    if (spec_.labelSmoothing)
        for (auto& node : graph_.nodes)
            if (node.type == "CrossEntropyLoss")
                node.attrs["label_smoothing"] = *spec_.labelSmoothing;
    requireValid(analyse(graph_, config.batch));  // model errors before the data is read

    try {
        backend_ = createBackend(spec_.device, spec_.threads,
                                 {spec_.precision == "tf32", spec_.deterministic, spec_.precision == "bf16"});
    } catch (const ConfigError& e) {
        // One build runs everywhere: a GPU asked for but not usable here is said once, and the
        // run goes on on the CPU, in fp32 whatever the precision asked for.
        if (spec_.device != "cuda")
            throw;
        info_.deviceNote = std::string(e.what()) + "; training on the CPU instead" +
                           (spec_.precision == "fp32" ? "" : ", in fp32 (" + spec_.precision + " needs the GPU)");
        backend_ = createBackend("cpu", spec_.threads);
    }

    try {
        data_ = std::make_unique<DataBundle>(loadDataset(spec_.data.spec, config.seed));
    } catch (const DataSpecError&) {
        throw;
    } catch (const ConfigError& e) {
        throw DataSpecError(e.what());
    }
    DataBundle& data = *data_;
    if (const auto limit = spec_.data.trainSamples; limit > 0 && limit < data.train.size()) {
        data.train.labels.resize(std::size_t(limit));
        (data.train.isImage() ? data.train.bytes.resize(std::size_t(limit * data.train.sampleSize()))
                              : data.train.features.resize(std::size_t(limit * data.train.sampleSize())));
    }
    normaliseTestLikeTrain(data);
    const Split split = splitIndices(data.train.size(), spec_.data.valSplit, config.seed);
    const Augment augment{spec_.data.augmentCrop, spec_.data.augmentFlip};
    train_ = std::make_unique<Batcher>(data.train, split.train, config.batch, true, augment, config.seed);
    if (!split.validation.empty())
        validation_ = std::make_unique<Batcher>(data.train, split.validation, config.batch, false, Augment{}, config.seed);
    TrainConfig trainerConfig = config;
    // NEURITE_RECORD_STEPS=0: every GPU step call by call (a diagnosis: does a graph change anything?)
    if (const char* record = std::getenv("NEURITE_RECORD_STEPS"); record && std::string(record) == "0")
        trainerConfig.recordSteps = false;
    trainer_ = std::make_unique<Trainer>(graph_, *backend_, trainerConfig);
    if (!resumeRun && !spec_.initialWeights.empty())
        loadParameters(trainer_->plan(), readWeights(spec_.initialWeights), spec_.initialWeights);  // fine-tuning

    const auto& a = trainer_->plan().analysis();
    info_.modelName = graph_.name;
    info_.parameters = a.totalParams;
    info_.flopsPerSample = a.totalFlops;
    info_.dataDescription = data.description;
    info_.trainSamples = std::int64_t(split.train.size());
    info_.validationSamples = std::int64_t(split.validation.size());
    info_.testSamples = data.test.size();
    info_.classNames = data.train.classNames;
    info_.device = backend_->name();
    info_.deviceDescription = backend_->description();
    info_.dataOnDevice = trainer_->holdData(*train_);
    info_.stepsPerEpoch = (info_.trainSamples + config.batch - 1) / config.batch;

    store_ = store;
    if (store_ && resumeRun) {
        info_.runId = *resumeRun;
        const auto checkpoint = store_->checkpoints(*resumeRun).back();
        std::map<std::string, std::string> metadata;
        auto saved = store_->loadCheckpoint(checkpoint.id, &metadata);
        for (auto& [name, t] : trainer_->checkpointTensors()) {
            const auto it = saved.find(name);
            if (it == saved.end() || it->second.numel() != t->numel())
                throw StoreError("checkpoint " + std::to_string(checkpoint.id) + " does not hold '" + name +
                                 "' for this model");
            std::copy_n(it->second.data(), t->numel(), t->data());
        }
        const TrainerState state = RunRecorder::decodeState(metadata.at("trainer_state"));
        trainer_->restore(state);
        store_->deleteMetricsAfter(*resumeRun, state.step);  // they are recomputed, identically
        info_.resumed = true;
        info_.resumedEpoch = state.epoch;
        info_.resumedStep = state.step;
    } else if (store_) {
        RunRecord r;
        r.name = spec_.recording.name;
        r.modelJson = modelToJson(graph_).dump();
        r.dataset = spec_.data.spec;
        r.datasetSettings = {{"description", data.description}, {"train", data.train.size()}, {"test", data.test.size()},
                             {"val_split", spec_.data.valSplit},
                             // How a sample becomes the model's input (Predict builds inputs as training did).
                             {"images", data.train.isImage()}, {"mean", data.train.mean}, {"std", data.train.std},
                             {"classes", data.train.classNames}};
        r.hyperparams = runSettings(spec_);
        r.seed = config.seed;
        r.device = {{"backend", backend_->name()}, {"description", backend_->description()}, {"asked", spec_.device}};
        const auto& cpu = CpuInfo::current();
        r.machine = {{"cpu", cpu.model}, {"cores", cpu.logicalCores}, {"extensions", cpu.extensions()},
                     {"neurite", NEURITE_VERSION}};
        r.tags = spec_.recording.tags;
        if (forkedFrom) {
            r.parentId = *forkedFrom;
            r.parentKind = "forked";
        }
        info_.runId = store_->createRun(r);
    }
    if (store_)
        info_.workspace = store_->path();
    recorder_ = std::make_unique<RunRecorder>(store_, info_.runId, spec_.recording.checkpointEvery,
                                              spec_.recording.keepLast, config.batch, spec_.recording.keepBest);
    recorder_->storeTelemetryEvery(info_.stepsPerEpoch / kTelemetryStoredPerEpoch);
}

JobOutcome TrainingJob::run(const JobCallbacks& callbacks, JobControl& control)
{
    const auto phase = [&](JobPhase p) {
        if (callbacks.onPhase)
            callbacks.onPhase(p);
    };
    if (store_)
        store_->startRun(info_.runId);
    JobOutcome outcome;
    const int epochs = spec_.train.epochs;
    // Telemetry where someone keeps or shows it: the run store, or the front end's callback.
    trainer_->setTelemetry(spec_.telemetry && (store_ || callbacks.onTelemetry));
    phase(JobPhase::Training);
    try {
        outcome.result = trainer_->run(*train_, validation_.get(),
                                       {[&](const StepStats& s) {
                                            recorder_->step(s);
                                            if (callbacks.onStep)
                                                callbacks.onStep(s);
                                            // Pause between two steps, where the state is whole.
                                            if (control.paused()) {
                                                if (store_)
                                                    store_->flush();
                                                phase(JobPhase::Paused);
                                                control.waitWhilePaused();
                                                if (!control.cancelled())
                                                    phase(JobPhase::Training);
                                            }
                                        },
                                        [&](const EpochStats& e) {
                                            recorder_->epoch(e, *trainer_, e.epoch == epochs);
                                            if (callbacks.onEpoch)
                                                callbacks.onEpoch(e);
                                        },
                                        [&](const TelemetrySnapshot& t) {
                                            recorder_->telemetry(t);
                                            if (callbacks.onTelemetry)
                                                callbacks.onTelemetry(t);
                                        },
                                        callbacks.onFeatureMaps},
                                       control.token());
    } catch (const std::exception& e) {
        recorder_->failed(e.what());
        phase(JobPhase::Finished);
        throw;
    }
    recorder_->finish(outcome.result);
    outcome.status = statusOf(outcome.result.status);
    const bool trained = outcome.result.status == RunStatus::Completed ||
                         outcome.result.status == RunStatus::EarlyStopped;
    if (trained && data_->test.size() > 0) {
        phase(JobPhase::Evaluating);
        Batcher test(data_->test, allIndices(data_->test.size()), spec_.train.batch, false, Augment{}, spec_.train.seed);
        outcome.test = evaluateCancellable(*trainer_, test, &control.token());
        if (outcome.test)
            recorder_->evaluation(*outcome.test, data_->train.classNames);
    }
    outcome.metricSeconds = recorder_->metricSeconds();
    outcome.checkpointSeconds = recorder_->checkpointSeconds();
    phase(JobPhase::Finished);
    return outcome;
}

std::optional<RunEvaluation> evaluateRun(RunStore& store, std::int64_t id, const CancelToken* cancel)
{
    const RunRecord r = store.run(id);
    const auto checkpoints = store.checkpoints(id);
    if (checkpoints.empty())
        throw ConfigError("run " + std::to_string(id) + " has no checkpoint to evaluate");
    const CheckpointInfo best = chooseCheckpoint(checkpoints, "best", id);
    const CheckpointInfo* chosen = &best;
    const JobSpec job = jobOfRun(r);
    const ModelGraph graph = modelFromText(r.modelJson, "run " + std::to_string(id));
    DataBundle data = loadDataset(job.data.spec, r.seed);
    if (data.test.size() == 0)
        throw ConfigError("data set '" + job.data.spec + "' has no test part");
    normaliseTestLikeTrain(data);
    TrainConfig config;
    config.batch = job.train.batch;
    std::unique_ptr<Backend> backend;
    try {
        backend = createBackend(job.device, 0);
    } catch (const ConfigError&) {
        backend = createBackend("cpu", 0);  // evaluation gives the same answer on any device
    }
    Trainer trainer(graph, *backend, config);
    const auto saved = store.loadCheckpoint(chosen->id);
    for (auto* p : trainer.plan().parameters()) {
        const auto it = saved.find("model/" + p->name);
        if (it == saved.end())
            throw StoreError("checkpoint " + std::to_string(chosen->id) + " lacks " + p->name);
        std::copy_n(it->second.data(), p->value.numel(), p->value.data());
    }
    trainer.plan().parametersToBackend();
    Batcher test(data.test, allIndices(data.test.size()), config.batch, false, Augment{}, r.seed);
    auto result = evaluateCancellable(trainer, test, cancel);
    if (!result)
        return std::nullopt;
    RunRecorder(&store, id, 1, 1, config.batch).evaluation(*result, data.train.classNames);
    return RunEvaluation{chosen->id, chosen->epoch, *result};
}

ModelEvaluation evaluateModel(const TrainedModel& model, const std::string& dataSpec, std::int64_t batch,
                              std::int64_t samples)
{
    DataBundle data = loadDataset(dataSpec);
    normaliseTestLikeTrain(data);
    Dataset& set = data.test.size() > 0 ? data.test : data.train;
    auto backend = createBackend("cpu", 0);
    TrainConfig config;
    config.batch = batch;
    Trainer trainer(model.graph, *backend, config);
    loadParameters(trainer.plan(), model.parameters, model.origin);
    std::vector<std::int64_t> ids = allIndices(set.size());
    if (samples > 0 && samples < set.size())
        ids.resize(std::size_t(samples));
    Batcher batches(set, std::move(ids), batch, false, Augment{}, 1);
    return {trainer.evaluate(batches), data.description + (data.test.size() > 0 ? ", test part" : ", all of it"),
            data.train.classNames};
}

} // namespace neurite
