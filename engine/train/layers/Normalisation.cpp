// BatchNorm1d/2d (per channel over the batch and positions) and LayerNorm (per sample), with
// PyTorch's semantics: biased variance to normalise, unbiased variance in the running estimate.
#include "engine/graph/Attributes.h"
#include "engine/train/Layer.h"

namespace neurite {

namespace {

// x viewed as [n, C, S]: S = 1 for BatchNorm1d, H·W for BatchNorm2d.
class BatchNorm final : public Layer {
public:
    BatchNorm(const LayerContext& ctx)
        : Layer(ctx.node.id), backend_(ctx.backend), c_(ctx.info.inputs[0][0]), s_(ctx.info.inputs[0].numel() / c_),
          momentum_(float(attrFloat(ctx.node, "momentum"))), eps_(float(attrFloat(ctx.node, "eps"))),
          mean_(ctx.backend, c_, ctx.node.id + " (batch mean)"), invstd_(ctx.backend, c_, ctx.node.id + " (batch 1/σ)"),
          zeros_(ctx.backend, c_, ctx.node.id + " (zeros)"), evalMean_(ctx.backend, c_, ctx.node.id + " (scratch)"),
          evalInvstd_(ctx.backend, c_, ctx.node.id + " (scratch)")
    {
        gamma_ = {id_ + ".weight", Tensor({c_}, 1.0f), Tensor({c_}), true};
        beta_ = {id_ + ".bias", Tensor({c_}), Tensor({c_}), true};
        runningMean_ = {id_ + ".running_mean", Tensor({c_}), Tensor(), false};
        runningVar_ = {id_ + ".running_var", Tensor({c_}, 1.0f), Tensor(), false};
    }

    std::vector<Parameter*> parameters() override { return {&gamma_, &beta_, &runningMean_, &runningVar_}; }

    void forward(const LayerIO& io) override
    {
        backend_.batchNormForward(io.in[0], io.out, io.n, c_, s_, tensors(), momentum_, eps_, io.training);
    }

    void backward(const LayerIO& io) override
    {
        // In training x's gradient also flows through the batch's mean and variance; in evaluation
        // they are constants and y = γ·(x − μ)/σ + β is affine, so dx = dy·γ/σ per channel (σ from
        // the running variance). dγ and dβ read the saved mean and 1/σ, right in both modes.
        const bool training = io.training;
        backend_.batchNormBackward(io.in[0], io.dOut, training ? io.dIn[0] : nullptr, io.n, c_, s_, tensors(),
                                   gamma_.liveGrad(), beta_.liveGrad());
        if (training || !io.dIn[0])
            return;
        // dx = dy·γ/σ: the evaluation transform itself, applied to dy with μ = 0 and β = 0.
        BatchNormTensors scale{gamma_.live(), zeros_.data(), zeros_.data(), runningVar_.live(), evalMean_.data(),
                               evalInvstd_.data()};
        backend_.batchNormForward(io.dOut, io.dIn[0], io.n, c_, s_, scale, momentum_, eps_, false);
    }

private:
    BatchNormTensors tensors()
    {
        return {gamma_.live(), beta_.live(), runningMean_.live(), runningVar_.live(),
                mean_.data(), invstd_.data()};
    }

    Backend& backend_;
    std::int64_t c_, s_;
    float momentum_, eps_;
    BackendBuffer<float> mean_, invstd_;  // of the last forward pass, per channel
    BackendBuffer<float> zeros_;          // [C] μ = β = 0 of the evaluation-mode backward pass
    BackendBuffer<float> evalMean_, evalInvstd_;   // [C] what that pass saves, unused
    Parameter gamma_, beta_, runningMean_, runningVar_;
};

// Normalises each sample over all its d features.
class LayerNorm final : public Layer {
public:
    LayerNorm(const LayerContext& ctx)
        : Layer(ctx.node.id), backend_(ctx.backend), d_(ctx.info.output.numel()), eps_(float(attrFloat(ctx.node, "eps"))),
          mean_(ctx.backend, ctx.batch, ctx.node.id + " (row mean)"),
          invstd_(ctx.backend, ctx.batch, ctx.node.id + " (row 1/σ)")
    {
        const Shape shape = ctx.info.output;
        gamma_ = {id_ + ".weight", Tensor(shape, 1.0f), Tensor(shape), true};
        beta_ = {id_ + ".bias", Tensor(shape), Tensor(shape), true};
    }

    std::vector<Parameter*> parameters() override { return {&gamma_, &beta_}; }

    void forward(const LayerIO& io) override
    {
        backend_.layerNormForward(io.in[0], io.out, io.n, d_, gamma_.live(), beta_.live(), eps_,
                                  mean_.data(), invstd_.data());
    }

    void backward(const LayerIO& io) override
    {
        backend_.layerNormBackward(io.in[0], io.dOut, io.dIn[0], io.n, d_, gamma_.live(), mean_.data(),
                                   invstd_.data(), gamma_.liveGrad(), beta_.liveGrad());
    }

private:
    Backend& backend_;
    std::int64_t d_;
    float eps_;
    BackendBuffer<float> mean_, invstd_;  // per sample of the last forward pass
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
