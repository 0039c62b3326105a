#pragma once
// The training plan: a validated graph compiled into layers in topological order, with every
// buffer (activations, gradients, workspace) allocated once for the largest batch. A step only
// reads and writes those buffers.
#include "engine/backends/Backend.h"
#include "engine/core/Rng.h"
#include "engine/core/Tensor.h"
#include "engine/graph/ModelGraph.h"
#include "engine/graph/ShapeInference.h"
#include "engine/train/Layer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace neurite {

class Plan {
public:
    // Throws ModelError when the graph is not valid.
    Plan(const ModelGraph& graph, Backend& backend, std::int64_t batch, std::uint64_t seed);
    ~Plan();

    std::int64_t batch() const { return batch_; }
    const GraphAnalysis& analysis() const { return analysis_; }
    Backend& backend() { return backend_; }
    Rng& rng() { return rng_; }

    // Fill these on the host, then call forward: input [n × input shape], labels [n]. (The
    // backend's own buffers on a host backend; staging copies that forward() uploads elsewhere.)
    float* input();
    std::int32_t* labels();
    const Shape& inputShape() const { return inputShape_; }

    // Or write the batch straight into the backend's buffers (a data set the backend holds):
    // input [batch × input shape], labels [batch].
    float* inputOnBackend();
    std::int32_t* labelsOnBackend() { return labels_.data(); }

    // Runs the layers for the first n samples (nothing is read back). The batch comes from input()
    // and labels(), or with batchOnBackend from inputOnBackend() and labelsOnBackend().
    void forward(std::int64_t n, bool training, bool batchOnBackend = false);
    // The mean loss of the last forward pass, read back from the backend.
    double loss() const;
    // Where the loss layer writes its mean loss from now on (a float of the backend's memory; by
    // default its own), so that a trainer reads it back with the step's other results.
    void setLossOutput(float* target);
    // Gradients of every parameter for the last forward pass.
    void backward();
    // Opt-in (off by default): backward() also writes the gradient of the loss with respect to the
    // model's input (saliency maps), at the cost of the first layers' input gradients.
    void computeInputGradient(bool on);
    // After backward() with computeInputGradient(true): [batch × input shape], the backend's memory.
    const float* inputGradient() const { return grads_[inputIndex_].data(); }

    // The tensor that feeds the loss: [batch × D] (logits for a classifier), in the backend's
    // memory; and the labels of the batch there.
    const float* prediction() const;
    const std::int32_t* labelsOnBackend() const { return labels_.data(); }
    std::int64_t predictionSize() const { return predictionSize_; }
    bool classifies() const { return classifies_; }   // the loss compares with the sample's class

    std::vector<Parameter*> parameters();              // learned and state tensors, in graph order
    // The parameters' host tensors from the backend's copies (before reading them: checkpoints,
    // export), and back (after writing them: a checkpoint restored). Nothing to do on a host backend.
    void parametersToHost();
    void parametersToBackend();
    // The first node (in topological order) whose output holds a NaN or Inf after the last forward
    // pass, or "" when all are finite.
    std::string firstNonFinite();
    // Training steps run so far: Dropout's masks are drawn for (seed, step); a resumed run sets it.
    std::uint32_t step() const { return step_; }
    bool drawsPerStep() const { return drawsPerStep_; }   // a layer draws new random numbers each step
    void setStep(std::int64_t step) { step_ = std::uint32_t(step); }
    std::int64_t bytesAllocated() const { return bytes_; }

    // ---- The layers as the plan runs them (telemetry reads their outputs and parameters).
    struct LayerView {
        std::string id, type;
        // The buffer holding what the layer outputs after the last forward pass: [n × outputShape],
        // the backend's memory. Fused layers share one buffer: a producer whose ReLU (and pooling)
        // it applies itself, and a ReLU never made because its producer pools too, both point at
        // the fused result; outputAfter names the layer whose output that buffer really is.
        const float* output = nullptr;
        Shape outputShape;                    // per sample, of that buffer
        std::string outputAfter;              // "" when the buffer is the layer's own output
        bool reluOutput = false;              // a ReLU's output (max-pooled where absorbed)
        bool isInput = false, isLoss = false;
        std::vector<Parameter*> learned;      // the learned tensors (weight, bias; γ, β)
    };
    int layerCount() const { return int(layers_.size()); }
    LayerView layerView(int l);
    std::int64_t lastBatchSize() const { return n_; }   // n of the last forward pass

private:
    struct Step;
    GraphAnalysis analysis_;
    Backend& backend_;
    std::int64_t batch_;
    std::uint64_t seed_;
    std::uint32_t step_ = 0;
    bool drawsPerStep_ = false;                      // Dropout
    Rng rng_;                                        // initialisation
    BackendBuffer<std::int32_t> nonFinite_;          // [1] the count of the last check
    Shape inputShape_;
    std::vector<std::unique_ptr<Layer>> layers_;     // topological order
    std::vector<std::string> types_;                 // per layer: its node's type
    std::vector<BackendBuffer<float>> values_, grads_;   // per layer: output and its gradient
    std::vector<int> storage_;                       // per layer: whose values_ hold its output
    std::vector<int> fusedInto_;                     // per layer: the ReLU it applies itself, or −1
    std::vector<bool> skipForward_;                  // per layer: a ReLU fused into its producer
    std::vector<bool> skipBackward_;                 // per layer: a ReLU whose producer also does its backward
    std::vector<int> gradStorage_;                   // per layer: whose grads_ hold its output gradient
    std::vector<bool> absorbed_;                     // per layer: a ReLU inside a fused conv-ReLU-pool, no buffers
    std::vector<std::vector<int>> sources_;          // per layer: the layer index feeding each input port
    std::vector<std::vector<BackendBuffer<float>>> inputGrads_;   // per layer and port: own buffer when the source fans out
    std::vector<std::vector<std::pair<int, int>>> consumers_;  // per layer: (consumer, port) using its output
    BackendBuffer<std::int32_t> labels_;
    BackendBuffer<float> workspace_;
    std::vector<float> inputStaging_;                // a device backend's batch, written on the host
    std::vector<std::int32_t> labelStaging_;
    std::vector<BackendBuffer<float>> parameterCopies_;   // a device backend's copies of the parameters
    int inputIndex_ = 0, lossIndex_ = 0;
    std::int64_t predictionSize_ = 0;
    bool classifies_ = false;
    std::int64_t n_ = 0;
    bool training_ = true;
    bool inputGradient_ = false;                     // computeInputGradient()
    std::int64_t bytes_ = 0;
    LayerIO makeIo(int layer);
    const LayerIO& io(int layer);                    // this step's n and mode set
    std::vector<LayerIO> ios_;                       // per layer, made once
    float* values(int layer) { return values_[storage_[layer]].data(); }
    float* gradient(int layer) { return grads_[gradStorage_[layer]].data(); }  // fusion-aware, like values()
    void fuseActivations(const ModelGraph& graph);
    void placeParameters();
};

} // namespace neurite
