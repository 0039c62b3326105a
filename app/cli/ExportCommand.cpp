// neurite export RUN|MODEL.json --format onnx|pytorch|bundle --out PATH: a trained model out of
// Neurite, proven (with --verify) by running it in the runtime it is for (engine/run/ExportJob).
#include "app/cli/Args.h"
#include "app/cli/Commands.h"
#include "engine/core/Error.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/ExportJob.h"
#include "engine/run/Workspace.h"

#include <cstdio>
#include <iostream>

namespace neurite::cli {

namespace {

const std::vector<OptionSpec> kOptions = {
    {"format", "FORMAT", "onnx, pytorch (a folder: model.py, model.safetensors, load.py, train.py) or bundle"},
    {"out", "PATH", "the file (onnx, bundle) or folder (pytorch) to write"},
    {"checkpoint", "WHICH", "a run's checkpoint: best (default), last or a checkpoint id"},
    {"opset", "N", "onnx: the opset, 13 to 17 [17]"},
    {"softmax", "", "onnx: a second output, the class probabilities (classifiers)"},
    {"verify", "", "run the export in its runtime on fixed inputs and compare with Neurite's outputs"},
    {"seed", "N", "a model file: the seed its weights are initialised from [1]"},
    {"workspace", "FILE", "the run store [$XDG_DATA_HOME/neurite/neurite.db]"},
    {"help", "", "show this help"},
};

const char* kExportUsage =
    "neurite export RUN|MODEL.json --format onnx|pytorch|bundle --out PATH [--checkpoint best|last|ID]\n"
    "               [--opset N] [--softmax] [--verify]";

bool isRunId(const std::string& text)
{
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

void printVerification(const VerificationReport& r)
{
    std::printf("verify  %s %s, %lld fixed inputs, tolerance %.0e (relative):\n", r.runtime.c_str(),
                r.runtimeVersion.c_str(), (long long)r.samples, r.tolerance);
    for (const auto& o : r.outputs)
        std::printf("        %-14s max |diff| %.3g  mean |diff| %.3g  max relative %.3g\n", o.name.c_str(), o.maxAbs,
                    o.meanAbs, o.maxRelative);
    std::printf("        %s%s%s\n", r.passed ? "passed" : "FAILED", r.message.empty() ? "" : ": ", r.message.c_str());
}

} // namespace

int exportCommand(const std::vector<std::string>& argv)
{
    const Args args("export", kOptions, argv);
    if (args.has("help")) {
        std::cout << helpText(kExportUsage,
                              "A model or a run's checkpoint as ONNX, a PyTorch folder or a Neurite bundle.", kOptions);
        return kOk;
    }
    if (args.positional().size() != 1)
        throw ConfigError(std::string("neurite export needs one run id or model file\nusage: ") + kExportUsage);
    ExportRequest request;
    request.format = exportFormat(args.get("format", ""));
    request.out = args.get("out", "");
    if (request.out.empty())
        throw ConfigError("neurite export needs --out PATH");
    request.opset = int(args.getInt("opset", 17));
    request.softmaxOutput = args.has("softmax");
    request.verify = args.has("verify");

    const std::string& source = args.positional()[0];
    ExportOutcome outcome;
    if (isRunId(source)) {
        const auto store = openWorkspace(args.get("workspace", RunStore::defaultPath()));
        outcome = exportRun(*store, std::stoll(source), args.get("checkpoint", "best"), request);
    } else {
        TrainedModel model = initialisedModel(loadModel(source), std::uint64_t(args.getInt("seed", 1)));
        model.origin = source + " (" + model.origin + ")";
        outcome = exportModel(model, nullptr, request);
    }
    std::printf("model   %s\n", outcome.record.value("origin", std::string()).c_str());
    std::printf("wrote   %s\n", outcome.written.c_str());
    if (outcome.verification)
        printVerification(*outcome.verification);
    if (!outcome.notRecorded.empty())
        std::fprintf(stderr, "neurite: the export is not recorded with the run: %s\n", outcome.notRecorded.c_str());
    return outcome.verification && !outcome.verification->passed ? kVerify : kOk;
}

} // namespace neurite::cli
