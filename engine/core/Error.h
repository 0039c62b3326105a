#pragma once
// Typed errors of the engine and the data sets. Each says what failed and where (node id, file and
// byte offset or line). Library code throws these; only app/ shows them to a person.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace neurite {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A problem in a model graph: the node it concerns (empty for the whole model) and a hint.
class ModelError : public Error {
public:
    ModelError(std::string nodeId, const std::string& message, std::string hint = {});
    const std::string& nodeId() const { return nodeId_; }
    const std::string& hint() const { return hint_; }

private:
    std::string nodeId_;
    std::string hint_;
};

// An export that cannot be written soundly (refused, never a wrong graph instead): the node it
// concerns and its layer type (both empty for the whole model: an unsupported opset), and why:
// "node 'ln1': LayerNorm cannot be exported to ONNX: ...".
class ExportError : public ModelError {
public:
    ExportError(std::string nodeId, std::string layerType, const std::string& message);
    const std::string& layerType() const { return layerType_; }

private:
    std::string layerType_;
};

// A problem in a data file: the file and the byte offset (or line, for text files).
class DataError : public Error {
public:
    enum class Where { None, ByteOffset, Line };
    DataError(std::string file, const std::string& message);
    DataError(std::string file, Where where, std::uint64_t position, const std::string& message);
    const std::string& file() const { return file_; }

private:
    std::string file_;
};

// A bad setting (command-line flag, config file key, attribute value out of range).
class ConfigError : public Error {
public:
    using Error::Error;
};

// A backend could not allocate memory: for what (a node id, "data set", "workspace"), the bytes
// asked for and, where the backend knows it, the bytes that were free. The message says all three.
class OutOfMemoryError : public Error {
public:
    OutOfMemoryError(std::string purpose, std::int64_t bytes, std::int64_t freeBytes, const std::string& device);
    const std::string& purpose() const { return purpose_; }
    std::int64_t bytes() const { return bytes_; }

private:
    std::string purpose_;
    std::int64_t bytes_;
};

// The training loss or an activation became NaN or Inf.
class DivergedError : public Error {
public:
    DivergedError(std::int64_t step, std::string nodeId, const std::string& message);
    std::int64_t step() const { return step_; }
    const std::string& nodeId() const { return nodeId_; }

private:
    std::int64_t step_;
    std::string nodeId_;
};

} // namespace neurite
