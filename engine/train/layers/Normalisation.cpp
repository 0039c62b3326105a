// BatchNorm1d/2d (per channel over the batch and positions) and LayerNorm (per sample), with
// PyTorch's semantics: biased variance to normalise, unbiased variance in the running estimate.
#include "engine/graph/Attributes.h"
#include "engine/train/Layer.h"

#include <cmath>
#include <vector>

namespace neurite {

namespace {

// x viewed as [n, C, S]: S = 1 for BatchNorm1d, H·W for BatchNorm2d.
class BatchNorm final : public Layer {
public:
    BatchNorm(const LayerContext& ctx)
        : Layer(ctx.node.id), c_(ctx.info.inputs[0][0]), s_(ctx.info.inputs[0].numel() / c_),
          momentum_(float(attrFloat(ctx.node, "momentum"))), eps_(float(attrFloat(ctx.node, "eps"))), mean_(c_),
          invstd_(c_)
    {
        gamma_ = {id_ + ".weight", Tensor({c_}, 1.0f), Tensor({c_}), true};
        beta_ = {id_ + ".bias", Tensor({c_}), Tensor({c_}), true};
        runningMean_ = {id_ + ".running_mean", Tensor({c_}), Tensor(), false};
        runningVar_ = {id_ + ".running_var", Tensor({c_}, 1.0f), Tensor(), false};
    }

    std::vector<Parameter*> parameters() override { return {&gamma_, &beta_, &runningMean_, &runningVar_}; }

    void forward(const LayerIO& io) override
    {
        const std::int64_t m = io.n * s_;
        for (std::int64_t c = 0; c < c_; ++c) {
            float mean, invstd;
            if (io.training) {
                double sum = 0, sq = 0;
                forEach(io.in[0], io.n, c, [&](float v) { sum += v; });
                mean = float(sum / double(m));
                forEach(io.in[0], io.n, c, [&](float v) { sq += double(v - mean) * (v - mean); });
                const double var = sq / double(m);
                invstd = float(1.0 / std::sqrt(var + eps_));
                runningMean_.value[c] = (1 - momentum_) * runningMean_.value[c] + momentum_ * mean;
                const double unbiased = m > 1 ? var * double(m) / double(m - 1) : var;
                runningVar_.value[c] = float((1 - momentum_) * runningVar_.value[c] + momentum_ * unbiased);
            } else {
                mean = runningMean_.value[c];
                invstd = 1.0f / std::sqrt(runningVar_.value[c] + eps_);
            }
            mean_[c] = mean;
            invstd_[c] = invstd;
            const float scale = gamma_.value[c] * invstd, shift = beta_.value[c] - mean * scale;
            for (std::int64_t n = 0; n < io.n; ++n) {
                const float* x = io.in[0] + (n * c_ + c) * s_;
                float* y = io.out + (n * c_ + c) * s_;
                for (std::int64_t i = 0; i < s_; ++i)
                    y[i] = x[i] * scale + shift;
            }
        }
    }

    void backward(const LayerIO& io) override
    {
        const float m = float(io.n * s_);
        for (std::int64_t c = 0; c < c_; ++c) {
            const float mean = mean_[c], invstd = invstd_[c];
            double dbeta = 0, dgamma = 0;
            for (std::int64_t n = 0; n < io.n; ++n) {
                const float* x = io.in[0] + (n * c_ + c) * s_;
                const float* dy = io.dOut + (n * c_ + c) * s_;
                for (std::int64_t i = 0; i < s_; ++i) {
                    dbeta += dy[i];
                    dgamma += double(dy[i]) * (x[i] - mean) * invstd;
                }
            }
            gamma_.grad[c] = float(dgamma);
            beta_.grad[c] = float(dbeta);
            if (!io.dIn[0])
                continue;
            const float k = gamma_.value[c] * invstd / m;
            for (std::int64_t n = 0; n < io.n; ++n) {
                const float* x = io.in[0] + (n * c_ + c) * s_;
                const float* dy = io.dOut + (n * c_ + c) * s_;
                float* dx = io.dIn[0] + (n * c_ + c) * s_;
                for (std::int64_t i = 0; i < s_; ++i)
                    dx[i] = k * (m * dy[i] - float(dbeta) - (x[i] - mean) * invstd * float(dgamma));
            }
        }
    }

private:
    template <typename F>
    void forEach(const float* x, std::int64_t n, std::int64_t c, F f) const
    {
        for (std::int64_t b = 0; b < n; ++b)
            for (std::int64_t i = 0; i < s_; ++i)
                f(x[(b * c_ + c) * s_ + i]);
    }

