#include "engine/graph/Attributes.h"

#include <sstream>

namespace neurite {

std::string Diagnostic::str() const
{
    std::string s = nodeId.empty() ? message : "node '" + nodeId + "': " + message;
    if (!hint.empty())
        s += " (hint: " + hint + ")";
    return s;
}

static const nlohmann::json& valueOf(const Node& node, const std::string& name)
{
    if (node.attrs.contains(name))
        return node.attrs[name];
    const auto* spec = Catalogue::instance().find(node.type);
    const auto* attr = spec ? spec->attr(name) : nullptr;
    static const nlohmann::json null;
    return attr ? attr->defaultValue : null;
}

std::int64_t attrInt(const Node& node, const std::string& name)
{
    const auto& v = valueOf(node, name);
    return v.is_number() ? v.get<std::int64_t>() : 0;
}

double attrFloat(const Node& node, const std::string& name)
{
    const auto& v = valueOf(node, name);
    return v.is_number() ? v.get<double>() : 0.0;
}

bool attrBool(const Node& node, const std::string& name)
{
    const auto& v = valueOf(node, name);
    return v.is_boolean() && v.get<bool>();
}

std::string attrChoice(const Node& node, const std::string& name)
{
    const auto& v = valueOf(node, name);
    return v.is_string() ? v.get<std::string>() : std::string();
}

std::vector<std::int64_t> attrList(const Node& node, const std::string& name)
{
    std::vector<std::int64_t> out;
    const auto& v = valueOf(node, name);
    if (v.is_array())
        for (const auto& x : v)
            if (x.is_number_integer())
                out.push_back(x.get<std::int64_t>());
    return out;
}

static std::string num(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

void checkAttributes(const Node& node, const LayerSpec& spec, std::vector<Diagnostic>& out)
{
    for (const auto& [name, value] : node.attrs.items()) {
        const AttrSpec* a = spec.attr(name);
        if (!a) {
            std::string known;
            for (const auto& s : spec.attrs)
                known += (known.empty() ? "" : ", ") + s.name;
            out.push_back({node.id, spec.type + " has no attribute '" + name + "'",
                           known.empty() ? spec.type + " takes no attributes" : "its attributes are: " + known});
            continue;
        }
        const std::string what = "attribute '" + name + "' ";
        switch (a->kind) {
        case AttrKind::Int:
        case AttrKind::Float: {
            const bool isInt = a->kind == AttrKind::Int;
            if (isInt ? !value.is_number_integer() : !value.is_number()) {
                out.push_back({node.id, what + "must be " + (isInt ? "an integer" : "a number") + " but is " + value.dump(), a->help});
                break;
            }
            const double v = value.get<double>();
            if (a->min != a->max && (v < a->min || v > a->max))
                out.push_back({node.id, what + "is " + value.dump() + " but must lie in [" + num(a->min) + ", " + num(a->max) + "]", a->help});
            break;
        }
        case AttrKind::Bool:
            if (!value.is_boolean())
                out.push_back({node.id, what + "must be true or false but is " + value.dump(), a->help});
            break;
        case AttrKind::Choice: {
            bool found = false;
            for (const auto& c : a->choices)
                found |= value.is_string() && value.get<std::string>() == c;
            if (!found) {
                std::string list;
                for (const auto& c : a->choices)
                    list += (list.empty() ? "" : ", ") + c;
                out.push_back({node.id, what + "is " + value.dump() + " but must be one of: " + list, a->help});
            }
            break;
        }
        case AttrKind::IntList: {
            bool ok = value.is_array() && !value.empty();
            if (ok)
                for (const auto& x : value)
                    ok &= x.is_number_integer();
            if (!ok)
                out.push_back({node.id, what + "must be a non-empty list of integers but is " + value.dump(), a->help});
            break;
        }
        }
    }
}

} // namespace neurite
