#pragma once
// What every exporter takes: a validated model graph and its parameters by name ("fc1.weight",
// "bn1.running_mean", as Plan::parameters() names them and PyTorch's state_dict does), and
// Neurite's own outputs for fixed inputs, the reference each export is verified against.
#include "engine/core/Tensor.h"
#include "engine/graph/ModelGraph.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace neurite {

struct TrainedModel {
    ModelGraph graph;
    std::map<std::string, Tensor> parameters;   // every learned and state tensor of the plan
    std::string origin;                         // "run 12, checkpoint 40 (epoch 10)" or the model file
};

// The model as loaded from a model file: parameters initialised from `seed`, as training starts.
TrainedModel initialisedModel(const ModelGraph& graph, std::uint64_t seed = 1);

// Fixed inputs for verification: `batch` samples of the model's input shape, uniform in [−1, 1)
// from `seed`: [batch × input shape].
std::vector<float> verificationInputs(const TrainedModel& model, std::int64_t batch, std::uint64_t seed = 7);

// Neurite's forward pass in evaluation mode on the CPU: the tensor that feeds the loss (logits
// for a classifier), [batch × D]. Throws ModelError for an invalid graph, Error when a parameter is
// missing or of the wrong size.
std::vector<float> referenceOutputs(const TrainedModel& model, const std::vector<float>& inputs, std::int64_t batch);

} // namespace neurite
