// Each ONNX operator as Neurite layers, only where Neurite computes exactly the same thing (the
// semantics of engine/train/layers, PyTorch's); anything else is refused naming why. Index:
//   [helpers]   names, padding, biases
//   [dense]     Gemm, MatMul (+ Add)
//   [conv]      Conv, MaxPool, AveragePool, GlobalAveragePool (+ Flatten)
//   [norms]     BatchNormalization, LayerNormalization, ReduceMean … (the spelled-out layer norm)
//   [elementwise] Relu, LeakyRelu, Elu, Tanh, Sigmoid (+ Mul: SiLU), Div/Mul (GELU), Softmax, Dropout
//   [structure] Flatten, Reshape, Add, Concat, Identity, Constant
#include "engine/onnximport/OnnxImporter.h"

#include <cmath>
#include <functional>

namespace neurite {

namespace {

using nlohmann::json;
using NodeProto = onnx::NodeProto;

// ---- [helpers] --------------------------------------------------------------------------------

// The node's name for a Neurite id: PyTorch's "/layer1/conv1/Conv" and the exporter's "gelu1/Erf"
// name the module before the last '/'.
std::string baseName(const NodeProto& n)
{
    const std::string& name = n.name();
    const auto slash = name.rfind('/');
    if (slash == std::string::npos)
        return name;
    const std::string module = name.substr(0, slash);
    return module.find_first_not_of('/') == std::string::npos ? name.substr(slash + 1) : module;
}

std::int64_t axisOf(std::int64_t axis, std::size_t rank) { return axis < 0 ? axis + std::int64_t(rank) : axis; }

std::vector<float> floats(const Constant& c) { return std::vector<float>(c.values.begin(), c.values.end()); }

std::string dimsText(const std::vector<std::int64_t>& dims)
{
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i)
        s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
}

bool isScalar(const Constant* c, double value, double tolerance)
{
    return c && c->isScalar() && std::abs(c->values[0] - value) <= tolerance * std::abs(value);
}

// The other operand of a binary node, given one of them.
std::string otherInput(const NodeProto& n, const std::string& one)
{
    if (n.input_size() != 2)
        return {};
    return n.input(0) == one ? n.input(1) : n.input(1) == one ? n.input(0) : std::string();
}

// The one padding on every side of a 2-D window, from pads or auto_pad; refuses the rest.
std::int64_t symmetricPadding(OnnxImporter& im, const NodeProto& n, const Shape& x, std::int64_t k, std::int64_t s,
                              std::int64_t d)
{
    const std::string autoPad = stringAttr(n, "auto_pad", "NOTSET");
    std::vector<std::int64_t> pads;
    if (autoPad == "NOTSET") {
        pads = intsAttr(n, "pads", {0, 0, 0, 0});
        if (pads.size() != 4)
            im.refuse("pads has " + std::to_string(pads.size()) + " values; a 2-D window needs 4");
    } else if (autoPad == "VALID") {
        pads = {0, 0, 0, 0};
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
        pads.assign(4, 0);
        for (int axis = 0; axis < 2; ++axis) {
            const std::int64_t in = x[std::size_t(axis) + 1], out = (in + s - 1) / s;
            const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
            const std::int64_t small = total / 2, big = total - small;
            pads[std::size_t(axis)] = autoPad == "SAME_UPPER" ? small : big;
            pads[std::size_t(axis) + 2] = autoPad == "SAME_UPPER" ? big : small;
        }
    } else {
        im.refuse("auto_pad = " + autoPad + " is not an ONNX padding mode");
    }
    if (pads[0] != pads[1] || pads[0] != pads[2] || pads[0] != pads[3])
        im.refuse("the padding (top, left, bottom, right) = " + dimsText(pads) + " is asymmetric" +
                  (autoPad == "NOTSET" ? "" : " (auto_pad = " + autoPad + ")") +
                  "; Neurite's layers pad every side alike");
    return pads[0];
}

// A square 2-D kernel's extent, from kernel_shape (or the weights' last two extents).
std::int64_t squareKernel(OnnxImporter& im, const NodeProto& n, std::vector<std::int64_t> fallback)
{
    const auto kernel = intsAttr(n, "kernel_shape", std::move(fallback));
    if (kernel.size() != 2)
        im.refuse("a " + std::to_string(kernel.size()) + "-D window; Neurite's layers are 2-D");
    if (kernel[0] != kernel[1])
        im.refuse("the kernel " + dimsText(kernel) + " is not square; Neurite's kernels are k×k");
    return kernel[0];
}

std::int64_t equalPair(OnnxImporter& im, const NodeProto& n, const char* name)
{
    const auto v = intsAttr(n, name, {1, 1});
    if (v.size() != 2 || v[0] != v[1])
        im.refuse(std::string(name) + " = " + dimsText(v) + " differ per axis; Neurite's layers take one value");
    return v[0];
}

void needRank(OnnxImporter& im, const NetValue& x, std::size_t rank, const std::string& what)
{
    if (x.shape.rank() != rank)
        im.refuse("its input is " + x.shape.str() + " per sample; " + what);
}

// A bias for `out` outputs: one value for all, or one per output ([out], [1, out]); refuses a bias
// that varies per sample.
std::vector<float> biasFor(OnnxImporter& im, const Constant& c, std::int64_t out, double scale)
{
    std::vector<float> b(static_cast<std::size_t>(out));
    const bool perOutput = c.numel() == out && (c.dims.empty() || c.dims.back() == out);
    if (!c.isScalar() && !perOutput)
        im.refuse("the bias of shape " + dimsText(c.dims) + " is not one value per output (" + std::to_string(out) +
                  "): it would differ per sample");
    for (std::int64_t i = 0; i < out; ++i)
        b[std::size_t(i)] = float(scale * c.values[c.isScalar() ? 0 : std::size_t(i)]);
    return b;
}

// ---- [dense] ----------------------------------------------------------------------------------

// weight: [out, in] as nn.Linear stores it.
std::string linear(OnnxImporter& im, const NodeProto& n, const NetValue& x, std::vector<float> weight,
                   std::int64_t out, const std::vector<float>* bias)
{
    const std::int64_t in = x.shape[0];
    const std::string id = im.emit(baseName(n), "Linear", {{"out_features", out}, {"bias", bias != nullptr}}, {x.node});
    im.parameter(id, "weight", Shape{out, in}, std::move(weight));
    if (bias)
        im.parameter(id, "bias", Shape{out}, *bias);
    return id;
}

void gemm(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& a = im.netInput(0);
    if (intAttr(n, "transA", 0))
        im.refuse("transA = 1 makes the data's second axis the batch; Neurite's Linear takes [batch, features]");
    needRank(im, a, 1, "Neurite's Linear takes a feature vector (put a Flatten before it)");
    const Constant& b = im.constantInput(1);
    if (b.dims.size() != 2)
        im.refuse("its weights B have shape " + dimsText(b.dims) + "; Gemm's B is a matrix");
    const bool transB = intAttr(n, "transB", 0) != 0;
    const std::int64_t in = a.shape[0], out = transB ? b.dims[0] : b.dims[1];
    if ((transB ? b.dims[1] : b.dims[0]) != in)
        im.refuse("its weights B " + dimsText(b.dims) + " do not take " + std::to_string(in) + " features");
    const double alpha = decimal(floatAttr(n, "alpha", 1.0f)), beta = decimal(floatAttr(n, "beta", 1.0f));
    std::vector<float> w(std::size_t(out * in));
    for (std::int64_t o = 0; o < out; ++o)
        for (std::int64_t i = 0; i < in; ++i)
            w[std::size_t(o * in + i)] = float(alpha * b.values[std::size_t(transB ? o * in + i : i * out + o)]);
    std::vector<float> bias;
    if (im.hasInput(2))
        bias = biasFor(im, im.constantInput(2), out, beta);
    if (alpha != 1.0 || (beta != 1.0 && im.hasInput(2)))
        im.note("Gemm '" + n.name() + "': alpha = " + std::to_string(alpha) + " folded into the weights, beta = " +
                std::to_string(beta) + " into the bias");
    if (!transB)
        im.note("Gemm '" + n.name() + "': B [in, out] transposed to Linear's weight [out, in]");
    im.produce(n.output(0), linear(im, n, a, std::move(w), out, im.hasInput(2) ? &bias : nullptr));
}

// MatMul(x, W[in, out]), and an Add of a bias right after it, → Linear.
void matmul(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& a = im.netInput(0);
    needRank(im, a, 1, "Neurite's Linear takes a feature vector (a batched MatMul is outside the catalogue)");
    const Constant& b = im.constantInput(1);
    if (b.dims.size() != 2 || b.dims[0] != a.shape[0])
        im.refuse("its weights " + dimsText(b.dims) + " are not a matrix [" + std::to_string(a.shape[0]) + ", out]");
    const std::int64_t in = b.dims[0], out = b.dims[1];
    std::vector<float> w(std::size_t(out * in));
    for (std::int64_t o = 0; o < out; ++o)
        for (std::int64_t i = 0; i < in; ++i)
            w[std::size_t(o * in + i)] = float(b.values[std::size_t(i * out + o)]);
    std::string result = n.output(0);
    std::vector<float> bias;
    const int next = im.soleConsumer(n.output(0));
    if (next >= 0 && im.node(next).op_type() == "Add") {
        const Constant* c = im.constantOrNull(otherInput(im.node(next), n.output(0)));
        const bool perOutput = c && (c->isScalar() || (c->numel() == out && c->dims.back() == out));
        if (perOutput) {
            bias = biasFor(im, *c, out, 1.0);
            im.consume(next);
            result = im.node(next).output(0);
        }
    }
    im.produce(result, linear(im, n, a, std::move(w), out, bias.empty() ? nullptr : &bias));
}

// ---- [conv] -----------------------------------------------------------------------------------

void conv(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    needRank(im, x, 3, "Neurite's Conv2d takes C×H×W");
    const Constant& w = im.constantInput(1);
    if (w.dims.size() != 4)
        im.refuse("its weights have shape " + dimsText(w.dims) + "; a 2-D convolution's are [out, in/groups, k, k]");
    const std::int64_t k = squareKernel(im, n, {w.dims[2], w.dims[3]});
    if (k != w.dims[2] || k != w.dims[3])
        im.refuse("kernel_shape does not match the weights " + dimsText(w.dims));
    const std::int64_t s = equalPair(im, n, "strides"), d = equalPair(im, n, "dilations");
    const std::int64_t p = symmetricPadding(im, n, x.shape, k, s, d);
    const std::int64_t cout = w.dims[0], groups = intAttr(n, "group", 1);
    const bool hasBias = im.hasInput(2);
    const std::string id = im.emit(baseName(n), "Conv2d",
                                   {{"out_channels", cout}, {"kernel_size", k}, {"stride", s}, {"padding", p},
                                    {"dilation", d}, {"groups", groups}, {"bias", hasBias}},
                                   {x.node});
    im.parameter(id, "weight", Shape(w.dims), floats(w));
    if (hasBias)
        im.parameter(id, "bias", Shape{cout}, biasFor(im, im.constantInput(2), cout, 1.0));
    im.produce(n.output(0), id);
}

void pool(OnnxImporter& im, const NodeProto& n, bool max)
{
    const NetValue& x = im.netInput(0);
    needRank(im, x, 3, "Neurite's pools take C×H×W");
    const std::int64_t k = squareKernel(im, n, {});
    const std::int64_t s = equalPair(im, n, "strides");
    if (intsAttr(n, "dilations", {1, 1}) != std::vector<std::int64_t>{1, 1})
        im.refuse("dilations " + dimsText(intsAttr(n, "dilations")) + ": Neurite's pools have none");
    const std::int64_t p = symmetricPadding(im, n, x.shape, k, s, 1);
    if (intAttr(n, "ceil_mode", 0)) {
        for (std::size_t axis = 1; axis < 3; ++axis) {
            const std::int64_t span = x.shape[axis] + 2 * p - k;
            if (span % s)   // the ceiling adds a last, partial window
                im.refuse("ceil_mode = 1 adds a partial window here; Neurite's pools round down");
        }
    }
    if (!max && p > 0 && intAttr(n, "count_include_pad", 0) == 0)
        im.refuse("count_include_pad = 0 with padding " + std::to_string(p) +
                  ": Neurite's AvgPool2d counts the padding (PyTorch's default, count_include_pad = 1)");
    if (max)
        im.dropSideOutputs("the indices");
    const std::string id = im.emit(baseName(n), max ? "MaxPool2d" : "AvgPool2d",
                                   {{"kernel_size", k}, {"stride", s == k ? 0 : s}, {"padding", p}}, {x.node});
    im.produce(n.output(0), id);
}

// GlobalAveragePool gives [C, 1, 1]; Neurite's GlobalAvgPool2d [C]: a Flatten after it is the same,
// otherwise a Reshape restores [C, 1, 1].
void globalAveragePool(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    needRank(im, x, 3, "Neurite's GlobalAvgPool2d takes C×H×W");
    const std::string id = im.emit(baseName(n), "GlobalAvgPool2d", json::object(), {x.node});
    const int next = im.soleConsumer(n.output(0));
    if (next >= 0 && im.node(next).op_type() == "Flatten" && axisOf(intAttr(im.node(next), "axis", 1), 4) == 1) {
        im.consume(next);
        im.produce(im.node(next).output(0), id);
        return;
    }
    const std::string shaped = im.emit(baseName(n) + "_4d", "Reshape", {{"shape", {x.shape[0], 1, 1}}}, {id});
    im.produce(n.output(0), shaped);
}

// ---- [norms] ----------------------------------------------------------------------------------

std::vector<float> perChannel(OnnxImporter& im, int input, std::int64_t c, const char* what)
{
    const Constant& v = im.constantInput(input);
    if (v.numel() != c)
        im.refuse(std::string("its ") + what + " has " + std::to_string(v.numel()) + " values for " + std::to_string(c) +
                  " channels");
    return floats(v);
}

void batchNorm(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    if (intAttr(n, "training_mode", 0))
        im.refuse("training_mode = 1 normalises with the batch's statistics; the importer reads the inference form");
    if (im.opset() < 7 && intAttr(n, "is_test", 0) == 0)
        im.refuse("is_test = 0 (opset " + std::to_string(im.opset()) + ") normalises with the batch's statistics");
    if (im.opset() < 9 && intAttr(n, "spatial", 1) == 0)
        im.refuse("spatial = 0 (statistics per position) is outside Neurite's batch norm");
    im.dropSideOutputs("training statistics");
    const std::int64_t c = x.shape.rank() ? x.shape[0] : 0;
    const double eps = decimal(floatAttr(n, "epsilon", 1e-5f));
    // ONNX's momentum weighs the old statistics; PyTorch's and Neurite's the new batch.
    const double momentum = roundSignificant(1.0 - decimal(floatAttr(n, "momentum", 0.9f)), 12);
    const json attrs = {{"momentum", momentum}, {"eps", eps}};
    auto fill = [&](const std::string& id) {
        im.parameter(id, "weight", Shape{c}, perChannel(im, 1, c, "scale"));
        im.parameter(id, "bias", Shape{c}, perChannel(im, 2, c, "bias"));
        im.parameter(id, "running_mean", Shape{c}, perChannel(im, 3, c, "mean"));
        im.parameter(id, "running_var", Shape{c}, perChannel(im, 4, c, "variance"));
    };
    if (x.shape.rank() == 1 || x.shape.rank() == 3) {
        const std::string id = im.emit(baseName(n), x.shape.rank() == 1 ? "BatchNorm1d" : "BatchNorm2d", attrs, {x.node});
        fill(id);
        im.produce(n.output(0), id);
        return;
    }
    if (x.shape.rank() != 2)
        im.refuse("its input is " + x.shape.str() + " per sample; Neurite's batch norms take F, C×L or C×H×W");
    // [C, L] as [C, L, 1]: per channel over the batch and L, exactly BatchNorm2d.
    const std::string in = im.emit(baseName(n) + "_3d", "Reshape", {{"shape", {c, x.shape[1], 1}}}, {x.node});
    const std::string id = im.emit(baseName(n), "BatchNorm2d", attrs, {in});
    fill(id);
    const std::string out = im.emit(baseName(n) + "_2d", "Reshape", {{"shape", {c, x.shape[1]}}}, {id});
    im.note("BatchNormalization '" + n.name() + "' on C×L imported as Reshape → BatchNorm2d → Reshape");
    im.produce(n.output(0), out);
}

void layerNormFrom(OnnxImporter& im, const NodeProto& n, const NetValue& x, double eps, const Constant* gamma,
                   const Constant* beta, const std::string& output)
{
    const std::int64_t size = x.shape.numel();
    if ((gamma && gamma->numel() != size) || (beta && beta->numel() != size))
        im.refuse("its scale or bias does not hold one value per element of the sample (" + x.shape.str() + ")");
    const std::string id = im.emit(baseName(n), "LayerNorm", {{"eps", eps}}, {x.node});
    im.parameter(id, "weight", x.shape, gamma ? floats(*gamma) : std::vector<float>(std::size_t(size), 1.0f));
    im.parameter(id, "bias", x.shape, beta ? floats(*beta) : std::vector<float>(std::size_t(size), 0.0f));
    im.produce(output, id);
}

void layerNormalization(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    const std::int64_t axis = axisOf(intAttr(n, "axis", -1), x.shape.rank() + 1);
    if (axis != 1)
        im.refuse("it normalises over the axes from " + std::to_string(axis) + " of a rank-" +
                  std::to_string(x.shape.rank() + 1) + " tensor; Neurite's LayerNorm normalises each whole sample (axis 1)");
    im.dropSideOutputs("the mean and inverse standard deviation");
    layerNormFrom(im, n, x, decimal(floatAttr(n, "epsilon", 1e-5f)), &im.constantInput(1),
                  im.hasInput(2) ? &im.constantInput(2) : nullptr, n.output(0));
}

// The sole consumer of `tensor` when it is `op`, else −1.
int next(OnnxImporter& im, const std::string& tensor, const char* op)
{
    const int c = im.soleConsumer(tensor);
    return c >= 0 && im.node(c).op_type() == op ? c : -1;
}

// OnnxExport's layer norm before opset 17: ReduceMean → Sub → Mul (square) → ReduceMean → Add(ε) →
// Sqrt → Div → Mul(γ) → Add(β), over every per-sample axis. Any other ReduceMean is refused.
void reduceMean(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    const std::string xName = n.input(0);
    std::vector<std::int64_t> all;
    for (std::size_t i = 1; i <= x.shape.rank(); ++i)
        all.push_back(std::int64_t(i));
    auto axesOf = [&](const NodeProto& r) {
        std::vector<std::int64_t> axes = intsAttr(r, "axes");
        if (axes.empty() && r.input_size() > 1 && im.isConstant(r.input(1)))
            for (double v : im.constantOrNull(r.input(1))->values)
                axes.push_back(std::int64_t(v));
        for (auto& a : axes)
            a = axisOf(a, x.shape.rank() + 1);
        return axes;
    };
    const std::string why = "ReduceMean is imported only as part of a layer norm over the whole sample "
                            "(ReduceMean → Sub → Mul → ReduceMean → Add → Sqrt → Div → Mul → Add)";
    if (axesOf(n) != all || intAttr(n, "keepdims", 1) != 1)
        im.refuse(why);
    const int sub = next(im, n.output(0), "Sub");
    if (sub < 0 || im.node(sub).input(0) != xName)
        im.refuse(why);
    const std::string centred = im.node(sub).output(0);
    const auto users = im.consumersOf(centred);
    int square = -1, div = -1;
    for (int u : users) {
        const auto& un = im.node(u);
        if (un.op_type() == "Mul" && un.input(0) == centred && un.input(1) == centred)
            square = u;
        else if (un.op_type() == "Pow" && un.input(0) == centred && isScalar(im.constantOrNull(un.input(1)), 2.0, 0))
            square = u;
        else if (un.op_type() == "Div" && un.input(0) == centred)
            div = u;
    }
    if (users.size() != 2 || square < 0 || div < 0 || im.isGraphOutput(centred))
        im.refuse(why);
    const int mean2 = next(im, im.node(square).output(0), "ReduceMean");
    if (mean2 < 0 || axesOf(im.node(mean2)) != all)
        im.refuse(why);
    const int addEps = next(im, im.node(mean2).output(0), "Add");
    const Constant* eps = addEps < 0 ? nullptr : im.constantOrNull(otherInput(im.node(addEps), im.node(mean2).output(0)));
    if (!eps || !eps->isScalar())
        im.refuse(why);
    const int sqrt = next(im, im.node(addEps).output(0), "Sqrt");
    if (sqrt < 0 || next(im, im.node(sqrt).output(0), "Div") != div)
        im.refuse(why);
    const int scale = next(im, im.node(div).output(0), "Mul");
    const Constant* gamma = scale < 0 ? nullptr : im.constantOrNull(otherInput(im.node(scale), im.node(div).output(0)));
    const int shift = gamma ? next(im, im.node(scale).output(0), "Add") : -1;
    const Constant* beta = shift < 0 ? nullptr : im.constantOrNull(otherInput(im.node(shift), im.node(scale).output(0)));
    if (!beta)
        im.refuse(why);
    for (int i : {sub, square, mean2, addEps, sqrt, div, scale, shift})
        im.consume(i);
    layerNormFrom(im, n, x, roundSignificant(float(eps->values[0]), 7), gamma, beta, im.node(shift).output(0));
}

// ---- [elementwise] ----------------------------------------------------------------------------

void activation(OnnxImporter& im, const NodeProto& n, const std::string& type, const json& attrs = json::object())
{
    const NetValue& x = im.netInput(0);
    im.produce(n.output(0), im.emit(baseName(n), type, attrs, {x.node}));
}

// Sigmoid, or x · Sigmoid(x) → SiLU.
void sigmoid(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    const int mul = next(im, n.output(0), "Mul");
    if (mul >= 0 && otherInput(im.node(mul), n.output(0)) == n.input(0)) {
        im.consume(mul);
        im.produce(im.node(mul).output(0), im.emit(baseName(n), "SiLU", json::object(), {x.node}));
        return;
    }
    activation(im, n, "Sigmoid");
}

// x / √2 (or x · 1/√2) → Erf → Add(1) → Mul(x) → Mul(½) → GELU, the exact form.
bool gelu(OnnxImporter& im, const NodeProto& n)
{
    const bool divides = n.op_type() == "Div";
    const std::string x = divides ? n.input(0) : (im.isNet(n.input(0)) ? n.input(0) : n.input(1));
    const Constant* c = im.constantOrNull(otherInput(n, x));
    if (!im.isNet(x) || !isScalar(c, divides ? std::sqrt(2.0) : std::sqrt(0.5), 1e-5))
        return false;
    const int erf = next(im, n.output(0), "Erf");
    const int add = erf < 0 ? -1 : next(im, im.node(erf).output(0), "Add");
    if (add < 0 || !isScalar(im.constantOrNull(otherInput(im.node(add), im.node(erf).output(0))), 1.0, 0))
        return false;
    const int mul = next(im, im.node(add).output(0), "Mul");
    if (mul < 0 || otherInput(im.node(mul), im.node(add).output(0)) != x)
        return false;
    const int half = next(im, im.node(mul).output(0), "Mul");
    if (half < 0 || !isScalar(im.constantOrNull(otherInput(im.node(half), im.node(mul).output(0))), 0.5, 0))
        return false;
    for (int i : {erf, add, mul, half})
        im.consume(i);
    im.produce(im.node(half).output(0), im.emit(baseName(n), "GELU", json::object(), {im.netOrNull(x)->node}));
    return true;
}

void softmax(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    const std::size_t rank = x.shape.rank() + 1;
    const std::int64_t axis = axisOf(intAttr(n, "axis", im.opset() < 13 ? 1 : -1), rank);
    if (x.shape.rank() == 1 && axis == 1) {
        if (im.isFirstOutput(n.output(0)) && im.options().removeFinalSoftmax && im.endsInCrossEntropy(x.shape)) {
            im.alias(n.output(0), n.input(0));
            im.note("Softmax '" + n.name() + "' at the end removed: CrossEntropyLoss takes the logits");
            return;
        }
        activation(im, n, "Softmax");
        return;
    }
    if (im.opset() < 13 && axis == 1) {   // before opset 13: over everything from the axis on
        const std::string flat = im.emit(baseName(n) + "_flat", "Flatten", json::object(), {x.node});
        const std::string s = im.emit(baseName(n), "Softmax", json::object(), {flat});
        im.produce(n.output(0), im.emit(baseName(n) + "_shape", "Reshape", {{"shape", x.shape.dims()}}, {s}));
        im.note("Softmax '" + n.name() + "' (opset " + std::to_string(im.opset()) +
                ": over the whole sample) imported as Flatten → Softmax → Reshape");
        return;
    }
    im.refuse("softmax over axis " + std::to_string(axis) + " of a rank-" + std::to_string(rank) +
              " tensor; Neurite's Softmax works on one score vector per sample ([batch, classes], axis 1)");
}

void dropout(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    double ratio = decimal(floatAttr(n, "ratio", 0.5f));
    if (im.opset() >= 12 && im.hasInput(1)) {
        const Constant& r = im.constantInput(1);
        if (!r.isScalar())
            im.refuse("its ratio is not one value");
        ratio = decimal(float(r.values[0]));
    }
    if (im.opset() < 7 && intAttr(n, "is_test", 0) == 0)
        im.refuse("is_test = 0 (opset " + std::to_string(im.opset()) + ") drops at random; Neurite's Dropout is the "
                  "identity in evaluation");
    if (im.hasInput(2) && im.constantInput(2).values.at(0) != 0)
        im.refuse("training_mode = true drops at random in inference; Neurite's Dropout is the identity there");
    im.dropSideOutputs("the mask");
    if (ratio == 0) {
        im.alias(n.output(0), n.input(0));
        im.note("Dropout '" + n.name() + "' with ratio 0 dropped (the identity)");
        return;
    }
    if (ratio < 0 || ratio > 0.99)
        im.refuse("ratio " + std::to_string(ratio) + " is outside Neurite's Dropout range [0, 0.99]");
    im.produce(n.output(0), im.emit(baseName(n), "Dropout", {{"p", ratio}}, {x.node}));
    im.note("Dropout '" + n.name() + "' kept as Dropout(p = " + json(ratio).dump() +
            "): the identity in evaluation, it drops while fine-tuning");
}

// ---- [structure] ------------------------------------------------------------------------------

void flatten(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    const std::int64_t axis = axisOf(intAttr(n, "axis", 1), x.shape.rank() + 1);
    if (axis != 1)
        im.refuse("axis = " + std::to_string(axis) + (axis == 0 ? " merges the batch into the features" :
                  " merges the batch with the axes before it") + "; Neurite flattens each sample (axis 1)");
    im.produce(n.output(0), im.emit(baseName(n), "Flatten", json::object(), {x.node}));
}

void reshape(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& x = im.netInput(0);
    std::vector<std::int64_t> target = intsAttr(n, "shape");   // before opset 5 an attribute
    if (im.opset() >= 5)
        for (double v : im.constantInput(1).values)
            target.push_back(std::int64_t(v));
    const bool allowZero = intAttr(n, "allowzero", 0) != 0;
    if (target.empty())
        im.refuse("the target shape is empty: a scalar has no batch");
    const std::int64_t size = x.shape.numel();
    std::vector<std::int64_t> rest;
    int unknown = -1;
    for (std::size_t i = 1; i < target.size(); ++i) {
        std::int64_t d = target[i];
        if (d == 0) {
            if (allowZero)
                im.refuse("allowzero = 1 with a 0 extent: an empty tensor");
            if (i - 1 >= x.shape.rank())
                im.refuse("extent " + std::to_string(i) + " copies an axis the input does not have");
            d = x.shape[i - 1];
        } else if (d == -1) {
            if (unknown >= 0)
                im.refuse("two extents are −1");
            unknown = int(rest.size());
        } else if (d < 0) {
            im.refuse("extent " + std::to_string(d) + " is negative");
        }
        rest.push_back(d);
    }
    std::int64_t known = 1;
    for (std::size_t i = 0; i < rest.size(); ++i)
        if (int(i) != unknown)
            known *= rest[i];
    if (unknown >= 0) {
        if (target[0] == -1 || known == 0 || size % known)
            im.refuse("the target " + dimsText(target) + " does not keep the batch extent");
        rest[std::size_t(unknown)] = size / known;
    }
    const bool keepsBatch = (target[0] == 0 && !allowZero) || (target[0] == -1 && known == size) ||
                            (im.fixedBatch() > 0 && target[0] == im.fixedBatch());
    if (!keepsBatch || Shape(rest).numel() != size || rest.empty())
        im.refuse("the target " + dimsText(target) + " changes the batch extent or the sample's size (" +
                  x.shape.str() + "); Neurite reshapes each sample");
    if (target.size() == 2 && target[1] == -1) {
        im.produce(n.output(0), im.emit(baseName(n), "Flatten", json::object(), {x.node}));
        im.note("Reshape '" + n.name() + "' to [batch, −1] imported as Flatten");
        return;
    }
    im.produce(n.output(0), im.emit(baseName(n), "Reshape", {{"shape", rest}}, {x.node}));
}

void add(OnnxImporter& im, const NodeProto& n)
{
    for (int i = 0; i < 2; ++i)
        if (im.hasInput(i) && im.isConstant(n.input(i)))
            im.refuse("it adds the constant '" + n.input(i) + "'; Neurite's Add joins two branches of the network "
                      "(a bias after MatMul is folded into Linear)");
    const NetValue &a = im.netInput(0), &b = im.netInput(1);
    if (a.shape != b.shape)
        im.refuse("it broadcasts " + a.shape.str() + " and " + b.shape.str() + "; Neurite's Add needs equal shapes");
    im.produce(n.output(0), im.emit(baseName(n), "Add", json::object(), {a.node, b.node}));
}

void concat(OnnxImporter& im, const NodeProto& n)
{
    const NetValue& first = im.netInput(0);
    if (!findAttr(n, "axis"))
        im.refuse("it has no axis");
    const std::int64_t axis = axisOf(intAttr(n, "axis", 1), first.shape.rank() + 1);
    if (axis != 1)
        im.refuse("it joins along axis " + std::to_string(axis) + "; Neurite's Concat joins along axis 1 (channels)");
    if (n.input_size() < 2)
        im.refuse("it has one input");
    std::string id = first.node;
    for (int i = 1; i < n.input_size(); ++i) {
        const NetValue& next = im.netInput(i);
        id = im.emit(baseName(n), "Concat", json::object(), {id, next.node});
    }
    im.produce(n.output(0), id);
}

void constant(OnnxImporter& im, const NodeProto& n)
{
    Constant c;
    if (const auto* a = findAttr(n, "value")) {
        try {
            c = constantFrom(a->t());
        } catch (const Error& e) {
            im.refuse(e.what());
        }
    } else if (const auto* f = findAttr(n, "value_float")) {
        c.values = {f->f()};
    } else if (const auto* fs = findAttr(n, "value_floats")) {
        c.values.assign(fs->floats().begin(), fs->floats().end());
        c.dims = {std::int64_t(c.values.size())};
    } else if (const auto* i = findAttr(n, "value_int")) {
        c.values = {double(i->i())};
    } else if (const auto* is = findAttr(n, "value_ints")) {
        c.values.assign(is->ints().begin(), is->ints().end());
        c.dims = {std::int64_t(c.values.size())};
    } else {
        im.refuse("only numeric constants are imported");
    }
    im.defineConstant(n.output(0), std::move(c));
}

} // namespace

