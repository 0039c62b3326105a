#include "engine/export/TrainedModel.h"

#include "engine/backends/Registry.h"
#include "engine/core/Error.h"
#include "engine/core/Rng.h"
#include "engine/train/Plan.h"
#include "engine/train/PlanWeights.h"

#include <algorithm>

namespace neurite {

TrainedModel initialisedModel(const ModelGraph& graph, std::uint64_t seed)
{
    auto backend = createBackend("cpu", 1);
    Plan plan(graph, *backend, 1, seed);
    TrainedModel model{graph, {}, "initialised from seed " + std::to_string(seed)};
    for (Parameter* p : plan.parameters()) {
        Tensor copy(p->value.shape());
        std::copy_n(p->value.data(), p->value.numel(), copy.data());
        model.parameters.emplace(p->name, std::move(copy));
    }
    return model;
}

std::vector<float> verificationInputs(const TrainedModel& model, std::int64_t batch, std::uint64_t seed)
{
    const GraphAnalysis analysis = analyse(model.graph, batch);
    requireValid(analysis);
    const std::int64_t size = analysis.info(analysis.inputNode).output.numel();
    Rng rng(seed);
    std::vector<float> inputs(static_cast<std::size_t>(batch * size));
    for (float& x : inputs)
        x = rng.uniform(-1, 1);
    return inputs;
}

std::vector<float> referenceOutputs(const TrainedModel& model, const std::vector<float>& inputs, std::int64_t batch)
{
    auto backend = createBackend("cpu", 1);
    Plan plan(model.graph, *backend, batch, 1);
    loadParameters(plan, model.parameters, model.origin);
    const std::int64_t size = plan.inputShape().numel();
    if (std::int64_t(inputs.size()) != batch * size)
        throw Error("verification inputs: " + std::to_string(inputs.size()) + " values for " + std::to_string(batch) +
                    " samples of " + plan.inputShape().str());
    std::copy(inputs.begin(), inputs.end(), plan.input());
    plan.forward(batch, false);
    const float* y = plan.prediction();
    return std::vector<float>(y, y + batch * plan.predictionSize());
}

} // namespace neurite
