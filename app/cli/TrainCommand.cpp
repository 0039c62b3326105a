// neurite train MODEL.json --data NAME [settings]: trains on the CPU and reports test accuracy.
#include "app/cli/Args.h"
#include "app/cli/Commands.h"
#include "app/cli/Progress.h"
#include "datasets/Batcher.h"
#include "datasets/DatasetCatalogue.h"
#include "engine/backends/Registry.h"
#include "engine/core/Error.h"
#include "engine/export/Safetensors.h"
#include "engine/graph/ModelJson.h"
#include "engine/train/Trainer.h"

#include <chrono>
#include <csignal>
#include <sys/resource.h>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace neurite::cli {

namespace {

const std::vector<OptionSpec> kOptions = {
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
    {"device", "NAME", "cpu or reference (slow, the readable truth) [cpu]"},
    {"save", "FILE", "write the trained weights as .safetensors"},
    {"config", "FILE", "a JSON file of these settings ({\"epochs\": 5, ...}); the command line wins"},
    {"json", "FILE", "write a summary (speed, accuracy, peak memory, start-up time) as JSON"},
    {"quiet", "", "print only the final result"},
    {"help", "", "show this help"},
};

CancelToken* gCancel = nullptr;
extern "C" void onInterrupt(int)
{
    if (gCancel)
        gCancel->cancel();
}

void applyConfigFile(Args& args)
{
    const auto path = args.get("config");
    if (!path)
        return;
    std::ifstream in(*path);
    if (!in)
        throw DataError(*path, "cannot open the config file");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw DataError(*path, DataError::Where::ByteOffset, e.byte, "not valid JSON");
    }
    if (!doc.is_object())
        throw DataError(*path, "the config file must hold a JSON object of settings");
    for (const auto& [key, value] : doc.items()) {
        const bool known = std::any_of(kOptions.begin(), kOptions.end(), [&](const OptionSpec& s) { return s.name == key; });
        if (!known || key == "config")
            throw DataError(*path, "unknown setting '" + key + "'");
        if (value.is_boolean()) {
            if (value.get<bool>())
                args.setDefault(key, "1");
        } else {
            args.setDefault(key, value.is_string() ? value.get<std::string>() : value.dump());
        }
    }
}

TrainConfig configFrom(const Args& args)
{
    TrainConfig c;
    c.epochs = int(args.getInt("epochs", 10));
    c.batch = args.getInt("batch", 128);
    c.lr = args.getDouble("lr", 1e-3);
    c.optimizer.kind = args.get("optimizer", "adam");
    c.optimizer.momentum = args.getDouble("momentum", c.optimizer.kind == "sgd" ? 0.9 : 0.0);
    c.optimizer.nesterov = args.has("nesterov");
    c.optimizer.weightDecay = args.getDouble("weight-decay", 0.0);
    c.schedule.kind = args.get("schedule", "constant");
    c.schedule.stepEpochs = int(args.getInt("step-size", 10));
    c.schedule.gamma = args.getDouble("gamma", 0.1);
    c.schedule.warmupSteps = args.getInt("warmup", 0);
    c.clipNorm = args.getDouble("clip-norm", 0.0);
    c.seed = std::uint64_t(args.getInt("seed", 1));
    c.patience = int(args.getInt("patience", 0));
    c.minDelta = args.getDouble("min-delta", 0.0);
    c.restoreBest = !args.has("no-restore-best");
    if (c.optimizer.nesterov && (c.optimizer.kind != "sgd" || c.optimizer.momentum <= 0))
        throw ConfigError("--nesterov needs --optimizer sgd with a positive momentum");
    if (c.batch > 65536)
        throw ConfigError("--batch " + std::to_string(c.batch) + " is too large (at most 65536)");
    validate(c);
    return c;
}

// Training speed counts the training loops only (not validation, not data loading).
void writeSummary(const std::string& path, const TrainResult& result, nlohmann::json summary, double setupSeconds)
{
    double seconds = 0;
    std::int64_t samples = 0;
    for (const auto& e : result.epochs) {
        seconds += e.seconds;
        samples += std::int64_t(e.samplesPerSecond * e.seconds + 0.5);
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    summary["status"] = statusName(result.status);
    summary["steps"] = result.steps;
    summary["train_seconds"] = seconds;
    summary["samples_per_second"] = seconds > 0 ? double(samples) / seconds : 0.0;
    summary["start_to_first_step_seconds"] = setupSeconds + result.firstStepSeconds;
    summary["peak_rss_mib"] = double(usage.ru_maxrss) / 1024.0;
    std::ofstream out(path);
    out << summary.dump(2) << "\n";
    if (!out)
        throw DataError(path, "cannot write the summary");
}

void saveWeights(Plan& plan, const std::string& path, const ModelGraph& graph)
{
    std::vector<std::pair<std::string, const Tensor*>> tensors;
    for (auto* p : plan.parameters())
        tensors.push_back({p->name, &p->value});
    writeSafetensors(path, tensors, {{"format", "neurite-weights"}, {"model", modelToJson(graph).dump()}});
}

} // namespace

