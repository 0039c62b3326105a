// Layers that move data: Input, Flatten, Reshape, Add, Concat, and Softmax (a row operation).
#include "engine/train/Layer.h"

namespace neurite {

namespace {

// The plan writes the batch into the Input node's buffer; nothing to compute.
class InputLayer final : public Layer {
public:
    explicit InputLayer(std::string id) : Layer(std::move(id)) {}
    void forward(const LayerIO&) override {}
    void backward(const LayerIO&) override {}
};

// Flatten and Reshape: same elements, another shape.
class Copy final : public Layer {
public:
    Copy(const LayerContext& ctx) : Layer(ctx.node.id), backend_(ctx.backend), size_(ctx.info.output.numel()) {}
    void forward(const LayerIO& io) override { backend_.copy(io.in[0], io.out, io.n * size_); }
    void backward(const LayerIO& io) override
    {
        if (io.dIn[0])
            backend_.copy(io.dOut, io.dIn[0], io.n * size_);
    }

private:
    Backend& backend_;
    std::int64_t size_;
};

class Add final : public Layer {
public:
    Add(const LayerContext& ctx) : Layer(ctx.node.id), backend_(ctx.backend), size_(ctx.info.output.numel()) {}
    void forward(const LayerIO& io) override { backend_.add(io.in[0], io.in[1], io.out, io.n * size_); }
    void backward(const LayerIO& io) override
    {
        for (float* d : io.dIn)
            if (d)
                backend_.copy(io.dOut, d, io.n * size_);
    }

private:
    Backend& backend_;
    std::int64_t size_;
};

// Along the first per-sample axis: each sample is [a's elements, b's elements].
class Concat final : public Layer {
public:
    Concat(const LayerContext& ctx)
        : Layer(ctx.node.id), backend_(ctx.backend), a_(ctx.info.inputs[0].numel()), b_(ctx.info.inputs[1].numel())
    {
    }
    void forward(const LayerIO& io) override
    {
        backend_.copyRows(io.in[0], a_, io.out, a_ + b_, 0, io.n, a_);
        backend_.copyRows(io.in[1], b_, io.out, a_ + b_, a_, io.n, b_);
    }
    void backward(const LayerIO& io) override
    {
        // The halves of each row of dy back to their inputs: copyRows with the strides swapped.
        if (io.dIn[0])
            backend_.copyRows(io.dOut, a_ + b_, io.dIn[0], a_, 0, io.n, a_);
        if (io.dIn[1])
            backend_.copyRows(io.dOut + a_, a_ + b_, io.dIn[1], b_, 0, io.n, b_);
    }

private:
    Backend& backend_;
    std::int64_t a_, b_;
};

// Row-wise softmax of [n × classes].
class Softmax final : public Layer {
public:
    Softmax(const LayerContext& ctx) : Layer(ctx.node.id), backend_(ctx.backend), c_(ctx.info.output.numel()) {}
    void forward(const LayerIO& io) override { backend_.softmaxForward(io.in[0], io.out, io.n, c_); }
    void backward(const LayerIO& io) override  // dx = y ⊙ (dy − ⟨dy, y⟩)
    {
        if (io.dIn[0])
            backend_.softmaxBackward(io.out, io.dOut, io.dIn[0], io.n, c_);
    }

private:
    Backend& backend_;
    std::int64_t c_;
};

} // namespace

std::unique_ptr<Layer> createStructuralLayer(const LayerContext& ctx)
{
    const auto& t = ctx.node.type;
    if (t == "Input")
        return std::make_unique<InputLayer>(ctx.node.id);
    if (t == "Flatten" || t == "Reshape")
        return std::make_unique<Copy>(ctx);
    if (t == "Add")
        return std::make_unique<Add>(ctx);
    if (t == "Concat")
        return std::make_unique<Concat>(ctx);
    if (t == "Softmax")
        return std::make_unique<Softmax>(ctx);
    return nullptr;
}

} // namespace neurite
