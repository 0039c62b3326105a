#pragma once
// A learned tensor and its gradient, or a non-learned state tensor (BatchNorm's running statistics)
// that a checkpoint must still carry.
#include "engine/core/Tensor.h"

#include <string>

namespace neurite {

struct Parameter {
    std::string name;       // "conv1.weight", as in PyTorch's state_dict
    Tensor value;
    Tensor grad;            // empty for state tensors
    bool learned = true;
};

} // namespace neurite
