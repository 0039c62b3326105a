#include "engine/train/Trainer.h"

#include "engine/core/Error.h"
#include "engine/train/TelemetryProbe.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace neurite {

const char* statusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Completed: return "completed";
    case RunStatus::EarlyStopped: return "early-stopped";
    case RunStatus::Cancelled: return "cancelled";
    case RunStatus::Diverged: return "diverged";
    }
    return "?";
}

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
double clockSeconds() { return since(Clock::time_point()); }
} // namespace

void validate(const TrainConfig& c)
{
    if (c.epochs < 1)
        throw ConfigError("epochs must be at least 1");
    if (c.batch < 1)
        throw ConfigError("batch size must be at least 1");
    if (!(c.lr > 0))
        throw ConfigError("learning rate must be positive");
    if (c.clipNorm < 0)
        throw ConfigError("the gradient clipping norm must not be negative");
    if (c.patience < 0)
        throw ConfigError("early-stopping patience must not be negative");
    validateOptimizer(c.optimizer);
    Schedule(c.schedule, c.lr, 1, 1);
}

Trainer::Trainer(const ModelGraph& graph, Backend& backend, TrainConfig config)
    : config_(std::move(config)), backend_(backend), step_(backend, sizeof(StepResults) / sizeof(float), "step results"),
      hits_(backend, 2, "hit counts")
{
    validate(config_);
    plan_ = std::make_unique<Plan>(graph, backend, config_.batch, config_.seed);
    plan_->setLossOutput(step_.data() + kStepLoss);
    optimizer_ = createOptimizer(config_.optimizer, backend);
}

// [SECTION] Data held by the backend ----------------------------------------------------------------

struct Trainer::HeldSet {
    const void* identity = nullptr;
    BackendBuffer<std::uint8_t> bytes;
    BackendBuffer<float> byteValues, features, mean, std;
    BackendBuffer<std::int32_t> labels;
    ResidentSamples view;
};

// Only where it pays: a backend whose memory the host cannot address (a GPU) gathers batches
// itself, so that a step does no host work; a host backend takes the Batcher's prepared batches.
// A set that does not fit is left on the host (the run goes on at host speed, not out of memory).
const ResidentSamples* Trainer::heldSamples(const BatchSource& source)
{
    const HostSamples* host = source.samples();
    if (backend_.hostAddressable() || !host)
        return nullptr;
    for (const auto& set : held_)
        if (set->identity == host->identity)
            return &set->view;
    auto set = std::make_unique<HeldSet>();
    try {
        const std::int64_t values = host->count * host->sampleSize;
        set->identity = host->identity;
        set->labels = BackendBuffer<std::int32_t>::uploaded(backend_, host->labels, host->count, "data set labels");
        if (host->bytes) {
            set->bytes = BackendBuffer<std::uint8_t>::uploaded(backend_, host->bytes, values, "data set");
            set->byteValues = BackendBuffer<float>::uploaded(backend_, host->byteValues, host->channels * 256,
                                                             "data set normalisation");
        } else {
            set->features = BackendBuffer<float>::uploaded(backend_, host->features, values, "data set");
            set->mean = BackendBuffer<float>::uploaded(backend_, host->mean, host->sampleSize, "data set mean");
            set->std = BackendBuffer<float>::uploaded(backend_, host->std, host->sampleSize, "data set deviation");
        }
    } catch (const OutOfMemoryError&) {
        return nullptr;
    }
    set->view = {.count = host->count,
                 .sampleSize = host->sampleSize,
                 .bytes = set->bytes.data(),
                 .byteValues = set->byteValues.data(),
                 .channels = host->channels,
                 .plane = host->plane,
                 .features = set->features.data(),
                 .mean = set->mean.data(),
                 .std = set->std.data(),
                 .labels = set->labels.data()};
    if (batchIdsOnBackend_.size() == 0) {
        batchIds_.resize(std::size_t(plan_->batch()));
        batchIdsOnBackend_ = BackendBuffer<std::int32_t>(backend_, plan_->batch(), "batch sample ids");
    }
    held_.push_back(std::move(set));
    return &held_.back()->view;
}

