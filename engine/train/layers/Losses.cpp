// The loss nodes. Each takes the network's output x: [n × D] and a target (the sample's class, or
// the model's input for reconstruction), reports the mean loss and writes dL/dx.
#include "engine/graph/Attributes.h"
#include "engine/train/Layer.h"

#include <algorithm>
#include <cmath>

namespace neurite {

namespace {

class LossLayer : public Layer {
public:
    LossLayer(const LayerContext& ctx)
        : Layer(ctx.node.id), d_(ctx.info.inputs[0].numel()), targetIsInput_(attrChoice(ctx.node, "target") == "input")
    {
    }
    bool isLoss() const override { return true; }
    double lossValue() const override { return loss_; }

protected:
    // The target of element i of sample n.
    float target(const LayerIO& io, std::int64_t n, std::int64_t i) const
    {
        if (targetIsInput_)
            return io.modelInput[n * d_ + i];
        return io.labels[n] == i ? 1.0f : 0.0f;
    }
    std::int64_t d_;
    bool targetIsInput_;
    double loss_ = 0;
};

// L = mean_n −Σ_c q[c] log softmax(x)[c], q = (1 − ε)·onehot(y) + ε/C; dL/dx = (softmax(x) − q) / n.
class CrossEntropy final : public LossLayer {
public:
    CrossEntropy(const LayerContext& ctx) : LossLayer(ctx), smoothing_(float(attrFloat(ctx.node, "label_smoothing"))) {}

    void forward(const LayerIO& io) override
    {
        double total = 0;
        for (std::int64_t n = 0; n < io.n; ++n) {
            const float* x = io.in[0] + n * d_;
            const float top = *std::max_element(x, x + d_);
            double sum = 0, sumLogits = 0;
            for (std::int64_t c = 0; c < d_; ++c) {
                sum += std::exp(double(x[c] - top));
                sumLogits += x[c] - top;
            }
            const double logSum = std::log(sum);
            const double nllTrue = logSum - (x[io.labels[n]] - top);
            const double nllMean = logSum - sumLogits / double(d_);
            total += (1.0 - smoothing_) * nllTrue + smoothing_ * nllMean;
        }
        loss_ = total / double(io.n);
    }

    void backward(const LayerIO& io) override
    {
        const float inv = 1.0f / float(io.n), spread = smoothing_ / float(d_);
        for (std::int64_t n = 0; n < io.n; ++n) {
            const float* x = io.in[0] + n * d_;
            float* dx = io.dIn[0] + n * d_;
            const float top = *std::max_element(x, x + d_);
            float sum = 0;
            for (std::int64_t c = 0; c < d_; ++c)
                sum += (dx[c] = std::exp(x[c] - top));
            for (std::int64_t c = 0; c < d_; ++c) {
                const float q = (c == io.labels[n] ? 1.0f - smoothing_ : 0.0f) + spread;
                dx[c] = (dx[c] / sum - q) * inv;
            }
        }
    }

private:
    float smoothing_;
};

class MeanSquaredError final : public LossLayer {
public:
    using LossLayer::LossLayer;
    void forward(const LayerIO& io) override
    {
        double total = 0;
        for (std::int64_t n = 0; n < io.n; ++n)
            for (std::int64_t i = 0; i < d_; ++i) {
                const double e = io.in[0][n * d_ + i] - target(io, n, i);
                total += e * e;
            }
        loss_ = total / double(io.n * d_);
    }
    void backward(const LayerIO& io) override
    {
        const float scale = 2.0f / float(io.n * d_);
        for (std::int64_t n = 0; n < io.n; ++n)
            for (std::int64_t i = 0; i < d_; ++i)
                io.dIn[0][n * d_ + i] = scale * (io.in[0][n * d_ + i] - target(io, n, i));
    }
};

// Numerically stable: max(x, 0) − x·t + log(1 + e^−|x|); dL/dx = (σ(x) − t) / (n·D).
class BinaryCrossEntropyWithLogits final : public LossLayer {
public:
    using LossLayer::LossLayer;
    void forward(const LayerIO& io) override
    {
        double total = 0;
        for (std::int64_t n = 0; n < io.n; ++n)
            for (std::int64_t i = 0; i < d_; ++i) {
                const double x = io.in[0][n * d_ + i];
                total += std::max(x, 0.0) - x * target(io, n, i) + std::log1p(std::exp(-std::abs(x)));
            }
        loss_ = total / double(io.n * d_);
    }
    void backward(const LayerIO& io) override
    {
        const float scale = 1.0f / float(io.n * d_);
        for (std::int64_t n = 0; n < io.n; ++n)
            for (std::int64_t i = 0; i < d_; ++i) {
                const float x = io.in[0][n * d_ + i];
                io.dIn[0][n * d_ + i] = scale * (1.0f / (1.0f + std::exp(-x)) - target(io, n, i));
            }
    }
};

} // namespace

std::unique_ptr<Layer> createLossLayer(const LayerContext& ctx)
{
    const auto& t = ctx.node.type;
    if (t == "CrossEntropyLoss")
        return std::make_unique<CrossEntropy>(ctx);
    if (t == "MSELoss")
        return std::make_unique<MeanSquaredError>(ctx);
    if (t == "BCEWithLogitsLoss")
        return std::make_unique<BinaryCrossEntropyWithLogits>(ctx);
    return nullptr;
}

} // namespace neurite
