#pragma once
// Named weights (a checkpoint, a bundle, an import, a .safetensors file) matched to a plan's
// parameters: one rule for fine-tuning, evaluation, prediction, verification and export.
#include "engine/core/Tensor.h"
#include "engine/train/Plan.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace neurite {

// Each of the plan's parameters (in its order) with its values, found by name, or as
// "model/<name>" (a training checkpoint's naming). Throws DataError naming `source` and the
// parameter that is missing or holds another number of values.
std::vector<std::pair<Parameter*, const Tensor*>> matchParameters(Plan& plan,
                                                                  const std::map<std::string, Tensor>& weights,
                                                                  const std::string& source);

// Copies them into the plan's parameters and on to the backend's copies.
void loadParameters(Plan& plan, const std::map<std::string, Tensor>& weights, const std::string& source);

} // namespace neurite
