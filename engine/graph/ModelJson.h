#pragma once
// The versioned model JSON: the one contract between studio, CLI, store and exporters.
//
// Version 2 (current):
//   {"format": "neurite-model", "version": 2, "name": "...",
//    "nodes": [{"id": "fc1", "type": "Linear", "attrs": {"out_features": 256}, "pos": [x, y]}, ...],
//    "edges": [{"from": "flatten.out", "to": "fc1.in"}, ...],
//    "training": {...}}   optional: the studio's training settings (a job's JSON, engine/run/Job.h)
// Version 1 (a plain chain of layers, still accepted and migrated to a graph):
//   {"version": 1, "name": "...", "input": [1, 28, 28], "layers": [{"type": "Flatten"}, ...]}
#include "engine/graph/ModelGraph.h"

#include <string>

namespace neurite {

constexpr int kModelFormatVersion = 2;

// Throws ModelError (with the source name in the message) for malformed or newer documents.
ModelGraph modelFromJson(const nlohmann::json& doc, const std::string& source = "model");
ModelGraph modelFromText(const std::string& text, const std::string& source = "model");
ModelGraph loadModel(const std::string& path);       // DataError when the file cannot be read

nlohmann::json modelToJson(const ModelGraph& graph);
void saveModel(const ModelGraph& graph, const std::string& path);

} // namespace neurite
