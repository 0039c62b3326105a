#pragma once
// A learned tensor and its gradient, or a non-learned state tensor (BatchNorm's running statistics)
// that a checkpoint must still carry; a host copy, and the backend's copy a step works on.
#include "engine/core/Tensor.h"

#include <string>

namespace neurite {

struct Parameter {
    std::string name;       // "conv1.weight", as in PyTorch's state_dict
    Tensor value;           // on the host: initialisation, checkpoints, export
    Tensor grad;            // empty for state tensors
    bool learned = true;
    // On a device backend, the copies a step reads and writes (Plan::parametersToHost/ToBackend);
    // null on a host backend, whose steps work on value and grad themselves.
    float* deviceValue = nullptr;
    float* deviceGrad = nullptr;

    // Where a step reads and writes them, in the backend's memory.
    float* live() { return deviceValue ? deviceValue : value.data(); }
    float* liveGrad() { return deviceGrad ? deviceGrad : grad.numel() ? grad.data() : nullptr; }
};

} // namespace neurite
