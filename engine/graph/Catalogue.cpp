#include "engine/graph/Catalogue.h"

namespace neurite {

const AttrSpec* LayerSpec::attr(const std::string& name) const
{
    for (const auto& a : attrs)
        if (a.name == name)
            return &a;
    return nullptr;
}

namespace {

AttrSpec intAttr(std::string name, int def, int min, int max, std::string help)
{
    return {std::move(name), AttrKind::Int, def, double(min), double(max), {}, std::move(help)};
}
AttrSpec floatAttr(std::string name, double def, double min, double max, std::string help)
{
    return {std::move(name), AttrKind::Float, def, min, max, {}, std::move(help)};
}
AttrSpec boolAttr(std::string name, bool def, std::string help)
{
    return {std::move(name), AttrKind::Bool, def, 0, 0, {}, std::move(help)};
}
AttrSpec choiceAttr(std::string name, std::string def, std::vector<std::string> choices, std::string help)
{
    return {std::move(name), AttrKind::Choice, def, 0, 0, std::move(choices), std::move(help)};
}
AttrSpec listAttr(std::string name, std::vector<int> def, std::string help)
{
    return {std::move(name), AttrKind::IntList, def, 0, 0, {}, std::move(help)};
}

LayerSpec layer(std::string type, std::string category, std::vector<AttrSpec> attrs, std::string summary,
                std::string maths, std::string pytorch, std::string onnx)
{
    LayerSpec s;
    s.type = std::move(type);
    s.category = std::move(category);
    s.inputs = {"in"};
    s.outputs = {"out"};
    s.attrs = std::move(attrs);
    s.summary = std::move(summary);
    s.maths = std::move(maths);
    s.pytorch = std::move(pytorch);
    s.onnx = std::move(onnx);
    return s;
}

LayerSpec activation(std::string type, std::vector<AttrSpec> attrs, std::string summary, std::string maths,
                     std::string pytorch, std::string onnx)
{
    return layer(std::move(type), "Activation", std::move(attrs), std::move(summary), std::move(maths),
                 std::move(pytorch), std::move(onnx));
}

LayerSpec loss(std::string type, std::vector<AttrSpec> attrs, std::string summary, std::string maths,
               std::string pytorch, std::string onnx)
{
    auto s = layer(std::move(type), "Loss", std::move(attrs), std::move(summary), std::move(maths), std::move(pytorch),
                   std::move(onnx));
    s.role = LayerRole::Loss;
    s.outputs = {};
    return s;
}

AttrSpec targetAttr(std::string def)
{
    return choiceAttr("target", std::move(def), {"class", "input"},
                      "what the output is compared with: the sample's class (one-hot for MSE and BCE) or the "
                      "input itself (autoencoders)");
}

} // namespace

Catalogue::Catalogue()
{
    LayerSpec input = layer("Input", "Input", {listAttr("shape", {1, 28, 28}, "shape of one sample, batch excluded: C×H×W for images, F for features")},
                            "Where the data enters the network. Its shape is one sample's, without the batch dimension.",
                            "X[N×shape]", "# input: {shape}",
                            "graph input \"input\": [batch × shape], batch symbolic");
    input.role = LayerRole::Input;
    input.inputs = {};
    specs_.push_back(input);

    specs_.push_back(layer("Linear", "Dense",
        {intAttr("out_features", 10, 1, 1 << 20, "number of outputs"), boolAttr("bias", true, "add a learned bias")},
        "A fully connected layer: every output is a weighted sum of all inputs plus a bias. Its input must be a "
        "feature vector; put a Flatten before it after convolutions.",
        "Y[N×out] = X[N×in] · Wᵀ[in×out] + b[out]", "nn.Linear({in_features}, {out_features}, bias={bias})",
        "Gemm (transB = 1)"));

    specs_.push_back(layer("Conv2d", "Convolution",
        {intAttr("out_channels", 16, 1, 1 << 16, "number of filters"),
         intAttr("kernel_size", 3, 1, 64, "height and width of each filter"),
         intAttr("stride", 1, 1, 64, "step between filter positions"),
         intAttr("padding", 0, 0, 64, "zeros added on each side"),
         intAttr("dilation", 1, 1, 64, "spacing between filter taps"),
         intAttr("groups", 1, 1, 1 << 16, "split channels into independent groups (in and out channels must divide)"),
         boolAttr("bias", true, "add a learned bias per output channel")},
        "A 2-D convolution: small filters slide over the image and each produces one output channel. Shares weights "
        "across positions, so it needs far fewer parameters than a Linear layer.",
        "Y[n,co,y,x] = b[co] + Σ_ci Σ_ky Σ_kx W[co,ci,ky,kx] · X[n,ci,y·s+ky·d−p,x·s+kx·d−p]",
        "nn.Conv2d({in_channels}, {out_channels}, {kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, groups={groups}, bias={bias})",
        "Conv"));

    specs_.push_back(layer("MaxPool2d", "Pooling",
        {intAttr("kernel_size", 2, 1, 64, "window size"), intAttr("stride", 0, 0, 64, "step (0: the kernel size)"),
         intAttr("padding", 0, 0, 32, "implicit −∞ padding on each side (at most half the kernel)")},
        "Keeps the largest value in each window: shrinks the image and keeps the strongest responses.",
        "Y[n,c,y,x] = max over the k×k window at (y·s−p, x·s−p)", "nn.MaxPool2d({kernel_size}, stride={stride}, padding={padding})",
        "MaxPool"));

    specs_.push_back(layer("AvgPool2d", "Pooling",
        {intAttr("kernel_size", 2, 1, 64, "window size"), intAttr("stride", 0, 0, 64, "step (0: the kernel size)"),
         intAttr("padding", 0, 0, 32, "zero padding on each side (counted in the average)")},
        "Averages each window: shrinks the image smoothly.",
        "Y[n,c,y,x] = mean over the k×k window at (y·s−p, x·s−p)", "nn.AvgPool2d({kernel_size}, stride={stride}, padding={padding})",
        "AveragePool (count_include_pad = 1)"));

    specs_.push_back(layer("GlobalAvgPool2d", "Pooling", {},
        "Averages each channel over the whole image, giving one value per channel: the usual bridge from "
        "convolutions to the classifier.",
        "Y[n,c] = mean_{y,x} X[n,c,y,x]", "nn.AdaptiveAvgPool2d(1), nn.Flatten()", "GlobalAveragePool → Flatten"));

    AttrSpec momentum = floatAttr("momentum", 0.1, 0.0, 1.0, "weight of the newest batch in the running statistics");
    AttrSpec eps = floatAttr("eps", 1e-5, 1e-12, 1.0, "added to the variance for stability");
    specs_.push_back(layer("BatchNorm1d", "Normalisation", {momentum, eps},
        "Normalises each feature over the batch to mean 0 and variance 1, then scales and shifts it with learned "
        "γ and β. Uses running statistics at evaluation time.",
        "Y = γ · (X − μ_batch) / √(σ²_batch + ε) + β", "nn.BatchNorm1d({num_features}, eps={eps}, momentum={momentum})",
        "BatchNormalization (inference form: running statistics)"));
    specs_.push_back(layer("BatchNorm2d", "Normalisation", {momentum, eps},
        "Normalises each channel over the batch and all positions, then scales and shifts it with learned γ and β.",
        "Y[n,c,y,x] = γ[c] · (X − μ[c]) / √(σ²[c] + ε) + β[c]", "nn.BatchNorm2d({num_features}, eps={eps}, momentum={momentum})",
        "BatchNormalization (inference form: running statistics)"));
    specs_.push_back(layer("LayerNorm", "Normalisation", {eps},
        "Normalises each sample over all its features (not over the batch), then scales and shifts it.",
        "Y = γ · (X − μ_sample) / √(σ²_sample + ε) + β", "nn.LayerNorm({normalized_shape}, eps={eps})",
        "LayerNormalization (axis = 1); opset 13–16: ReduceMean → Sub → Mul → ReduceMean → Add → Sqrt → Div → Mul → Add"));

    specs_.push_back(layer("Dropout", "Regularisation", {floatAttr("p", 0.5, 0.0, 0.99, "probability of zeroing an element")},
        "During training, zeroes each element with probability p and scales the rest by 1/(1−p); does nothing at "
        "evaluation time. Fights over-fitting.",
        "Y = X · mask / (1 − p),  mask ~ Bernoulli(1 − p)", "nn.Dropout(p={p})", "removed (inference)"));

    specs_.push_back(layer("Flatten", "Shape", {}, "Turns each sample into one feature vector (C×H×W → C·H·W).",
        "Y[N×(C·H·W)] = X[N×C×H×W]", "nn.Flatten()", "Flatten (axis = 1)"));
    specs_.push_back(layer("Reshape", "Shape", {listAttr("shape", {-1}, "new shape of one sample; one extent may be −1")},
        "Gives each sample a new shape with the same number of elements.", "Y[N×shape] = X", "nn.Unflatten(1, {shape})",
        "Reshape (to [0, shape]: the batch kept)"));

    specs_.push_back(activation("ReLU", {}, "Keeps positive values and zeroes negative ones: the default activation.",
        "Y = max(0, X)", "nn.ReLU()", "Relu"));
    specs_.push_back(activation("LeakyReLU", {floatAttr("negative_slope", 0.01, 0.0, 1.0, "slope for negative inputs")},
        "Like ReLU but lets a small slope through for negative inputs, so units never die.",
        "Y = X if X > 0 else a·X", "nn.LeakyReLU({negative_slope})", "LeakyRelu"));
    specs_.push_back(activation("ELU", {floatAttr("alpha", 1.0, 0.0, 10.0, "saturation value for negative inputs")},
        "Smooth for negative inputs, saturating at −α.", "Y = X if X > 0 else α·(eᕽ − 1)", "nn.ELU(alpha={alpha})", "Elu"));
    specs_.push_back(activation("GELU", {}, "A smooth ReLU weighted by the Gaussian CDF, used in transformers.",
        "Y = X · Φ(X)", "nn.GELU()", "Div → Erf → Add → Mul → Mul (GELU has no operator before opset 20)"));
    specs_.push_back(activation("SiLU", {}, "X times its sigmoid (also called swish).", "Y = X · σ(X)", "nn.SiLU()", "Sigmoid → Mul"));
    specs_.push_back(activation("Sigmoid", {}, "Squashes values into (0, 1).", "Y = 1 / (1 + e^(−X))", "nn.Sigmoid()", "Sigmoid"));
    specs_.push_back(activation("Tanh", {}, "Squashes values into (−1, 1).", "Y = tanh(X)", "nn.Tanh()", "Tanh"));
    specs_.push_back(activation("Softmax", {}, "Turns a vector of scores into probabilities that sum to 1. Do not put it "
        "before a CrossEntropy loss: the loss applies it itself.",
        "Y[i] = e^X[i] / Σ_j e^X[j]", "nn.Softmax(dim=1)", "Softmax (axis = 1)"));

    LayerSpec add = layer("Add", "Merge", {}, "Adds two tensors of the same shape element by element: the join of a "
        "residual (skip) connection.", "Y = A + B", "a + b", "Add");
    add.inputs = {"a", "b"};
    specs_.push_back(add);
    LayerSpec concat = layer("Concat", "Merge", {}, "Joins two tensors along the channel (first per-sample) axis; the "
        "other extents must match.", "Y = [A, B] along channels", "torch.cat([a, b], dim=1)", "Concat (axis = 1)");
    concat.inputs = {"a", "b"};
    specs_.push_back(concat);

    specs_.push_back(loss("CrossEntropyLoss", {floatAttr("label_smoothing", 0.0, 0.0, 0.99, "share of the target spread over all classes"), targetAttr("class")},
        "The classification loss: softmax of the scores, then the negative log-probability of the true class. "
        "Takes raw scores (logits).",
        "L = −Σ_c q[c] · log softmax(X)[c],  q = (1−ε)·onehot(y) + ε/C", "nn.CrossEntropyLoss(label_smoothing={label_smoothing})",
        "left out: the export ends at its input, \"logits\" (with the softmax option also Softmax → \"probabilities\")"));
    specs_.push_back(loss("MSELoss", {targetAttr("class")},
        "Mean squared error between the output and the target: for regression and reconstruction.",
        "L = mean((X − T)²)", "nn.MSELoss()", "left out: the export ends at its input, \"output\""));
    specs_.push_back(loss("BCEWithLogitsLoss", {targetAttr("class")},
        "Binary cross-entropy on raw scores, one independent yes/no per output (multi-label).",
        "L = mean(−T·log σ(X) − (1−T)·log(1−σ(X)))", "nn.BCEWithLogitsLoss()",
        "left out: the export ends at its input, \"logits\""));
}

const Catalogue& Catalogue::instance()
{
    static const Catalogue catalogue;
    return catalogue;
}

const LayerSpec* Catalogue::find(const std::string& type) const
{
    for (const auto& s : specs_)
        if (s.type == type)
            return &s;
    return nullptr;
}

std::string Catalogue::typeList() const
{
    std::string list;
    for (const auto& s : specs_)
        list += (list.empty() ? "" : ", ") + s.type;
    return list;
}

} // namespace neurite
