#include "engine/run/RunRecorder.h"

#include "engine/run/MetricCatalogue.h"
#include "engine/run/TelemetryCodec.h"

#include <cmath>

namespace neurite {

namespace {
double since(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
} // namespace

RunRecorder::RunRecorder(RunStore* store, std::int64_t runId, int checkpointEvery, int keepLast, std::int64_t batch,
                         std::string bestMetric)
    : store_(store), run_(runId), checkpointEvery_(checkpointEvery), keepLast_(keepLast),
      bestMetric_(std::move(bestMetric)), batch_(batch),
      start_(std::chrono::steady_clock::now()), lastFlush_(start_)
{
}

void RunRecorder::flushSometimes()
{
    if (std::chrono::steady_clock::now() - lastFlush_ > std::chrono::milliseconds(500)) {
        store_->flush();
        lastFlush_ = std::chrono::steady_clock::now();
    }
}

void RunRecorder::record(const char* name, MetricPoint point, double value)
{
    point.value = value;
    store_->addMetric(run_, name, point);
}

void RunRecorder::step(const StepStats& s)
{
    if (!store_)
        return;
    const auto began = std::chrono::steady_clock::now();
    const MetricPoint p{s.step, s.epoch, s.step * batch_, since(start_), 0};
    const auto add = [&](const char* name, double value) { record(name, p, value); };
    add("train/loss", s.loss);
    add("train/accuracy", s.accuracy);
    add("lr", s.lr);
    add("grad_norm", s.gradNorm);
    add("samples_per_second", s.samplesPerSecond);
    flushSometimes();
    metricSeconds_ += since(began);
}

void RunRecorder::epoch(const EpochStats& e, Trainer& trainer, bool last)
{
    if (!store_)
        return;
    const auto began = std::chrono::steady_clock::now();
    const TrainerState state = trainer.state();
    lastStep_ = state.step;
    const MetricPoint p{state.step, e.epoch, state.step * batch_, since(start_), 0};
    const auto add = [&](const char* name, double value) { record(name, p, value); };
    add("epoch/train_loss", e.trainLoss);
    add("epoch/train_accuracy", e.trainAccuracy);
    add("epoch/seconds", e.seconds);
    add("epoch/samples_per_second", e.samplesPerSecond);
    if (e.hasValidation) {
        add("val/loss", e.validation.loss);
        add("val/accuracy", e.validation.accuracy);
        add("val/top5", e.validation.topK);
    }
    store_->flush();
    metricSeconds_ += since(began);
    if (e.epoch % checkpointEvery_ == 0 || last) {
        const auto checkpointBegan = std::chrono::steady_clock::now();
        std::vector<std::pair<std::string, const Tensor*>> tensors;
        for (auto& [name, t] : trainer.checkpointTensors())
            tensors.push_back({name, t});
        // The chosen metric of this epoch; without a validation set, its training counterpart.
        std::string metric = bestMetric_;
        if (!e.hasValidation && metric.rfind("val/", 0) == 0)
            metric = higherIsBetter(metric) ? "epoch/train_accuracy" : "epoch/train_loss";
        const double value = metric == "val/loss"               ? e.validation.loss
                             : metric == "val/accuracy"         ? e.validation.accuracy
                             : metric == "val/top5"             ? e.validation.topK
                             : metric == "epoch/train_accuracy" ? e.trainAccuracy
                                                                : e.trainLoss;
        store_->saveCheckpoint(run_, state.step, e.epoch, tensors, {{"trainer_state", encodeState(state)}}, metric,
                               std::isfinite(value) ? std::optional<double>(value) : std::nullopt);
        store_->applyRetention(run_, keepLast_, higherIsBetter(metric));
        checkpointSeconds_ += since(checkpointBegan);
    }
}

void RunRecorder::finish(const TrainResult& result)
{
    if (!store_)
        return;
    switch (result.status) {
    case RunStatus::Completed: store_->finishRun(run_, "completed"); break;
    case RunStatus::EarlyStopped: store_->finishRun(run_, "completed", "stopped early: " + result.message); break;
    case RunStatus::Cancelled: store_->finishRun(run_, "stopped", result.message); break;
    case RunStatus::Diverged: store_->finishRun(run_, "diverged", result.message); break;
    }
}

void RunRecorder::failed(const std::string& message)
{
    if (store_)
        store_->finishRun(run_, "failed", message);
}

void RunRecorder::stopped(const std::string& message)
{
    if (store_)
        store_->finishRun(run_, "stopped", message);
}

nlohmann::json perClassMetrics(const EvalResult& r, const std::vector<std::string>& classNames)
{
    nlohmann::json out = nlohmann::json::array();
    const std::int64_t c = r.classes;
    for (std::int64_t k = 0; k < c; ++k) {
        std::int64_t tp = r.confusion[std::size_t(k * c + k)], predicted = 0, actual = 0;
        for (std::int64_t j = 0; j < c; ++j) {
            predicted += r.confusion[std::size_t(j * c + k)];
            actual += r.confusion[std::size_t(k * c + j)];
        }
        const double precision = predicted ? double(tp) / double(predicted) : 0.0;
        const double recall = actual ? double(tp) / double(actual) : 0.0;
        const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        out.push_back({{"class", std::size_t(k) < classNames.size() ? classNames[std::size_t(k)] : std::to_string(k)},
                       {"precision", precision}, {"recall", recall}, {"f1", f1}, {"support", actual}});
    }
    return out;
}

void RunRecorder::telemetry(const TelemetrySnapshot& t)
{
    if (!store_ || (t.firstNonFinite.empty() && lastTelemetry_ >= 0 && t.step < lastTelemetry_ + telemetryEvery_))
        return;
    const auto start = std::chrono::steady_clock::now();
    store_->addTelemetry(run_, t.step, t.epoch, encodeTelemetry(t));
    lastTelemetry_ = t.step;
    metricSeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void RunRecorder::evaluation(const EvalResult& r, const std::vector<std::string>& classNames)
{
    if (!store_)
        return;
    nlohmann::json doc = {{"loss", r.loss}, {"samples", r.samples}};
    if (r.classes > 0) {
        doc["accuracy"] = r.accuracy;
        doc["top5"] = r.topK;
        doc["classes"] = classNames;
        nlohmann::json matrix = nlohmann::json::array();
        for (std::int64_t t = 0; t < r.classes; ++t)
            matrix.push_back(std::vector<std::int64_t>(r.confusion.begin() + t * r.classes,
                                                       r.confusion.begin() + (t + 1) * r.classes));
        doc["confusion"] = matrix;
        doc["per_class"] = perClassMetrics(r, classNames);
    }
    store_->addArtefact(run_, "evaluation", "test", doc);
    const MetricPoint p{lastStep_, 0, lastStep_ * batch_, since(start_), 0};
    const auto add = [&](const char* name, double value) { record(name, p, value); };
    add("test/loss", r.loss);
    if (r.classes > 0)
        add("test/accuracy", r.accuracy);
    store_->flush();
}

std::string RunRecorder::encodeState(const TrainerState& s)
{
    nlohmann::json j = {{"step", s.step}, {"epoch", s.epoch}, {"rng", s.rng}, {"since_best", s.sinceBest},
                        {"best_epoch", s.bestEpoch}};
    j["best_loss"] = std::isfinite(s.bestLoss) ? nlohmann::json(s.bestLoss) : nlohmann::json(nullptr);
    return j.dump();
}

TrainerState RunRecorder::decodeState(const std::string& text)
{
    const auto j = nlohmann::json::parse(text);
    TrainerState s;
    s.step = j.at("step");
    s.epoch = j.at("epoch");
    s.rng = j.at("rng").get<std::array<std::uint32_t, 4>>();
    s.sinceBest = j.at("since_best");
    s.bestEpoch = j.at("best_epoch");
    s.bestLoss = j.at("best_loss").is_null() ? INFINITY : j.at("best_loss").get<double>();
    return s;
}

} // namespace neurite
