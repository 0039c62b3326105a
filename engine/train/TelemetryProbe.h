#pragma once
// Takes a TelemetrySnapshot of a plan between two steps, with backend operations only: reductions
// where the tensors live (the GPU's memory on CUDA), then one download of every result. Used by
// the Trainer every few steps (it chooses how often from what a snapshot costs).
//
// At a step: measure() after the backward pass and before the optimiser's update (activations of
// the batch, weights, gradients; it keeps a copy of the weights), measureUpdate() after the
// update (‖Δw‖), then read(). featureMaps() runs one sample forward in evaluation mode.
#include "engine/backends/BackendBuffer.h"
#include "engine/train/Plan.h"
#include "engine/train/Telemetry.h"

#include <cstdint>
#include <vector>

namespace neurite {

class TelemetryProbe {
public:
    explicit TelemetryProbe(Plan& plan);

    void measure();                       // the last forward and backward pass's tensors
    void measureUpdate();                 // after the optimiser's step (optional: a diverged step has none)
    TelemetrySnapshot read(std::int64_t step, int epoch, double lr);

    // The outputs of the convolution layers for one sample ([input shape], normalised as the
    // batches are), in evaluation mode. Overwrites the plan's activations: call between steps.
    FeatureMaps featureMaps(const std::vector<float>& sample, int label);
    // The first sample of the last batch, from the plan's input (to keep as the fixed sample).
    std::vector<float> firstSampleOfBatch(int* label);

    std::int64_t bytesHeld() const;       // backend and host memory the probe holds

private:
    // Where each layer's results lie in results_ (offsets in floats; −1: not measured).
    struct Slot {
        Plan::LayerView view;
        std::int64_t channels = 0, positions = 0;   // the output as [n × channels × positions]
        std::int64_t activation = -1, activationHistogram = -1, unitMax = -1;
        std::int64_t weight = -1, weightHistogram = -1, gradient = -1, gradientHistogram = -1, update = -1;
        std::int64_t previous = -1;                  // the weights' copy in previous_
        bool sharesOutput = false;                   // measured with an earlier slot (one fused buffer)
    };
    Plan& plan_;
    Backend& backend_;
    std::vector<Slot> slots_;
    std::vector<float> initial_;          // results_ before a snapshot: empty moments, zero counts
    std::vector<float> host_;             // results_ read back
    BackendBuffer<float> results_;
    BackendBuffer<float> previous_;       // the learned tensors before the update, concatenated
    bool updated_ = false;
};

} // namespace neurite
