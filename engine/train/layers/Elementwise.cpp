// Activations and Dropout: element-wise, same shape in and out.
#include "engine/core/Simd.h"
#include "engine/graph/Attributes.h"
#include "engine/train/Layer.h"

#include <cmath>
#include <functional>
#include <vector>

namespace neurite {

namespace {

// f(x) and f'(x) given x and y = f(x) (whichever is cheaper to use).
struct Activation {
    std::function<float(float)> f;
    std::function<float(float x, float y)> df;
};

Activation activationFor(const Node& node)
{
    const auto& t = node.type;
    if (t == "LeakyReLU") {
        const float a = float(attrFloat(node, "negative_slope"));
        return {[a](float x) { return x > 0 ? x : a * x; }, [a](float x, float) { return x > 0 ? 1.0f : a; }};
    }
    if (t == "ELU") {
        const float a = float(attrFloat(node, "alpha"));
        return {[a](float x) { return x > 0 ? x : a * std::expm1(x); }, [a](float x, float y) { return x > 0 ? 1.0f : y + a; }};
    }
    if (t == "GELU")  // the exact form, PyTorch's default: x·Φ(x)
        return {[](float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678f)); },
                [](float x, float) {
                    return 0.5f * (1.0f + std::erf(x * 0.70710678f)) + x * 0.39894228f * std::exp(-0.5f * x * x);
                }};
    if (t == "SiLU")
        return {[](float x) { return x / (1.0f + std::exp(-x)); },
                [](float x, float) {
                    const float s = 1.0f / (1.0f + std::exp(-x));
                    return s * (1.0f + x * (1.0f - s));
                }};
    if (t == "Sigmoid")
        return {[](float x) { return 1.0f / (1.0f + std::exp(-x)); }, [](float, float y) { return y * (1.0f - y); }};
    if (t == "Tanh")
        return {[](float x) { return std::tanh(x); }, [](float, float y) { return 1.0f - y * y; }};
    return {};
}

class Elementwise final : public Layer {
public:
    Elementwise(const LayerContext& ctx, Activation a)
        : Layer(ctx.node.id), size_(ctx.info.output.numel()), act_(std::move(a))
    {
    }

    void forward(const LayerIO& io) override
    {
        const std::int64_t count = io.n * size_;
        for (std::int64_t i = 0; i < count; ++i)
            io.out[i] = act_.f(io.in[0][i]);
    }

    void backward(const LayerIO& io) override
    {
        if (!io.dIn[0])
            return;
        const std::int64_t count = io.n * size_;
        for (std::int64_t i = 0; i < count; ++i)
            io.dIn[0][i] = io.dOut[i] * act_.df(io.in[0][i], io.out[i]);
    }

private:
    std::int64_t size_;
    Activation act_;
};

NEURITE_SIMD_CLONES
void reluForward(const float* x, float* y, std::int64_t n)
{
    for (std::int64_t i = 0; i < n; ++i)
        y[i] = x[i] < 0.0f ? 0.0f : x[i];  // NaN passes through, as in PyTorch
}

NEURITE_SIMD_CLONES
void reluBackward(const float* y, const float* dy, float* dx, std::int64_t n)
{
    for (std::int64_t i = 0; i < n; ++i)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

// ReLU on its own: the most common layer, kept free of indirect calls so it vectorises.
class Relu final : public Layer {
public:
    Relu(const LayerContext& ctx) : Layer(ctx.node.id), backend_(ctx.backend), size_(ctx.info.output.numel()) {}

    void forward(const LayerIO& io) override
    {
        const float* x = io.in[0];
        float* y = io.out;
        backend_.parallelFor(io.n * size_, [=](std::int64_t begin, std::int64_t end) {
            reluForward(x + begin, y + begin, end - begin);
        }, kGrain);
    }

    void backward(const LayerIO& io) override
    {
        if (!io.dIn[0])
            return;
        const float* y = io.out;
        const float* dy = io.dOut;
        float* dx = io.dIn[0];
        backend_.parallelFor(io.n * size_, [=](std::int64_t begin, std::int64_t end) {
            reluBackward(y + begin, dy + begin, dx + begin, end - begin);
        }, kGrain);
    }

private:
    static constexpr std::int64_t kGrain = 1 << 15;  // smaller loops are not worth a thread
    Backend& backend_;
    std::int64_t size_;
};

// Training: y = x · mask / (1 − p), mask ~ Bernoulli(1 − p). Evaluation: y = x.
class Dropout final : public Layer {
public:
    Dropout(const LayerContext& ctx)
        : Layer(ctx.node.id), size_(ctx.info.output.numel()), p_(float(attrFloat(ctx.node, "p"))),
          mask_(std::size_t(ctx.batch * size_))
    {
    }

    void forward(const LayerIO& io) override
    {
        const std::int64_t count = io.n * size_;
        if (!io.training || p_ == 0.0f) {
            std::copy_n(io.in[0], count, io.out);
            std::fill_n(mask_.begin(), count, 1.0f);
            return;
        }
        const float scale = 1.0f / (1.0f - p_);
        for (std::int64_t i = 0; i < count; ++i) {
            mask_[i] = io.rng->uniform() < p_ ? 0.0f : scale;
            io.out[i] = io.in[0][i] * mask_[i];
        }
    }

    void backward(const LayerIO& io) override
    {
        if (!io.dIn[0])
            return;
        const std::int64_t count = io.n * size_;
        for (std::int64_t i = 0; i < count; ++i)
            io.dIn[0][i] = io.dOut[i] * mask_[i];
    }

private:
    std::int64_t size_;
    float p_;
    std::vector<float> mask_;  // [batch × size]: 0 or 1/(1−p)
};

} // namespace

std::unique_ptr<Layer> createElementwiseLayer(const LayerContext& ctx)
{
    if (ctx.node.type == "ReLU")
        return std::make_unique<Relu>(ctx);
    if (ctx.node.type == "Dropout")
        return std::make_unique<Dropout>(ctx);
    if (auto a = activationFor(ctx.node); a.f)
        return std::make_unique<Elementwise>(ctx, std::move(a));
    return nullptr;
}

} // namespace neurite
