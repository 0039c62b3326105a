#include "engine/graph/ShapeInference.h"

#include "engine/core/Error.h"
#include "engine/graph/Catalogue.h"

#include <algorithm>
#include <deque>
#include <set>

namespace neurite {

bool GraphAnalysis::ok() const
{
    return std::none_of(problems.begin(), problems.end(), [](const Diagnostic& d) { return !d.warning; });
}

std::vector<Diagnostic> GraphAnalysis::errors() const
{
    std::vector<Diagnostic> out;
    for (const auto& d : problems)
        if (!d.warning)
            out.push_back(d);
    return out;
}

void requireValid(const GraphAnalysis& analysis)
{
    const auto errors = analysis.errors();
    if (errors.empty())
        return;
    std::string more = errors.size() > 1 ? " [and " + std::to_string(errors.size() - 1) + " more problem(s)]" : "";
    throw ModelError(errors[0].nodeId, errors[0].message + more, errors[0].hint);
}

namespace {

// The shape rules of each layer type. Returns false (and adds a diagnostic) when the inputs do not fit.
class ShapeRules {
public:
    ShapeRules(const Node& node, NodeInfo& info, std::vector<Diagnostic>& problems)
        : node_(node), info_(info), problems_(problems)
    {
    }

    bool infer()
    {
        const auto& t = node_.type;
        const auto& in = info_.inputs.empty() ? Shape() : info_.inputs[0];
        if (t == "Input") return input();
        if (t == "Linear") return linear(in);
        if (t == "Conv2d") return conv(in);
        if (t == "MaxPool2d" || t == "AvgPool2d") return pool(in);
        if (t == "GlobalAvgPool2d") return needRank(in, 3, "C×H×W", "") && set(Shape{in[0]}, in.numel());
        if (t == "BatchNorm1d") return needRank(in, 1, "a feature vector", "use BatchNorm2d after convolutions") && norm(in, in[0] * 2);
        if (t == "BatchNorm2d") return needRank(in, 3, "C×H×W", "use BatchNorm1d after Linear layers") && norm(in, in[0] * 2);
        if (t == "LayerNorm") return norm(in, in.numel() * 2);
        if (t == "Flatten") return set(Shape{in.numel()}, 0);
        if (t == "Reshape") return reshape(in);
        if (t == "Softmax") return needRank(in, 1, "a vector of scores", "insert a Flatten before it") && set(in, 5 * in.numel());
        if (t == "Add") return add();
        if (t == "Concat") return concat();
        if (t == "CrossEntropyLoss") return classLoss(in) && set(Shape{}, 5 * in.numel());
        if (t == "MSELoss" || t == "BCEWithLogitsLoss") return set(Shape{}, 3 * in.numel());
        // Element-wise layers: activations and Dropout keep the shape.
        return set(in, in.numel());
    }

private:
    bool error(const std::string& message, const std::string& hint = {})
    {
        problems_.push_back({node_.id, message, hint});
        return false;
    }

    bool set(Shape out, std::int64_t flops, std::int64_t params = 0)
    {
        info_.output = std::move(out);
        info_.flops = flops;
        info_.params = params;
        return true;
    }

    bool needRank(const Shape& in, std::size_t rank, const std::string& expected, const std::string& hint)
    {
        if (in.rank() == rank)
            return true;
        return error(node_.type + " '" + node_.id + "' expects " + expected + " but gets " + in.str(), hint);
    }

    bool input()
    {
        const auto dims = attrList(node_, "shape");
        if (dims.empty() || std::any_of(dims.begin(), dims.end(), [](auto d) { return d <= 0; }))
            return error("the input shape must be a list of positive extents", "for 28×28 grey images write [1, 28, 28]");
        return set(Shape(dims), 0);
    }

