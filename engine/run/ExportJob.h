#pragma once
// Exporting a trained model, for every front end (neurite export, the studio's Export dialog): a
// run's checkpoint or a model file, as ONNX, a PyTorch folder or a Neurite bundle, verified on
// request in the runtime the export is for; a run's export and its proof are recorded with the run.
#include "engine/export/TrainedModel.h"
#include "engine/export/Verification.h"
#include "engine/run/Job.h"
#include "engine/store/RunStore.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace neurite {

enum class ExportFormat { Onnx, PyTorch, Bundle };

struct ExportRequest {
    ExportFormat format = ExportFormat::Onnx;
    std::string out;                   // a file (onnx, bundle) or a folder (pytorch)
    int opset = 17;                    // onnx: 13 to 17
    bool softmaxOutput = false;        // onnx: the class probabilities as a second output
    bool verify = true;
};

struct ExportOutcome {
    std::string written;               // what was written, in words: "model.onnx: ONNX opset 17, 9 nodes, …"
    std::optional<VerificationReport> verification;
    nlohmann::json record;             // what the run keeps (artefact kind "export")
    std::string notRecorded;           // why the run could not keep it (a read-only workspace)
};

// "onnx" | "pytorch" | "bundle"; ConfigError otherwise.
ExportFormat exportFormat(const std::string& name);
const char* exportFormatName(ExportFormat format);
bool onnxAvailable();                  // built with libonnx

// Exports `model` (job: how it was trained, for train.py; may be null). Errors: ExportError (a
// layer the format cannot express, naming the node), ConfigError (settings), DataError (files).
ExportOutcome exportModel(const TrainedModel& model, const JobSpec* job, const ExportRequest& request);

// A run's checkpoint ("best", "last" or an id), recorded with the run when the store is writable.
ExportOutcome exportRun(RunStore& store, std::int64_t runId, const std::string& checkpoint,
                        const ExportRequest& request);

} // namespace neurite
