// Each layer type as ONNX operators, with the semantics of engine/train/layers (PyTorch's): the
// catalogue's `onnx` text says the same for people. Tensors are [batch × per-sample shape].
#include "engine/export/onnx/OnnxLayers.h"

#include "engine/core/Error.h"
#include "engine/graph/Attributes.h"

#include <cmath>
#include <map>

namespace neurite {

std::string OnnxLayer::parameter(const std::string& suffix, const std::vector<std::int64_t>& dims) const
{
    const std::string name = node.id + "." + suffix;
    const auto it = model.parameters.find(name);
    if (it == model.parameters.end())
        throw ExportError(node.id, node.type, "the model has no values for its parameter '" + name + "'");
    std::int64_t count = 1;
    for (auto d : dims)
        count *= d;
    if (it->second.numel() != count)
        throw ExportError(node.id, node.type, "the parameter '" + name + "' holds " +
                                                  std::to_string(it->second.numel()) + " values; the layer needs " +
                                                  std::to_string(count));
    graph.initializer(name, dims, it->second.data());
    return name;
}

namespace {

std::vector<std::int64_t> twice(std::int64_t v) { return {v, v}; }
std::vector<std::int64_t> fourTimes(std::int64_t v) { return {v, v, v, v}; }

// The single operator `op` on the first input, with no attributes.
std::string unary(OnnxLayer& l, const char* op)
{
    l.graph.node(op, l.node.id, {l.inputs[0]}, {l.output});
    return l.output;
}

// [N, in] → [N, out]: Gemm(x, W[out, in], b) with W transposed, as nn.Linear stores it.
std::string linear(OnnxLayer& l)
{
    const std::int64_t in = l.info.inputs[0][0], out = l.info.output[0];
    std::vector<std::string> inputs = {l.inputs[0], l.parameter("weight", {out, in})};
    if (attrBool(l.node, "bias"))
        inputs.push_back(l.parameter("bias", {out}));
    auto& n = l.graph.node("Gemm", l.node.id, inputs, {l.output});
    setInt(n, "transB", 1);
    return l.output;
}

// [N, C, H, W] → [N, Co, OH, OW], W: [Co, C / groups, k, k].
std::string conv(OnnxLayer& l)
{
    const std::int64_t cin = l.info.inputs[0][0], cout = attrInt(l.node, "out_channels");
    const std::int64_t k = attrInt(l.node, "kernel_size"), groups = attrInt(l.node, "groups");
    std::vector<std::string> inputs = {l.inputs[0], l.parameter("weight", {cout, cin / groups, k, k})};
    if (attrBool(l.node, "bias"))
        inputs.push_back(l.parameter("bias", {cout}));
    auto& n = l.graph.node("Conv", l.node.id, inputs, {l.output});
    setInts(n, "kernel_shape", twice(k));
    setInts(n, "strides", twice(attrInt(l.node, "stride")));
    setInts(n, "pads", fourTimes(attrInt(l.node, "padding")));
    setInts(n, "dilations", twice(attrInt(l.node, "dilation")));
    setInt(n, "group", groups);
    return l.output;
}

// Floor mode as Neurite's pooling; padding ≤ k/2 (validated), so no window lies in the padding
// alone. MaxPool's padding never wins; AveragePool counts it (count_include_pad, as PyTorch).
std::string pool(OnnxLayer& l, const char* op)
{
    const std::int64_t k = attrInt(l.node, "kernel_size");
    const std::int64_t stride = attrInt(l.node, "stride") ? attrInt(l.node, "stride") : k;
    auto& n = l.graph.node(op, l.node.id, {l.inputs[0]}, {l.output});
    setInts(n, "kernel_shape", twice(k));
    setInts(n, "strides", twice(stride));
    setInts(n, "pads", fourTimes(attrInt(l.node, "padding")));
    if (std::string(op) == "AveragePool")
        setInt(n, "count_include_pad", 1);
    return l.output;
}

std::string maxPool(OnnxLayer& l) { return pool(l, "MaxPool"); }
std::string avgPool(OnnxLayer& l) { return pool(l, "AveragePool"); }

// [N, C, H, W] → [N, C, 1, 1] → [N, C].
std::string globalAvgPool(OnnxLayer& l)
{
    const std::string pooled = l.graph.op("GlobalAveragePool", l.inner("GlobalAveragePool"), {l.inputs[0]},
                                          l.inner("pooled"));
    auto& n = l.graph.node("Flatten", l.inner("Flatten"), {pooled}, {l.output});
    setInt(n, "axis", 1);
    return l.output;
}

// Inference form: y = γ · (x − running_mean) / √(running_var + ε) + β per channel (axis 1), for
// [N, F] and [N, C, H, W] alike. ONNX's momentum weighs the old statistics (PyTorch's the new).
std::string batchNorm(OnnxLayer& l)
{
    const std::int64_t c = l.info.inputs[0][0];
    auto& n = l.graph.node("BatchNormalization", l.node.id,
                           {l.inputs[0], l.parameter("weight", {c}), l.parameter("bias", {c}),
                            l.parameter("running_mean", {c}), l.parameter("running_var", {c})},
                           {l.output});
    setFloat(n, "epsilon", float(attrFloat(l.node, "eps")));
    setFloat(n, "momentum", float(1.0 - attrFloat(l.node, "momentum")));
    return l.output;
}

// Over every per-sample axis (1..rank), γ and β of the per-sample shape. Opset 17 has
// LayerNormalization; before it, the same arithmetic spelled out (biased variance, as PyTorch).
std::string layerNorm(OnnxLayer& l)
{
    const auto& shape = l.info.output.dims();
    const std::string gamma = l.parameter("weight", shape), beta = l.parameter("bias", shape);
    const float eps = float(attrFloat(l.node, "eps"));
    if (l.graph.opset() >= 17) {
        auto& n = l.graph.node("LayerNormalization", l.node.id, {l.inputs[0], gamma, beta}, {l.output});
        setInt(n, "axis", 1);
        setFloat(n, "epsilon", eps);
        return l.output;
    }
    std::vector<std::int64_t> axes;
    for (std::size_t i = 1; i <= shape.size(); ++i)
        axes.push_back(std::int64_t(i));
    auto mean = [&](const std::string& x, const std::string& what) {
        const std::string out = l.graph.fresh(l.inner(what));
        auto& n = l.graph.node("ReduceMean", l.inner(what), {x}, {out});
        setInts(n, "axes", axes);
        setInt(n, "keepdims", 1);
        return out;
    };
    OnnxGraph& g = l.graph;
    const std::string mu = mean(l.inputs[0], "mean");
    const std::string centred = g.op("Sub", l.inner("Sub"), {l.inputs[0], mu}, l.inner("centred"));
    const std::string squared = g.op("Mul", l.inner("Square"), {centred, centred}, l.inner("squared"));
    const std::string variance = mean(squared, "variance");
    const std::string shifted = g.op("Add", l.inner("AddEps"), {variance, g.scalar(l.inner("eps"), eps)},
                                     l.inner("variance_eps"));
    const std::string sigma = g.op("Sqrt", l.inner("Sqrt"), {shifted}, l.inner("sigma"));
    const std::string normalised = g.op("Div", l.inner("Div"), {centred, sigma}, l.inner("normalised"));
    const std::string scaled = g.op("Mul", l.inner("Scale"), {normalised, gamma}, l.inner("scaled"));
    g.node("Add", l.inner("Shift"), {scaled, beta}, {l.output});
    return l.output;
}

// Evaluation mode: the identity, so no node at all.
std::string dropout(OnnxLayer& l) { return l.inputs[0]; }

std::string flatten(OnnxLayer& l)
{
    auto& n = l.graph.node("Flatten", l.node.id, {l.inputs[0]}, {l.output});
    setInt(n, "axis", 1);
    return l.output;
}

// To [batch, shape]: 0 copies the batch extent (allowzero stays 0), the rest are the inferred
// per-sample extents (a −1 of the attribute resolved).
std::string reshape(OnnxLayer& l)
{
    std::vector<std::int64_t> target = {0};
    for (auto d : l.info.output.dims())
        target.push_back(d);
    l.graph.node("Reshape", l.node.id, {l.inputs[0], l.graph.int64s(l.inner("shape"), target)}, {l.output});
    return l.output;
}

std::string relu(OnnxLayer& l) { return unary(l, "Relu"); }
std::string sigmoid(OnnxLayer& l) { return unary(l, "Sigmoid"); }
std::string tanhOp(OnnxLayer& l) { return unary(l, "Tanh"); }

std::string leakyRelu(OnnxLayer& l)
{
    auto& n = l.graph.node("LeakyRelu", l.node.id, {l.inputs[0]}, {l.output});
    setFloat(n, "alpha", float(attrFloat(l.node, "negative_slope")));
    return l.output;
}

std::string elu(OnnxLayer& l)
{
    auto& n = l.graph.node("Elu", l.node.id, {l.inputs[0]}, {l.output});
    setFloat(n, "alpha", float(attrFloat(l.node, "alpha")));
    return l.output;
}

// The exact GELU (PyTorch's default, Neurite's): x · ½ · (1 + erf(x / √2)). ONNX has a Gelu
// operator only from opset 20.
std::string gelu(OnnxLayer& l)
{
    OnnxGraph& g = l.graph;
    const std::string x = l.inputs[0];
    const std::string scaled = g.op("Div", l.inner("Div"), {x, g.scalar(l.inner("sqrt2"), float(std::sqrt(2.0)))},
                                    l.inner("scaled"));
    const std::string erf = g.op("Erf", l.inner("Erf"), {scaled}, l.inner("erf"));
    const std::string cdf2 = g.op("Add", l.inner("Add"), {erf, g.scalar(l.inner("one"), 1.0f)}, l.inner("cdf2"));
    const std::string product = g.op("Mul", l.inner("Mul"), {x, cdf2}, l.inner("x_cdf2"));
    g.node("Mul", l.inner("Half"), {product, g.scalar(l.inner("half"), 0.5f)}, {l.output});
    return l.output;
}

// x · σ(x) (ONNX has no SiLU operator in 13..17).
std::string silu(OnnxLayer& l)
{
    const std::string s = l.graph.op("Sigmoid", l.inner("Sigmoid"), {l.inputs[0]}, l.inner("sigmoid"));
    l.graph.node("Mul", l.inner("Mul"), {l.inputs[0], s}, {l.output});
    return l.output;
}

// Over the scores of each sample: the input is [N, D] (validated).
std::string softmax(OnnxLayer& l)
{
    auto& n = l.graph.node("Softmax", l.node.id, {l.inputs[0]}, {l.output});
    setInt(n, "axis", 1);
    return l.output;
}

std::string add(OnnxLayer& l)
{
    l.graph.node("Add", l.node.id, {l.inputs[0], l.inputs[1]}, {l.output});
    return l.output;
}

// Along the first per-sample axis (channels, or features of vectors).
std::string concat(OnnxLayer& l)
{
    auto& n = l.graph.node("Concat", l.node.id, {l.inputs[0], l.inputs[1]}, {l.output});
    setInt(n, "axis", 1);
    return l.output;
}

const std::map<std::string, OnnxEmitter>& emitters()
{
    static const std::map<std::string, OnnxEmitter> table = {
        {"Linear", linear},       {"Conv2d", conv},         {"MaxPool2d", maxPool},
        {"AvgPool2d", avgPool},   {"GlobalAvgPool2d", globalAvgPool},
        {"BatchNorm1d", batchNorm}, {"BatchNorm2d", batchNorm}, {"LayerNorm", layerNorm},
        {"Dropout", dropout},     {"Flatten", flatten},     {"Reshape", reshape},
        {"ReLU", relu},           {"LeakyReLU", leakyRelu}, {"ELU", elu},
        {"GELU", gelu},           {"SiLU", silu},           {"Sigmoid", sigmoid},
        {"Tanh", tanhOp},          {"Softmax", softmax},     {"Add", add},
        {"Concat", concat},
    };
    return table;
}

} // namespace

OnnxEmitter onnxEmitter(const std::string& type)
{
    const auto it = emitters().find(type);
    return it == emitters().end() ? nullptr : it->second;
}

} // namespace neurite
