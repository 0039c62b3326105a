// neurite import MODEL.onnx --out MODEL.json|MODEL.neurite: a model made elsewhere, as a Neurite
// model with its weights, to study in the studio and fine-tune (neurite train … --init).
#include "app/cli/Args.h"
#include "app/cli/Commands.h"
#include "engine/core/Error.h"
#include "engine/export/Bundle.h"
#include "engine/graph/ModelJson.h"
#include "engine/tensorio/Safetensors.h"
#if NEURITE_HAS_ONNX_IMPORT
#include "engine/onnximport/OnnxImport.h"
#endif

#include <cstdio>
#include <iostream>

namespace neurite::cli {

namespace {

const std::vector<OptionSpec> kOptions = {
    {"out", "FILE", "MODEL.json (its weights beside it, MODEL.safetensors) or MODEL.neurite (one bundle)"},
    {"loss", "NAME", "the loss appended: auto, CrossEntropyLoss, MSELoss or BCEWithLogitsLoss [auto]"},
    {"keep-softmax", "", "keep a Softmax that ends the network (it is removed before CrossEntropyLoss)"},
    {"help", "", "show this help"},
};

const char* kImportUsage = "neurite import MODEL.onnx --out MODEL.json|MODEL.neurite [--loss NAME] [--keep-softmax]";

bool endsWith(const std::string& s, const std::string& end)
{
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

} // namespace

int importCommand(const std::vector<std::string>& argv)
{
    const Args args("import", kOptions, argv);
    if (args.has("help")) {
        std::cout << helpText(kImportUsage, "An ONNX model as a Neurite model with its weights.", kOptions);
        return kOk;
    }
    if (args.positional().size() != 1)
        throw ConfigError(std::string("neurite import needs one .onnx file\nusage: ") + kImportUsage);
    const std::string out = args.get("out", "");
    if (!endsWith(out, ".json") && !endsWith(out, ".neurite"))
        throw ConfigError("--out: name a MODEL.json or a MODEL.neurite file");
#if NEURITE_HAS_ONNX_IMPORT
    const std::string& source = args.positional()[0];
    OnnxImportOptions options;
    options.loss = args.get("loss", "auto");
    options.removeFinalSoftmax = !args.has("keep-softmax");
    OnnxImportResult imported = importOnnx(source, options);
    const TrainedModel& model = imported.model;
    std::printf("read    %s: ONNX opset %d, %zu nodes in Neurite, %zu tensors of weights\n", source.c_str(),
                imported.opset, model.graph.nodes.size(), model.parameters.size());
    for (const auto& note : imported.notes)
        std::printf("note    %s\n", note.c_str());
    if (endsWith(out, ".neurite")) {
        writeBundle(model, {{"origin", "imported from " + source}, {"neurite", NEURITE_VERSION}}, out);
        std::printf("wrote   %s (model and weights; fine-tune with: neurite train %s --data …)\n", out.c_str(),
                    out.c_str());
        return kOk;
    }
    const std::string weights = out.substr(0, out.size() - 5) + ".safetensors";
    saveModel(model.graph, out);
    std::vector<std::pair<std::string, const Tensor*>> tensors;
    for (const auto& [name, tensor] : model.parameters)
        tensors.push_back({name, &tensor});
    writeSafetensors(weights, tensors);
    std::printf("wrote   %s and its weights %s\n        fine-tune with: neurite train %s --init %s --data …\n",
                out.c_str(), weights.c_str(), out.c_str(), weights.c_str());
    return kOk;
#else
    throw ConfigError("this build of neurite has no ONNX import (libonnx-dev was missing when it was built)");
#endif
}

} // namespace neurite::cli
