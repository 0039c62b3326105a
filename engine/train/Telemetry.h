#pragma once
// Per-layer telemetry of a training run (issue 12): what a layer's activations, weights,
// gradients and updates look like at one step, computed by backend operations where the tensors
// live (TelemetryProbe) and read back in one small download. Plain values: they cross to the
// studio by queued signals and are stored with the run (TelemetryCodec).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

constexpr int kHistogramBins = 32;

// Counts of a tensor's finite values in kHistogramBins equal bins of [lo, hi] (the tensor's own
// range at that step; the last bin includes hi).
struct Histogram {
    float lo = 0, hi = 0;
    std::array<std::uint32_t, kHistogramBins> counts{};
};

// One tensor (or several taken together), its finite values: moments, range, L2 norm, histogram;
// and how many values were NaN or infinite.
struct TensorSummary {
    std::int64_t count = 0;               // elements, finite or not
    std::int64_t nonFinite = 0;
    double mean = 0, std = 0;             // std: population (÷ finite count)
    double min = 0, max = 0;
    double norm = 0;                      // √Σx² over the finite values
    Histogram histogram;
};

struct LayerTelemetry {
    std::string node;                     // the graph node's id
    std::string type;                     // its layer type ("Conv2d")
    // The layer's output over the step's batch: [n × output shape]. Not measured (false) for a
    // ReLU computed inside its producer together with the pooling after it (its output is never
    // made); a producer with a fused ReLU is measured after that ReLU (activationAfter says so).
    bool hasActivation = false;
    std::string activationAfter;          // "" or the id of the fused layer its output is taken after
    TensorSummary activation;
    // Dead units, for layers whose output is a ReLU's (ReLU, or a producer with a fused ReLU):
    // channels (features after a Linear) whose output was ≤ 0 for every sample and position of
    // the step's batch. units = 0 where this does not apply.
    std::int64_t units = 0, deadUnits = 0;
    // The learned tensors of the layer taken together (weight and bias; γ and β): before this
    // step's update. learned = false for layers without any.
    bool learned = false;
    TensorSummary weight, gradient;       // gradient: after clipping, as the optimiser used it
    double updateRatio = 0;               // ‖Δw‖ / ‖w‖ of this step's optimiser update
};

struct TelemetrySnapshot {
    std::int64_t step = 0;                // the optimiser step it was taken at, from 1
    int epoch = 0;
    double lr = 0;
    std::vector<LayerTelemetry> layers;   // the plan's order (topological), the input included
    std::string firstNonFinite;           // the first layer whose output held NaN or Inf; "" if none
    double seconds = 0;                   // the cost of taking it, on the training thread
};

// The outputs of the image-shaped layers ([channels × height × width]) for one fixed sample, in
// evaluation mode: what the feature maps look like at a step.
struct FeatureMapLayer {
    std::string node, type;
    std::string after;                    // as LayerTelemetry::activationAfter
    int channels = 0, height = 0, width = 0;
    std::vector<float> values;            // [channels × height × width], at most kMaxFeatureChannels channels
};

struct FeatureMaps {
    std::int64_t step = 0;
    int sampleLabel = -1;                 // the sample's class, when known
    int inputChannels = 0, inputHeight = 0, inputWidth = 0;
    std::vector<float> input;             // the sample as the network sees it (normalised)
    std::vector<FeatureMapLayer> layers;
};

constexpr int kMaxFeatureChannels = 32;

} // namespace neurite