void Trainer::startEpoch(BatchSource& source, const ResidentSamples* held, int epoch)
{
    if (held)
        source.startIdEpoch(epoch);
    else
        source.startEpoch(epoch);
}

// With a held set only the ids travel (the step's one upload); the gathering is the step's first
// call (computeStep), so that a recorded step includes it.
std::int64_t Trainer::nextIds(BatchSource& source)
{
    const std::int64_t n = source.nextIds(batchIds_.data(), plan_->batch());
    if (n > 0)
        backend_.upload(batchIdsOnBackend_.data(), batchIds_.data(), n * std::int64_t(sizeof(std::int32_t)));
    return n;
}

std::int64_t Trainer::nextBatch(BatchSource& source, const ResidentSamples* held)
{
    if (!held)
        return source.next(plan_->input(), plan_->labels(), plan_->batch());
    const std::int64_t n = nextIds(source);
    if (n > 0)
        gather(*held, n);
    return n;
}

void Trainer::gather(const ResidentSamples& held, std::int64_t n)
{
    backend_.gatherBatch(held, batchIdsOnBackend_.data(), n, plan_->inputOnBackend(), plan_->labelsOnBackend());
}

// [SECTION] One training step ----------------------------------------------------------------------

void Trainer::stepCalls(std::int64_t n, const ResidentSamples* held, const std::vector<Parameter*>& params)
{
    if (held)
        gather(*held, n);
    // The step's results gather in one buffer of the backend, read back once, before the update
    // (a diverged step changes no weight): loss, gradient norm, top-1 hits.
    plan_->forward(n, true, held != nullptr);
    if (plan_->classifies()) {
        backend_.fill(step_.data() + kStepHits, 0.0f, 1);   // all bits 0: the integer 0
        backend_.countTopK(plan_->prediction(), plan_->labelsOnBackend(), n, plan_->predictionSize(), 1,
                           reinterpret_cast<std::int32_t*>(step_.data() + kStepHits));
    }
    plan_->backward();
    clipGradients(backend_, params, config_.clipNorm, step_.data() + kStepNorm);
}

// Launching a step's few dozen calls one by one costs a GPU more than small layers compute, so
// a backend that records replays one recording per full batch: the calls from the gathering to
// the clipping, with the same buffers, sizes and scalars every time. That holds for full batches
// of a held set when no call's scalars change from step to step (Dropout's draw does). The
// recording is made at the second full batch (the first settles algorithm choices and scratch
// memory); the last, smaller batch, the optimiser's update (its learning rate and step change)
// and evaluation run call by call. A recording that fails is given up for the run, said once.
void Trainer::computeStep(std::int64_t n, const ResidentSamples* held, const std::vector<Parameter*>& params)
{
    if (held != recordedSet_) {   // a recording gathers from one set
        stepRecording_.reset();
        recordedSet_ = held;
        fullBatchesUnrecorded_ = 0;
    }
    const bool full = n == plan_->batch();
    if (stepRecording_ && full) {
        stepRecording_->replay();
        plan_->setStep(plan_->step() + 1);   // as forward() counts it
        return;
    }
    const bool record = full && held && config_.recordSteps && backend_.records() && !recordingFailed_ &&
                        !plan_->drawsPerStep() && ++fullBatchesUnrecorded_ == 2;
    if (!record) {
        stepCalls(n, held, params);
        return;
    }
    const std::uint32_t stepBefore = plan_->step();
    try {
        backend_.beginRecording();
        stepCalls(n, held, params);
        stepRecording_ = backend_.endRecording();
    } catch (const std::exception& e) {
        try {
            backend_.endRecording();   // leaves the recording state; the recording is lost anyway
        } catch (const std::exception&) {
        }
        stepRecording_.reset();
        recordingFailed_ = true;
        recordingProblem_ = std::string("the step could not be recorded (") + e.what() + "); every step runs call by call";
        plan_->setStep(stepBefore);
        stepCalls(n, held, params);
        return;
    }
    stepRecording_->replay();   // recording ran nothing
}

