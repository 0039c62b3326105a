#include "engine/graph/ModelJson.h"

#include "engine/core/Error.h"

#include <fstream>
#include <sstream>

namespace neurite {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& what, const std::string& hint = {})
{
    throw ModelError({}, source + ": " + what, hint);
}

PortRef parsePort(const json& value, const std::string& source, std::size_t edgeIndex, const char* end)
{
    if (!value.is_string())
        fail(source, "edge " + std::to_string(edgeIndex) + ": '" + end + "' must be a string \"node.port\"");
    const std::string text = value.get<std::string>();
    const auto dot = text.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == text.size())
        fail(source, "edge " + std::to_string(edgeIndex) + ": '" + text + "' is not of the form \"node.port\"");
    return {text.substr(0, dot), text.substr(dot + 1)};
}

// Version 1 was a plain chain of layers; each becomes a node wired to the one before it.
json migrateV1(const json& doc, const std::string& source)
{
    if (!doc.contains("input") || !doc["input"].is_array())
        fail(source, "version 1 model has no \"input\" shape");
    if (!doc.contains("layers") || !doc["layers"].is_array())
        fail(source, "version 1 model has no \"layers\" list");
    json out = {{"format", "neurite-model"}, {"version", 2}, {"name", doc.value("name", "")}};
    json nodes = json::array({{{"id", "input"}, {"type", "Input"}, {"attrs", {{"shape", doc["input"]}}}, {"pos", {0, 0}}}});
    json edges = json::array();
    std::string previous = "input";
    int index = 0;
    for (const auto& layer : doc["layers"]) {
        if (!layer.is_object() || !layer.contains("type") || !layer["type"].is_string())
            fail(source, "version 1 layer " + std::to_string(index) + " has no \"type\"");
        std::string type = layer["type"];
        std::string id = layer.value("id", type + std::to_string(++index));
        json attrs = layer;
        attrs.erase("type");
        attrs.erase("id");
        nodes.push_back({{"id", id}, {"type", type}, {"attrs", attrs}, {"pos", {200 * index, 0}}});
        edges.push_back({{"from", previous + ".out"}, {"to", id + ".in"}});
        previous = id;
    }
    out["nodes"] = nodes;
    out["edges"] = edges;
    return out;
}

} // namespace

ModelGraph modelFromJson(const json& input, const std::string& source)
{
    if (!input.is_object())
        fail(source, "a model must be a JSON object");
    if (!input.contains("version") || !input["version"].is_number_integer())
        fail(source, "missing integer \"version\"", "the current model format is version " + std::to_string(kModelFormatVersion));
    const int version = input["version"].get<int>();
    if (version > kModelFormatVersion)
        fail(source, "model format version " + std::to_string(version) + " is newer than this Neurite understands (" +
                         std::to_string(kModelFormatVersion) + ")",
             "open it with a newer Neurite");
    if (version < 1)
        fail(source, "unknown model format version " + std::to_string(version));
    const json doc = version == 1 ? migrateV1(input, source) : input;

    ModelGraph graph;
    graph.name = doc.value("name", "");
    if (input.contains("training")) {
        if (!input["training"].is_object())
            fail(source, "\"training\" must be an object of training settings");
        graph.training = input["training"];
    }
    if (!doc.contains("nodes") || !doc["nodes"].is_array())
        fail(source, "missing \"nodes\" list");
    std::size_t index = 0;
    for (const auto& n : doc["nodes"]) {
        const std::string at = "node " + std::to_string(index++);
        if (!n.is_object())
            fail(source, at + " is not an object");
        if (!n.contains("id") || !n["id"].is_string() || n["id"].get<std::string>().empty())
            fail(source, at + " has no \"id\" string");
        if (!n.contains("type") || !n["type"].is_string())
            fail(source, at + " ('" + n["id"].get<std::string>() + "') has no \"type\" string");
        Node node;
        node.id = n["id"];
        node.type = n["type"];
        if (graph.find(node.id))
            throw ModelError(node.id, source + ": two nodes have the id '" + node.id + "'", "ids must be unique");
        if (n.contains("attrs")) {
            if (!n["attrs"].is_object())
                throw ModelError(node.id, source + ": \"attrs\" must be an object");
            node.attrs = n["attrs"];
        }
        if (n.contains("pos") && n["pos"].is_array() && n["pos"].size() == 2 && n["pos"][0].is_number() && n["pos"][1].is_number()) {
            node.x = n["pos"][0];
            node.y = n["pos"][1];
        }
        graph.nodes.push_back(std::move(node));
    }
    if (doc.contains("edges")) {
        if (!doc["edges"].is_array())
            fail(source, "\"edges\" must be a list");
        std::size_t e = 0;
        for (const auto& edge : doc["edges"]) {
            if (!edge.is_object() || !edge.contains("from") || !edge.contains("to"))
                fail(source, "edge " + std::to_string(e) + " needs \"from\" and \"to\"");
            graph.edges.push_back({parsePort(edge["from"], source, e, "from"), parsePort(edge["to"], source, e, "to")});
            ++e;
        }
    }
    return graph;
}

ModelGraph modelFromText(const std::string& text, const std::string& source)
{
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        // nlohmann reports the byte offset; keep it in our message.
        throw ModelError({}, source + ": not valid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
    }
    return modelFromJson(doc, source);
}

ModelGraph loadModel(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DataError(path, "cannot open the model file");
    std::stringstream text;
    text << in.rdbuf();
    return modelFromText(text.str(), path);
}

json modelToJson(const ModelGraph& graph)
{
    json nodes = json::array();
    for (const auto& n : graph.nodes)
        nodes.push_back({{"id", n.id}, {"type", n.type}, {"attrs", n.attrs}, {"pos", {n.x, n.y}}});
    json edges = json::array();
    for (const auto& e : graph.edges)
        edges.push_back({{"from", e.from.node + "." + e.from.port}, {"to", e.to.node + "." + e.to.port}});
    json doc = {{"format", "neurite-model"}, {"version", kModelFormatVersion}, {"name", graph.name}, {"nodes", nodes}, {"edges", edges}};
    if (!graph.training.empty())
        doc["training"] = graph.training;
    return doc;
}

void saveModel(const ModelGraph& graph, const std::string& path)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw DataError(path, "cannot write the model file");
    out << modelToJson(graph).dump(2) << '\n';
    if (!out)
        throw DataError(path, "write failed");
}

} // namespace neurite
