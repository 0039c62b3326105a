#pragma once
// A trained model as an ONNX file, written with the official ONNX library and checked in-process by
// its checker and its shape inference before a byte is written.
//
// - Opset 13 to 17 (17 by default: the newest Debian's ONNX 1.12 knows); IR version 8.
// - One input, "input": [batch × the Input node's shape], the batch dimension symbolic ("batch").
// - The loss is left out: the export ends at the tensor that feeds it, named after what it holds:
//   "logits" (raw scores) before CrossEntropyLoss and BCEWithLogitsLoss, "output" before MSELoss.
//   With softmaxOutput and CrossEntropyLoss a second output, "probabilities" (Softmax, axis 1);
//   other losses have no class probabilities and get none.
// - Weights are initializers named as Neurite's parameters ("fc1.weight", "bn1.running_mean").
// - Inference form: Dropout removed, batch norm with its running statistics.
// - Each layer's mapping (OnnxLayers.cpp, and the `onnx` text of its catalogue entry): a layer
//   without a sound one is refused with an ExportError naming the node, its type and why.
//
// Thread safety: none needed; the functions share nothing.
#include "engine/export/TrainedModel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

constexpr int kOnnxMinOpset = 13;   // Softmax over one axis (before 13 it flattened the rest)
constexpr int kOnnxMaxOpset = 17;   // the newest ONNX 1.12 knows (LayerNormalization)

struct OnnxExportOptions {
    int opset = 17;                  // kOnnxMinOpset..kOnnxMaxOpset
    bool softmaxOutput = false;      // add "probabilities" (CrossEntropyLoss only)
};

struct OnnxExportResult {
    int opset = 17;
    std::vector<std::string> inputs, outputs;   // the graph's input and output names, in order
    std::int64_t nodes = 0, bytes = 0;          // ONNX nodes in the graph, bytes of the file
};

// The graph's outputs for this model and these options: {"logits"} or {"output"}, then
// "probabilities" where it applies. Throws ModelError for an invalid graph.
std::vector<std::string> onnxOutputNames(const TrainedModel& model, const OnnxExportOptions& options);

// Writes `path`. Throws ModelError for an invalid graph; ExportError for an opset outside
// 13..17, a refused layer (node id, type, reason), a parameter missing from `model` or of the
// wrong size, a model that ONNX's checker or shape inference rejects (what it said), or one over
// protobuf's 2 GiB; Error when the file cannot be written. Nothing is written when it throws.
OnnxExportResult exportOnnx(const TrainedModel& model, const OnnxExportOptions& options, const std::string& path);

} // namespace neurite
