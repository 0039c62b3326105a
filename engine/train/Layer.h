#pragma once
// A layer of the training plan: the executable form of one graph node. The plan owns every buffer
// it passes; a layer allocates its own (parameters, saved statistics) in the backend's memory at
// construction, never during a step, and computes only through the backend's operations.
//
// Tensors are batch-first: an input of per-sample shape S arrives as [n × S], row-major.
#include "engine/backends/Backend.h"
#include "engine/backends/BackendBuffer.h"
#include "engine/core/Rng.h"
#include "engine/graph/ModelGraph.h"
#include "engine/graph/ShapeInference.h"
#include "engine/train/Parameter.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace neurite {

struct LayerIO {
    std::int64_t n = 0;                     // samples in this batch (≤ the plan's batch size)
    bool training = true;
    std::vector<const float*> in;           // one per input port: [n × input shape]
    float* out = nullptr;                   // [n × output shape]
    std::vector<float*> dIn;                // gradients to write (overwrite) per input; null: not needed
    const float* dOut = nullptr;            // gradient of the loss w.r.t. out
    float* workspace = nullptr;             // workspaceFloats() scratch floats, shared between layers
    const std::int32_t* labels = nullptr;   // [n] class of each sample (losses only)
    const float* modelInput = nullptr;      // [n × model input] (losses with target "input")
    std::uint64_t seed = 0;                 // the run's seed and this training step, from 1: Dropout's
    std::uint32_t step = 0;                 // masks are a function of them (Philox)
};

class Layer {
public:
    virtual ~Layer() = default;
    const std::string& id() const { return id_; }

    virtual void forward(const LayerIO& io) = 0;
    virtual void backward(const LayerIO& io) = 0;
    virtual std::vector<Parameter*> parameters() { return {}; }
    virtual std::int64_t workspaceFloats() const { return 0; }
    virtual void initialise(Rng&) {}
    // Losses report the mean loss of the last forward pass; other layers return 0.
    virtual double lossValue() const { return 0.0; }
    virtual bool isLoss() const { return false; }
    // Losses: write the mean loss into target (a float of the backend's memory) from now on.
    virtual void setLossOutput(float*) {}
    // Asks the layer to apply a ReLU to its own output from now on (a fusion of the plan);
    // returns false when it cannot. The layer's backward pass must not read its output.
    virtual bool fuseRelu() { return false; }
    // After fuseRelu(): whether the layer also applies the ReLU's backward pass itself (it is then
    // given the ReLU's output gradient, and the ReLU's backward pass is skipped).
    virtual bool fusesReluBackward() const { return false; }
    // After a ReLU fused forward and backward: asks the layer to apply the 2×2, stride-2 max
    // pooling that follows the ReLU too (its output is then the pooling's); false if it cannot.
    virtual bool fuseMaxPool2x2() { return false; }

protected:
    explicit Layer(std::string id) : id_(std::move(id)) {}
    std::string id_;
};

// Everything a layer needs at construction: its node, its inferred shapes, the backend and the
// plan's batch size (the most samples a step may carry).
struct LayerContext {
    const Node& node;
    const NodeInfo& info;
    Backend& backend;
    std::int64_t batch;
    Shape modelInput;
};

std::unique_ptr<Layer> createLayer(const LayerContext& ctx);

// Factories, one per file in layers/.
std::unique_ptr<Layer> createDenseLayer(const LayerContext& ctx);          // Linear
std::unique_ptr<Layer> createConvLayer(const LayerContext& ctx);           // Conv2d, pools, GlobalAvgPool2d
std::unique_ptr<Layer> createNormLayer(const LayerContext& ctx);           // BatchNorm1d/2d, LayerNorm
std::unique_ptr<Layer> createElementwiseLayer(const LayerContext& ctx);    // activations, Dropout
std::unique_ptr<Layer> createStructuralLayer(const LayerContext& ctx);     // Input, Flatten, Reshape, Add, Concat, Softmax
std::unique_ptr<Layer> createLossLayer(const LayerContext& ctx);           // the losses

// PyTorch's default initialisation of Linear and Conv2d: U(−1/√fan_in, 1/√fan_in) for weight and bias.
void initUniformFanIn(Tensor& t, std::int64_t fanIn, Rng& rng);

} // namespace neurite