int trainCommand(const std::vector<std::string>& argv)
{
    const auto commandStart = std::chrono::steady_clock::now();
    Args args("neurite train", kOptions, argv);
    if (args.has("help")) {
        std::cout << helpText("neurite train MODEL.json [--data NAME] [options]",
                              "Trains the model on the data set and reports the test accuracy.", kOptions);
        return kOk;
    }
    if (args.positional().size() != 1)
        throw ConfigError("neurite train needs one model file (neurite train MODEL.json); see --help");
    applyConfigFile(args);
    const TrainConfig config = configFrom(args);
    const bool quiet = args.has("quiet");
    const auto say = [&](const std::string& line) {
        if (!quiet)
            std::cout << line << "\n";
    };

    ModelGraph graph = loadModel(args.positional()[0]);
    if (const auto smoothing = args.get("label-smoothing"))
        for (auto& node : graph.nodes)
            if (node.type == "CrossEntropyLoss")
                node.attrs["label_smoothing"] = args.getDouble("label-smoothing", 0.0);
    requireValid(analyse(graph, config.batch));  // model errors before the data is read

    DataBundle data = loadDataset(args.get("data", "fashion-mnist"), config.seed);
    if (const auto limit = args.getInt("train-samples", 0); limit > 0 && limit < data.train.size()) {
        data.train.labels.resize(std::size_t(limit));
        (data.train.isImage() ? data.train.bytes.resize(std::size_t(limit * data.train.sampleSize()))
                              : data.train.features.resize(std::size_t(limit * data.train.sampleSize())));
    }
    const Split split = splitIndices(data.train.size(), args.getDouble("val-split", 0.1), config.seed);
    Augment augment{int(args.getInt("augment-crop", 0)), args.has("augment-flip")};
    Batcher train(data.train, split.train, config.batch, true, augment, config.seed);
    std::unique_ptr<Batcher> validation;
    if (!split.validation.empty())
        validation = std::make_unique<Batcher>(data.train, split.validation, config.batch, false, Augment{}, config.seed);

    const int threads = int(args.getInt("threads", 0));
    if (threads < 0)
        throw ConfigError("--threads must be 0 (all cores) or more");
    auto backend = createBackend(args.get("device", "cpu"), threads);
    Trainer trainer(graph, *backend, config);
    const auto& a = trainer.plan().analysis();

    say("model   " + args.positional()[0] + (graph.name.empty() ? "" : " (" + graph.name + ")") + ": " +
        std::to_string(a.totalParams) + " parameters, " + std::to_string(a.totalFlops / 1000) + " kFLOP per sample");
    say("data    " + data.description + ": " + std::to_string(split.train.size()) + " training, " +
        std::to_string(split.validation.size()) + " validation, " + std::to_string(data.test.size()) + " test samples");
    say("device  " + backend->name() + ": " + backend->description());
    say("train   " + std::to_string(config.epochs) + " epochs, batch " + std::to_string(config.batch) + ", " +
        config.optimizer.kind + " lr " + args.get("lr", "0.001") + ", schedule " + config.schedule.kind + ", seed " +
        std::to_string(config.seed));

    const double setupSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - commandStart).count();
    CancelToken cancel;
    gCancel = &cancel;
    std::signal(SIGINT, onInterrupt);
    Progress progress(config.epochs, quiet);
    const TrainResult result = trainer.run(train, validation.get(),
                                           {[&](const StepStats& s) { progress.step(s); },
                                            [&](const EpochStats& e) { progress.epoch(e); }},
                                           cancel);
    std::signal(SIGINT, SIG_DFL);
    gCancel = nullptr;

    if (result.status == RunStatus::Diverged) {
        std::cerr << "neurite: training " << result.message << "\n";
        return kDiverged;
    }
    if (result.status == RunStatus::Cancelled) {
        std::cerr << "neurite: " << result.message << "\n";
        return kCancelled;
    }
    if (result.status == RunStatus::EarlyStopped)
        say("stopped early: " + result.message);
    char line[256];
    std::snprintf(line, sizeof line, "trained %lld steps in %s (first step after %.2fs)", (long long)result.steps,
                  formatDuration(result.seconds).c_str(), result.firstStepSeconds);
    say(line);
    nlohmann::json summary = {{"model", args.positional()[0]}, {"epochs", config.epochs}, {"batch", config.batch},
                              {"threads", threads}};
    if (data.test.size() > 0) {
        data.test.mean = data.train.mean;  // the test set is normalised as the training set was
        data.test.std = data.train.std;
        Batcher test(data.test, allIndices(data.test.size()), config.batch, false, Augment{}, config.seed);
        const EvalResult r = trainer.evaluate(test);
        summary["test_loss"] = r.loss;
        summary["test_accuracy"] = r.accuracy;
        if (trainer.plan().classifies())
            std::snprintf(line, sizeof line, "test    loss %.4f  accuracy %.4f  top-%d %.4f  (%lld samples)", r.loss,
                          r.accuracy, config.topK, r.topK, (long long)r.samples);
        else
            std::snprintf(line, sizeof line, "test    loss %.5f  (%lld samples)", r.loss, (long long)r.samples);
        std::cout << line << "\n";
    }
    if (const auto path = args.get("json"))
        writeSummary(*path, result, summary, setupSeconds);
    if (const auto path = args.get("save")) {
        saveWeights(trainer.plan(), *path, graph);
        say("saved   " + *path);
    }
    return kOk;
}

} // namespace neurite::cli
