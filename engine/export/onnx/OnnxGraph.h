#pragma once
// A small writer over an ONNX GraphProto, private to neurite_onnx: nodes and their attributes,
// float initializers (Neurite's parameters, little-endian raw data), constants, and tensor names
// that never collide (a node id may be "logits" or "input").
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace neurite {

class OnnxGraph {
public:
    OnnxGraph(onnx::GraphProto& graph, int opset) : graph_(graph), opset_(opset) {}

    int opset() const { return opset_; }
    std::int64_t nodes() const { return graph_.node_size(); }

    // Claims a name (the graph's input and outputs, parameters) so that fresh() never returns it.
    void reserve(const std::string& name) { names_.insert(name); }
    // A tensor name of its own: `base`, else base_2, base_3, ... (claimed).
    std::string fresh(const std::string& base);

    // Appends op(inputs) → outputs, named `name` (the node id, "gelu1/Erf" inside a decomposition).
    // An empty input stands for an omitted optional one.
    onnx::NodeProto& node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs);
    // One output, a fresh name from `output`: returns that name.
    std::string op(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                   const std::string& output);

    // A float32 initializer `name` of shape dims (claimed; the name must be free).
    void initializer(const std::string& name, const std::vector<std::int64_t>& dims, const float* values);
    // Constants as initializers, under a fresh name from `base`: a float scalar, an int64 vector.
    std::string scalar(const std::string& base, float value);
    std::string int64s(const std::string& base, const std::vector<std::int64_t>& values);

private:
    onnx::GraphProto& graph_;
    int opset_;
    std::set<std::string> names_;
};

// Attributes of a node.
void setInt(onnx::NodeProto& node, const std::string& name, std::int64_t value);
void setFloat(onnx::NodeProto& node, const std::string& name, float value);
void setInts(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& values);

// A float32 tensor type [batch × dims], the batch symbolic: for the graph's inputs and outputs.
void setFloatType(onnx::ValueInfoProto& value, const std::string& name, const std::vector<std::int64_t>& dims);

} // namespace neurite
