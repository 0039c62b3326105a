#include "engine/export/PyTorchCode.h"

#include "engine/graph/Attributes.h"
#include "engine/graph/Catalogue.h"
#include "engine/graph/ShapeInference.h"

#include <cctype>
#include <set>
#include <sstream>

namespace neurite {

std::string pythonName(const std::string& id)
{
    std::string out;
    for (char c : id)
        out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])))
        out = "n_" + out;
    static const std::set<std::string> keywords = {"False", "None", "True", "and", "as", "assert", "async", "await",
        "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
        "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
        "yield", "self", "x", "torch", "nn"};
    return keywords.count(out) ? out + "_" : out;
}

namespace {

std::string pythonValue(const nlohmann::json& v)
{
    if (v.is_boolean())
        return v.get<bool>() ? "True" : "False";
    if (v.is_array()) {
        std::string s = "(";
        for (std::size_t i = 0; i < v.size(); ++i)
            s += (i ? ", " : "") + pythonValue(v[i]);
        return s + (v.size() == 1 ? ",)" : ")");
    }
    return v.dump();
}

std::string shapeList(const Shape& s)
{
    std::string out = "[";
    for (std::size_t i = 0; i < s.rank(); ++i)
        out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

// Fills the catalogue's PyTorch template: {attribute} from the node (defaults included), and the
// sizes PyTorch wants spelled out, inferred from the input shape.
std::string fillTemplate(const Node& node, const LayerSpec& spec, const NodeInfo& info)
{
    nlohmann::json values = nlohmann::json::object();
    for (const auto& a : spec.attrs)
        values[a.name] = node.attrs.contains(a.name) ? node.attrs[a.name] : a.defaultValue;
    if (!info.inputs.empty()) {
        const Shape& in = info.inputs[0];
        values["in_features"] = in.numel();
        values["in_channels"] = in.rank() ? in[0] : 1;
        values["num_features"] = in.rank() ? in[0] : 1;
        values["normalized_shape"] = shapeList(in);
    }
    if ((node.type == "MaxPool2d" || node.type == "AvgPool2d") && values["stride"] == 0)
        values["stride"] = values["kernel_size"];
    std::string text = spec.pytorch, out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '{') {
            out += text[i];
            continue;
        }
        const auto close = text.find('}', i);
        const std::string key = text.substr(i + 1, close - i - 1);
        const auto& v = values[key];
        out += v.is_string() ? v.get<std::string>() : pythonValue(v);
        i = close;
    }
    return out;
}

std::string camelCase(const std::string& name)
{
    std::string out;
    bool upper = true;
    for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
            upper = true;
            continue;
        }
        out += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return out.empty() || std::isdigit(static_cast<unsigned char>(out[0])) ? "Model" + out : out;
}

} // namespace

std::string pytorchModule(const Node& node, const NodeInfo& info)
{
    const LayerSpec* spec = Catalogue::instance().find(node.type);
    return spec ? fillTemplate(node, *spec, info) : std::string();
}

// A model's name inside a """docstring""": backslashes, quotes and line breaks escaped, so that no
// name can end the string or the file early.
static std::string docstringText(const std::string& text)
{
    std::string out;
    for (const char c : text) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n' || c == '\r')
            out += ' ';
        else
            out += c;
    }
    return out;
}

std::string pytorchCode(const ModelGraph& graph, const std::string& className)
{
    const GraphAnalysis a = analyse(graph);
    requireValid(a);
    const auto& catalogue = Catalogue::instance();
    std::ostringstream init, forward;
    std::string lossLine, result;
    for (const auto& id : a.order) {
        const Node& node = *graph.find(id);
        const LayerSpec& spec = *catalogue.find(node.type);
        const NodeInfo& info = a.info(id);
        const std::string name = pythonName(id);
        std::vector<std::string> inputs;
        for (const auto& port : spec.inputs)
            inputs.push_back(pythonName(graph.edgeInto(id, port)->from.node));
        if (spec.role == LayerRole::Input) {
            forward << "        " << name << " = x  # [N, " << shapeList(info.output).substr(1) << "\n";
            continue;
        }
        if (spec.role == LayerRole::Loss) {
            lossLine = "        self." + name + " = " + fillTemplate(node, spec, info) + "  # apply to forward()'s output";
            if (attrChoice(node, "target") == "input")
                lossLine += " and the input";
            result = inputs[0];
            continue;
        }
        std::string expression;
        if (node.type == "Add")
            expression = inputs[0] + " + " + inputs[1];
        else if (node.type == "Concat")
            expression = "torch.cat([" + inputs[0] + ", " + inputs[1] + "], dim=1)";
        else if (node.type == "Reshape")
            expression = inputs[0] + ".reshape(" + inputs[0] + ".shape[0], " + shapeList(info.output).substr(1, shapeList(info.output).size() - 2) + ")";
        else {
            std::string module = fillTemplate(node, spec, info);
            if (module.find("), nn.") != std::string::npos)  // several modules in a row
                module = "nn.Sequential(" + module + ")";
            init << "        self." << name << " = " << module << "\n";
            expression = "self." + name + "(" + inputs[0] + ")";
        }
        forward << "        " << name << " = " << expression << "  # [N, " << shapeList(info.output).substr(1) << "\n";
    }
    std::ostringstream code;
    const std::string cls = className.empty() ? camelCase(graph.name.empty() ? "Model" : graph.name) : className;
    code << "import torch\nimport torch.nn as nn\n\n\n"
         << "class " << cls << "(nn.Module):\n"
         << "    \"\"\"" << (graph.name.empty() ? "A model" : docstringText(graph.name)) << " from Neurite Studio: "
         << a.totalParams << " parameters.\"\"\"\n\n"
         << "    def __init__(self):\n        super().__init__()\n"
         << init.str() << lossLine << "\n\n"
         << "    def forward(self, x):\n" << forward.str() << "        return " << result << "\n";
    return code.str();
}

} // namespace neurite