    std::int64_t c_, s_;
    float momentum_, eps_;
    std::vector<float> mean_, invstd_;  // of the last forward pass, per channel
    Parameter gamma_, beta_, runningMean_, runningVar_;
};

// Normalises each sample over all its d features.
class LayerNorm final : public Layer {
public:
    LayerNorm(const LayerContext& ctx)
        : Layer(ctx.node.id), d_(ctx.info.output.numel()), eps_(float(attrFloat(ctx.node, "eps"))), mean_(ctx.batch),
          invstd_(ctx.batch)
    {
        const Shape shape = ctx.info.output;
        gamma_ = {id_ + ".weight", Tensor(shape, 1.0f), Tensor(shape), true};
        beta_ = {id_ + ".bias", Tensor(shape), Tensor(shape), true};
    }

    std::vector<Parameter*> parameters() override { return {&gamma_, &beta_}; }

    void forward(const LayerIO& io) override
    {
        for (std::int64_t n = 0; n < io.n; ++n) {
            const float* x = io.in[0] + n * d_;
            double sum = 0, sq = 0;
            for (std::int64_t i = 0; i < d_; ++i)
                sum += x[i];
            const float mean = float(sum / double(d_));
            for (std::int64_t i = 0; i < d_; ++i)
                sq += double(x[i] - mean) * (x[i] - mean);
            const float invstd = float(1.0 / std::sqrt(sq / double(d_) + eps_));
            mean_[n] = mean;
            invstd_[n] = invstd;
            float* y = io.out + n * d_;
            for (std::int64_t i = 0; i < d_; ++i)
                y[i] = (x[i] - mean) * invstd * gamma_.value[i] + beta_.value[i];
        }
    }

    void backward(const LayerIO& io) override
    {
        gamma_.grad.fill(0.0f);
        beta_.grad.fill(0.0f);
        for (std::int64_t n = 0; n < io.n; ++n) {
            const float* x = io.in[0] + n * d_;
            const float* dy = io.dOut + n * d_;
            const float mean = mean_[n], invstd = invstd_[n];
            double sumDxhat = 0, sumDxhatXhat = 0;
            for (std::int64_t i = 0; i < d_; ++i) {
                const float xhat = (x[i] - mean) * invstd;
                gamma_.grad[i] += dy[i] * xhat;
                beta_.grad[i] += dy[i];
                const float dxhat = dy[i] * gamma_.value[i];
                sumDxhat += dxhat;
                sumDxhatXhat += double(dxhat) * xhat;
            }
            if (!io.dIn[0])
                continue;
            float* dx = io.dIn[0] + n * d_;
            for (std::int64_t i = 0; i < d_; ++i) {
                const float xhat = (x[i] - mean) * invstd;
                const float dxhat = dy[i] * gamma_.value[i];
                dx[i] = invstd / float(d_) * (float(d_) * dxhat - float(sumDxhat) - xhat * float(sumDxhatXhat));
            }
        }
    }

private:
    std::int64_t d_;
    float eps_;
    std::vector<float> mean_, invstd_;  // per sample of the last forward pass
    Parameter gamma_, beta_;
};

} // namespace

std::unique_ptr<Layer> createNormLayer(const LayerContext& ctx)
{
    const auto& t = ctx.node.type;
    if (t == "BatchNorm1d" || t == "BatchNorm2d")
        return std::make_unique<BatchNorm>(ctx);
    if (t == "LayerNorm")
        return std::make_unique<LayerNorm>(ctx);
    return nullptr;
}

} // namespace neurite
