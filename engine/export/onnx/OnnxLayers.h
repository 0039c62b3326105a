#pragma once
// The ONNX form of each layer type: one function per type, found by type in one table
// (OnnxLayers.cpp). Each writes its nodes and initializers and returns the tensor that holds its
// result. The Input node and the losses are the exporter's own (the graph's input and outputs); a
// type the table lacks, or whose catalogue `onnx` says "not exported: ...", is refused.
#include "engine/export/TrainedModel.h"
#include "engine/export/onnx/OnnxGraph.h"
#include "engine/graph/ShapeInference.h"

#include <string>
#include <vector>

namespace neurite {

// One node being written.
struct OnnxLayer {
    const Node& node;
    const NodeInfo& info;                // per-sample shapes: inputs[i] and output
    const TrainedModel& model;
    OnnxGraph& graph;
    std::vector<std::string> inputs;     // the tensors feeding its ports, in port order: [batch × info.inputs[i]]
    std::string output;                  // the name its result takes (free: claimed for it)

    // The parameter "<id>.<suffix>" as an initializer of shape dims, under its Neurite name.
    // Throws ExportError when the model lacks it or holds another number of values.
    std::string parameter(const std::string& suffix, const std::vector<std::int64_t>& dims) const;
    // Names inside a decomposition: "gelu1/Erf" for nodes, fresh tensors alike.
    std::string inner(const std::string& what) const { return node.id + "/" + what; }
};

// Returns the tensor holding the layer's result: `output`, or one of its inputs for a layer that
// inference removes (Dropout).
using OnnxEmitter = std::string (*)(OnnxLayer& layer);

// The function for a layer type; nullptr when the type has none (refused).
OnnxEmitter onnxEmitter(const std::string& type);

} // namespace neurite
