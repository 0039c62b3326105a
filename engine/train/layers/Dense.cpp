// Linear: y[n×out] = x[n×in] · Wᵀ + b, with W: [out×in] as in PyTorch.
#include "engine/graph/Attributes.h"
#include "engine/train/Layer.h"

namespace neurite {

namespace {

class Linear final : public Layer {
public:
    Linear(const LayerContext& ctx)
        : Layer(ctx.node.id), backend_(ctx.backend), in_(ctx.info.inputs[0][0]), out_(ctx.info.output[0])
    {
        weight_ = {id_ + ".weight", Tensor({out_, in_}), Tensor({out_, in_})};
        if (attrBool(ctx.node, "bias"))
            bias_ = {id_ + ".bias", Tensor({out_}), Tensor({out_}), true};
    }

    void initialise(Rng& rng) override
    {
        initUniformFanIn(weight_.value, in_, rng);
        if (hasBias())
            initUniformFanIn(bias_.value, in_, rng);
    }

    std::vector<Parameter*> parameters() override
    {
        if (hasBias())
            return {&weight_, &bias_};
        return {&weight_};
    }

    void forward(const LayerIO& io) override
    {
        // Start from the bias in every row (copyRows with a stride of 0 repeats it), then accumulate
        // the product onto it: one pass fewer than adding the bias afterwards.
        if (hasBias())
            backend_.copyRows(bias_.live(), 0, io.out, out_, 0, io.n, out_);
        backend_.gemm(false, true, io.n, out_, in_, 1.0f, io.in[0], in_, weight_.live(), in_,
                      hasBias() ? 1.0f : 0.0f, io.out, out_);
        if (relu_)
            backend_.activationForward({ActivationKind::ReLU}, io.out, io.out, io.n * out_);
    }

    bool fuseRelu() override
    {
        relu_ = true;
        return true;
    }

    void backward(const LayerIO& io) override
    {
        // dW[out×in] = dYᵀ[out×n] · X[n×in]
        backend_.gemm(true, false, out_, in_, io.n, 1.0f, io.dOut, out_, io.in[0], in_, 0.0f, weight_.liveGrad(), in_);
        if (hasBias())
            backend_.biasGradient(io.dOut, bias_.liveGrad(), io.n, out_, 1);
        // dX[n×in] = dY[n×out] · W[out×in]
        if (io.dIn[0])
            backend_.gemm(false, false, io.n, in_, out_, 1.0f, io.dOut, out_, weight_.live(), in_, 0.0f, io.dIn[0], in_);
    }

private:
    bool hasBias() const { return bias_.value.numel() > 0; }
    Backend& backend_;
    std::int64_t in_, out_;
    Parameter weight_, bias_;
    bool relu_ = false;
};

} // namespace

std::unique_ptr<Layer> createDenseLayer(const LayerContext& ctx)
{
    if (ctx.node.type == "Linear")
        return std::make_unique<Linear>(ctx);
    return nullptr;
}

} // namespace neurite
