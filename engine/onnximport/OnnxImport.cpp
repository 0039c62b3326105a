// Reading an ONNX file (protobuf) and handing its graph to the importer (OnnxImporter.h).
#include "engine/onnximport/OnnxImport.h"

#include "engine/onnximport/OnnxImporter.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace neurite {

namespace {

std::string readFile(const std::string& path, const char* what)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DataError(path, std::string("cannot open the ") + what);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

onnx::ModelProto readModel(const std::string& path)
{
    const std::string bytes = readFile(path, "ONNX model");
    onnx::ModelProto model;
    // A truncated or corrupt file fails to parse, or parses into a model without a graph.
    if (bytes.empty() || !model.ParseFromString(bytes))
        throw DataError(path, "not an ONNX model: the file (" + std::to_string(bytes.size()) +
                                  " bytes) is not a valid ModelProto (truncated or corrupt?)");
    if (!model.has_graph() || model.graph().node_size() == 0 || model.graph().input_size() == 0 ||
        model.graph().output_size() == 0)
        throw DataError(path, "not an ONNX model: it has no graph, nodes, inputs or outputs (truncated or corrupt?)");
    return model;
}

} // namespace

OnnxModelSummary describeOnnx(const std::string& path)
{
    const onnx::ModelProto model = readModel(path);
    OnnxModelSummary s;
    for (const auto& o : model.opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx")
            s.opset = int(o.version());
    for (const auto& n : model.graph().node())
        s.operators.push_back(n.op_type());
    std::set<std::string> initialised;
    for (const auto& t : model.graph().initializer())
        initialised.insert(t.name());
    for (const auto& in : model.graph().input())
        if (!initialised.count(in.name()))
            s.inputs.push_back(in.name());
    for (const auto& out : model.graph().output())
        s.outputs.push_back(out.name());
    return s;
}

OnnxImportResult importOnnx(const std::string& path, const OnnxImportOptions& options)
{
    const onnx::ModelProto model = readModel(path);
    OnnxImporter importer(model, options, path);
    OnnxImportResult result = importer.run();
    if (result.model.graph.name.empty())
        result.model.graph.name = std::filesystem::path(path).stem().string();
    return result;
}

Tensor readOnnxTensor(const std::string& path)
{
    const std::string bytes = readFile(path, "tensor file");
    onnx::TensorProto proto;
    if (!proto.ParseFromString(bytes))
        throw DataError(path, "not a serialised ONNX TensorProto (truncated or corrupt?)");
    try {
        const Constant c = constantFrom(proto);
        Tensor t{Shape(c.dims)};
        for (std::int64_t i = 0; i < c.numel(); ++i)
            t[i] = float(c.values[std::size_t(i)]);
        return t;
    } catch (const Error& e) {
        throw DataError(path, e.what());
    }
}

} // namespace neurite
