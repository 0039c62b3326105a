#include "engine/train/Optimizer.h"

#include "engine/core/Error.h"
#include "engine/core/Reduce.h"
#include "engine/core/Simd.h"

#include <cmath>

namespace neurite {

namespace {

// The update rules over one range of a tensor; vectorised, and split across threads by the caller.

NEURITE_SIMD_CLONES
void sgdRange(float* w, const float* g, float* buf, std::int64_t n, float lr, float wd, float mom, bool first,
              bool nesterov)
{
    for (std::int64_t i = 0; i < n; ++i) {
        float d = g[i] + wd * w[i];
        if (mom != 0.0f) {
            buf[i] = first ? d : mom * buf[i] + d;
            d = nesterov ? d + mom * buf[i] : buf[i];
        }
        w[i] -= lr * d;
    }
}

NEURITE_SIMD_CLONES
void adamRange(float* w, const float* g, float* m, float* v, std::int64_t n, float b1, float b2, float eps,
               float stepSize, float sqrtCorrection2, float l2, float shrink)
{
    for (std::int64_t i = 0; i < n; ++i) {
        const float d = g[i] + l2 * w[i];
        m[i] = b1 * m[i] + (1.0f - b1) * d;
        v[i] = b2 * v[i] + (1.0f - b2) * d * d;
        w[i] = w[i] * shrink - stepSize * m[i] / (std::sqrt(v[i]) / sqrtCorrection2 + eps);
    }
}

NEURITE_SIMD_CLONES
void rmspropRange(float* w, const float* g, float* sq, float* buf, std::int64_t n, float lr, float alpha, float eps,
                  float wd, float mom)
{
    for (std::int64_t i = 0; i < n; ++i) {
        const float d = g[i] + wd * w[i];
        sq[i] = alpha * sq[i] + (1.0f - alpha) * d * d;
        const float step = d / (std::sqrt(sq[i]) + eps);
        if (mom != 0.0f) {
            buf[i] = mom * buf[i] + step;
            w[i] -= lr * buf[i];
        } else {
            w[i] -= lr * step;
        }
    }
}

NEURITE_SIMD_CLONES
void scale(float* g, std::int64_t n, float factor)
{
    for (std::int64_t i = 0; i < n; ++i)
        g[i] *= factor;
}

// Per-parameter state buffers, made on the first step.
class StatefulOptimizer : public Optimizer {
public:
    StatefulOptimizer(OptimizerConfig c, int buffers, Backend* host) : c_(std::move(c)), buffers_(buffers), host_(host) {}

    void prepare(const std::vector<Parameter*>& params) override
    {
        if (!state_.empty())
            return;
        for (auto* p : params)
            if (p->learned)
                for (int b = 0; b < buffers_; ++b)
                    state_.push_back({p->name + (b ? ".b" : ".a"), Tensor(p->value.shape())});
    }

    std::int64_t steps() const override { return t_; }
    void setSteps(std::int64_t steps) override { t_ = steps; }

    void step(const std::vector<Parameter*>& params, double lr) override
    {
        prepare(params);
        ++t_;
        std::size_t s = 0;
        for (auto* p : params)
            if (p->learned) {
                auto* state = &state_[s];
                const auto run = [&](std::int64_t begin, std::int64_t end) { update(*p, lr, state, begin, end); };
                if (host_)
                    host_->parallelFor(p->value.numel(), run, 1 << 14);
                else
                    run(0, p->value.numel());
                s += std::size_t(buffers_);
            }
    }

    std::vector<std::pair<std::string, Tensor*>> state() override
    {
        std::vector<std::pair<std::string, Tensor*>> out;
        for (auto& [name, t] : state_)
            out.push_back({name, &t});
        return out;
    }

protected:
    // Updates elements [begin, end) of p.
    virtual void update(Parameter& p, double lr, std::pair<std::string, Tensor>* state, std::int64_t begin,
                        std::int64_t end) = 0;
    OptimizerConfig c_;
    int buffers_;
    Backend* host_;
    std::int64_t t_ = 0;   // steps taken, counting this one
    std::vector<std::pair<std::string, Tensor>> state_;
};

class Sgd final : public StatefulOptimizer {
public:
    Sgd(OptimizerConfig c, Backend* host) : StatefulOptimizer(std::move(c), 1, host) {}

private:
    void update(Parameter& p, double lr, std::pair<std::string, Tensor>* state, std::int64_t b, std::int64_t e) override
    {
        sgdRange(p.value.data() + b, p.grad.data() + b, state[0].second.data() + b, e - b, float(lr),
                 float(c_.weightDecay), float(c_.momentum), t_ == 1, c_.nesterov);
    }
};

class Adam final : public StatefulOptimizer {
public:
    Adam(OptimizerConfig c, bool decoupled, Backend* host) : StatefulOptimizer(std::move(c), 2, host), decoupled_(decoupled) {}

private:
    void update(Parameter& p, double lr, std::pair<std::string, Tensor>* state, std::int64_t b, std::int64_t e) override
    {
        const double correction1 = 1.0 - std::pow(c_.beta1, double(t_));
        const float sqrtCorrection2 = float(std::sqrt(1.0 - std::pow(c_.beta2, double(t_))));
        adamRange(p.value.data() + b, p.grad.data() + b, state[0].second.data() + b, state[1].second.data() + b, e - b,
                  float(c_.beta1), float(c_.beta2), float(c_.eps), float(lr / correction1), sqrtCorrection2,
                  decoupled_ ? 0.0f : float(c_.weightDecay), decoupled_ ? float(1.0 - lr * c_.weightDecay) : 1.0f);
    }
    bool decoupled_;
};

class RmsProp final : public StatefulOptimizer {
public:
    RmsProp(OptimizerConfig c, Backend* host) : StatefulOptimizer(std::move(c), 2, host) {}

private:
    void update(Parameter& p, double lr, std::pair<std::string, Tensor>* state, std::int64_t b, std::int64_t e) override
    {
        rmspropRange(p.value.data() + b, p.grad.data() + b, state[0].second.data() + b, state[1].second.data() + b,
                     e - b, float(lr), float(c_.alpha), float(c_.eps), float(c_.weightDecay), float(c_.momentum));
    }
};

} // namespace

std::unique_ptr<Optimizer> createOptimizer(const OptimizerConfig& config, Backend* host)
{
    if (config.kind == "sgd")
        return std::make_unique<Sgd>(config, host);
    if (config.kind == "adam")
        return std::make_unique<Adam>(config, false, host);
    if (config.kind == "adamw")
        return std::make_unique<Adam>(config, true, host);
    if (config.kind == "rmsprop")
        return std::make_unique<RmsProp>(config, host);
    throw ConfigError("unknown optimizer '" + config.kind + "'; choose sgd, adam, adamw or rmsprop");
}

double clipGradientNorm(const std::vector<Parameter*>& params, double maxNorm)
{
    double sum = 0;
    for (auto* p : params)
        if (p->learned)
            sum += sumOfSquares(p->grad.data(), p->grad.numel());
    const double norm = std::sqrt(sum);
    if (maxNorm > 0 && norm > maxNorm)
        for (auto* p : params)
            if (p->learned)
                scale(p->grad.data(), p->grad.numel(), float(maxNorm / (norm + 1e-6)));
    return norm;
}

} // namespace neurite
