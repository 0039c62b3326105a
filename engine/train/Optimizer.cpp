#include "engine/train/Optimizer.h"

#include "engine/core/Error.h"

#include <cmath>

namespace neurite {

namespace {

// Per-parameter state buffers, made on the first step.
class StatefulOptimizer : public Optimizer {
public:
    explicit StatefulOptimizer(OptimizerConfig c, int buffers) : c_(std::move(c)), buffers_(buffers) {}

    void step(const std::vector<Parameter*>& params, double lr) override
    {
        if (state_.empty()) {
            for (auto* p : params)
                if (p->learned)
                    for (int b = 0; b < buffers_; ++b)
                        state_.push_back({p->name + (b ? ".b" : ".a"), Tensor(p->value.shape())});
        }
        ++t_;
        std::size_t s = 0;
        for (auto* p : params)
            if (p->learned) {
                update(*p, lr, &state_[s]);
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
    virtual void update(Parameter& p, double lr, std::pair<std::string, Tensor>* state) = 0;
    OptimizerConfig c_;
    int buffers_;
    std::int64_t t_ = 0;   // steps taken, counting this one
    std::vector<std::pair<std::string, Tensor>> state_;
};

class Sgd final : public StatefulOptimizer {
public:
    explicit Sgd(OptimizerConfig c) : StatefulOptimizer(std::move(c), 1) {}

private:
    void update(Parameter& p, double lr, std::pair<std::string, Tensor>* state) override
    {
        float* w = p.value.data();
        const float* g = p.grad.data();
        float* buf = state[0].second.data();
        const float wd = float(c_.weightDecay), mom = float(c_.momentum), rate = float(lr);
        for (std::int64_t i = 0; i < p.value.numel(); ++i) {
            float d = g[i] + wd * w[i];
            if (mom != 0.0f) {
                buf[i] = t_ == 1 ? d : mom * buf[i] + d;
                d = c_.nesterov ? d + mom * buf[i] : buf[i];
            }
            w[i] -= rate * d;
        }
    }
};

class Adam final : public StatefulOptimizer {
public:
    Adam(OptimizerConfig c, bool decoupled) : StatefulOptimizer(std::move(c), 2), decoupled_(decoupled) {}

private:
    void update(Parameter& p, double lr, std::pair<std::string, Tensor>* state) override
    {
        float* w = p.value.data();
        const float* g = p.grad.data();
        float* m = state[0].second.data();
        float* v = state[1].second.data();
        const float b1 = float(c_.beta1), b2 = float(c_.beta2), eps = float(c_.eps);
        const double correction1 = 1.0 - std::pow(c_.beta1, double(t_));
        const float stepSize = float(lr / correction1);
        const float sqrtCorrection2 = float(std::sqrt(1.0 - std::pow(c_.beta2, double(t_))));
        const float l2 = decoupled_ ? 0.0f : float(c_.weightDecay);
        const float shrink = decoupled_ ? float(1.0 - lr * c_.weightDecay) : 1.0f;
        for (std::int64_t i = 0; i < p.value.numel(); ++i) {
            const float d = g[i] + l2 * w[i];
            m[i] = b1 * m[i] + (1.0f - b1) * d;
            v[i] = b2 * v[i] + (1.0f - b2) * d * d;
            w[i] = w[i] * shrink - stepSize * m[i] / (std::sqrt(v[i]) / sqrtCorrection2 + eps);
        }
    }
    bool decoupled_;
};

class RmsProp final : public StatefulOptimizer {
public:
    explicit RmsProp(OptimizerConfig c) : StatefulOptimizer(std::move(c), 2) {}

private:
    void update(Parameter& p, double lr, std::pair<std::string, Tensor>* state) override
    {
        float* w = p.value.data();
        const float* g = p.grad.data();
        float* sq = state[0].second.data();
        float* buf = state[1].second.data();
        const float alpha = float(c_.alpha), eps = float(c_.eps), wd = float(c_.weightDecay);
        const float mom = float(c_.momentum), rate = float(lr);
        for (std::int64_t i = 0; i < p.value.numel(); ++i) {
            const float d = g[i] + wd * w[i];
            sq[i] = alpha * sq[i] + (1.0f - alpha) * d * d;
            const float step = d / (std::sqrt(sq[i]) + eps);
            if (mom != 0.0f) {
                buf[i] = mom * buf[i] + step;
                w[i] -= rate * buf[i];
            } else {
                w[i] -= rate * step;
            }
        }
    }
};

} // namespace

std::unique_ptr<Optimizer> createOptimizer(const OptimizerConfig& config)
{
    if (config.kind == "sgd")
        return std::make_unique<Sgd>(config);
    if (config.kind == "adam")
        return std::make_unique<Adam>(config, false);
    if (config.kind == "adamw")
        return std::make_unique<Adam>(config, true);
    if (config.kind == "rmsprop")
        return std::make_unique<RmsProp>(config);
    throw ConfigError("unknown optimizer '" + config.kind + "'; choose sgd, adam, adamw or rmsprop");
}

double clipGradientNorm(const std::vector<Parameter*>& params, double maxNorm)
{
    double sum = 0;
    for (auto* p : params)
        if (p->learned)
            for (float g : p->grad.span())
                sum += double(g) * g;
    const double norm = std::sqrt(sum);
    if (maxNorm > 0 && norm > maxNorm) {
        const float scale = float(maxNorm / (norm + 1e-6));
        for (auto* p : params)
            if (p->learned)
                for (float& g : p->grad.span())
                    g *= scale;
    }
    return norm;
}

} // namespace neurite
