#pragma once
// Trainer::run is synchronous and Qt-free: it trains a model graph on batches from a BatchSource,
// calls back per step and per epoch with plain values, and stops within one step of a cancel.
// Contract: do not touch the model, the backend or the sources from another thread while run()
// is in progress; the callbacks are called on the thread that called run().
#include "engine/backends/Backend.h"
#include "engine/core/BatchSource.h"
#include "engine/core/Cancel.h"
#include "engine/graph/ModelGraph.h"
#include "engine/train/Optimizer.h"
#include "engine/train/Plan.h"
#include "engine/train/Schedule.h"
#include "engine/train/Telemetry.h"

#include <array>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace neurite {

class TelemetryProbe;

struct TrainConfig {
    int epochs = 10;
    std::int64_t batch = 128;
    double lr = 1e-3;
    OptimizerConfig optimizer;
    ScheduleConfig schedule;
    double clipNorm = 0;              // 0: no clipping
    std::uint64_t seed = 1;
    int topK = 5;
    // Early stopping on the validation loss (training loss without a validation set).
    int patience = 0;                 // epochs without improvement before stopping; 0: off
    double minDelta = 0;              // the least decrease that counts as an improvement
    bool restoreBest = true;          // on early stop, put back the best epoch's weights
    // On a backend that records calls (a GPU's graphs), replay one recorded step for every full
    // batch of a data set the backend holds (see Trainer::computeStep).
    bool recordSteps = true;
    // Per-layer telemetry (TelemetryProbe), every few steps: as often as keeps its cost (with the
    // callbacks) under telemetryShare of the training time, and at most telemetryRate times a
    // second; the feature maps of a fixed sample at most every featureMapSeconds (0: never). The
    // share is under a third of the 5% asked: a snapshot also slows the steps after it (caches).
    bool telemetry = false;
    double telemetryShare = 0.015;
    double telemetryRate = 10;
    double featureMapSeconds = 1.0;
};

struct StepStats {
    std::int64_t step = 0;            // counts from 1
    int epoch = 0;                    // counts from 1
    double loss = 0, accuracy = 0;    // of this batch (accuracy: classifiers only)
    double lr = 0, gradNorm = 0;
    double samplesPerSecond = 0;      // over the epoch so far
    double epochProgress = 0;         // 0..1
};

struct EvalResult {
    double loss = 0, accuracy = 0, topK = 0;
    std::int64_t samples = 0;
    std::int64_t classes = 0;
    std::vector<std::int64_t> confusion;  // classifiers: [true class × predicted class] counts
};

struct EpochStats {
    int epoch = 0;
    double trainLoss = 0, trainAccuracy = 0;
    bool hasValidation = false;
    EvalResult validation;
    double seconds = 0, samplesPerSecond = 0, lr = 0;
};

// Throws ConfigError for a setting out of range or an unknown optimiser or schedule.
void validate(const TrainConfig& config);

enum class RunStatus { Completed, EarlyStopped, Cancelled, Diverged };
const char* statusName(RunStatus status);

struct TrainResult {
    RunStatus status = RunStatus::Completed;
    std::string message;              // why it stopped, for Diverged and EarlyStopped
    std::string divergedNode;         // the first layer whose output went non-finite
    std::vector<EpochStats> epochs;
    std::int64_t steps = 0;
    int bestEpoch = 0;
    double seconds = 0;
    double firstStepSeconds = 0;      // from run() to the end of the first step
};

// What exact resumption needs besides the weights, the optimiser state, the data and the settings.
// The data order and augmentation of an epoch derive from the seed and the epoch number, so a run
// resumed at an epoch boundary sees the same batches it would have seen.
struct TrainerState {
    std::int64_t step = 0;                 // optimiser steps taken
    int epoch = 0;                         // epochs completed
    std::array<std::uint32_t, 4> rng{};    // the plan's generator (initialisation; Dropout's masks
                                           // follow from the seed and the step)
    double bestLoss = INFINITY;            // early stopping
    int sinceBest = 0, bestEpoch = 0;
};

struct TrainCallbacks {
    std::function<void(const StepStats&)> onStep;
    std::function<void(const EpochStats&)> onEpoch;
    // With TrainConfig::telemetry: a snapshot every few steps, and one of the step that diverged.
    std::function<void(const TelemetrySnapshot&)> onTelemetry;
    std::function<void(const FeatureMaps&)> onFeatureMaps;
};

class Trainer {
public:
    // Compiles the plan (throws ModelError for an invalid graph, ConfigError for bad settings).
    Trainer(const ModelGraph& graph, Backend& backend, TrainConfig config);
    ~Trainer();

    TrainResult run(BatchSource& train, BatchSource* validation, const TrainCallbacks& callbacks,
                    const CancelToken& cancel);
    // Loss, accuracy and top-k of the current weights on a whole source (evaluation mode).
    EvalResult evaluate(BatchSource& source);

