// neurite runs list | show | compare | export | tag | note | delete | evaluate | checkpoint
#include "app/cli/Args.h"
#include "app/cli/Commands.h"
#include "engine/core/Error.h"
#include "engine/graph/ModelJson.h"
#include "engine/compare/BestValue.h"
#include "engine/compare/MetricsCsv.h"
#include "engine/compare/ModelDiff.h"
#include "engine/compare/SettingsDiff.h"
#include "engine/run/MetricCatalogue.h"
#include "engine/run/TelemetryCodec.h"
#include "engine/run/TrainingJob.h"
#include "engine/run/Workspace.h"
#include "engine/store/RunStore.h"
#include "engine/train/LayerHealth.h"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

namespace neurite::cli {

namespace {

const std::vector<OptionSpec> kOptions = {
    {"workspace", "FILE", "the run store [$XDG_DATA_HOME/neurite/neurite.db]"},
    {"status", "STATUS", "list: only runs with this status"},
    {"tag", "TAG", "list: only runs with this tag"},
    {"model", "HASH", "list: only runs of this model (a prefix of its hash)"},
    {"data", "NAME", "list: only runs on this data set"},
    {"sort", "METRIC", "list: sort by this final metric, highest first (e.g. val/accuracy)"},
    {"ascending", "", "list: sort lowest first"},
    {"csv", "FILE", "export: the file to write"},
    {"out", "FILE", "checkpoint: the .safetensors file to write"},
    {"checkpoint", "ID", "checkpoint: which one (default: the last)"},
    {"remove", "", "tag: remove the tags instead"},
    {"help", "", "show this help"},
};

const char* kRunsUsage =
    "neurite runs list [--status S] [--tag T] [--model HASH] [--data NAME] [--sort METRIC [--ascending]]\n"
    "       neurite runs show RUN\n"
    "       neurite runs compare RUN RUN...\n"
    "       neurite runs export RUN... --csv FILE\n"
    "       neurite runs tag RUN TAG... [--remove]\n"
    "       neurite runs note RUN TEXT\n"
    "       neurite runs delete RUN...\n"
    "       neurite runs evaluate RUN\n"
    "       neurite runs checkpoint RUN --out FILE.safetensors [--checkpoint ID]";

std::int64_t runId(const std::string& text)
{
    std::size_t used = 0;
    long long id = 0;
    try {
        id = std::stoll(text, &used);
    } catch (const std::logic_error&) {
        used = 0;
    }
    if (used != text.size() || id < 1)
        throw ConfigError("'" + text + "' is not a run id (a positive number; see neurite runs list)");
    return id;
}

std::string when(double seconds)
{
    if (seconds <= 0)
        return "-";
    const std::time_t t = std::time_t(seconds);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", std::localtime(&t));
    return text;
}

std::string metricText(const std::map<std::string, double>& m, const std::string& name)
{
    const auto it = m.find(name);
    if (it == m.end())
        return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", it->second);
    return text;
}

int list(RunStore& store, const Args& args)
{
    RunFilter f{args.get("status", ""), args.get("tag", ""), args.get("model", ""), args.get("data", ""),
                args.get("sort", ""), args.has("ascending")};
    const auto runs = store.listRuns(f);
    std::printf("%5s  %-20s %-12s %-16s %-17s %10s %10s %10s\n", "id", "name", "status", "data", "created",
                "train loss", "val acc", "test acc");
    for (const auto& r : runs)
        std::printf("%5lld  %-20.20s %-12s %-16.16s %-17s %10s %10s %10s\n", (long long)r.run.id, r.run.name.c_str(),
                    r.run.status.c_str(), r.run.dataset.c_str(), when(r.run.createdAt).c_str(),
                    metricText(r.finalMetrics, "epoch/train_loss").c_str(),
                    metricText(r.finalMetrics, "val/accuracy").c_str(),
                    metricText(r.finalMetrics, "test/accuracy").c_str());
    std::printf("%zu run(s) in %s\n", runs.size(), store.path().c_str());
    return kOk;
}

// The layers at the run's last recorded telemetry snapshot: their numbers and health verdicts.
void printLayerHealth(RunStore& store, std::int64_t id)
{
    const auto records = store.telemetry(id);
    if (records.empty())
        return;
    const TelemetrySnapshot s = decodeTelemetry(records.back().data);
    std::printf("\nlayers at step %lld (telemetry: %zu snapshots, %.1f KiB stored)%s%s:\n", (long long)s.step,
                records.size(), double(store.telemetryBytes(id)) / 1024,
                s.firstNonFinite.empty() ? "" : "; first non-finite: ", s.firstNonFinite.c_str());
    std::printf("  %-14s %-16s %11s %11s %9s %9s %9s  %s\n", "layer", "type", "out mean", "out std", "dead", "|g|",
                "update", "health");
    for (const LayerTelemetry& l : s.layers) {
        if (!l.hasActivation && !l.learned)
            continue;
        const HealthVerdict v = judgeLayer(l, s.firstNonFinite);
        const std::string dead = l.units ? std::to_string(l.deadUnits) + "/" + std::to_string(l.units) : "-";
        char grad[16] = "-", update[16] = "-";
        if (l.learned) {
            std::snprintf(grad, sizeof grad, "%.2e", l.gradient.norm);
            std::snprintf(update, sizeof update, "%.1e", l.updateRatio);
        }
        // A layer fused with the ones after it is measured where their shared buffer is: say so.
        const std::string measured = l.activationAfter.empty() ? "" : "  (output after " + l.activationAfter + ")";
        std::printf("  %-14s %-16s %11.4g %11.4g %9s %9s %9s  %s%s%s%s\n", l.node.c_str(), l.type.c_str(),
                    l.activation.mean, l.activation.std, dead.c_str(), grad, update, healthName(v.health),
                    v.health == LayerHealth::Healthy ? "" : ": ", v.health == LayerHealth::Healthy ? "" : v.summary.c_str(),
                    measured.c_str());
    }
}

int show(RunStore& store, std::int64_t id)
{
    const RunRecord r = store.run(id);
    std::printf("run        %lld  %s\n", (long long)r.id, r.name.c_str());
    std::printf("status     %s%s\n", r.status.c_str(), r.message.empty() ? "" : (" (" + r.message + ")").c_str());
    std::printf("created    %s   started %s   ended %s\n", when(r.createdAt).c_str(), when(r.startedAt).c_str(),
                when(r.endedAt).c_str());
    std::printf("model      %s (sha256 %s)\n", modelFromText(r.modelJson).name.c_str(), r.modelHash.substr(0, 16).c_str());
    std::printf("data       %s  %s\n", r.dataset.c_str(), r.datasetSettings.dump().c_str());
    std::printf("settings   %s\n", jobToJson(jobOfRun(r)).dump().c_str());
    std::printf("seed       %llu\n", (unsigned long long)r.seed);
    std::printf("device     %s\n", r.device.value("description", "").c_str());
    std::printf("machine    %s\n", r.machine.dump().c_str());
    std::string tags;
    for (const auto& t : r.tags)
        tags += (tags.empty() ? "" : ", ") + t;
    std::printf("tags       %s\n", tags.empty() ? "-" : tags.c_str());
    if (!r.notes.empty())
        std::printf("notes      %s\n", r.notes.c_str());
    std::printf("\nmetrics (final value, points):\n");
    for (const auto& name : store.metricNames(id)) {
        const auto points = store.metrics(id, name);
        std::printf("  %-26s %12.5g  %zu\n", name.c_str(), points.empty() ? 0.0 : points.back().value, points.size());
    }
    std::printf("\ncheckpoints:\n");
    for (const auto& c : store.checkpoints(id))
        std::printf("  %-5lld epoch %-4d step %-8lld %8.1f KiB  %s %s  sha256 %s…\n", (long long)c.id, c.epoch,
                    (long long)c.step, double(c.bytes) / 1024, c.metricName.c_str(),
                    c.metricValue ? std::to_string(*c.metricValue).c_str() : "-", c.sha256.substr(0, 12).c_str());
    printLayerHealth(store, id);
    if (const auto eval = store.artefact(id, "evaluation", "test")) {
        std::printf("\ntest evaluation: loss %.4f", eval->value("loss", 0.0));
        if (eval->contains("accuracy"))
            std::printf("  accuracy %.4f", eval->value("accuracy", 0.0));
        std::printf("\n");
        if (eval->contains("per_class")) {
            std::printf("  %-16s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "support");
            for (const auto& c : (*eval)["per_class"])
                std::printf("  %-16s %9.4f %9.4f %9.4f %8lld\n", c.value("class", "").c_str(), c.value("precision", 0.0),
                            c.value("recall", 0.0), c.value("f1", 0.0), (long long)c.value("support", 0));
        }
    }
    return kOk;
}

int compare(RunStore& store, const std::vector<std::int64_t>& ids)
{
    std::vector<RunRecord> runs;
    for (auto id : ids)
        runs.push_back(store.run(id));
    std::printf("%-26s", "");
    for (const auto& r : runs)
        std::printf(" %18s", ("run " + std::to_string(r.id)).c_str());
    std::printf("\n");
    std::vector<nlohmann::json> settings;
    for (const auto& r : runs)
        settings.push_back(jobToJson(jobOfRun(r)));
    std::printf("settings that differ:\n");
    for (const auto& d : differingSettings(settings, {"version", "recording"})) {
        std::printf("  %-24s", d.key.c_str());
        for (const auto& v : d.values)
            std::printf(" %18.18s", v ? v->c_str() : "-");
        std::printf("\n");
    }
    std::printf("model:\n");
    const ModelGraph first = modelFromText(runs[0].modelJson);
    for (std::size_t i = 1; i < runs.size(); ++i) {
        const ModelDiff diff = diffModels(first, modelFromText(runs[i].modelJson));
        std::printf("  run %lld against run %lld:%s\n", (long long)runs[i].id, (long long)runs[0].id,
                    diff.empty() ? " the same model" : "");
        std::istringstream lines(modelDiffText(diff));
        for (std::string line; std::getline(lines, line);)
            std::printf("    %s\n", line.c_str());
    }
    std::printf("metrics (final / best):\n");
    std::set<std::string> names;
    for (auto id : ids)
        for (const auto& n : store.metricNames(id))
            names.insert(n);
    for (const auto& name : names) {
        const MetricInfo* info = findMetric(name);
        if (info && info->scope == MetricScope::Step)
            continue;  // per-step metrics are for charts
        std::printf("  %-24s", name.c_str());
        for (auto id : ids) {
            const auto points = store.metrics(id, name);
            const auto best = bestValue(points, higherIsBetter(name));
            if (points.empty() || !best) {
                std::printf(" %18s", "-");
                continue;
            }
            char text[40];
            std::snprintf(text, sizeof text, "%.4g/%.4g", points.back().value, *best);
            std::printf(" %18s", text);
        }
        std::printf("\n");
    }
    return kOk;
}

int exportCsv(RunStore& store, const std::vector<std::int64_t>& ids, const std::string& file)
{
    const std::size_t rows = saveMetricsCsv(store, ids, file);
    std::printf("wrote %zu metric points of %zu run(s) to %s\n", rows, ids.size(), file.c_str());
    return kOk;
}

// Evaluates the run's best checkpoint (else its last) on its data set's test part.
int evaluate(RunStore& store, std::int64_t id)
{
    const auto evaluation = evaluateRun(store, id);
    const EvalResult& e = evaluation->result;
    std::printf("run %lld, checkpoint %lld (epoch %d): test loss %.4f", (long long)id, (long long)evaluation->checkpointId,
                evaluation->epoch, e.loss);
    if (e.classes)
        std::printf("  accuracy %.4f  top-5 %.4f", e.accuracy, e.topK);
    std::printf("  (%lld samples)\n", (long long)e.samples);
    return kOk;
}

} // namespace

int runsCommand(const std::vector<std::string>& argv)
{
    Args args("neurite runs", kOptions, argv);
    const auto& pos = args.positional();
    if (args.has("help") || pos.empty()) {
        std::cout << helpText(kRunsUsage, "The runs recorded in the workspace.", kOptions);
        return pos.empty() && !args.has("help") ? kUsage : kOk;
    }
    const std::string path = args.get("workspace", RunStore::defaultPath());
    const auto opened = openWorkspace(path);  // a read-only workspace can still be read
    RunStore& store = *opened;
    const std::string& what = pos[0];
    std::vector<std::int64_t> ids;
    const auto needRuns = [&](std::size_t at, std::size_t least) {
        if (pos.size() < at + least)
            throw ConfigError("neurite runs " + what + " needs " + (least > 1 ? "at least two run ids" : "a run id"));
    };
    if (what == "list")
        return list(store, args);
    if (what == "show") {
        needRuns(1, 1);
        return show(store, runId(pos[1]));
    }
    if (what == "compare" || what == "export" || what == "delete") {
        needRuns(1, what == "compare" ? 2 : 1);
        for (std::size_t i = 1; i < pos.size(); ++i)
            ids.push_back(runId(pos[i]));
        if (what == "compare")
            return compare(store, ids);
        if (what == "export") {
            if (!args.has("csv"))
                throw ConfigError("neurite runs export needs --csv FILE");
            return exportCsv(store, ids, *args.get("csv"));
        }
        for (auto id : ids) {
            store.deleteRun(id);
            std::printf("deleted run %lld\n", (long long)id);
        }
        return kOk;
    }
    if (what == "tag") {
        needRuns(1, 1);
        const std::vector<std::string> tags(pos.begin() + 2, pos.end());
        if (tags.empty())
            throw ConfigError("neurite runs tag needs at least one tag");
        args.has("remove") ? store.setTags(runId(pos[1]), {}, tags) : store.setTags(runId(pos[1]), tags, {});
        return kOk;
    }
    if (what == "note") {
        if (pos.size() != 3)
            throw ConfigError("neurite runs note needs a run id and the text (quoted)");
        store.setNotes(runId(pos[1]), pos[2]);
        return kOk;
    }
    if (what == "evaluate") {
        needRuns(1, 1);
        return evaluate(store, runId(pos[1]));
    }
    if (what == "checkpoint") {
        needRuns(1, 1);
        const auto out = args.get("out");
        if (!out)
            throw ConfigError("neurite runs checkpoint needs --out FILE.safetensors");
        const auto all = store.checkpoints(runId(pos[1]));
        if (all.empty())
            throw ConfigError("run " + pos[1] + " has no checkpoint");
        const std::int64_t id = args.has("checkpoint") ? args.getInt("checkpoint", 0) : all.back().id;
        store.exportCheckpoint(id, *out);
        std::printf("wrote checkpoint %lld to %s\n", (long long)id, out->c_str());
        return kOk;
    }
    throw ConfigError("unknown runs command '" + what + "'; see neurite runs --help");
}

} // namespace neurite::cli
