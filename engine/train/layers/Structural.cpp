// Layers that move data: Input, Flatten, Reshape, Add, Concat, and Softmax (a row operation).
#include "engine/train/Layer.h"

#include <algorithm>
#include <cmath>

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
    Copy(const LayerContext& ctx) : Layer(ctx.node.id), size_(ctx.info.output.numel()) {}
    void forward(const LayerIO& io) override { std::copy_n(io.in[0], io.n * size_, io.out); }
    void backward(const LayerIO& io) override
    {
        if (io.dIn[0])
            std::copy_n(io.dOut, io.n * size_, io.dIn[0]);
    }

private:
    std::int64_t size_;
};

class Add final : public Layer {
public:
    Add(const LayerContext& ctx) : Layer(ctx.node.id), size_(ctx.info.output.numel()) {}
    void forward(const LayerIO& io) override
    {
        for (std::int64_t i = 0; i < io.n * size_; ++i)
            io.out[i] = io.in[0][i] + io.in[1][i];
    }
    void backward(const LayerIO& io) override
    {
        for (float* d : io.dIn)
            if (d)
                std::copy_n(io.dOut, io.n * size_, d);
    }

private:
    std::int64_t size_;
};

// Along the first per-sample axis: each sample is [a's elements, b's elements].
class Concat final : public Layer {
public:
    Concat(const LayerContext& ctx)
        : Layer(ctx.node.id), a_(ctx.info.inputs[0].numel()), b_(ctx.info.inputs[1].numel())
    {
    }
    void forward(const LayerIO& io) override
    {
        for (std::int64_t n = 0; n < io.n; ++n) {
            std::copy_n(io.in[0] + n * a_, a_, io.out + n * (a_ + b_));
            std::copy_n(io.in[1] + n * b_, b_, io.out + n * (a_ + b_) + a_);
        }
    }
    void backward(const LayerIO& io) override
    {
        for (std::int64_t n = 0; n < io.n; ++n) {
            if (io.dIn[0])
                std::copy_n(io.dOut + n * (a_ + b_), a_, io.dIn[0] + n * a_);
            if (io.dIn[1])
                std::copy_n(io.dOut + n * (a_ + b_) + a_, b_, io.dIn[1] + n * b_);
        }
    }

private:
    std::int64_t a_, b_;
};

// Row-wise softmax of [n × classes].
class Softmax final : public Layer {
public:
    Softmax(const LayerContext& ctx) : Layer(ctx.node.id), c_(ctx.info.output.numel()) {}
    void forward(const LayerIO& io) override
    {
        for (std::int64_t n = 0; n < io.n; ++n) {
            const float* x = io.in[0] + n * c_;
            float* y = io.out + n * c_;
            const float top = *std::max_element(x, x + c_);
            float sum = 0;
            for (std::int64_t i = 0; i < c_; ++i)
                sum += (y[i] = std::exp(x[i] - top));
            for (std::int64_t i = 0; i < c_; ++i)
                y[i] /= sum;
        }
    }
    void backward(const LayerIO& io) override
    {
        if (!io.dIn[0])
            return;
        for (std::int64_t n = 0; n < io.n; ++n) {  // dx = y ⊙ (dy − ⟨dy, y⟩)
            const float* y = io.out + n * c_;
            const float* dy = io.dOut + n * c_;
            float dot = 0;
            for (std::int64_t i = 0; i < c_; ++i)
                dot += dy[i] * y[i];
            for (std::int64_t i = 0; i < c_; ++i)
                io.dIn[0][n * c_ + i] = y[i] * (dy[i] - dot);
        }
    }

private:
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
