#include "engine/compare/ModelDiff.h"

#include "engine/compare/ValueText.h"
#include "engine/graph/Catalogue.h"

#include <set>

namespace neurite {

namespace {

std::vector<AttributeChange> attributeChanges(const nlohmann::json& before, const nlohmann::json& after)
{
    std::set<std::string> names;
    for (const auto* attrs : {&before, &after})
        if (attrs->is_object())
            for (const auto& entry : attrs->items())
                names.insert(entry.key());
    const auto get = [](const nlohmann::json& attrs, const std::string& name) -> std::optional<nlohmann::json> {
        if (attrs.is_object() && attrs.contains(name))
            return attrs.at(name);
        return std::nullopt;
    };
    std::vector<AttributeChange> changes;
    for (const auto& name : names) {
        AttributeChange c{name, get(before, name), get(after, name)};
        if (c.before != c.after)
            changes.push_back(std::move(c));
    }
    return changes;
}

// Edges of `of` that `in` lacks, counting duplicates (an edge twice in `of` and once in `in` is
// one missing).
std::vector<Edge> missingEdges(const std::vector<Edge>& of, const std::vector<Edge>& in)
{
    std::vector<bool> used(in.size(), false);
    std::vector<Edge> missing;
    for (const auto& e : of) {
        bool found = false;
        for (std::size_t i = 0; i < in.size() && !found; ++i)
            if (!used[i] && in[i] == e)
                found = used[i] = true;
        if (!found)
            missing.push_back(e);
    }
    return missing;
}

std::string attributeText(const std::optional<nlohmann::json>& value, const std::string& type, const std::string& name)
{
    if (value)
        return valueText(*value);
    const LayerSpec* spec = Catalogue::instance().find(type);
    const AttrSpec* attr = spec ? spec->attr(name) : nullptr;
    return attr ? "default (" + valueText(attr->defaultValue) + ")" : "default";
}

std::string nodeText(const Node& n)
{
    const bool plain = n.attrs.is_null() || (n.attrs.is_object() && n.attrs.empty());
    return n.id + " (" + n.type + (plain ? "" : " " + valueText(n.attrs)) + ")";
}

std::string edgeText(const Edge& e)
{
    return e.from.node + "." + e.from.port + " -> " + e.to.node + "." + e.to.port;
}

} // namespace

bool ModelDiff::empty() const
{
    return added.empty() && removed.empty() && changed.empty() && edgesAdded.empty() && edgesRemoved.empty();
}

ModelDiff diffModels(const ModelGraph& a, const ModelGraph& b)
{
    ModelDiff diff;
    for (const auto& n : b.nodes) {
        const Node* old = a.find(n.id);
        if (!old) {
            diff.added.push_back(n);
            continue;
        }
        NodeChange c{n.id, old->type, n.type, attributeChanges(old->attrs, n.attrs)};
        if (c.typeChanged() || !c.attributes.empty())
            diff.changed.push_back(std::move(c));
    }
    for (const auto& n : a.nodes)
        if (!b.find(n.id))
            diff.removed.push_back(n);
    diff.edgesAdded = missingEdges(b.edges, a.edges);
    diff.edgesRemoved = missingEdges(a.edges, b.edges);
    return diff;
}

std::string modelDiffText(const ModelDiff& diff)
{
    std::string text;
    for (const auto& n : diff.added)
        text += "+ " + nodeText(n) + "\n";
    for (const auto& n : diff.removed)
        text += "- " + nodeText(n) + "\n";
    for (const auto& c : diff.changed) {
        std::string parts;
        if (c.typeChanged())
            parts = "type " + c.typeBefore + " -> " + c.typeAfter;
        for (const auto& attr : c.attributes)
            parts += (parts.empty() ? "" : ", ") + attr.name + " " +
                     attributeText(attr.before, c.typeBefore, attr.name) + " -> " +
                     attributeText(attr.after, c.typeAfter, attr.name);
        text += "~ " + c.id + ": " + parts + "\n";
    }
    for (const auto& e : diff.edgesAdded)
        text += "+ edge " + edgeText(e) + "\n";
    for (const auto& e : diff.edgesRemoved)
        text += "- edge " + edgeText(e) + "\n";
    return text;
}

} // namespace neurite