    Plan& plan() { return *plan_; }
    // Whether the last run's training batches were gathered from a data set the backend holds
    // (a backend whose memory the host cannot address, a source that serves ids, and room for it).
    bool dataOnBackend() const { return dataOnBackend_; }
    // Uploads the source's data set now where the backend would hold it (run() does it otherwise,
    // at its start); returns whether the backend holds it.
    bool holdData(const BatchSource& source) { return heldSamples(source) != nullptr; }
    // Whether the last run replayed a recorded step, and why not where it tried and could not.
    bool replayedSteps() const { return stepRecording_ != nullptr; }
    const std::string& recordingProblem() const { return recordingProblem_; }
    const TrainConfig& config() const { return config_; }
    void setTelemetry(bool on) { config_.telemetry = on; }   // before run()
    // Telemetry: every how many steps it is taken now (0: not yet), and what its probe holds.
    std::int64_t telemetryInterval() const { return telemetryInterval_; }
    std::int64_t telemetryBytes() const;

    // For checkpoints (call between epochs, e.g. from onEpoch): the scalar state, and the tensors
    // to save, named "model/<param>", "optim/<param>.a|b" and, while early stopping keeps the best
    // weights, "best/<param>" (host copies, brought up to date from the backend by this call).
    TrainerState state() const;
    std::vector<std::pair<std::string, Tensor*>> checkpointTensors();
    // Resumption: write the saved values into checkpointTensors(), then restore(state); the next
    // run() continues with epoch state.epoch + 1.
    void restore(const TrainerState& state);

private:
    void checkSource(const BatchSource& source, const char* what) const;
    // A data set held in the backend's memory: uploaded at its first use, then kept.
    struct HeldSet;
    const ResidentSamples* heldSamples(const BatchSource& source);   // null: batches from the host
    void startEpoch(BatchSource& source, const ResidentSamples* held, int epoch);
    // The next batch into the plan's input and labels; 0 at the end of the epoch.
    std::int64_t nextBatch(BatchSource& source, const ResidentSamples* held);
    std::int64_t nextIds(BatchSource& source);             // uploads them; the gathering is apart
    void gather(const ResidentSamples& held, std::int64_t n);
    // A training step's calls up to the read-back (gather, forward, hits, backward, clipping),
    // made one by one or replayed from a recording.
    void computeStep(std::int64_t n, const ResidentSamples* held, const std::vector<Parameter*>& params);
    void stepCalls(std::int64_t n, const ResidentSamples* held, const std::vector<Parameter*>& params);
    // Telemetry around the optimiser's update of a step (a snapshot when due, and at the last step
    // of every epoch: the state an epoch ends with), and at divergence.
    void updateWithTelemetry(const std::vector<Parameter*>& params, double lr, std::int64_t step, int epoch,
                             double stepSeconds, bool lastOfEpoch, const TrainCallbacks& callbacks);
    void divergedTelemetry(std::int64_t step, int epoch, double lr, const std::string& node,
                           const TrainCallbacks& callbacks);
    void resetHits();
    std::array<std::int64_t, 2> readHits() const;   // top-1 and top-k hits since resetHits()
    // What a training step reads back from the backend, in one download (floats and an integer
    // side by side in one buffer of the backend: StepResults' layout).
    struct StepResults {
        float loss;
        float gradientNorm;
        std::int32_t hits;                           // top-1
        std::int32_t unused;
    };
    static constexpr int kStepLoss = 0, kStepNorm = 1, kStepHits = 2;   // offsets in floats
    TrainConfig config_;
    Backend& backend_;
    BackendBuffer<float> step_;                      // StepResults
    BackendBuffer<std::int32_t> hits_;               // [2] top-1 and top-k hits of an evaluation
    std::unique_ptr<Plan> plan_;
    std::unique_ptr<Optimizer> optimizer_;
    TrainerState state_;
    std::vector<Tensor> best_;          // the best epoch's weights (early stopping), allocated once
    std::vector<std::unique_ptr<HeldSet>> held_;   // the data sets the backend holds
    std::vector<std::int32_t> batchIds_;           // [batch] sample ids of a held set's batch
    BackendBuffer<std::int32_t> batchIdsOnBackend_;
    bool dataOnBackend_ = false;
    std::unique_ptr<Recording> stepRecording_;     // the step of a full batch of recordedSet_
    const ResidentSamples* recordedSet_ = nullptr;
    int fullBatchesUnrecorded_ = 0;                // full batches of recordedSet_ run call by call
    bool recordingFailed_ = false;
    std::string recordingProblem_;
    std::unique_ptr<TelemetryProbe> probe_;
    std::int64_t nextTelemetry_ = 0, telemetryInterval_ = 0;   // the step of the next snapshot
    double lastFeatureMaps_ = -1e9;                // seconds (steady clock) of the last feature maps
    std::vector<float> probeSample_;               // the fixed sample of the feature maps
    int probeLabel_ = -1;
};

} // namespace neurite
