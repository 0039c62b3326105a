#include "engine/run/ExportJob.h"

#include "engine/core/Error.h"
#include "engine/export/Bundle.h"
#include "engine/export/PyTorchExport.h"
#include "engine/export/PyTorchVerify.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/RunModel.h"
#if NEURITE_HAS_ONNX
#include "engine/export/onnx/OnnxExport.h"
#include "engine/export/onnx/OnnxVerify.h"
#endif

#include <ctime>
#include <filesystem>

namespace neurite {

namespace {

// A bundle proves itself by being read back: the same graph, the same outputs to the bit.
VerificationReport verifyBundle(const TrainedModel& model, const std::string& path)
{
    VerificationReport r;
    r.runtime = "Neurite";
    r.runtimeVersion = NEURITE_VERSION;
    r.samples = 8;
    r.tolerance = 0;
    const Bundle back = readBundle(path);
    const auto inputs = verificationInputs(model, r.samples);
    r.outputs.push_back(compareOutputs("output", referenceOutputs(model, inputs, r.samples),
                                       referenceOutputs(back.model, inputs, r.samples)));
    const bool sameGraph = modelToJson(back.model.graph) == modelToJson(model.graph);
    r.passed = sameGraph && r.outputs.back().maxAbs == 0;
    if (!sameGraph)
        r.message = "the bundle's model differs from the one written";
    else if (!r.passed)
        r.message = "the bundle's weights give other outputs";
    return r;
}

} // namespace

ExportFormat exportFormat(const std::string& name)
{
    if (name == "onnx")
        return ExportFormat::Onnx;
    if (name == "pytorch")
        return ExportFormat::PyTorch;
    if (name == "bundle")
        return ExportFormat::Bundle;
    throw ConfigError("export format '" + name + "': choose onnx, pytorch or bundle");
}

const char* exportFormatName(ExportFormat format)
{
    switch (format) {
    case ExportFormat::Onnx: return "onnx";
    case ExportFormat::PyTorch: return "pytorch";
    case ExportFormat::Bundle: return "bundle";
    }
    return "?";
}

bool onnxAvailable()
{
#if NEURITE_HAS_ONNX
    return true;
#else
    return false;
#endif
}

ExportOutcome exportModel(const TrainedModel& model, const JobSpec* job, const ExportRequest& request)
{
    if (request.out.empty())
        throw ConfigError("the export needs a file or folder to write");
    ExportOutcome outcome;
    outcome.record = {{"format", exportFormatName(request.format)}, {"path", request.out}, {"origin", model.origin},
                      {"at", double(std::time(nullptr))}};
    switch (request.format) {
    case ExportFormat::Onnx: {
#if NEURITE_HAS_ONNX
        OnnxExportOptions options;
        options.opset = request.opset;
        options.softmaxOutput = request.softmaxOutput;
        const OnnxExportResult written = exportOnnx(model, options, request.out);
        outcome.written = request.out + ": ONNX opset " + std::to_string(written.opset) + ", " +
                          std::to_string(written.nodes) + " nodes, " + std::to_string(written.bytes) + " bytes";
        outcome.record["opset"] = written.opset;
        if (request.verify)
            outcome.verification = verifyOnnx(model, request.out, options);
#else
        throw ConfigError("this build of Neurite has no ONNX export (libonnx-dev was missing when it was built)");
#endif
        break;
    }
    case ExportFormat::PyTorch: {
        const PyTorchExportResult written = exportPyTorch(model, job, request.out);
        outcome.written = request.out + "/:";
        for (const auto& f : written.files)
            outcome.written += " " + f;
        if (request.verify)
            outcome.verification = verifyPyTorch(model, request.out);
        break;
    }
    case ExportFormat::Bundle: {
        nlohmann::json metadata = {{"origin", model.origin}, {"neurite", NEURITE_VERSION}};
        if (job)
            metadata["job"] = jobToJson(*job);
        writeBundle(model, metadata, request.out);
        outcome.written = request.out + ": " + std::to_string(std::filesystem::file_size(request.out)) + " bytes";
        if (request.verify)
            outcome.verification = verifyBundle(model, request.out);
        break;
    }
    }
    if (outcome.verification)
        outcome.record["verification"] = outcome.verification->toJson();
    return outcome;
}

ExportOutcome exportRun(RunStore& store, std::int64_t runId, const std::string& checkpoint,
                        const ExportRequest& request)
{
    const RunModel run = loadRunModel(store, runId, checkpoint);
    ExportOutcome outcome = exportModel(run.model, &run.job, request);
    outcome.record["run"] = runId;
    outcome.record["checkpoint"] = run.checkpoint.id;
    try {
        store.addArtefact(runId, "export", std::string(exportFormatName(request.format)) + " " + request.out,
                          outcome.record);
    } catch (const StoreError& e) {   // a read-only workspace: the export stands, unrecorded
        outcome.notRecorded = e.what();
    }
    return outcome;
}

} // namespace neurite
