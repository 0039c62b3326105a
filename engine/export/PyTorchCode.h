#pragma once
// The model as PyTorch code: an nn.Module with one attribute per layer (named after the node, so
// the names match our weight tensors: "fc1.weight"), and a forward() that follows the graph in
// topological order with each tensor's shape written beside it. The studio's Code dock shows this
// text and the PyTorch export writes it. Each layer's constructor comes from the catalogue.
#include "engine/graph/ModelGraph.h"
#include "engine/graph/ShapeInference.h"

#include <string>

namespace neurite {

// Throws ModelError when the graph is not valid (the code must run).
std::string pytorchCode(const ModelGraph& graph, const std::string& className = {});

// One layer as its PyTorch module, sizes filled in from the inferred shapes:
// "nn.Conv2d(1, 6, 5, stride=1, padding=2, dilation=1, groups=1, bias=True)".
std::string pytorchModule(const Node& node, const NodeInfo& info);

// A node id as a Python identifier ("conv-1" → "conv_1").
std::string pythonName(const std::string& id);

} // namespace neurite