bool importOperator(OnnxImporter& im, int index)
{
    const NodeProto& n = im.node(index);
    const std::string& op = n.op_type();
    if (n.output_size() == 0)
        im.refuse("it has no output");
    if (op == "Gemm") gemm(im, n);
    else if (op == "MatMul") matmul(im, n);
    else if (op == "Conv") conv(im, n);
    else if (op == "MaxPool") pool(im, n, true);
    else if (op == "AveragePool") pool(im, n, false);
    else if (op == "GlobalAveragePool") globalAveragePool(im, n);
    else if (op == "BatchNormalization") batchNorm(im, n);
    else if (op == "LayerNormalization") layerNormalization(im, n);
    else if (op == "ReduceMean") reduceMean(im, n);
    else if (op == "Relu") activation(im, n, "ReLU");
    else if (op == "LeakyRelu") activation(im, n, "LeakyReLU", {{"negative_slope", decimal(floatAttr(n, "alpha", 0.01f))}});
    else if (op == "Elu") activation(im, n, "ELU", {{"alpha", decimal(floatAttr(n, "alpha", 1.0f))}});
    else if (op == "Tanh") activation(im, n, "Tanh");
    else if (op == "Sigmoid") sigmoid(im, n);
    else if (op == "Softmax") softmax(im, n);
    else if (op == "Dropout") dropout(im, n);
    else if (op == "Flatten") flatten(im, n);
    else if (op == "Reshape") reshape(im, n);
    else if (op == "Add") add(im, n);
    else if (op == "Concat") concat(im, n);
    else if (op == "Identity") im.alias(n.output(0), n.input(0));
    else if (op == "Constant") constant(im, n);
    else if (op == "Div" || op == "Mul") {
        if (!gelu(im, n))
            im.refuse(op + " is imported only inside GELU (x · ½ · (1 + erf(x / √2))) and SiLU (x · σ(x))");
    } else return false;
    return true;
}

} // namespace neurite
