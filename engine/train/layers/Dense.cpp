// Linear: y[n×out] = x[n×in] · Wᵀ + b, with W: [out×in] as in PyTorch.
#include "engine/graph/Attributes.h"
#include "engine/train/Layer.h"

#include <algorithm>

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
        float beta = 0.0f;
        if (hasBias()) {  // start from the bias in every row, then accumulate the product onto it
            for (std::int64_t r = 0; r < io.n; ++r)
                std::copy_n(bias_.value.data(), out_, io.out + r * out_);
            beta = 1.0f;
        }
        backend_.gemm(false, true, io.n, out_, in_, 1.0f, io.in[0], in_, weight_.value.data(), in_, beta, io.out, out_);
        if (relu_) {
            float* y = io.out;
            backend_.parallelFor(io.n * out_, [y](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i)
                    y[i] = y[i] < 0.0f ? 0.0f : y[i];  // NaN passes through, as in PyTorch
            }, 1 << 15);
        }
    }

    bool fuseRelu() override
    {
        relu_ = true;
        return true;
    }

    void backward(const LayerIO& io) override
    {
        // dW[out×in] = dYᵀ[out×n] · X[n×in]
        backend_.gemm(true, false, out_, in_, io.n, 1.0f, io.dOut, out_, io.in[0], in_, 0.0f, weight_.grad.data(), in_);
        if (hasBias()) {
            float* db = bias_.grad.data();
            std::fill_n(db, out_, 0.0f);
            for (std::int64_t r = 0; r < io.n; ++r) {
                const float* row = io.dOut + r * out_;
                for (std::int64_t j = 0; j < out_; ++j)
                    db[j] += row[j];
            }
        }
        // dX[n×in] = dY[n×out] · W[out×in]
        if (io.dIn[0])
            backend_.gemm(false, false, io.n, in_, out_, 1.0f, io.dOut, out_, weight_.value.data(), in_, 0.0f, io.dIn[0], in_);
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
