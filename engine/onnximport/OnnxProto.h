#pragma once
// Private to neurite_onnx_import: ONNX's protobuf messages as plain values. Tensors become
// Constants (every numeric type as doubles: int64 shapes and float weights alike); attributes are
// read with their defaults.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

// A tensor known when the model is read: an initializer, a Constant node, a bound graph input.
struct Constant {
    std::vector<std::int64_t> dims;
    std::vector<double> values;          // row-major, numel(dims) of them
    std::int64_t numel() const;
    bool isScalar() const { return values.size() == 1; }   // [], [1], [1, 1], ...
};

// Throws Error (naming the tensor) for external data, a type that is not numeric, or a data
// length that does not match the dims.
Constant constantFrom(const onnx::TensorProto& tensor);

// Attributes of a node, with the default when absent.
const onnx::AttributeProto* findAttr(const onnx::NodeProto& node, const std::string& name);
std::int64_t intAttr(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback);
float floatAttr(const onnx::NodeProto& node, const std::string& name, float fallback);
std::string stringAttr(const onnx::NodeProto& node, const std::string& name, const std::string& fallback);
std::vector<std::int64_t> intsAttr(const onnx::NodeProto& node, const std::string& name,
                                   std::vector<std::int64_t> fallback = {});

// A float attribute as people wrote it: the shortest decimal that reads back as the same float
// (0.01f → 0.01, not 0.009999999776).
double decimal(float value);
// `value` rounded to `digits` significant digits (1 − 0.9 → 0.1).
double roundSignificant(double value, int digits);

} // namespace neurite
