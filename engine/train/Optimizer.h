#pragma once
// Optimisers with PyTorch's update rules (torch.optim as of 1.13), so that the same settings give
// the same trajectory. State (momentum, moments) is allocated on the first step, once. The update
// itself is one backend operation over every learned tensor (Backend::optimizerStep).
#include "engine/backends/Backend.h"
#include "engine/backends/BackendBuffer.h"
#include "engine/train/Parameter.h"

#include <memory>
#include <string>
#include <vector>

namespace neurite {

struct OptimizerConfig {
    std::string kind = "adam";          // sgd, adam, adamw, rmsprop
    double momentum = 0.0;              // sgd, rmsprop
    bool nesterov = false;              // sgd
    double weightDecay = 0.0;           // L2 for sgd/adam/rmsprop, decoupled for adamw
    double beta1 = 0.9, beta2 = 0.999;  // adam, adamw
    double alpha = 0.99;                // rmsprop smoothing
    double eps = 1e-8;
};

class Optimizer {
public:
    virtual ~Optimizer() = default;
    // One update of every learned parameter from its gradient, at learning rate lr.
    virtual void step(const std::vector<Parameter*>& params, double lr) = 0;
    // Allocates the state tensors (done by the first step; a resume needs them before it).
    virtual void prepare(const std::vector<Parameter*>& params) = 0;
    // The state tensors (for checkpoints), named after their parameter; empty before prepare().
    // On a device backend they are host copies: stateToHost() before reading them, stateToBackend()
    // after writing them.
    virtual std::vector<std::pair<std::string, Tensor*>> state() = 0;
    virtual void stateToHost() = 0;
    virtual void stateToBackend() = 0;
    // Steps taken (Adam's bias correction depends on it).
    virtual std::int64_t steps() const = 0;
    virtual void setSteps(std::int64_t steps) = 0;
};

// Throws ConfigError for an unknown kind.
void validateOptimizer(const OptimizerConfig& config);
// The update runs on `backend`, which must outlive the optimiser. Throws as validateOptimizer.
std::unique_ptr<Optimizer> createOptimizer(const OptimizerConfig& config, Backend& backend);

// Scales all gradients so that their global L2 norm is at most maxNorm (0: never); writes the norm
// before into norm, a float of the backend's memory.
void clipGradients(Backend& backend, const std::vector<Parameter*>& params, double maxNorm, float* norm);

} // namespace neurite
