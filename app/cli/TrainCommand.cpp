// neurite train MODEL.json --data NAME [settings]: trains on the CPU and reports test accuracy.
#include "app/cli/Args.h"
#include "app/cli/Commands.h"
#include "app/cli/Progress.h"
#include "app/cli/RunRecorder.h"
#include "datasets/Batcher.h"
#include "datasets/DatasetCatalogue.h"
#include "engine/backends/Registry.h"
#include "engine/core/CpuInfo.h"
#include "engine/core/Error.h"
#include "engine/export/Safetensors.h"
#include "engine/graph/ModelJson.h"
#include "engine/store/RunStore.h"
#include "engine/train/Trainer.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sys/resource.h>

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
    {"workspace", "FILE", "the run store to record into [$XDG_DATA_HOME/neurite/neurite.db]"},
    {"no-store", "", "do not record the run"},
    {"name", "TEXT", "the run's name [run N]"},
    {"tag", "TAGS", "tags for the run, comma-separated"},
    {"checkpoint-every", "N", "save a checkpoint every N epochs (and after the last) [1]"},
    {"keep-last", "N", "checkpoints kept besides the best one [2]"},
    {"keep-best", "METRIC", "the best checkpoint is kept by: val/loss, val/accuracy, val/top5, epoch/train_loss, "
                            "epoch/train_accuracy [val/loss]"},
    {"resume", "RUN", "continue a stopped or interrupted run from its last checkpoint, with its settings"},
    {"quiet", "", "print only the final result"},
    {"help", "", "show this help"},
};

// Options that do not change what is trained: not recorded as settings, allowed with --resume.
const std::vector<std::string> kRunOptions = {"json", "workspace", "no-store", "quiet", "save", "resume", "config", "help",
                                              "name", "tag"};

bool isRunOption(const std::string& name)
{
    return std::find(kRunOptions.begin(), kRunOptions.end(), name) != kRunOptions.end();
}

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

// The run being trained: a new one from a model file, or one taken up again from the store.
struct Session {
    ModelGraph graph;
    std::string modelSource;
    std::unique_ptr<RunStore> store;
    std::int64_t runId = 0;
    std::optional<std::int64_t> resumeCheckpoint;
};

Session openSession(Args& args)
{
    Session session;
    const bool record = !args.has("no-store");
    if (const auto resume = args.get("resume")) {
        if (!args.positional().empty())
            throw ConfigError("--resume takes the model from the run; give no model file");
        for (const auto& [name, value] : args.values())
            if (!isRunOption(name))
                throw ConfigError("--" + name + ": a resumed run keeps the settings it started with");
        if (!record)
            throw ConfigError("--resume needs the store; drop --no-store");
        session.store = std::make_unique<RunStore>(args.get("workspace", RunStore::defaultPath()));
        session.runId = args.getInt("resume", 0);
        const RunRecord run = session.store->run(session.runId);
        if (run.status == "running" || run.status == "queued")
            throw ConfigError("run " + *resume + " is " + run.status + " in another process");
        if (run.status == "completed")
            throw ConfigError("run " + *resume + " has completed; nothing to resume");
        const auto checkpoints = session.store->checkpoints(session.runId);
        if (checkpoints.empty())
            throw ConfigError("run " + *resume + " has no checkpoint to resume from");
        session.resumeCheckpoint = checkpoints.back().id;
        for (const auto& [name, value] : run.hyperparams.at("settings").items())
            args.setDefault(name, value.get<std::string>());
        session.graph = modelFromText(run.modelJson, "run " + *resume);
        session.modelSource = "run " + *resume + " (" + run.name + ")";
        return session;
    }
    if (args.positional().size() != 1)
        throw ConfigError("neurite train needs one model file (neurite train MODEL.json); see --help");
    applyConfigFile(args);
    session.graph = loadModel(args.positional()[0]);
    session.modelSource = args.positional()[0];
    if (record)
        session.store = std::make_unique<RunStore>(args.get("workspace", RunStore::defaultPath()));
    return session;
}

