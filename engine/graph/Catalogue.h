#pragma once
// The layer catalogue: one description per layer type (ports, attributes with types, defaults and
// ranges, a short explanation, its maths, its PyTorch equivalent and its ONNX operators). The validator, the CLI, the
// studio's canvas and inspector, the exporters and the docs all read it; no layer is described twice.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace neurite {

enum class AttrKind { Int, Float, Bool, Choice, IntList };

struct AttrSpec {
    std::string name;
    AttrKind kind;
    nlohmann::json defaultValue;
    double min = 0, max = 0;               // inclusive range for Int and Float (min == max: none)
    std::vector<std::string> choices;      // for Choice
    std::string help;
};

enum class LayerRole { Input, Layer, Loss };

struct LayerSpec {
    std::string type;                      // "Conv2d"
    std::string category;                  // "Convolution", "Activation", ...
    LayerRole role = LayerRole::Layer;
    std::vector<std::string> inputs;       // input port names, in order
    std::vector<std::string> outputs;      // output port names
    std::vector<AttrSpec> attrs;
    std::string summary;                   // one paragraph for people
    std::string maths;                     // the operation, in the notation of the docs
    std::string pytorch;                   // the PyTorch equivalent, {name} stands for an attribute
    std::string onnx;                      // the ONNX operator(s) it becomes, for people and docs: "Conv",
                                           // "removed (inference)", or "not exported: <reason>" (refused)

    const AttrSpec* attr(const std::string& name) const;
};

class Catalogue {
public:
    static const Catalogue& instance();
    const LayerSpec* find(const std::string& type) const;   // nullptr when unknown
    const std::vector<LayerSpec>& all() const { return specs_; }
    std::string typeList() const;                           // "Input, Linear, ..." for messages

private:
    Catalogue();
    std::vector<LayerSpec> specs_;
};

} // namespace neurite
