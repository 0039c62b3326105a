// neurite models check FILE | list
#include "app/cli/Args.h"
#include "app/cli/Commands.h"
#include "engine/core/Error.h"
#include "engine/export/PyTorchCode.h"
#include "engine/graph/Catalogue.h"
#include "engine/graph/ModelJson.h"
#include "engine/graph/ShapeInference.h"

#include <cstdio>
#include <iostream>

namespace neurite::cli {

namespace {

const std::vector<OptionSpec> kOptions = {
    {"batch", "N", "batch size for the activation memory column [128]"},
    {"help", "", "show this help"},
};

std::string human(double value, const char* unit)
{
    const char* prefixes[] = {"", "k", "M", "G", "T"};
    int p = 0;
    while (value >= 1000 && p < 4) {
        value /= 1000;
        ++p;
    }
    char text[32];
    std::snprintf(text, sizeof text, p ? "%.1f %s%s" : "%.0f %s%s", value, prefixes[p], unit);
    return text;
}

// Left-aligns text in a column of `width` characters (not bytes: shapes contain "×").
std::string column(const std::string& text, std::size_t width)
{
    std::size_t chars = 0;
    for (unsigned char c : text)
        chars += (c & 0xC0) != 0x80;
    return text + std::string(width > chars ? width - chars : 0, ' ');
}

std::string bytes(double value)
{
    const char* units[] = {"B", "KiB", "MiB", "GiB"};
    int u = 0;
    while (value >= 1024 && u < 3) {
        value /= 1024;
        ++u;
    }
    char text[32];
    std::snprintf(text, sizeof text, u ? "%.1f %s" : "%.0f %s", value, units[u]);
    return text;
}

int check(const std::string& path, std::int64_t batch)
{
    const ModelGraph graph = loadModel(path);
    const GraphAnalysis a = analyse(graph, batch);
    std::printf("%-16s %-18s %-14s %12s %14s %14s\n", "node", "type", "output", "parameters", "FLOPs/sample",
                ("memory@" + std::to_string(batch)).c_str());
    for (const auto& id : a.order) {
        const auto& info = a.info(id);
        const Node& node = *graph.find(id);
        std::printf("%s %s %s %12lld %14s %14s\n", column(id, 16).c_str(), column(node.type, 18).c_str(),
                    column(info.shaped ? info.output.str() : "?", 14).c_str(), (long long)info.params,
                    human(double(info.flops), "").c_str(), bytes(double(info.activationBytes)).c_str());
    }
    std::printf("%-16s %-18s %-14s %12lld %14s %14s\n", "total", "", "", (long long)a.totalParams,
                human(double(a.totalFlops), "").c_str(), bytes(double(a.totalActivationBytes)).c_str());
    for (const auto& d : a.problems)
        std::fprintf(stderr, "%s: %s\n", d.warning ? "warning" : "error", d.str().c_str());
    if (!a.ok()) {
        std::fprintf(stderr, "%s: %zu error(s)\n", path.c_str(), a.errors().size());
        return kModel;
    }
    std::printf("%s: valid (%zu nodes, %zu edges)\n", path.c_str(), graph.nodes.size(), graph.edges.size());
    return kOk;
}

int list()
{
    std::printf("layer types:\n");
    for (const auto& spec : Catalogue::instance().all()) {
        const auto stop = spec.summary.find(". ");
        const std::string first = stop == std::string::npos ? spec.summary : spec.summary.substr(0, stop + 1);
        std::printf("  %-18s %-15s %s\n", spec.type.c_str(), spec.category.c_str(), first.c_str());
    }
    return kOk;
}

} // namespace

int modelsCommand(const std::vector<std::string>& argv)
{
    Args args("neurite models", kOptions, argv);
    const auto& pos = args.positional();
    if (args.has("help") || pos.empty()) {
        std::cout << helpText("neurite models check MODEL.json [--batch N] | neurite models code MODEL.json | "
                              "neurite models list",
                              "check: validates a model and prints, per node, the output shape, parameters, FLOPs per\n"
                              "sample and activation memory per batch, or every problem with its node and a hint.\n"
                              "code: the model as a PyTorch nn.Module (parameter names match Neurite's weights).\n"
                              "list: the layer types of the catalogue.",
                              kOptions);
        return pos.empty() && !args.has("help") ? kUsage : kOk;
    }
    if (pos[0] == "check") {
        if (pos.size() != 2)
            throw ConfigError("neurite models check needs one model file");
        return check(pos[1], args.getInt("batch", 128));
    }
    if (pos[0] == "list")
        return list();
    if (pos[0] == "code") {
        if (pos.size() != 2)
            throw ConfigError("neurite models code needs one model file");
        std::cout << pytorchCode(loadModel(pos[1]));
        return kOk;
    }
    throw ConfigError("unknown models command '" + pos[0] + "' (check, list)");
}

} // namespace neurite::cli
