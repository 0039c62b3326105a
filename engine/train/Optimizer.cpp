#include "engine/train/Optimizer.h"

#include "engine/core/Error.h"

namespace neurite {

namespace {

OptimizerKind kindOf(const std::string& kind)
{
    if (kind == "sgd")
        return OptimizerKind::Sgd;
    if (kind == "adam")
        return OptimizerKind::Adam;
    if (kind == "adamw")
        return OptimizerKind::AdamW;
    if (kind == "rmsprop")
        return OptimizerKind::RmsProp;
    throw ConfigError("unknown optimizer '" + kind + "'; choose sgd, adam, adamw or rmsprop");
}

// Buffers of state per learned tensor: SGD's momentum; Adam's two moments; RMSprop's square
// average and momentum.
int stateBuffers(OptimizerKind kind) { return kind == OptimizerKind::Sgd ? 1 : 2; }

class BackendOptimizer final : public Optimizer {
public:
    BackendOptimizer(OptimizerConfig c, Backend& backend)
        : c_(std::move(c)), kind_(kindOf(c_.kind)), backend_(backend)
    {
    }

    void prepare(const std::vector<Parameter*>& params) override
    {
        if (!state_.empty())
            return;
        std::size_t learned = 0;
        for (auto* p : params)
            learned += p->learned;
        state_.reserve(learned * std::size_t(stateBuffers(kind_)));   // the slots point into it
        copies_.reserve(state_.capacity());
        for (auto* p : params)
            if (p->learned) {
                OptimizerSlot slot{p->live(), p->liveGrad(), nullptr, nullptr, p->value.numel()};
                for (int b = 0; b < stateBuffers(kind_); ++b) {
                    const std::string name = p->name + (b ? ".b" : ".a");
                    state_.push_back({name, Tensor(p->value.shape())});
                    float* live = state_.back().second.data();
                    if (!backend_.hostAddressable()) {
                        copies_.emplace_back(backend_, p->value.numel(), "optimizer state of " + p->name);
                        live = copies_.back().data();
                    }
                    (b ? slot.state1 : slot.state0) = live;
                }
                slots_.push_back(slot);
            }
    }

    std::int64_t steps() const override { return t_; }
    void setSteps(std::int64_t steps) override { t_ = steps; }

    void step(const std::vector<Parameter*>& params, double lr) override
    {
        prepare(params);
        ++t_;
        OptimizerStepSettings s;
        s.kind = kind_;
        s.lr = lr;
        s.weightDecay = c_.weightDecay;
        s.momentum = c_.momentum;
        s.nesterov = c_.nesterov;
        s.beta1 = c_.beta1;
        s.beta2 = c_.beta2;
        s.eps = c_.eps;
        s.alpha = c_.alpha;
        s.step = t_;
        backend_.optimizerStep(s, slots_);
    }

    void stateToHost() override
    {
        for (std::size_t i = 0; i < copies_.size(); ++i)
            backend_.download(state_[i].second.data(), copies_[i].data(), copies_[i].bytes());
    }

    void stateToBackend() override
    {
        for (std::size_t i = 0; i < copies_.size(); ++i)
            backend_.upload(copies_[i].data(), state_[i].second.data(), copies_[i].bytes());
    }

    std::vector<std::pair<std::string, Tensor*>> state() override
    {
        std::vector<std::pair<std::string, Tensor*>> out;
        for (auto& [name, t] : state_)
            out.push_back({name, &t});
        return out;
    }

private:
    OptimizerConfig c_;
    OptimizerKind kind_;
    Backend& backend_;
    std::int64_t t_ = 0;   // steps taken, counting this one
    // Never reallocated after prepare(): the slots point into it.
    std::vector<std::pair<std::string, Tensor>> state_;
    std::vector<BackendBuffer<float>> copies_;   // a device backend's copies of state_, in its order
    std::vector<OptimizerSlot> slots_;
};

} // namespace

void validateOptimizer(const OptimizerConfig& config) { kindOf(config.kind); }

std::unique_ptr<Optimizer> createOptimizer(const OptimizerConfig& config, Backend& backend)
{
    return std::make_unique<BackendOptimizer>(config, backend);
}

void clipGradients(Backend& backend, const std::vector<Parameter*>& params, double maxNorm, float* norm)
{
    std::vector<GradientSlice> gradients;
    for (auto* p : params)
        if (p->learned)
            gradients.push_back({p->liveGrad(), p->grad.numel()});
    backend.clipGradientNorm(gradients, maxNorm, norm);
}

} // namespace neurite
