#pragma once
// What changed from one model graph to another: nodes added, removed and changed (type or
// attributes, by node id), and edges added and removed. Canvas positions are layout, not model,
// and are not compared. A renamed node shows as one removed and one added; a rewired input as
// one edge removed and one added.
#include "engine/graph/ModelGraph.h"

#include <optional>
#include <string>
#include <vector>

namespace neurite {

struct AttributeChange {
    std::string name;                     // "out_features"
    std::optional<nlohmann::json> before; // nullopt: not set, so the layer's default
    std::optional<nlohmann::json> after;
};

struct NodeChange {
    std::string id;
    std::string typeBefore, typeAfter;       // equal unless the type changed
    std::vector<AttributeChange> attributes; // by name; only those that differ
    bool typeChanged() const { return typeBefore != typeAfter; }
};

struct ModelDiff {
    std::vector<Node> added;         // in the order of the new graph
    std::vector<Node> removed;       // in the order of the old graph
    std::vector<NodeChange> changed; // in the order of the new graph
    std::vector<Edge> edgesAdded;    // in the order of the new graph
    std::vector<Edge> edgesRemoved;  // in the order of the old graph
    bool empty() const;              // the same layers, attributes and connections
};

// From a (the old model) to b (the new one). Attributes are compared one top-level key at a time
// as JSON; an attribute absent on one side is reported with nullopt on that side.
ModelDiff diffModels(const ModelGraph& a, const ModelGraph& b);

// One line per change, in this order, "" for an empty diff:
//   + fc3 (Linear {"out_features": 10})
//   - drop1 (Dropout)
//   ~ fc1: out_features 256 -> 512
//   ~ act: type ReLU -> GELU, negative_slope 0.1 -> default (0.01)
//   + edge fc1.out -> fc2.in
//   - edge act.out -> fc2.in
// An absent attribute reads "default", with the catalogue's default value when the type is known.
std::string modelDiffText(const ModelDiff& diff);

} // namespace neurite
