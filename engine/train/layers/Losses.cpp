// The loss nodes. Each takes the network's output x: [n × D] and a target (the sample's class, or
// the model's input for reconstruction), reports the mean loss and writes dL/dx, on the backend.
#include "engine/graph/Attributes.h"
#include "engine/train/Layer.h"

namespace neurite {

namespace {

// x: [n × D]; its target the sample's class or the model's input (reconstruction).
class Loss final : public Layer {
public:
    Loss(const LayerContext& ctx, LossSpec spec)
        : Layer(ctx.node.id), backend_(ctx.backend), d_(ctx.info.inputs[0].numel()),
          targetIsInput_(attrChoice(ctx.node, "target") == "input"), spec_(spec),
          loss_(ctx.backend, 1, ctx.node.id + " (loss)")
    {
    }
    bool isLoss() const override { return true; }

    // The mean loss of the last forward pass: one float read back from the backend.
    double lossValue() const override
    {
        float value = 0;
        backend_.download(&value, output(), sizeof value);
        return value;
    }
    void setLossOutput(float* target) override { output_ = target; }

    void forward(const LayerIO& io) override { backend_.lossForward(spec_, io.in[0], target(io), io.n, d_, output()); }

    void backward(const LayerIO& io) override
    {
        backend_.lossBackward(spec_, io.in[0], target(io), io.n, d_, io.dIn[0]);
    }

private:
    float* output() const { return output_ ? output_ : loss_.data(); }
    LossTarget target(const LayerIO& io) const
    {
        return targetIsInput_ ? LossTarget{nullptr, io.modelInput} : LossTarget{io.labels, nullptr};
    }
    Backend& backend_;
    std::int64_t d_;
    bool targetIsInput_;
    LossSpec spec_;
    BackendBuffer<float> loss_;   // [1], unless the plan gave another place (setLossOutput)
    float* output_ = nullptr;
};

} // namespace

std::unique_ptr<Layer> createLossLayer(const LayerContext& ctx)
{
    const auto& t = ctx.node.type;
    // Cross-entropy: L = mean_n −Σ_c q[c] log softmax(x)[c], q = (1 − ε)·onehot(y) + ε/C.
    if (t == "CrossEntropyLoss")
        return std::make_unique<Loss>(ctx, LossSpec{LossKind::CrossEntropy, float(attrFloat(ctx.node, "label_smoothing"))});
    if (t == "MSELoss")
        return std::make_unique<Loss>(ctx, LossSpec{LossKind::MeanSquaredError});
    // Numerically stable: max(x, 0) − x·t + log(1 + e^−|x|).
    if (t == "BCEWithLogitsLoss")
        return std::make_unique<Loss>(ctx, LossSpec{LossKind::BinaryCrossEntropyWithLogits});
    return nullptr;
}

} // namespace neurite
