// Activations and Dropout: element-wise, same shape in and out, on the backend (StepOperations.h).
#include "engine/graph/Attributes.h"
#include "engine/train/Layer.h"

namespace neurite {

namespace {

// The activation of a node, with its attribute.
ActivationSpec activationFor(const Node& node)
{
    const auto& t = node.type;
    if (t == "ReLU")
        return {ActivationKind::ReLU};
    if (t == "LeakyReLU")
        return {ActivationKind::LeakyReLU, float(attrFloat(node, "negative_slope"))};
    if (t == "ELU")
        return {ActivationKind::ELU, float(attrFloat(node, "alpha"))};
    if (t == "GELU")  // the exact form, PyTorch's default: x·Φ(x)
        return {ActivationKind::GELU};
    if (t == "SiLU")
        return {ActivationKind::SiLU};
    if (t == "Sigmoid")
        return {ActivationKind::Sigmoid};
    return {ActivationKind::Tanh};
}

bool isActivation(const std::string& t)
{
    return t == "ReLU" || t == "LeakyReLU" || t == "ELU" || t == "GELU" || t == "SiLU" || t == "Sigmoid" || t == "Tanh";
}

class Activation final : public Layer {
public:
    Activation(const LayerContext& ctx)
        : Layer(ctx.node.id), backend_(ctx.backend), size_(ctx.info.output.numel()), spec_(activationFor(ctx.node))
    {
    }

    void forward(const LayerIO& io) override { backend_.activationForward(spec_, io.in[0], io.out, io.n * size_); }

    void backward(const LayerIO& io) override
    {
        if (io.dIn[0])
            backend_.activationBackward(spec_, io.in[0], io.out, io.dOut, io.dIn[0], io.n * size_);
    }

private:
    Backend& backend_;
    std::int64_t size_;
    ActivationSpec spec_;
};

// A stream of random numbers of its own per Dropout node (FNV-1a of its id), so that two Dropout
// layers draw different masks in the same step, and a node keeps its masks when others are added.
std::uint32_t streamOf(const std::string& id)
{
    std::uint32_t h = 2166136261u;
    for (unsigned char c : id)
        h = (h ^ c) * 16777619u;
    return h;
}

// Training: y = x · mask, mask = 0 with probability p, else 1/(1 − p), drawn by Philox from the
// run's seed, the step and the node (the same masks on every backend). Evaluation: y = x.
class Dropout final : public Layer {
public:
    Dropout(const LayerContext& ctx)
        : Layer(ctx.node.id), backend_(ctx.backend), size_(ctx.info.output.numel()),
          p_(float(attrFloat(ctx.node, "p"))), stream_(streamOf(ctx.node.id)),
          mask_(ctx.backend, ctx.batch * size_, ctx.node.id + " (dropout mask)")
    {
    }

    void forward(const LayerIO& io) override
    {
        const std::int64_t count = io.n * size_;
        if (!io.training || p_ == 0.0f) {
            backend_.copy(io.in[0], io.out, count);
            backend_.fill(mask_.data(), 1.0f, count);
            return;
        }
        backend_.dropoutForward(p_, io.seed, io.step, stream_, io.in[0], io.out, mask_.data(), count);
    }

    void backward(const LayerIO& io) override
    {
        if (io.dIn[0])
            backend_.multiply(io.dOut, mask_.data(), io.dIn[0], io.n * size_);
    }

private:
    Backend& backend_;
    std::int64_t size_;
    float p_;
    std::uint32_t stream_;
    BackendBuffer<float> mask_;  // [batch × size]: 0 or 1/(1−p)
};

} // namespace

std::unique_ptr<Layer> createElementwiseLayer(const LayerContext& ctx)
{
    if (ctx.node.type == "Dropout")
        return std::make_unique<Dropout>(ctx);
    if (isActivation(ctx.node.type))
        return std::make_unique<Activation>(ctx);
    return nullptr;
}

} // namespace neurite
