#pragma once
// Private to neurite_onnx_import: the walk over an ONNX graph that builds the Neurite graph.
// OnnxImporter.cpp holds the values, the emission of nodes and the loss; OnnxOperators.cpp one
// function per operator (and the patterns that start at it).
#include "engine/onnximport/OnnxImport.h"
#include "engine/onnximport/OnnxProto.h"

#include "engine/core/Shape.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace neurite {

// A tensor computed by the network: the Neurite node whose output holds it, and its per-sample shape
// (the ONNX shape without the batch: equal by construction, checked against ONNX's shape inference).
struct NetValue {
    std::string node;
    Shape shape;
    std::string type;                    // of the producing node ("Softmax"), for the end of the network
};

class OnnxImporter {
public:
    OnnxImporter(const onnx::ModelProto& model, const OnnxImportOptions& options, std::string source);
    OnnxImportResult run();

    // ---- Used by the operator functions (OnnxOperators.cpp) -----------------------------------
    const onnx::NodeProto& node(int index) const { return graph_.node(index); }
    int opset() const { return opset_; }
    // Refuses the node being imported: throws OnnxImportError.
    [[noreturn]] void refuse(const std::string& why) const;
    // The node's input i: a network value or a constant; refuses when it is neither (or absent).
    bool hasInput(int i) const;
    bool isNet(const std::string& tensor) const { return net_.count(tensor) > 0; }
    bool isConstant(const std::string& tensor) const { return constants_.count(tensor) > 0; }
    const NetValue& netInput(int i) const;
    const Constant& constantInput(int i) const;
    const Constant* constantOrNull(const std::string& tensor) const;
    const NetValue* netOrNull(const std::string& tensor) const;
    // Adds a Neurite node fed by `inputs` (Neurite node ids, in port order) with attribute values
    // (defaults left out), named after `name`; refuses with Neurite's own diagnostic when the node
    // is not valid there. Returns the id.
    std::string emit(const std::string& name, const std::string& type, const nlohmann::json& attrs,
                     const std::vector<std::string>& inputs);
    const Shape& shapeOf(const std::string& id) const { return shapes_.at(id); }
    void parameter(const std::string& id, const std::string& suffix, const Shape& shape, std::vector<float> values);
    // The ONNX tensor `tensor` is computed by Neurite node `id` (shape checked with ONNX's).
    void produce(const std::string& tensor, const std::string& id);
    void alias(const std::string& tensor, const std::string& from);   // Identity, Dropout removed
    void defineConstant(const std::string& tensor, Constant value) { constants_[tensor] = std::move(value); }
    void note(std::string text) { notes_.push_back(std::move(text)); }
    // The one node reading `tensor` (−1 when none, several, or the tensor is a graph output).
    int soleConsumer(const std::string& tensor) const;
    bool isGraphOutput(const std::string& tensor) const { return graphOutputs_.count(tensor) > 0; }
    bool isUsed(const std::string& tensor) const;
    void consume(int index) { done_.at(std::size_t(index)) = true; }   // fused into a pattern
    // Per-sample ONNX shape from shape inference, if known.
    const std::vector<std::int64_t>* onnxShape(const std::string& tensor) const;
    std::int64_t fixedBatch() const { return fixedBatch_; }          // −1 when symbolic
    const std::string& outputTensor() const { return outputTensor_; }
    bool endsInCrossEntropy(const Shape& output) const;               // the loss that will be appended
    int current() const { return current_; }
    const OnnxImportOptions& options() const { return options_; }
    bool isFirstOutput(const std::string& tensor) const { return graph_.output_size() && graph_.output(0).name() == tensor; }
    std::vector<int> consumersOf(const std::string& tensor) const;
    // A second output of the node (indices, mask, statistics): noted when it is only a graph output,
    // refused when a node reads it.
    void dropSideOutputs(const std::string& what);

private:
    void bindInputs();
    void mapNode(int index);
    void appendLoss();
    void layout();
    std::string uniqueId(const std::string& name, const std::string& type);

    const onnx::GraphProto& graph_;
    const OnnxImportOptions& options_;
    std::string source_;
    int opset_ = 0;
    int current_ = -1;
    ModelGraph result_;
    std::map<std::string, Tensor> parameters_;
    std::vector<std::string> notes_;
    std::map<std::string, NetValue> net_;
    std::map<std::string, Constant> constants_;
    std::map<std::string, Shape> shapes_;                      // per Neurite node id
    std::map<std::string, std::vector<int>> consumers_;       // ONNX tensor → reading nodes
    std::map<std::string, std::vector<std::int64_t>> inferred_;   // per-sample shapes from ONNX
    std::set<std::string> graphOutputs_;
    std::vector<bool> done_;
    std::string inputTensor_, outputTensor_;
    std::int64_t fixedBatch_ = -1;
};

// One function per ONNX operator (OnnxOperators.cpp): maps node `index`; false when the operator
// is not one the importer knows.
bool importOperator(OnnxImporter& im, int index);

} // namespace neurite
