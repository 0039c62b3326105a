#pragma once
// Validation and shape inference of a model graph: every problem with the node it concerns, what
// was expected, what was found and a hint; and per node and in total the output shape, parameter
// count, FLOPs per sample and activation memory per batch. Pure and cheap: the studio reruns it
// after every edit.
#include "engine/core/Shape.h"
#include "engine/graph/Attributes.h"
#include "engine/graph/ModelGraph.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace neurite {

struct NodeInfo {
    std::vector<Shape> inputs;          // per-sample shapes of the inputs, in port order
    Shape output;                       // per-sample output shape (scalar for a loss)
    std::int64_t params = 0;            // learned parameters
    std::int64_t flops = 0;             // forward FLOPs per sample (a multiply-add counts 2)
    std::int64_t activationBytes = 0;   // bytes of this node's output for the whole batch (fp32)
    bool shaped = false;                // false when an input or the node itself has a problem
};

struct GraphAnalysis {
    std::vector<std::string> order;     // topological order (all nodes, when there is no cycle)
    std::map<std::string, NodeInfo> nodes;
    std::vector<Diagnostic> problems;   // errors and warnings
    std::string inputNode, lossNode;
    std::int64_t batch = 1;
    std::int64_t totalParams = 0, totalFlops = 0, totalActivationBytes = 0;

    bool ok() const;                    // no errors (warnings allowed)
    std::vector<Diagnostic> errors() const;
    const NodeInfo& info(const std::string& id) const { return nodes.at(id); }
};

GraphAnalysis analyse(const ModelGraph& graph, std::int64_t batch = 1);

// Throws ModelError with the first error (and the number of others) when the graph is not valid.
void requireValid(const GraphAnalysis& analysis);

} // namespace neurite
