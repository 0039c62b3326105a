#pragma once
// Records a training run in the run store as it happens: per-step and per-epoch metrics (written
// in batched transactions, at most twice a second), a checkpoint every N epochs with the state an
// exact resume needs, the retention rule, the final status and the test evaluation.
#include "engine/store/RunStore.h"
#include "engine/train/Trainer.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace neurite {

class RunRecorder {
public:
    // store may be null: nothing is recorded.
    // bestMetric: what the retention rule keeps the best checkpoint by (a rankable metric of the
    // catalogue, MetricCatalogue.h, which also says whether higher is better).
    RunRecorder(RunStore* store, std::int64_t runId, int checkpointEvery, int keepLast, std::int64_t batch,
                std::string bestMetric = "val/loss");

    void step(const StepStats& s);
    void epoch(const EpochStats& e, Trainer& trainer, bool last);
    void finish(const TrainResult& result);
    void failed(const std::string& message);
    void stopped(const std::string& message);           // ended before training began (cancelled)
    void evaluation(const EvalResult& r, const std::vector<std::string>& classNames);
    // Stores a telemetry snapshot when storeTelemetryEvery steps have passed since the last one
    // stored (and always one that found a non-finite value).
    void telemetry(const TelemetrySnapshot& t);
    void storeTelemetryEvery(std::int64_t steps) { telemetryEvery_ = std::max<std::int64_t>(steps, 1); }
    // Time spent on the training thread recording per-step and per-epoch metrics, and writing
    // checkpoints (to show what recording costs).
    double metricSeconds() const { return metricSeconds_; }
    double checkpointSeconds() const { return checkpointSeconds_; }

    // The checkpoint metadata that carries a TrainerState, and back.
    static std::string encodeState(const TrainerState& s);
    static TrainerState decodeState(const std::string& text);

private:
    void flushSometimes();
    void record(const char* name, MetricPoint point, double value);  // point at its step, with this value
    RunStore* store_;
    std::int64_t run_;
    int checkpointEvery_, keepLast_;
    std::string bestMetric_;
    std::int64_t batch_;
    std::int64_t lastStep_ = 0;
    std::int64_t telemetryEvery_ = 1, lastTelemetry_ = -1;
    double metricSeconds_ = 0, checkpointSeconds_ = 0;
    std::chrono::steady_clock::time_point start_, lastFlush_;
};

// Precision, recall and F1 per class from a confusion matrix [true × predicted].
nlohmann::json perClassMetrics(const EvalResult& r, const std::vector<std::string>& classNames);

} // namespace neurite