// [SECTION] Evaluation and training --------------------------------------------------------------------

void Trainer::resetHits()
{
    const std::int32_t zero[2] = {0, 0};
    backend_.upload(hits_.data(), zero, sizeof zero);
}

std::array<std::int64_t, 2> Trainer::readHits() const
{
    std::int32_t h[2];
    backend_.download(h, hits_.data(), sizeof h);
    return {h[0], h[1]};
}

Trainer::~Trainer() = default;

void Trainer::checkSource(const BatchSource& source, const char* what) const
{
    if (source.sampleShape().numel() != plan_->inputShape().numel())
        throw ConfigError(std::string("the ") + what + " data has samples of " + source.sampleShape().str() +
                          " but the model's Input expects " + plan_->inputShape().str());
    if (plan_->classifies() && source.classes() > plan_->predictionSize())
        throw ConfigError(std::string("the ") + what + " data has " + std::to_string(source.classes()) +
                          " classes but the model predicts " + std::to_string(plan_->predictionSize()) +
                          " scores; set the last Linear's out_features to " + std::to_string(source.classes()));
}

EvalResult Trainer::evaluate(BatchSource& source)
{
    checkSource(source, "evaluation");
    EvalResult r;
    const ResidentSamples* held = heldSamples(source);
    startEpoch(source, held, 0);
    double lossSum = 0;
    // Hits and the confusion matrix add up in the backend's memory, read back once at the end.
    const std::int64_t c = plan_->predictionSize();
    resetHits();
    BackendBuffer<std::int32_t> confusion;
    if (plan_->classifies()) {
        r.classes = c;
        confusion = BackendBuffer<std::int32_t>(backend_, c * c, "confusion matrix");
    }
    while (const std::int64_t n = nextBatch(source, held)) {
        plan_->forward(n, false, held != nullptr);
        lossSum += plan_->loss() * double(n);
        if (plan_->classifies()) {
            const std::int32_t* labels = plan_->labelsOnBackend();
            backend_.countTopK(plan_->prediction(), labels, n, c, 1, hits_.data());
            backend_.countTopK(plan_->prediction(), labels, n, c, config_.topK, hits_.data() + 1);
            backend_.addToConfusion(plan_->prediction(), labels, n, c, confusion.data());
        }
        r.samples += n;
    }
    if (plan_->classifies())
        for (std::int32_t v : confusion.download())
            r.confusion.push_back(v);
    if (r.samples) {
        const auto [hits, hitsK] = readHits();
        r.loss = lossSum / double(r.samples);
        r.accuracy = double(hits) / double(r.samples);
        r.topK = double(hitsK) / double(r.samples);
    }
    return r;
}

void Trainer::updateWithTelemetry(const std::vector<Parameter*>& params, double lr, std::int64_t step, int epoch,
                                  double stepSeconds, bool lastOfEpoch, const TrainCallbacks& callbacks)
{
    if (!config_.telemetry || (step < nextTelemetry_ && !lastOfEpoch)) {
        optimizer_->step(params, lr);
        return;
    }
    if (!probe_)
        probe_ = std::make_unique<TelemetryProbe>(*plan_);
    const auto start = Clock::now();
    probe_->measure();
    const double measured = since(start);
    optimizer_->step(params, lr);
    const auto afterUpdate = Clock::now();
    probe_->measureUpdate();
    TelemetrySnapshot snapshot = probe_->read(step, epoch, lr);
    if (probeSample_.empty())   // the first sample the run trains on stays the fixed sample
        probeSample_ = probe_->firstSampleOfBatch(&probeLabel_);
    snapshot.seconds = measured + since(afterUpdate);
    if (callbacks.onTelemetry)
        callbacks.onTelemetry(snapshot);
    if (config_.featureMapSeconds > 0 && callbacks.onFeatureMaps &&
        clockSeconds() - lastFeatureMaps_ >= config_.featureMapSeconds) {
        lastFeatureMaps_ = clockSeconds();
        FeatureMaps maps = probe_->featureMaps(probeSample_, probeLabel_);
        maps.step = step;
        callbacks.onFeatureMaps(maps);
    }
    // The next snapshot: far enough that this cost stays under its share of the steps between.
    const double cost = measured + since(afterUpdate);
    std::int64_t interval = 1;
    if (stepSeconds > 0) {
        interval = std::max<std::int64_t>(interval, std::int64_t(std::ceil(cost / (config_.telemetryShare * stepSeconds))));
        if (config_.telemetryRate > 0)
            interval = std::max<std::int64_t>(interval, std::int64_t(std::ceil(1.0 / (config_.telemetryRate * stepSeconds))));
    }
    telemetryInterval_ = interval;
    nextTelemetry_ = step + interval;
}