    bool linear(const Shape& in)
    {
        if (in.rank() != 1)
            return error("Linear '" + node_.id + "' expects a 1-D feature vector but gets " + in.str(),
                         "insert a Flatten before it");
        const auto out = attrInt(node_, "out_features");
        const auto params = in[0] * out + (attrBool(node_, "bias") ? out : 0);
        return set(Shape{out}, 2 * in[0] * out, params);
    }

    bool conv(const Shape& in)
    {
        if (in.rank() != 3)
            return error("Conv2d '" + node_.id + "' expects an image C×H×W but gets " + in.str(),
                         in.rank() == 1 ? "use a Reshape to C×H×W, or a Linear layer for feature vectors" : "");
        const auto cout = attrInt(node_, "out_channels"), k = attrInt(node_, "kernel_size");
        const auto s = attrInt(node_, "stride"), p = attrInt(node_, "padding"), d = attrInt(node_, "dilation");
        const auto g = attrInt(node_, "groups");
        if (in[0] % g || cout % g)
            return error("groups = " + std::to_string(g) + " must divide the input channels (" + std::to_string(in[0]) +
                             ") and the output channels (" + std::to_string(cout) + ")",
                         "choose groups among the common divisors");
        const auto h = (in[1] + 2 * p - d * (k - 1) - 1) / s + 1, w = (in[2] + 2 * p - d * (k - 1) - 1) / s + 1;
        if (in[1] + 2 * p - d * (k - 1) - 1 < 0 || in[2] + 2 * p - d * (k - 1) - 1 < 0)
            return error("the " + std::to_string(d * (k - 1) + 1) + "-wide kernel does not fit the padded " +
                             std::to_string(in[1] + 2 * p) + "×" + std::to_string(in[2] + 2 * p) + " input",
                         "use a smaller kernel_size or more padding");
        const auto macs = cout * h * w * (in[0] / g) * k * k;
        const auto params = cout * (in[0] / g) * k * k + (attrBool(node_, "bias") ? cout : 0);
        return set(Shape{cout, h, w}, 2 * macs, params);
    }

    bool pool(const Shape& in)
    {
        if (in.rank() != 3)
            return error(node_.type + " '" + node_.id + "' expects an image C×H×W but gets " + in.str(),
                         "pooling works on the output of convolutions");
        const auto k = attrInt(node_, "kernel_size"), p = attrInt(node_, "padding");
        const auto s = attrInt(node_, "stride") ? attrInt(node_, "stride") : k;
        if (2 * p > k)
            return error("padding " + std::to_string(p) + " is more than half the kernel size " + std::to_string(k),
                         "use padding ≤ kernel_size / 2");
        if (in[1] + 2 * p < k || in[2] + 2 * p < k)
            return error("the " + std::to_string(k) + "×" + std::to_string(k) + " window does not fit the " +
                             std::to_string(in[1]) + "×" + std::to_string(in[2]) + " input",
                         "remove a pooling layer or use a smaller window");
        const auto h = (in[1] + 2 * p - k) / s + 1, w = (in[2] + 2 * p - k) / s + 1;
        return set(Shape{in[0], h, w}, in[0] * h * w * k * k);
    }

    bool norm(const Shape& in, std::int64_t params) { return set(in, 5 * in.numel(), params); }

    bool reshape(const Shape& in)
    {
        auto dims = attrList(node_, "shape");
        std::int64_t known = 1;
        int unknown = -1;
        for (std::size_t i = 0; i < dims.size(); ++i) {
            if (dims[i] == -1 && unknown < 0)
                unknown = int(i);
            else if (dims[i] <= 0)
                return error("Reshape extents must be positive, with at most one −1", "");
            else
                known *= dims[i];
        }
        if (unknown >= 0) {
            if (in.numel() % known)
                return error("cannot reshape " + in.str() + " (" + std::to_string(in.numel()) + " elements) to " +
                                 Shape(attrList(node_, "shape")).str(), "the number of elements must stay the same");
            dims[unknown] = in.numel() / known;
        }
        Shape out(dims);
        if (out.numel() != in.numel())
            return error("cannot reshape " + in.str() + " (" + std::to_string(in.numel()) + " elements) to " + out.str() +
                             " (" + std::to_string(out.numel()) + ")",
                         "the number of elements must stay the same");
        return set(out, 0);
    }

