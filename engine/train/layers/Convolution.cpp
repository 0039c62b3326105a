// Conv2d, MaxPool2d, AvgPool2d and GlobalAvgPool2d on [n, C, H, W] tensors, through the backend.
#include "engine/graph/Attributes.h"
#include "engine/train/Layer.h"

#include <vector>

namespace neurite {

namespace {

class Conv2d final : public Layer {
public:
    Conv2d(const LayerContext& ctx) : Layer(ctx.node.id), backend_(ctx.backend)
    {
        const Shape& in = ctx.info.inputs[0];
        geom_ = {ctx.batch, in[0], in[1], in[2], attrInt(ctx.node, "out_channels"), attrInt(ctx.node, "kernel_size"),
                 attrInt(ctx.node, "stride"), attrInt(ctx.node, "padding"), attrInt(ctx.node, "dilation"),
                 attrInt(ctx.node, "groups")};
        geom_.computeOutput();
        fanIn_ = geom_.cin / geom_.groups * geom_.k * geom_.k;
        weight_ = {id_ + ".weight", Tensor({geom_.cout, geom_.cin / geom_.groups, geom_.k, geom_.k}),
                   Tensor({geom_.cout, geom_.cin / geom_.groups, geom_.k, geom_.k})};
        if (attrBool(ctx.node, "bias"))
            bias_ = {id_ + ".bias", Tensor({geom_.cout}), Tensor({geom_.cout}), true};
    }

    void initialise(Rng& rng) override
    {
        initUniformFanIn(weight_.value, fanIn_, rng);
        if (bias_.value.numel())
            initUniformFanIn(bias_.value, fanIn_, rng);
    }

    std::vector<Parameter*> parameters() override
    {
        if (bias_.value.numel())
            return {&weight_, &bias_};
        return {&weight_};
    }

    std::int64_t workspaceFloats() const override { return backend_.convWorkspace(geom_); }
    bool fuseRelu() override
    {
        geom_.relu = true;
        return true;
    }
    bool fusesReluBackward() const override { return true; }
    bool fuseMaxPool2x2() override
    {
        if (!geom_.relu || geom_.oh % 2 || geom_.ow % 2 || geom_.oh * geom_.ow > kMaxFusedPoolPlane)
            return false;
        geom_.maxPool2x2 = true;
        argmax_ = BackendBuffer<std::int32_t>(backend_, geom_.n * geom_.cout * (geom_.oh / 2) * (geom_.ow / 2),
                                              id_ + " (pooling choices)");
        return true;
    }

    void forward(const LayerIO& io) override
    {
        backend_.convForward(at(io.n), io.in[0], weight_.live(), bias_.value.numel() ? bias_.live() : nullptr,
                             io.out, io.workspace, argmax_.data());
    }

    void backward(const LayerIO& io) override
    {
        backend_.convBackward(at(io.n), io.in[0], weight_.live(), io.out, io.dOut, io.dIn[0], weight_.liveGrad(),
                              bias_.value.numel() ? bias_.liveGrad() : nullptr, io.workspace, argmax_.data());
    }

private:
    ConvGeometry at(std::int64_t n) const
    {
        ConvGeometry g = geom_;
        g.n = n;
        return g;
    }
    Backend& backend_;
    ConvGeometry geom_;
    std::int64_t fanIn_;
    Parameter weight_, bias_;
    BackendBuffer<std::int32_t> argmax_;  // a fused pooling's choices: [batch, cout, oh/2, ow/2]
};

class Pool2d final : public Layer {
public:
    Pool2d(const LayerContext& ctx, bool max) : Layer(ctx.node.id), backend_(ctx.backend), max_(max)
    {
        const Shape& in = ctx.info.inputs[0];
        const auto k = attrInt(ctx.node, "kernel_size");
        geom_ = {ctx.batch, in[0], in[1], in[2], k, attrInt(ctx.node, "stride") ? attrInt(ctx.node, "stride") : k,
                 attrInt(ctx.node, "padding")};
        geom_.computeOutput();
        if (max_)
            argmax_ = BackendBuffer<std::int32_t>(ctx.backend, ctx.batch * ctx.info.output.numel(),
                                                  ctx.node.id + " (pooling choices)");
    }

    void forward(const LayerIO& io) override
    {
        if (max_)
            backend_.maxPoolForward(at(io.n), io.in[0], io.out, argmax_.data());
        else
            backend_.avgPoolForward(at(io.n), io.in[0], io.out);
    }

    void backward(const LayerIO& io) override
    {
        if (!io.dIn[0])
            return;
        if (max_)
            backend_.maxPoolBackward(at(io.n), io.dOut, argmax_.data(), io.dIn[0]);
        else
            backend_.avgPoolBackward(at(io.n), io.dOut, io.dIn[0]);
    }

private:
    PoolGeometry at(std::int64_t n) const
    {
        PoolGeometry g = geom_;
        g.n = n;
        return g;
    }
    Backend& backend_;
    bool max_;
    PoolGeometry geom_;
    BackendBuffer<std::int32_t> argmax_;  // [batch, C, OH, OW], allocated once
};

// y[n, c] = mean over H×W of x[n, c, :, :]
class GlobalAvgPool2d final : public Layer {
public:
    GlobalAvgPool2d(const LayerContext& ctx)
        : Layer(ctx.node.id), backend_(ctx.backend), c_(ctx.info.inputs[0][0]),
          hw_(ctx.info.inputs[0][1] * ctx.info.inputs[0][2])
    {
    }

    void forward(const LayerIO& io) override { backend_.globalAvgPoolForward(io.in[0], io.out, io.n * c_, hw_); }

    void backward(const LayerIO& io) override
    {
        if (io.dIn[0])
            backend_.globalAvgPoolBackward(io.dOut, io.dIn[0], io.n * c_, hw_);
    }

private:
    Backend& backend_;
    std::int64_t c_, hw_;
};

} // namespace

std::unique_ptr<Layer> createConvLayer(const LayerContext& ctx)
{
    const auto& t = ctx.node.type;
    if (t == "Conv2d")
        return std::make_unique<Conv2d>(ctx);
    if (t == "MaxPool2d" || t == "AvgPool2d")
        return std::make_unique<Pool2d>(ctx, t == "MaxPool2d");
    if (t == "GlobalAvgPool2d")
        return std::make_unique<GlobalAvgPool2d>(ctx);
    return nullptr;
}

} // namespace neurite