RunRecord newRunRecord(const Args& args, const ModelGraph& graph, const TrainConfig& config, const Backend& backend,
                       const DataBundle& data)
{
    RunRecord r;
    r.name = args.get("name", "");
    r.modelJson = modelToJson(graph).dump();
    r.dataset = args.get("data", "fashion-mnist");
    r.datasetSettings = {{"description", data.description}, {"train", data.train.size()}, {"test", data.test.size()},
                         {"val_split", args.getDouble("val-split", 0.1)}};
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& [name, value] : args.values())
        if (!isRunOption(name))
            settings[name] = value;
    r.hyperparams = {{"settings", settings}, {"epochs", config.epochs}, {"batch", config.batch}, {"lr", config.lr},
                     {"optimizer", config.optimizer.kind}, {"schedule", config.schedule.kind},
                     {"weight_decay", config.optimizer.weightDecay}, {"momentum", config.optimizer.momentum}};
    r.seed = config.seed;
    r.device = {{"backend", backend.name()}, {"description", backend.description()}};
    const auto& cpu = CpuInfo::current();
    r.machine = {{"cpu", cpu.model}, {"cores", cpu.logicalCores}, {"extensions", cpu.extensions()},
                 {"neurite", NEURITE_VERSION}};
    r.tags = splitList(args.get("tag", ""));
    return r;
}

