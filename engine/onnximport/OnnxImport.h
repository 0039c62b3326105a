#pragma once
// An ONNX model as a Neurite model: the graph the designer opens and the trainer fine-tunes, and its
// weights under Neurite's parameter names ("fc1.weight", "bn1.running_mean"), read with the official
// ONNX library (Debian's libonnx-dev 1.12, protobuf).
//
// - Operators (default domain, opsets 1 to 17: before 7, is_test = 1 is required), each mapped only where Neurite computes exactly the
//   same thing: Gemm, MatMul (+ Add of a bias) → Linear; Conv → Conv2d; MaxPool, AveragePool,
//   GlobalAveragePool → the pools; BatchNormalization → BatchNorm1d/2d; LayerNormalization over
//   the whole sample → LayerNorm; Relu, LeakyRelu, Elu, Sigmoid, Tanh, Softmax; Flatten, Reshape
//   (the batch kept); Add and Concat of two branches; Dropout → Dropout(p); Identity skipped.
// - Patterns: Div(√2) → Erf → Add(1) → Mul(x) → Mul(½) → GELU; x · Sigmoid(x) → SiLU;
//   GlobalAveragePool → Flatten → GlobalAvgPool2d; the spelled-out layer norm (ReduceMean → Sub →
//   Mul → ReduceMean → Add → Sqrt → Div → Mul → Add) → LayerNorm. Everything OnnxExport.h writes.
// - Anything else is refused with an OnnxImportError naming the ONNX node, its operator and why
//   (asymmetric padding, ceil_mode that changes the output, a pool's dilations, a non-square
//   kernel, broadcasting, an axis Neurite does not normalise over, ...): never a model that
//   computes something else.
// - One graph input is the data: the Input node's shape is its dims without the first (the batch,
//   symbolic or fixed). The first graph output is the network's output; a loss is appended after
//   it (see OnnxImportOptions::loss) so that the model trains.
//
// Thread safety: none needed; the functions share nothing.
#include "engine/core/Error.h"
#include "engine/core/Tensor.h"
#include "engine/export/TrainedModel.h"

#include <map>
#include <string>
#include <vector>

namespace neurite {

// A node that cannot be imported soundly: the ONNX node's name (or "#index" when it has none), its
// operator and why: "ONNX node 'conv1' (Conv) cannot be imported: ...".
class OnnxImportError : public ModelError {
public:
    OnnxImportError(std::string onnxNode, std::string opType, const std::string& why);
    const std::string& onnxNode() const { return onnxNode_; }
    const std::string& opType() const { return opType_; }

private:
    std::string onnxNode_, opType_;
};

struct OnnxImportOptions {
    // Graph inputs bound to values (they become weights or constants): ONNX's node tests pass
    // weights as graph inputs. Integer tensors (a Reshape's shape) are given as floats.
    std::map<std::string, Tensor> constantInputs;
    // The loss appended after the output: "auto", "CrossEntropyLoss", "MSELoss" or
    // "BCEWithLogitsLoss". Auto: CrossEntropyLoss for one score vector per sample (2 or more
    // scores); MSELoss against the input when the output has the input's shape (an autoencoder);
    // else MSELoss against the one-hot class. MSELoss compares with the input when the shapes
    // match, else with the class.
    std::string loss = "auto";
    // A Softmax that ends the network is removed before CrossEntropyLoss, which takes the logits.
    bool removeFinalSoftmax = true;
};

struct OnnxImportResult {
    TrainedModel model;                   // valid graph (analyse() has no errors) and every parameter
    std::vector<std::string> notes;       // what the import decided: "Softmax at the end removed: ..."
    int opset = 0;                        // of the default domain
};

// Reads and maps `path`. Throws DataError (with the path) for a file that cannot be read or is not
// an ONNX model (truncated, corrupt); OnnxImportError for a node refused; ModelError for a model
// without one float data input or an output. Never a partial model.
OnnxImportResult importOnnx(const std::string& path, const OnnxImportOptions& options = {});

// What a file holds, without importing it: for tests and front ends.
struct OnnxModelSummary {
    int opset = 0;                        // of the default domain
    std::vector<std::string> operators;   // each node's op_type, in graph order
    std::vector<std::string> inputs;      // graph inputs that are not initializers, in order
    std::vector<std::string> outputs;
};
// Throws DataError (with the path) like importOnnx.
OnnxModelSummary describeOnnx(const std::string& path);

// One serialised TensorProto (ONNX's test data: input_0.pb, output_0.pb) as a float tensor, of any
// numeric type. Throws DataError with the path.
Tensor readOnnxTensor(const std::string& path);

} // namespace neurite
