#include "engine/run/JobFlags.h"

#include "engine/core/Error.h"

#include <algorithm>

namespace neurite {

const std::vector<FlagSpec>& jobFlags()
{
    static const std::vector<FlagSpec> flags = {
        {"data", "NAME|PATH", "data set: fashion-mnist, spiral, circles, xor, blobs (add :samples=N,noise=X,classes=K), "
                              "or a folder (IDX, CIFAR-10, images) or .csv file [fashion-mnist]"},
        {"epochs", "N", "passes over the training data [10]"},
        {"batch", "N", "samples per step [128]"},
        {"optimizer", "NAME", "sgd, adam, adamw or rmsprop [adam]"},
        {"lr", "X", "learning rate [0.001]"},
        {"momentum", "X", "momentum for sgd and rmsprop [0.9 for sgd, 0 for rmsprop]"},
        {"nesterov", "", "Nesterov momentum (sgd)"},
        {"weight-decay", "X", "weight decay (L2; decoupled for adamw) [0]"},
        {"schedule", "NAME", "constant, step, exponential, cosine or onecycle [constant]"},
        {"step-size", "N", "epochs between decays of the step schedule [10]"},
        {"gamma", "X", "decay factor of the step and exponential schedules [0.1]"},
        {"warmup", "N", "steps of linear learning-rate warm-up [0]"},
        {"clip-norm", "X", "clip the global gradient norm to X [off]"},
        {"label-smoothing", "X", "override the CrossEntropyLoss label smoothing"},
        {"val-split", "X", "fraction of the training data held out for validation [0.1]"},
        {"patience", "N", "early stopping: epochs without validation improvement [off]"},
        {"min-delta", "X", "early stopping: the least improvement that counts [0]"},
        {"no-restore-best", "", "early stopping: keep the last weights, not the best"},
        {"augment-crop", "N", "random crop after padding by N pixels (images) [off]"},
        {"augment-flip", "", "random horizontal flips (images)"},
        {"train-samples", "N", "train on the first N samples only (quick experiments)"},
        {"seed", "N", "random seed: same seed and threads give identical weights [1]"},
        {"threads", "N", "CPU threads [all cores]"},
        {"device", "NAME", "cpu, cuda (a GPU; the CPU when none is usable) or reference (slow, the readable truth) [cpu]"},
        {"precision", "NAME", "fp32; on a GPU also tf32 (tensor cores for matrix products and convolutions) or bf16 "
                              "(mixed precision, fp32 master weights) [fp32]"},
        {"deterministic", "", "a GPU uses only deterministic algorithms: the same weights run after run"},
        {"no-telemetry", "", "no per-layer telemetry (activations, weights, gradients every few steps)"},
        {"init", "FILE", "fine-tune: start from these weights (.safetensors by parameter name, or a .neurite bundle)"},
        {"name", "TEXT", "the run's name [run N]"},
        {"tag", "TAGS", "tags for the run, comma-separated"},
        {"checkpoint-every", "N", "save a checkpoint every N epochs (and after the last) [1]"},
        {"keep-last", "N", "checkpoints kept besides the best one [2]"},
        {"keep-best", "METRIC", "the best checkpoint is kept by: val/loss, val/accuracy, val/top5, epoch/train_loss, "
                                "epoch/train_accuracy [val/loss]"},
    };
    return flags;
}

namespace {

class Flags {
public:
    explicit Flags(const std::map<std::string, std::string>& values) : values_(values) {}
    bool has(const char* name) const { return values_.count(name) > 0; }
    void text(const char* name, std::string& out) const
    {
        if (const auto it = values_.find(name); it != values_.end())
            out = it->second;
    }
    template <typename Int>
    void integer(const char* name, Int& out) const
    {
        const auto it = values_.find(name);
        if (it == values_.end())
            return;
        std::size_t used = 0;
        long long value = 0;
        try {
            value = std::stoll(it->second, &used);
        } catch (const std::logic_error&) {
            used = 0;
        }
        if (used != it->second.size() || it->second.empty())
            throw ConfigError(std::string("option --") + name + ": '" + it->second + "' is not an integer");
        out = Int(value);
    }
    void number(const char* name, double& out) const
    {
        const auto it = values_.find(name);
        if (it == values_.end())
            return;
        std::size_t used = 0;
        double value = 0;
        try {
            value = std::stod(it->second, &used);
        } catch (const std::logic_error&) {
            used = 0;
        }
        if (used != it->second.size() || it->second.empty())
            throw ConfigError(std::string("option --") + name + ": '" + it->second + "' is not a number");
        out = value;
    }

private:
    const std::map<std::string, std::string>& values_;
};

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at <= text.size()) {
        auto comma = text.find(',', at);
        if (comma == std::string::npos)
            comma = text.size();
        if (comma > at)
            out.push_back(text.substr(at, comma - at));
        at = comma + 1;
    }
    return out;
}

} // namespace

JobSpec jobFromFlags(const std::map<std::string, std::string>& values, JobSpec job)
{
    for (const auto& [name, value] : values)
        if (std::none_of(jobFlags().begin(), jobFlags().end(), [&](const FlagSpec& f) { return f.name == name; }))
            throw ConfigError("unknown setting '" + name + "'");
    const Flags f(values);
    TrainConfig& c = job.train;
    f.text("data", job.data.spec);
    f.integer("epochs", c.epochs);
    f.integer("batch", c.batch);
    f.number("lr", c.lr);
    if (f.has("optimizer")) {
        f.text("optimizer", c.optimizer.kind);
        c.optimizer.momentum = c.optimizer.kind == "sgd" ? 0.9 : 0.0;  // the default of the chosen kind
    }
    f.number("momentum", c.optimizer.momentum);
    if (f.has("nesterov"))
        c.optimizer.nesterov = true;
    f.number("weight-decay", c.optimizer.weightDecay);
    f.text("schedule", c.schedule.kind);
    f.integer("step-size", c.schedule.stepEpochs);
    f.number("gamma", c.schedule.gamma);
    f.integer("warmup", c.schedule.warmupSteps);
    f.number("clip-norm", c.clipNorm);
    if (f.has("label-smoothing")) {
        double smoothing = 0;
        f.number("label-smoothing", smoothing);
        job.labelSmoothing = smoothing;
    }
    f.number("val-split", job.data.valSplit);
    f.integer("patience", c.patience);
    f.number("min-delta", c.minDelta);
    if (f.has("no-restore-best"))
        c.restoreBest = false;
    f.integer("augment-crop", job.data.augmentCrop);
    if (f.has("augment-flip"))
        job.data.augmentFlip = true;
    f.integer("train-samples", job.data.trainSamples);
    f.integer("seed", c.seed);
    f.integer("threads", job.threads);
    f.text("device", job.device);
    f.text("precision", job.precision);
    f.text("init", job.initialWeights);
    if (f.has("deterministic"))
        job.deterministic = true;
    if (f.has("no-telemetry"))
        job.telemetry = false;
    f.text("name", job.recording.name);
    if (f.has("tag")) {
        std::string tags;
        f.text("tag", tags);
        job.recording.tags = splitList(tags);
    }
    f.integer("checkpoint-every", job.recording.checkpointEvery);
    f.integer("keep-last", job.recording.keepLast);
    f.text("keep-best", job.recording.keepBest);
    return job;
}

} // namespace neurite