    bool add()
    {
        const auto &a = info_.inputs[0], &b = info_.inputs[1];
        if (a != b)
            return error("Add needs two inputs of the same shape but gets " + a.str() + " and " + b.str(),
                         "match them with a 1×1 Conv2d or a Linear on the shortcut");
        return set(a, a.numel());
    }

    bool concat()
    {
        const auto &a = info_.inputs[0], &b = info_.inputs[1];
        bool fits = a.rank() == b.rank() && a.rank() >= 1;
        for (std::size_t i = 1; fits && i < a.rank(); ++i)
            fits = a[i] == b[i];
        if (!fits)
            return error("Concat joins along channels and needs the other extents equal, but gets " + a.str() + " and " + b.str(),
                         "make the spatial sizes match (same strides and pooling on both branches)");
        Shape out = a;
        out[0] += b[0];
        return set(out, 0);
    }

    bool classLoss(const Shape& in)
    {
        if (in.rank() != 1)
            return error("CrossEntropyLoss expects one score per class but gets " + in.str(),
                         "end the network with a Linear layer of one output per class");
        if (attrChoice(node_, "target") == "input")
            return error("CrossEntropyLoss compares scores with a class, not with the input", "use MSELoss to reconstruct the input");
        return true;
    }

    const Node& node_;
    NodeInfo& info_;
    std::vector<Diagnostic>& problems_;
};

void checkStructure(const ModelGraph& graph, GraphAnalysis& a)
{
    const auto& catalogue = Catalogue::instance();
    std::set<std::string> seenInputs;
    for (const auto& node : graph.nodes) {
        const LayerSpec* spec = catalogue.find(node.type);
        if (!spec) {
            a.problems.push_back({node.id, "unknown layer type '" + node.type + "'", "known types: " + catalogue.typeList()});
            continue;
        }
        checkAttributes(node, *spec, a.problems);
        if (spec->role == LayerRole::Input) {
            if (!a.inputNode.empty())
                a.problems.push_back({node.id, "a second Input node (the first is '" + a.inputNode + "')", "a model has one input; delete one"});
            else
                a.inputNode = node.id;
        }
        if (spec->role == LayerRole::Loss) {
            if (!a.lossNode.empty())
                a.problems.push_back({node.id, "a second loss node (the first is '" + a.lossNode + "')", "a model trains on one loss; delete one"});
            else
                a.lossNode = node.id;
        }
        for (const auto& port : spec->inputs)
            if (!graph.edgeInto(node.id, port))
                a.problems.push_back({node.id, "input port '" + port + "' is not connected", "connect an output to it"});
    }
    if (a.inputNode.empty())
        a.problems.push_back({{}, "the model has no Input node", "add an Input node with the shape of one sample"});
    if (a.lossNode.empty())
        a.problems.push_back({{}, "the model has no loss node", "add a CrossEntropyLoss after the last layer for classification"});

    std::set<std::pair<std::string, std::string>> fed;
    for (const auto& e : graph.edges) {
        const Node* from = graph.find(e.from.node);
        const Node* to = graph.find(e.to.node);
        const std::string text = "the edge " + e.from.node + "." + e.from.port + " → " + e.to.node + "." + e.to.port;
        if (!from || !to) {
            a.problems.push_back({from ? e.to.node : e.from.node, text + " names a node that does not exist", "delete the edge"});
            continue;
        }
        const LayerSpec* fs = catalogue.find(from->type);
        const LayerSpec* ts = catalogue.find(to->type);
        if (fs && std::find(fs->outputs.begin(), fs->outputs.end(), e.from.port) == fs->outputs.end())
            a.problems.push_back({from->id, text + " starts at '" + e.from.port + "', which is not an output of " + from->type,
                                  fs->outputs.empty() ? from->type + " has no outputs" : "use port '" + fs->outputs[0] + "'"});
        if (ts && std::find(ts->inputs.begin(), ts->inputs.end(), e.to.port) == ts->inputs.end())
            a.problems.push_back({to->id, text + " ends at '" + e.to.port + "', which is not an input of " + to->type,
                                  ts->inputs.empty() ? to->type + " has no inputs" : "use port '" + ts->inputs[0] + "'"});
        if (!fed.insert({e.to.node, e.to.port}).second)
            a.problems.push_back({to->id, "input port '" + e.to.port + "' has more than one incoming edge", "an input takes one tensor; use Add or Concat to merge"});
    }
}

// Kahn's algorithm; nodes left over sit on a cycle.
void sortTopologically(const ModelGraph& graph, GraphAnalysis& a)
{
    std::map<std::string, int> indegree;
    std::map<std::string, std::vector<std::string>> next;
    for (const auto& n : graph.nodes)
        indegree[n.id] = 0;
    for (const auto& e : graph.edges)
        if (indegree.count(e.from.node) && indegree.count(e.to.node)) {
            ++indegree[e.to.node];
            next[e.from.node].push_back(e.to.node);
        }
    std::deque<std::string> ready;
    for (const auto& n : graph.nodes)
        if (indegree[n.id] == 0)
            ready.push_back(n.id);
    while (!ready.empty()) {
        auto id = ready.front();
        ready.pop_front();
        a.order.push_back(id);
        for (const auto& to : next[id])
            if (--indegree[to] == 0)
                ready.push_back(to);
    }
    for (const auto& n : graph.nodes)
        if (indegree[n.id] > 0)
            a.problems.push_back({n.id, "is part of a cycle", "networks must flow one way; remove an edge of the loop"});
}

void warnUnused(const ModelGraph& graph, GraphAnalysis& a)
{
    for (const auto& n : graph.nodes) {
        const LayerSpec* spec = Catalogue::instance().find(n.type);
        if (!spec || spec->role == LayerRole::Loss)
            continue;
        const bool used = std::any_of(graph.edges.begin(), graph.edges.end(), [&](const Edge& e) { return e.from.node == n.id; });
        if (!used)
            a.problems.push_back({n.id, "its output is not used", "connect it to the next layer or delete it", true});
    }
}

} // namespace

GraphAnalysis analyse(const ModelGraph& graph, std::int64_t batch)
{
    GraphAnalysis a;
    a.batch = batch;
    checkStructure(graph, a);
    sortTopologically(graph, a);
    warnUnused(graph, a);

    for (const auto& id : a.order) {
        const Node& node = *graph.find(id);
        const LayerSpec* spec = Catalogue::instance().find(node.type);
        NodeInfo& info = a.nodes[id];
        if (!spec)
            continue;
        bool inputsShaped = true;
        for (const auto& port : spec->inputs) {
            const Edge* e = graph.edgeInto(id, port);
            const auto src = e ? a.nodes.find(e->from.node) : a.nodes.end();
            if (src == a.nodes.end() || !src->second.shaped) {
                inputsShaped = false;
                break;
            }
            info.inputs.push_back(src->second.output);
        }
        // A node with a bad attribute is not shaped: its numbers would be meaningless.
        const bool attrsOk = std::none_of(a.problems.begin(), a.problems.end(),
                                          [&](const Diagnostic& d) { return d.nodeId == id && !d.warning; });
        if (!inputsShaped || !attrsOk)
            continue;
        info.shaped = ShapeRules(node, info, a.problems).infer();
        if (!info.shaped) {
            info.output = Shape();
            continue;
        }
        info.activationBytes = spec->role == LayerRole::Loss ? 0 : info.output.numel() * batch * std::int64_t(sizeof(float));
        a.totalParams += info.params;
        a.totalFlops += info.flops;
        a.totalActivationBytes += info.activationBytes;
    }
    return a;
}

} // namespace neurite
