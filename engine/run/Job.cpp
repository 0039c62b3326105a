#include "engine/run/Job.h"

#include "engine/core/Error.h"
#include "engine/run/MetricCatalogue.h"

#include <set>

namespace neurite {

namespace {

// Reads `object[key]` into `out` when present; a value of the wrong type names its key.
template <typename T>
void read(const nlohmann::json& object, const char* key, T& out, const std::string& where, const std::string& path)
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return;
    try {
        out = it->get<T>();
    } catch (const nlohmann::json::exception&) {
        throw ConfigError(where + ": setting '" + path + key + "' has the wrong type (" + it->dump() + ")");
    }
}

// Refuses keys that this version does not know, so a typo is never silently ignored.
void onlyKnown(const nlohmann::json& object, const std::set<std::string>& known, const std::string& where,
               const std::string& path)
{
    if (!object.is_object())
        throw ConfigError(where + ": setting '" + path + "' must be a JSON object");
    for (const auto& [key, value] : object.items())
        if (!known.count(key))
            throw ConfigError(where + ": unknown setting '" + path + key + "'");
}

const nlohmann::json& section(const nlohmann::json& json, const char* key)
{
    static const nlohmann::json empty = nlohmann::json::object();
    const auto it = json.find(key);
    return it == json.end() ? empty : *it;
}

} // namespace

void validate(const JobSpec& job)
{
    validate(job.train);
    const auto& o = job.train.optimizer;
    if (o.nesterov && (o.kind != "sgd" || o.momentum <= 0))
        throw ConfigError("--nesterov needs --optimizer sgd with a positive momentum");
    if (job.train.batch > 65536)
        throw ConfigError("--batch " + std::to_string(job.train.batch) + " is too large (at most 65536)");
    if (job.threads < 0)
        throw ConfigError("--threads must be 0 (all cores) or more");
    if (job.precision != "fp32" && job.precision != "tf32" && job.precision != "bf16")
        throw ConfigError("--precision " + job.precision + ": choose fp32, tf32 or bf16");
    // tf32 is a permission (the CPU computes in fp32 anyway); bf16 asks for other arithmetic, which
    // only the GPU has. A GPU asked for but missing falls back to the CPU in fp32 (TrainingJob).
    if (job.precision == "bf16" && job.device != "cuda")
        throw ConfigError("--precision bf16 needs a GPU (--device cuda): device '" + job.device +
                          "' computes in fp32 only");
    if (!(job.data.valSplit >= 0 && job.data.valSplit < 1))
        throw ConfigError("--val-split must be at least 0 and below 1");
    if (job.data.trainSamples < 0 || job.data.augmentCrop < 0)
        throw ConfigError("--train-samples and --augment-crop must not be negative");
    if (job.recording.checkpointEvery < 1 || job.recording.keepLast < 1)
        throw ConfigError("--checkpoint-every and --keep-last must be at least 1");
    const MetricInfo* best = findMetric(job.recording.keepBest);
    if (!best || !best->rankable)
        throw ConfigError("--keep-best " + job.recording.keepBest + ": choose " + rankableMetricNames());
}

nlohmann::json jobToJson(const JobSpec& job)
{
    const TrainConfig& t = job.train;
    const OptimizerConfig& o = t.optimizer;
    nlohmann::json j;
    j["version"] = kJobFormatVersion;
    j["data"] = {{"spec", job.data.spec}, {"val_split", job.data.valSplit}, {"train_samples", job.data.trainSamples},
                 {"augment_crop", job.data.augmentCrop}, {"augment_flip", job.data.augmentFlip}};
    j["train"] = {{"epochs", t.epochs}, {"batch", t.batch}, {"lr", t.lr},
                  {"optimizer", {{"kind", o.kind}, {"momentum", o.momentum}, {"nesterov", o.nesterov},
                                 {"weight_decay", o.weightDecay}, {"beta1", o.beta1}, {"beta2", o.beta2},
                                 {"alpha", o.alpha}, {"eps", o.eps}}},
                  {"schedule", {{"kind", t.schedule.kind}, {"gamma", t.schedule.gamma},
                                {"step_epochs", t.schedule.stepEpochs}, {"warmup_steps", t.schedule.warmupSteps}}},
                  {"clip_norm", t.clipNorm}, {"seed", t.seed}, {"top_k", t.topK}, {"patience", t.patience},
                  {"min_delta", t.minDelta}, {"restore_best", t.restoreBest}};
    j["train"]["label_smoothing"] = job.labelSmoothing ? nlohmann::json(*job.labelSmoothing) : nlohmann::json(nullptr);
    j["device"] = job.device;
    j["threads"] = job.threads;
    j["precision"] = job.precision;
    j["deterministic"] = job.deterministic;
    j["initial_weights"] = job.initialWeights;
    j["telemetry"] = job.telemetry;
    const RecordSettings& r = job.recording;
    j["recording"] = {{"record", r.record}, {"name", r.name}, {"tags", r.tags}, {"checkpoint_every", r.checkpointEvery},
                      {"keep_last", r.keepLast}, {"keep_best", r.keepBest}};
    return j;
}

