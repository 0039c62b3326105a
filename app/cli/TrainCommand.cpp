// neurite train MODEL.json --data NAME [settings]: trains and reports test accuracy. A thin front
// end over the engine's training job (engine/run/TrainingJob.h): it reads the command line into a
// JobSpec, prints the job's progress, and maps the outcome to an exit code.
#include "app/cli/Args.h"
#include "app/cli/Commands.h"
#include "app/cli/Progress.h"
#include "engine/core/Error.h"
#include "engine/export/Bundle.h"
#include "engine/tensorio/Safetensors.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/JobFlags.h"
#include "engine/run/TrainingJob.h"
#include "engine/run/Workspace.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sys/resource.h>

namespace neurite::cli {

namespace {

// Options of the command itself: how it runs, not what is trained. Allowed with --resume.
const std::vector<OptionSpec> kRunOptions = {
    {"save", "FILE", "write the trained weights as .safetensors"},
    {"config", "FILE", "a JSON file of these settings ({\"epochs\": 5, ...}); the command line wins"},
    {"json", "FILE", "write a summary (speed, accuracy, peak memory, start-up time) as JSON"},
    {"workspace", "FILE", "the run store to record into [$XDG_DATA_HOME/neurite/neurite.db]"},
    {"no-store", "", "do not record the run"},
    {"resume", "RUN", "continue a stopped or interrupted run from its last checkpoint, with its settings"},
    {"quiet", "", "print only the final result"},
    {"help", "", "show this help"},
};

std::vector<OptionSpec> options()
{
    std::vector<OptionSpec> all;
    for (const auto& f : jobFlags())
        all.push_back({f.name, f.valueName, f.help});
    all.insert(all.end(), kRunOptions.begin(), kRunOptions.end());
    return all;
}

bool isRunOption(const std::string& name)
{
    return name == "name" || name == "tag" ||
           std::any_of(kRunOptions.begin(), kRunOptions.end(), [&](const OptionSpec& o) { return o.name == name; });
}

JobControl* gControl = nullptr;
extern "C" void onInterrupt(int)
{
    if (gControl)
        gControl->cancelFromSignal();
}

void applyConfigFile(Args& args, const std::vector<OptionSpec>& specs)
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
        const bool known = std::any_of(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == key; });
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

// The job's settings from the command line (and a config file under it).
JobSpec jobFromArgs(const Args& args)
{
    std::map<std::string, std::string> flags;
    for (const auto& [name, value] : args.values())
        if (!isRunOption(name) || name == "name" || name == "tag")
            flags[name] = value;
    JobSpec job = jobFromFlags(flags);
    job.recording.record = !args.has("no-store");
    return job;
}

std::string shortNumber(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
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
    plan.parametersToHost();
    for (auto* p : plan.parameters())
        tensors.push_back({p->name, &p->value});
    writeSafetensors(path, tensors, {{"format", "neurite-weights"}, {"model", modelToJson(graph).dump()}});
}

// A new job from a model file, or a recorded run taken up again.
std::unique_ptr<TrainingJob> setUpJob(Args& args, const std::vector<OptionSpec>& specs,
                                      std::unique_ptr<RunStore>& store, std::string& modelSource)
{
    const std::string workspace = args.get("workspace", RunStore::defaultPath());
    if (const auto resume = args.get("resume")) {
        if (!args.positional().empty())
            throw ConfigError("--resume takes the model from the run; give no model file");
        for (const auto& [name, value] : args.values())
            if (!isRunOption(name))
                throw ConfigError("--" + name + ": a resumed run keeps the settings it started with");
        if (args.has("no-store"))
            throw ConfigError("--resume needs the store; drop --no-store");
        store = openWorkspace(workspace);
        const std::int64_t id = args.getInt("resume", 0);
        modelSource = "run " + *resume + " (" + store->run(id).name + ")";
        return TrainingJob::resume(*store, id);
    }
    if (args.positional().size() != 1)
        throw ConfigError("neurite train needs one model file (neurite train MODEL.json); see --help");
    applyConfigFile(args, specs);
    JobSpec job = jobFromArgs(args);
    modelSource = args.positional()[0];
    if (modelSource.size() > 8 && modelSource.compare(modelSource.size() - 8, 8, ".neurite") == 0) {
        // A bundle: its model, fine-tuned from its weights (unless --init names others).
        job.modelJson = modelToJson(readBundle(modelSource).model.graph).dump();
        if (job.initialWeights.empty())
            job.initialWeights = modelSource;
    } else {
        job.modelJson = modelToJson(loadModel(modelSource)).dump();
    }
    if (job.recording.record)
        store = openWorkspace(workspace);
    return std::make_unique<TrainingJob>(std::move(job), store.get());
}

} // namespace