int trainCommand(const std::vector<std::string>& argv)
{
    const auto commandStart = std::chrono::steady_clock::now();
    Args args("neurite train", kOptions, argv);
    if (args.has("help")) {
        std::cout << helpText("neurite train MODEL.json [--data NAME] [options] | neurite train --resume RUN",
                              "Trains the model on the data set, records the run in the workspace and reports the\n"
                              "test accuracy.", kOptions);
        return kOk;
    }
    Session session = openSession(args);
    ModelGraph& graph = session.graph;
    const TrainConfig config = configFrom(args);
    const bool quiet = args.has("quiet");
    const auto say = [&](const std::string& line) {
        if (!quiet)
            std::cout << line << "\n";
    };

    if (const auto smoothing = args.get("label-smoothing"))
        for (auto& node : graph.nodes)
            if (node.type == "CrossEntropyLoss")
                node.attrs["label_smoothing"] = args.getDouble("label-smoothing", 0.0);
    requireValid(analyse(graph, config.batch));  // model and device errors before the data is read
    const int threads = int(args.getInt("threads", 0));
    if (threads < 0)
        throw ConfigError("--threads must be 0 (all cores) or more");
    std::unique_ptr<Backend> backend;
    try {
        backend = createBackend(args.get("device", "cpu"), threads);
    } catch (const ConfigError& e) {
        // One build runs everywhere: a GPU asked for but not usable here is said once, and the
        // run goes on on the CPU.
        if (args.get("device", "cpu") != "cuda")
            throw;
        std::fprintf(stderr, "%s; training on the CPU instead\n", e.what());
        backend = createBackend("cpu", threads);
    }

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

    Trainer trainer(graph, *backend, config);
    const auto& a = trainer.plan().analysis();

    RunStore* store = session.store.get();
    if (store && !session.resumeCheckpoint)
        session.runId = store->createRun(newRunRecord(args, graph, config, *backend, data));
    if (session.resumeCheckpoint) {
        std::map<std::string, std::string> metadata;
        auto saved = store->loadCheckpoint(*session.resumeCheckpoint, &metadata);
        for (auto& [name, t] : trainer.checkpointTensors()) {
            const auto it = saved.find(name);
            if (it == saved.end() || it->second.numel() != t->numel())
                throw StoreError("checkpoint " + std::to_string(*session.resumeCheckpoint) + " does not hold '" + name +
                                 "' for this model");
            std::copy_n(it->second.data(), t->numel(), t->data());
        }
        const TrainerState state = RunRecorder::decodeState(metadata.at("trainer_state"));
        trainer.restore(state);
        store->deleteMetricsAfter(session.runId, state.step);  // they are recomputed, identically
        say("resume  run " + std::to_string(session.runId) + " from epoch " + std::to_string(state.epoch) + ", step " +
            std::to_string(state.step));
    }
    if (store)
        store->startRun(session.runId);
    const int checkpointEvery = int(args.getInt("checkpoint-every", 1));
    const int keepLast = int(args.getInt("keep-last", 2));
    if (checkpointEvery < 1 || keepLast < 1)
        throw ConfigError("--checkpoint-every and --keep-last must be at least 1");
    const std::string keepBest = args.get("keep-best", "val/loss");
    const std::vector<std::string> rankable = {"val/loss", "val/accuracy", "val/top5", "epoch/train_loss",
                                               "epoch/train_accuracy"};
    if (std::find(rankable.begin(), rankable.end(), keepBest) == rankable.end())
        throw ConfigError("--keep-best " + keepBest + ": choose val/loss, val/accuracy, val/top5, epoch/train_loss or "
                          "epoch/train_accuracy");
    RunRecorder recorder(store, session.runId, checkpointEvery, keepLast, config.batch, keepBest);

    say("model   " + session.modelSource + (graph.name.empty() ? "" : " (" + graph.name + ")") + ": " +
        std::to_string(a.totalParams) + " parameters, " + std::to_string(a.totalFlops / 1000) + " kFLOP per sample");
    say("data    " + data.description + ": " + std::to_string(split.train.size()) + " training, " +
        std::to_string(split.validation.size()) + " validation, " + std::to_string(data.test.size()) + " test samples");
    say("device  " + backend->name() + ": " + backend->description());
    say("train   " + std::to_string(config.epochs) + " epochs, batch " + std::to_string(config.batch) + ", " +
        config.optimizer.kind + " lr " + args.get("lr", "0.001") + ", schedule " + config.schedule.kind + ", seed " +
        std::to_string(config.seed));
    if (store)
        say("run     " + std::to_string(session.runId) + " in " + store->path());

    const double setupSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - commandStart).count();
    CancelToken cancel;
    gCancel = &cancel;
    std::signal(SIGINT, onInterrupt);
    Progress progress(config.epochs, quiet);
    TrainResult result;
    try {
        result = trainer.run(train, validation.get(),
                             {[&](const StepStats& s) {
                                  progress.step(s);
                                  recorder.step(s);
                              },
                              [&](const EpochStats& e) {
                                  progress.epoch(e);
                                  recorder.epoch(e, trainer, e.epoch == config.epochs);
                              }},
                             cancel);
    } catch (const std::exception& e) {
        recorder.failed(e.what());
        throw;
    }
    std::signal(SIGINT, SIG_DFL);
    gCancel = nullptr;
    recorder.finish(result);

    if (result.status == RunStatus::Diverged) {
        std::cerr << "neurite: training " << result.message << "\n";
        return kDiverged;
    }
    if (result.status == RunStatus::Cancelled) {
        std::cerr << "neurite: " << result.message
                  << (store ? "; resume with neurite train --resume " + std::to_string(session.runId) : "") << "\n";
        return kCancelled;
    }
    if (result.status == RunStatus::EarlyStopped)
        say("stopped early: " + result.message);
    char line[256];
    std::snprintf(line, sizeof line, "trained %lld steps in %s (first step after %.2fs)", (long long)result.steps,
                  formatDuration(result.seconds).c_str(), result.firstStepSeconds);
    say(line);
    nlohmann::json summary = {{"model", session.modelSource}, {"epochs", config.epochs}, {"batch", config.batch},
                              {"threads", threads}, {"run", session.runId}};
    if (data.test.size() > 0) {
        data.test.mean = data.train.mean;  // the test set is normalised as the training set was
        data.test.std = data.train.std;
        Batcher test(data.test, allIndices(data.test.size()), config.batch, false, Augment{}, config.seed);
        const EvalResult r = trainer.evaluate(test);
        recorder.evaluation(r, data.train.classNames);
        summary["test_loss"] = r.loss;
        summary["test_accuracy"] = r.accuracy;
        if (trainer.plan().classifies())
            std::snprintf(line, sizeof line, "test    loss %.4f  accuracy %.4f  top-%d %.4f  (%lld samples)", r.loss,
                          r.accuracy, config.topK, r.topK, (long long)r.samples);
        else
            std::snprintf(line, sizeof line, "test    loss %.5f  (%lld samples)", r.loss, (long long)r.samples);
        std::cout << line << "\n";
    }
    summary["metric_seconds"] = recorder.metricSeconds();          // recording, on the training thread
    summary["checkpoint_seconds"] = recorder.checkpointSeconds();
    if (const auto path = args.get("json"))
        writeSummary(*path, result, summary, setupSeconds);
    if (const auto path = args.get("save")) {
        saveWeights(trainer.plan(), *path, graph);
        say("saved   " + *path);
    }
    return kOk;
}

} // namespace neurite::cli
