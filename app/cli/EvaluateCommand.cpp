// neurite evaluate MODEL.neurite|MODEL.json --data NAME: inference with a model's own weights (a
// bundle, or a model file with --init) on a data set's test part.
#include "app/cli/Args.h"
#include "app/cli/Commands.h"
#include "engine/core/Error.h"
#include "engine/export/Bundle.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/TrainingJob.h"

#include <cstdio>
#include <iostream>

namespace neurite::cli {

namespace {

const std::vector<OptionSpec> kOptions = {
    {"data", "NAME|PATH", "the data set (as neurite train takes it); its test part, or all of it without one"},
    {"init", "FILE", "a model file's weights: a .safetensors by parameter name, or a .neurite bundle"},
    {"samples", "N", "only the first N samples"},
    {"batch", "N", "samples per forward pass [256]"},
    {"help", "", "show this help"},
};

const char* kEvaluateUsage = "neurite evaluate MODEL.neurite | MODEL.json --init FILE  --data NAME [--samples N]";

bool endsWith(const std::string& s, const std::string& end)
{
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

} // namespace

int evaluateCommand(const std::vector<std::string>& argv)
{
    const Args args("evaluate", kOptions, argv);
    if (args.has("help")) {
        std::cout << helpText(kEvaluateUsage, "Loss and accuracy of a model's own weights on a data set.", kOptions);
        return kOk;
    }
    if (args.positional().size() != 1 || !args.has("data"))
        throw ConfigError(std::string("neurite evaluate needs a model and --data\nusage: ") + kEvaluateUsage);
    const std::string& source = args.positional()[0];
    TrainedModel model;
    if (endsWith(source, ".neurite")) {
        model = readBundle(source).model;
    } else {
        const auto init = args.get("init");
        if (!init)
            throw ConfigError("a model file has no weights of its own: name them with --init FILE");
        model.graph = loadModel(source);
        model.parameters = readWeights(*init);
        model.origin = *init;
    }
    const ModelEvaluation e =
        evaluateModel(model, *args.get("data"), args.getInt("batch", 256), args.getInt("samples", 0));
    const EvalResult& r = e.result;
    std::printf("data    %s\n", e.dataDescription.c_str());
    if (r.classes > 0)
        std::printf("result  loss %.4f  accuracy %.4f  top-5 %.4f  (%lld samples)\n", r.loss, r.accuracy, r.topK,
                    (long long)r.samples);
    else
        std::printf("result  loss %.5f  (%lld samples)\n", r.loss, (long long)r.samples);
    return kOk;
}

} // namespace neurite::cli
