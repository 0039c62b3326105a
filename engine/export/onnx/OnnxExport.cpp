#include "engine/export/onnx/OnnxExport.h"

#include "engine/core/Error.h"
#include "engine/export/onnx/OnnxGraph.h"
#include "engine/export/onnx/OnnxLayers.h"
#include "engine/graph/Catalogue.h"
#include "engine/graph/ShapeInference.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <map>

namespace neurite {

namespace {

const char* kRefused = "not exported:";

// What the tensor feeding the loss holds.
std::string outputName(const std::string& lossType)
{
    return lossType == "MSELoss" ? "output" : "logits";
}

bool addsProbabilities(const std::string& lossType, const OnnxExportOptions& options)
{
    return options.softmaxOutput && lossType == "CrossEntropyLoss";
}

void checkOpset(int opset)
{
    if (opset < kOnnxMinOpset || opset > kOnnxMaxOpset)
        throw ExportError({}, {}, "ONNX opset " + std::to_string(opset) + " is not supported: choose " +
                                      std::to_string(kOnnxMinOpset) + " to " + std::to_string(kOnnxMaxOpset) +
                                      " (" + std::to_string(kOnnxMaxOpset) + ", the default, is the newest " +
                                      "this build's ONNX library knows)");
}

// The nodes of the graph in topological order, then its outputs.
struct Writer {
    const TrainedModel& model;
    const GraphAnalysis& analysis;
    onnx::ModelProto& proto;
    OnnxGraph graph;
    std::map<std::string, std::string> tensorOf;   // node id → the ONNX tensor of its output

    Writer(const TrainedModel& m, const GraphAnalysis& a, int opset, onnx::ModelProto& p)
        : model(m), analysis(a), proto(p), graph(*p.mutable_graph(), opset)
    {
    }

    void write(const std::vector<std::string>& outputs)
    {
        const ModelGraph& g = model.graph;
        const std::string lossInput = g.edgeInto(analysis.lossNode, "in")->from.node;
        graph.reserve("input");
        for (const auto& name : outputs)
            graph.reserve(name);
        for (const auto& [name, tensor] : model.parameters)
            graph.reserve(name);

        setFloatType(*proto.mutable_graph()->add_input(), "input", analysis.info(analysis.inputNode).output.dims());
        for (const auto& id : analysis.order) {
            const Node& node = *g.find(id);
            const LayerSpec& spec = *Catalogue::instance().find(node.type);
            if (spec.role == LayerRole::Input) {
                tensorOf[id] = "input";
                continue;
            }
            if (spec.role == LayerRole::Loss)
                continue;
            if (spec.onnx.rfind(kRefused, 0) == 0)
                refuse(node, spec.onnx.substr(std::string(kRefused).size() + 1));
            const OnnxEmitter emit = onnxEmitter(node.type);
            if (!emit)
                refuse(node, "no ONNX form is written for it yet");
            OnnxLayer layer{node, analysis.info(id), model, graph, {}, id == lossInput ? outputs[0] : graph.fresh(id)};
            for (const auto& port : spec.inputs)
                layer.inputs.push_back(tensorOf.at(g.edgeInto(id, port)->from.node));
            tensorOf[id] = emit(layer);
        }

        // The tensor that feeds the loss is the first output; a removed Dropout or the input itself
        // in that place leaves it under another name.
        if (tensorOf.at(lossInput) != outputs[0])
            graph.node("Identity", outputs[0], {tensorOf.at(lossInput)}, {outputs[0]});
        const auto& dims = analysis.info(lossInput).output.dims();
        setFloatType(*proto.mutable_graph()->add_output(), outputs[0], dims);
        if (outputs.size() > 1) {
            auto& softmax = graph.node("Softmax", outputs[1], {outputs[0]}, {outputs[1]});
            setInt(softmax, "axis", 1);
            setFloatType(*proto.mutable_graph()->add_output(), outputs[1], dims);
        }
    }