JobSpec jobFromJson(const nlohmann::json& j, const std::string& where)
{
    onlyKnown(j, {"version", "data", "train", "device", "threads", "precision", "deterministic", "initial_weights",
                  "recording", "telemetry"}, where, "");
    int version = kJobFormatVersion;
    read(j, "version", version, where, "");
    if (version > kJobFormatVersion)
        throw ConfigError(where + ": a job of format " + std::to_string(version) + " from a newer Neurite (this one knows " +
                          std::to_string(kJobFormatVersion) + ")");
    JobSpec job;
    const auto& d = section(j, "data");
    onlyKnown(d, {"spec", "val_split", "train_samples", "augment_crop", "augment_flip"}, where, "data.");
    read(d, "spec", job.data.spec, where, "data.");
    read(d, "val_split", job.data.valSplit, where, "data.");
    read(d, "train_samples", job.data.trainSamples, where, "data.");
    read(d, "augment_crop", job.data.augmentCrop, where, "data.");
    read(d, "augment_flip", job.data.augmentFlip, where, "data.");

    const auto& t = section(j, "train");
    onlyKnown(t, {"epochs", "batch", "lr", "optimizer", "schedule", "clip_norm", "seed", "top_k", "patience", "min_delta",
                  "restore_best", "label_smoothing"},
              where, "train.");
    TrainConfig& c = job.train;
    read(t, "epochs", c.epochs, where, "train.");
    read(t, "batch", c.batch, where, "train.");
    read(t, "lr", c.lr, where, "train.");
    read(t, "clip_norm", c.clipNorm, where, "train.");
    read(t, "seed", c.seed, where, "train.");
    read(t, "top_k", c.topK, where, "train.");
    read(t, "patience", c.patience, where, "train.");
    read(t, "min_delta", c.minDelta, where, "train.");
    read(t, "restore_best", c.restoreBest, where, "train.");
    if (t.contains("label_smoothing") && !t["label_smoothing"].is_null()) {
        double smoothing = 0;
        read(t, "label_smoothing", smoothing, where, "train.");
        job.labelSmoothing = smoothing;
    }
    const auto& o = section(t, "optimizer");
    onlyKnown(o, {"kind", "momentum", "nesterov", "weight_decay", "beta1", "beta2", "alpha", "eps"}, where,
              "train.optimizer.");
    read(o, "kind", c.optimizer.kind, where, "train.optimizer.");
    read(o, "momentum", c.optimizer.momentum, where, "train.optimizer.");
    read(o, "nesterov", c.optimizer.nesterov, where, "train.optimizer.");
    read(o, "weight_decay", c.optimizer.weightDecay, where, "train.optimizer.");
    read(o, "beta1", c.optimizer.beta1, where, "train.optimizer.");
    read(o, "beta2", c.optimizer.beta2, where, "train.optimizer.");
    read(o, "alpha", c.optimizer.alpha, where, "train.optimizer.");
    read(o, "eps", c.optimizer.eps, where, "train.optimizer.");
    const auto& s = section(t, "schedule");
    onlyKnown(s, {"kind", "gamma", "step_epochs", "warmup_steps"}, where, "train.schedule.");
    read(s, "kind", c.schedule.kind, where, "train.schedule.");
    read(s, "gamma", c.schedule.gamma, where, "train.schedule.");
    read(s, "step_epochs", c.schedule.stepEpochs, where, "train.schedule.");
    read(s, "warmup_steps", c.schedule.warmupSteps, where, "train.schedule.");

    read(j, "device", job.device, where, "");
    read(j, "threads", job.threads, where, "");
    read(j, "precision", job.precision, where, "");
    read(j, "deterministic", job.deterministic, where, "");
    read(j, "initial_weights", job.initialWeights, where, "");
    read(j, "telemetry", job.telemetry, where, "");
    const auto& r = section(j, "recording");
    onlyKnown(r, {"record", "name", "tags", "checkpoint_every", "keep_last", "keep_best"}, where, "recording.");
    read(r, "record", job.recording.record, where, "recording.");
    read(r, "name", job.recording.name, where, "recording.");
    read(r, "tags", job.recording.tags, where, "recording.");
    read(r, "checkpoint_every", job.recording.checkpointEvery, where, "recording.");
    read(r, "keep_last", job.recording.keepLast, where, "recording.");
    read(r, "keep_best", job.recording.keepBest, where, "recording.");
    return job;
}

nlohmann::json runSettings(const JobSpec& job)
{
    const TrainConfig& c = job.train;
    return {{"job", jobToJson(job)},           {"epochs", c.epochs},
            {"batch", c.batch},                {"lr", c.lr},
            {"optimizer", c.optimizer.kind},   {"schedule", c.schedule.kind},
            {"weight_decay", c.optimizer.weightDecay}, {"momentum", c.optimizer.momentum}};
}

} // namespace neurite