int trainCommand(const std::vector<std::string>& argv)
{
    const auto commandStart = std::chrono::steady_clock::now();
    const std::vector<OptionSpec> specs = options();
    Args args("neurite train", specs, argv);
    if (args.has("help")) {
        std::cout << helpText("neurite train MODEL.json [--data NAME] [options] | neurite train --resume RUN",
                              "Trains the model on the data set, records the run in the workspace and reports the\n"
                              "test accuracy.", specs);
        return kOk;
    }
    std::unique_ptr<RunStore> store;
    std::string modelSource;
    std::unique_ptr<TrainingJob> job = setUpJob(args, specs, store, modelSource);
    const JobInfo& info = job->info();
    const JobSpec& spec = job->spec();
    const TrainConfig& config = spec.train;
    const bool quiet = args.has("quiet");
    const auto say = [&](const std::string& line) {
        if (!quiet)
            std::cout << line << "\n";
    };
    if (!info.deviceNote.empty())
        std::fprintf(stderr, "%s\n", info.deviceNote.c_str());
    if (info.resumed)
        say("resume  run " + std::to_string(info.runId) + " from epoch " + std::to_string(info.resumedEpoch) + ", step " +
            std::to_string(info.resumedStep));
    say("model   " + modelSource + (info.modelName.empty() ? "" : " (" + info.modelName + ")") + ": " +
        std::to_string(info.parameters) + " parameters, " + std::to_string(info.flopsPerSample / 1000) +
        " kFLOP per sample");
    say("data    " + info.dataDescription + ": " + std::to_string(info.trainSamples) + " training, " +
        std::to_string(info.validationSamples) + " validation, " + std::to_string(info.testSamples) + " test samples");
    say("device  " + info.device + ": " + info.deviceDescription);
    if (info.dataOnDevice)
        say("        the training set is held on the device; each batch is gathered there");
    say("train   " + std::to_string(config.epochs) + " epochs, batch " + std::to_string(config.batch) + ", " +
        config.optimizer.kind + " lr " + shortNumber(config.lr) + ", schedule " + config.schedule.kind + ", seed " +
        std::to_string(config.seed));
    if (info.runId)
        say("run     " + std::to_string(info.runId) + " in " + info.workspace);

    const double setupSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - commandStart).count();
    JobControl control;
    gControl = &control;
    std::signal(SIGINT, onInterrupt);
    Progress progress(config.epochs, quiet);
    const JobOutcome outcome = job->run({[&](const StepStats& s) { progress.step(s); },
                                         [&](const EpochStats& e) { progress.epoch(e); }, nullptr},
                                        control);
    std::signal(SIGINT, SIG_DFL);
    gControl = nullptr;
    const TrainResult& result = outcome.result;

    if (result.status == RunStatus::Diverged) {
        std::cerr << "neurite: training " << result.message << "\n";
        return kDiverged;
    }
    if (result.status == RunStatus::Cancelled) {
        std::cerr << "neurite: " << result.message
                  << (info.runId ? "; resume with neurite train --resume " + std::to_string(info.runId) : "") << "\n";
        return kCancelled;
    }
    if (result.status == RunStatus::EarlyStopped)
        say("stopped early: " + result.message);
    char line[256];
    std::snprintf(line, sizeof line, "trained %lld steps in %s (first step after %.2fs)", (long long)result.steps,
                  formatDuration(result.seconds).c_str(), result.firstStepSeconds);
    say(line);
    nlohmann::json summary = {{"model", modelSource}, {"epochs", config.epochs}, {"batch", config.batch},
                              {"threads", spec.threads}, {"run", info.runId},
                              {"device", info.device}, {"data_on_device", info.dataOnDevice}};
    if (outcome.test) {
        const EvalResult& r = *outcome.test;
        summary["test_loss"] = r.loss;
        summary["test_accuracy"] = r.accuracy;
        if (r.classes > 0)
            std::snprintf(line, sizeof line, "test    loss %.4f  accuracy %.4f  top-%d %.4f  (%lld samples)", r.loss,
                          r.accuracy, config.topK, r.topK, (long long)r.samples);
        else
            std::snprintf(line, sizeof line, "test    loss %.5f  (%lld samples)", r.loss, (long long)r.samples);
        std::cout << line << "\n";
    }
    if (!job->trainer().recordingProblem().empty())
        std::fprintf(stderr, "%s\n", job->trainer().recordingProblem().c_str());
    summary["replayed_steps"] = job->trainer().replayedSteps();   // a GPU's recorded step (a CUDA graph)
    summary["metric_seconds"] = outcome.metricSeconds;          // recording, on the training thread
    summary["checkpoint_seconds"] = outcome.checkpointSeconds;
    if (const auto path = args.get("json"))
        writeSummary(*path, result, summary, setupSeconds);
    if (const auto path = args.get("save")) {
        saveWeights(job->trainer().plan(), *path, job->graph());
        say("saved   " + *path);
    }
    return kOk;
}

} // namespace neurite::cli