    [[noreturn]] static void refuse(const Node& node, const std::string& why)
    {
        throw ExportError(node.id, node.type, node.type + " cannot be exported to ONNX: " + why);
    }
};

void describe(onnx::ModelProto& proto, const TrainedModel& model, const GraphAnalysis& analysis, int opset)
{
    proto.set_ir_version(onnx::IR_VERSION);
    proto.set_producer_name("Neurite");
    proto.set_producer_version(NEURITE_VERSION);
    proto.set_model_version(1);
    auto* op = proto.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    const std::string name = model.graph.name.empty() ? "model" : model.graph.name;
    proto.set_doc_string(name + ", exported by Neurite Studio " NEURITE_VERSION " from " +
                         (model.origin.empty() ? std::string("an unnamed model") : model.origin) +
                         ". The loss (" + model.graph.find(analysis.lossNode)->type +
                         ") is left out; inference form: Dropout removed, batch norm with running statistics.");
    proto.mutable_graph()->set_name(name);
    auto meta = [&](const std::string& key, const std::string& value) {
        auto* p = proto.add_metadata_props();
        p->set_key(key);
        p->set_value(value);
    };
    meta("neurite.origin", model.origin);
    meta("neurite.loss", model.graph.find(analysis.lossNode)->type);
}

// ONNX's own checker, then its shape inference in strict mode with type checks: an inferred shape
// that contradicts a declared one (the outputs') fails too. The inferred shapes stay in the file.
void check(onnx::ModelProto& proto)
{
    try {
        onnx::checker::check_model(proto);
    } catch (const std::exception& e) {
        throw ExportError({}, {}, std::string("the ONNX checker rejects the export: ") + e.what());
    }
    try {
        onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(),
                                           onnx::ShapeInferenceOptions(true, 1, true));
    } catch (const std::exception& e) {
        throw ExportError({}, {}, std::string("ONNX shape inference fails on the export: ") + e.what());
    }
}

} // namespace

std::vector<std::string> onnxOutputNames(const TrainedModel& model, const OnnxExportOptions& options)
{
    const GraphAnalysis analysis = analyse(model.graph);
    requireValid(analysis);
    const std::string loss = model.graph.find(analysis.lossNode)->type;
    std::vector<std::string> names = {outputName(loss)};
    if (addsProbabilities(loss, options))
        names.push_back("probabilities");
    return names;
}

OnnxExportResult exportOnnx(const TrainedModel& model, const OnnxExportOptions& options, const std::string& path)
{
    checkOpset(options.opset);
    const GraphAnalysis analysis = analyse(model.graph);
    requireValid(analysis);
    const std::vector<std::string> outputs = onnxOutputNames(model, options);

    onnx::ModelProto proto;
    describe(proto, model, analysis, options.opset);
    Writer writer(model, analysis, options.opset, proto);
    writer.write(outputs);
    check(proto);

    const std::size_t bytes = proto.ByteSizeLong();
    if (bytes > std::size_t(INT_MAX))
        throw ExportError({}, {}, "the model needs " + std::to_string(bytes >> 20) + " MiB, over the 2 GiB one ONNX "
                                  "file can hold (weights as external data are not written yet)");
    // Into a neighbour first, so that a failed write leaves no half a file under `path`.
    const std::string part = path + ".part";
    {
        std::ofstream file(part, std::ios::binary | std::ios::trunc);
        const bool written = file && proto.SerializeToOstream(&file) && file.flush();
        file.close();
        std::error_code ec;
        if (written)
            std::filesystem::rename(part, path, ec);
        if (!written || ec) {
            std::filesystem::remove(part, ec);
            throw Error("cannot write the ONNX file '" + path + "'");
        }
    }
    OnnxExportResult result;
    result.opset = options.opset;
    result.inputs = {"input"};
    result.outputs = outputs;
    result.nodes = writer.graph.nodes();
    result.bytes = std::int64_t(std::filesystem::file_size(path));
    return result;
}

} // namespace neurite