void Trainer::divergedTelemetry(std::int64_t step, int epoch, double lr, const std::string& node,
                                const TrainCallbacks& callbacks)
{
    if (!config_.telemetry || !callbacks.onTelemetry)
        return;
    if (!probe_)
        probe_ = std::make_unique<TelemetryProbe>(*plan_);
    probe_->measure();
    TelemetrySnapshot snapshot = probe_->read(step, epoch, lr);
    snapshot.firstNonFinite = node;   // the plan's check, which includes the loss
    callbacks.onTelemetry(snapshot);
}

std::int64_t Trainer::telemetryBytes() const { return probe_ ? probe_->bytesHeld() : 0; }

TrainResult Trainer::run(BatchSource& train, BatchSource* validation, const TrainCallbacks& callbacks,
                         const CancelToken& cancel)
{
    const auto start = Clock::now();
    checkSource(train, "training");
    if (validation)
        checkSource(*validation, "validation");
    TrainResult result;
    const std::int64_t stepsPerEpoch = (train.size() + config_.batch - 1) / config_.batch;
    if (stepsPerEpoch == 0)
        throw ConfigError("the training data is empty");
    const Schedule schedule(config_.schedule, config_.lr, stepsPerEpoch, stepsPerEpoch * config_.epochs);
    const auto params = plan_->parameters();
    const ResidentSamples* held = heldSamples(train);
    dataOnBackend_ = held != nullptr;

    result.steps = state_.step;
    result.bestEpoch = state_.bestEpoch;
    const std::int64_t firstStep = state_.step + 1;
    for (int epoch = state_.epoch + 1; epoch <= config_.epochs; ++epoch) {
        const auto epochStart = Clock::now();
        startEpoch(train, held, epoch);
        double lossSum = 0;
        std::int64_t hits = 0, seen = 0;
        const std::int64_t epochFirstStep = result.steps + 1;
        EpochStats stats;
        stats.epoch = epoch;
        while (true) {
            if (cancel.cancelled()) {
                result.status = RunStatus::Cancelled;
                result.message = "cancelled by the user at step " + std::to_string(result.steps);
                result.seconds = since(start);
                return result;
            }
            const std::int64_t n = held ? nextIds(train) : train.next(plan_->input(), plan_->labels(), plan_->batch());
            if (n == 0)
                break;
            computeStep(n, held, params);
            StepResults results;
            backend_.download(&results, step_.data(), sizeof results);
            const double loss = results.loss;
            if (!std::isfinite(loss)) {
                result.status = RunStatus::Diverged;
                result.divergedNode = plan_->firstNonFinite();
                divergedTelemetry(result.steps + 1, epoch, schedule.lr(result.steps), result.divergedNode, callbacks);
                result.message = DivergedError(result.steps + 1, result.divergedNode,
                                               "the loss is " + std::to_string(loss) +
                                                   "; lower the learning rate or clip gradients (--clip-norm)")
                                     .what();
                result.seconds = since(start);
                return result;
            }
            StepStats s;
            s.gradNorm = results.gradientNorm;
            s.lr = schedule.lr(result.steps);
            const std::int64_t stepOfEpoch = result.steps + 2 - epochFirstStep;   // from 1
            updateWithTelemetry(params, s.lr, result.steps + 1, epoch, since(epochStart) / double(stepOfEpoch),
                                stepOfEpoch == stepsPerEpoch, callbacks);
            ++result.steps;
            if (result.steps == firstStep)
                result.firstStepSeconds = since(start);

            lossSum += loss * double(n);
            const std::int64_t batchHits = plan_->classifies() ? results.hits : 0;
            hits += batchHits;
            seen += n;
            if (callbacks.onStep) {
                s.step = result.steps;
                s.epoch = epoch;
                s.loss = loss;
                s.accuracy = double(batchHits) / double(n);
                s.samplesPerSecond = double(seen) / since(epochStart);
                s.epochProgress = double(seen) / double(train.size());
                callbacks.onStep(s);
            }
            stats.lr = s.lr;
        }
        stats.seconds = since(epochStart);
        state_.step = result.steps;
        state_.epoch = epoch;
        stats.trainLoss = lossSum / double(seen);
        stats.trainAccuracy = double(hits) / double(seen);
        stats.samplesPerSecond = double(seen) / stats.seconds;
        if (validation) {
            stats.hasValidation = true;
            stats.validation = evaluate(*validation);
        }
        result.epochs.push_back(stats);

        const double monitored = validation ? stats.validation.loss : stats.trainLoss;
        bool stop = false;
        if (monitored < state_.bestLoss - config_.minDelta) {
            state_.bestLoss = monitored;
            state_.bestEpoch = result.bestEpoch = epoch;
            state_.sinceBest = 0;
            if (config_.patience > 0 && config_.restoreBest) {
                checkpointTensors();  // allocates best_
                for (std::size_t i = 0; i < params.size(); ++i)
                    std::copy_n(params[i]->value.data(), params[i]->value.numel(), best_[i].data());
            }
        } else if (config_.patience > 0 && ++state_.sinceBest >= config_.patience) {
            stop = true;
        }
        state_.rng = plan_->rng().state();
        if (callbacks.onEpoch)
            callbacks.onEpoch(stats);  // the state is complete here: a checkpoint may be taken
        if (stop) {
            result.status = RunStatus::EarlyStopped;
            result.message = "no improvement of the " + std::string(validation ? "validation" : "training") +
                             " loss for " + std::to_string(config_.patience) + " epoch(s); best was epoch " +
                             std::to_string(result.bestEpoch);
            if (config_.restoreBest && !best_.empty()) {
                for (std::size_t i = 0; i < params.size(); ++i)
                    std::copy_n(best_[i].data(), best_[i].numel(), params[i]->value.data());
                plan_->parametersToBackend();
            }
            break;
        }
    }
    result.seconds = since(start);
    return result;
}

TrainerState Trainer::state() const { return state_; }

std::vector<std::pair<std::string, Tensor*>> Trainer::checkpointTensors()
{
    const auto params = plan_->parameters();
    optimizer_->prepare(params);
    plan_->parametersToHost();
    optimizer_->stateToHost();
    if (config_.patience > 0 && config_.restoreBest && best_.empty())
        for (auto* p : params)
            best_.emplace_back(p->value.shape());
    std::vector<std::pair<std::string, Tensor*>> out;
    for (auto* p : params)
        out.push_back({"model/" + p->name, &p->value});
    for (auto& [name, t] : optimizer_->state())
        out.push_back({"optim/" + name, t});
    for (std::size_t i = 0; i < best_.size(); ++i)
        out.push_back({"best/" + params[i]->name, &best_[i]});
    return out;
}

void Trainer::restore(const TrainerState& state)
{
    state_ = state;
    plan_->parametersToBackend();   // what the caller wrote into checkpointTensors()
    optimizer_->stateToBackend();
    optimizer_->setSteps(state.step);
    plan_->rng().setState(state.rng);
    plan_->setStep(state.step);   // Dropout's masks continue as if never interrupted
}

} // namespace neurite
