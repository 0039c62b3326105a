#include "engine/train/PlanWeights.h"

#include "engine/core/Error.h"

#include <algorithm>

namespace neurite {

std::vector<std::pair<Parameter*, const Tensor*>> matchParameters(Plan& plan,
                                                                  const std::map<std::string, Tensor>& weights,
                                                                  const std::string& source)
{
    std::vector<std::pair<Parameter*, const Tensor*>> matched;
    for (Parameter* p : plan.parameters()) {
        auto it = weights.find(p->name);
        if (it == weights.end())
            it = weights.find("model/" + p->name);
        if (it == weights.end())
            throw DataError(source, "no weights for the parameter '" + p->name + "' (it holds " +
                                        std::to_string(weights.size()) + " tensors)");
        if (it->second.numel() != p->value.numel())
            throw DataError(source, "the parameter '" + p->name + "' holds " + std::to_string(it->second.numel()) +
                                        " values; the model needs " + p->value.shape().str());
        matched.emplace_back(p, &it->second);
    }
    return matched;
}

void loadParameters(Plan& plan, const std::map<std::string, Tensor>& weights, const std::string& source)
{
    for (auto [p, values] : matchParameters(plan, weights, source))
        std::copy_n(values->data(), p->value.numel(), p->value.data());
    plan.parametersToBackend();
}

} // namespace neurite
