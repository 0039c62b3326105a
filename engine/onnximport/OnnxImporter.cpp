// The walk over an ONNX graph: values (network tensors and constants), the emission of Neurite
// nodes checked by Neurite's own validation as they are added, the appended loss and a layout for
// the canvas. The operators themselves are in OnnxOperators.cpp.
#include "engine/onnximport/OnnxImporter.h"

#include "engine/graph/Catalogue.h"
#include "engine/graph/ShapeInference.h"

#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cctype>

namespace neurite {

OnnxImportError::OnnxImportError(std::string onnxNode, std::string opType, const std::string& why)
    : ModelError({}, "ONNX node '" + onnxNode + "' (" + opType + ") cannot be imported: " + why),
      onnxNode_(std::move(onnxNode)), opType_(std::move(opType))
{
}

namespace {

// The per-sample dims of a typed value (the batch dropped), when every one of them is fixed.
bool perSampleDims(const onnx::ValueInfoProto& value, std::vector<std::int64_t>& dims)
{
    if (!value.type().has_tensor_type() || !value.type().tensor_type().has_shape())
        return false;
    const auto& shape = value.type().tensor_type().shape();
    dims.clear();
    for (int i = 1; i < shape.dim_size(); ++i) {
        if (!shape.dim(i).has_dim_value())
            return false;
        dims.push_back(shape.dim(i).dim_value());
    }
    return shape.dim_size() >= 1;
}

onnx::TensorProto tensorProto(const std::string& name, const Constant& c)
{
    onnx::TensorProto t;
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : c.dims)
        t.add_dims(d);
    for (double v : c.values)
        t.add_float_data(float(v));
    return t;
}

} // namespace

OnnxImporter::OnnxImporter(const onnx::ModelProto& model, const OnnxImportOptions& options, std::string source)
    : graph_(model.graph()), options_(options), source_(std::move(source))
{
    for (const auto& o : model.opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx")
            opset_ = int(o.version());
    done_.assign(std::size_t(graph_.node_size()), false);
    for (int i = 0; i < graph_.node_size(); ++i)
        for (const auto& in : graph_.node(i).input())
            if (!in.empty() && (consumers_[in].empty() || consumers_[in].back() != i))   // Mul(x, x) reads x once
                consumers_[in].push_back(i);
    for (const auto& out : graph_.output())
        graphOutputs_.insert(out.name());

    // ONNX's shape inference, on a copy where the bound inputs are initializers (a Reshape's shape
    // becomes known). It only cross-checks Neurite's shapes, so a model it cannot infer still imports.
    onnx::ModelProto typed = model;
    for (const auto& [name, tensor] : options.constantInputs) {
        Constant c;
        c.dims = tensor.shape().dims();
        c.values.assign(tensor.data(), tensor.data() + tensor.numel());
        *typed.mutable_graph()->add_initializer() = tensorProto(name, c);
    }
    try {
        onnx::shape_inference::InferShapes(typed);
        std::vector<std::int64_t> dims;
        for (const auto& v : typed.graph().value_info())
            if (perSampleDims(v, dims))
                inferred_[v.name()] = dims;
        for (const auto& v : typed.graph().output())
            if (perSampleDims(v, dims))
                inferred_[v.name()] = dims;
    } catch (const std::exception& e) {
        notes_.push_back(std::string("ONNX's shape inference failed (") + e.what() + "); Neurite's own shapes are used");
    }
}

void OnnxImporter::refuse(const std::string& why) const
{
    const auto& n = graph_.node(current_);
    throw OnnxImportError(n.name().empty() ? "#" + std::to_string(current_) : n.name(), n.op_type(), why);
}

bool OnnxImporter::hasInput(int i) const
{
    const auto& n = graph_.node(current_);
    return i < n.input_size() && !n.input(i).empty();
}

const NetValue* OnnxImporter::netOrNull(const std::string& tensor) const
{
    const auto it = net_.find(tensor);
    return it == net_.end() ? nullptr : &it->second;
}

const Constant* OnnxImporter::constantOrNull(const std::string& tensor) const
{
    const auto it = constants_.find(tensor);
    return it == constants_.end() ? nullptr : &it->second;
}

const NetValue& OnnxImporter::netInput(int i) const
{
    if (!hasInput(i))
        refuse("input " + std::to_string(i) + " is missing");
    const std::string& name = graph_.node(current_).input(i);
    if (const NetValue* v = netOrNull(name))
        return *v;
    if (isConstant(name))
        refuse("input '" + name + "' is a constant where Neurite's layer takes a tensor of the network");
    refuse("input '" + name + "' is computed by nothing the importer mapped");
}

const Constant& OnnxImporter::constantInput(int i) const
{
    if (!hasInput(i))
        refuse("input " + std::to_string(i) + " is missing");
    const std::string& name = graph_.node(current_).input(i);
    if (const Constant* c = constantOrNull(name))
        return *c;
    refuse("input '" + name + "' must be a constant (an initializer) but is computed by the network or is a graph "
           "input that is not bound");
}

int OnnxImporter::soleConsumer(const std::string& tensor) const
{
    if (isGraphOutput(tensor))
        return -1;
    const auto it = consumers_.find(tensor);
    return it != consumers_.end() && it->second.size() == 1 ? it->second[0] : -1;
}

std::vector<int> OnnxImporter::consumersOf(const std::string& tensor) const
{
    const auto it = consumers_.find(tensor);
    return it == consumers_.end() ? std::vector<int>() : it->second;
}

bool OnnxImporter::isUsed(const std::string& tensor) const
{
    return isGraphOutput(tensor) || consumers_.count(tensor) > 0;
}

const std::vector<std::int64_t>* OnnxImporter::onnxShape(const std::string& tensor) const
{
    const auto it = inferred_.find(tensor);
    return it == inferred_.end() ? nullptr : &it->second;
}

void OnnxImporter::dropSideOutputs(const std::string& what)
{
    const auto& n = graph_.node(current_);
    for (int i = 1; i < n.output_size(); ++i) {
        const std::string& out = n.output(i);
        if (out.empty())
            continue;
        if (consumers_.count(out))
            refuse("its output '" + out + "' (" + what + ") is read by another node; Neurite's layer has one output");
        if (isGraphOutput(out))
            note("graph output '" + out + "' (" + what + " of '" + n.name() + "') not imported: a Neurite model has "
                 "one output");
    }
}

std::string OnnxImporter::uniqueId(const std::string& name, const std::string& type)
{
    std::string id;
    for (char c : name)
        id += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '_';
    const auto first = id.find_first_not_of('_');
    id = first == std::string::npos ? std::string() : id.substr(first);
    while (!id.empty() && id.back() == '_')
        id.pop_back();
    if (id.empty()) {
        for (char c : type)
            id += char(std::tolower(static_cast<unsigned char>(c)));
    } else if (std::isdigit(static_cast<unsigned char>(id[0]))) {
        id = "n" + id;
    }
    std::string unique = id;
    for (int k = 2; result_.find(unique) || unique == "loss"; ++k)
        unique = id + "_" + std::to_string(k);
    return unique;
}

std::string OnnxImporter::emit(const std::string& name, const std::string& type, const nlohmann::json& attrs,
                               const std::vector<std::string>& inputs)
{
    const LayerSpec* spec = Catalogue::instance().find(type);
    const std::string id = uniqueId(name, type);
    nlohmann::json kept = nlohmann::json::object();
    for (const auto& [key, value] : attrs.items()) {
        const AttrSpec* a = spec->attr(key);
        if (!a || a->defaultValue != value)
            kept[key] = value;
    }
    result_.add(id, type, kept);
    for (std::size_t i = 0; i < inputs.size() && i < spec->inputs.size(); ++i)
        result_.connect(inputs[i], id, spec->inputs[i]);
    const GraphAnalysis analysis = analyse(result_);
    for (const auto& d : analysis.problems)
        if (d.nodeId == id && !d.warning)
            refuse("as Neurite's " + type + ": " + d.message + (d.hint.empty() ? "" : " (" + d.hint + ")"));
    const NodeInfo& info = analysis.info(id);
    if (!info.shaped)
        refuse("as Neurite's " + type + " it has no shape");
    shapes_[id] = info.output;
    return id;
}

void OnnxImporter::parameter(const std::string& id, const std::string& suffix, const Shape& shape,
                             std::vector<float> values)
{
    Tensor t(shape);
    std::copy(values.begin(), values.end(), t.data());
    parameters_.insert_or_assign(id + "." + suffix, std::move(t));
}

void OnnxImporter::produce(const std::string& tensor, const std::string& id)
{
    const Shape& shape = shapes_.at(id);
    if (const auto* dims = onnxShape(tensor); dims && Shape(*dims) != shape)
        refuse("Neurite's " + result_.find(id)->type + " gives " + shape.str() + " per sample where ONNX infers " +
               Shape(*dims).str() + " for '" + tensor + "'");
    net_[tensor] = {id, shape, result_.find(id)->type};
}

void OnnxImporter::alias(const std::string& tensor, const std::string& from)
{
    if (const NetValue* v = netOrNull(from))
        net_[tensor] = *v;
    else if (const Constant* c = constantOrNull(from))
        constants_[tensor] = *c;
    else
        refuse("input '" + from + "' is computed by nothing the importer mapped");
}

bool OnnxImporter::endsInCrossEntropy(const Shape& output) const
{
    if (options_.loss == "CrossEntropyLoss")
        return true;
    return options_.loss == "auto" && output.rank() == 1 && output[0] >= 2;
}

void OnnxImporter::bindInputs()
{
    for (const auto& init : graph_.initializer()) {
        try {
            constants_[init.name()] = constantFrom(init);
        } catch (const Error& e) {
            throw ModelError({}, source_ + ": initializer: " + e.what());
        }
    }
    std::vector<const onnx::ValueInfoProto*> data;
    for (const auto& in : graph_.input()) {
        if (constants_.count(in.name()))
            continue;   // an initializer listed as an input (IR < 4)
        const auto bound = options_.constantInputs.find(in.name());
        if (bound != options_.constantInputs.end()) {
            Constant c;
            c.dims = bound->second.shape().dims();
            c.values.assign(bound->second.data(), bound->second.data() + bound->second.numel());
            constants_[in.name()] = std::move(c);
            continue;
        }
        data.push_back(&in);
    }
    if (data.size() != 1) {
        std::string names;
        for (const auto* d : data)
            names += (names.empty() ? "" : ", ") + d->name();
        throw ModelError({}, source_ + ": the model has " + std::to_string(data.size()) + " data inputs" +
                                 (names.empty() ? "" : " (" + names + ")") + "; a Neurite model takes one",
                         "bind the others to values (constantInputs) or export the model with one input");
    }
    const auto& in = *data[0];
    const auto& type = in.type().tensor_type();
    if (!in.type().has_tensor_type() || type.elem_type() != onnx::TensorProto::FLOAT)
        throw ModelError({}, source_ + ": input '" + in.name() + "' is not a float32 tensor; Neurite's inputs are");
    const auto& shape = type.shape();
    std::vector<std::int64_t> dims;
    for (int i = 1; i < shape.dim_size(); ++i) {
        if (!shape.dim(i).has_dim_value() || shape.dim(i).dim_value() <= 0)
            throw ModelError({}, source_ + ": input '" + in.name() + "' has a dimension " + std::to_string(i) +
                                     " that is not a fixed positive extent; Neurite needs one sample's shape");
        dims.push_back(shape.dim(i).dim_value());
    }
    if (dims.empty())
        throw ModelError({}, source_ + ": input '" + in.name() + "' has no dimension besides the batch; Neurite "
                                 "needs one sample's shape");
    if (shape.dim_size() > 0 && shape.dim(0).has_dim_value())
        fixedBatch_ = shape.dim(0).dim_value();
    inputTensor_ = in.name();
    const std::string id = uniqueId(in.name(), "Input");
    result_.add(id, "Input", {{"shape", dims}});
    shapes_[id] = Shape(dims);
    net_[inputTensor_] = {id, Shape(dims), "Input"};
}

void OnnxImporter::mapNode(int index)
{
    current_ = index;
    const auto& n = graph_.node(index);
    if (!n.domain().empty() && n.domain() != "ai.onnx")
        refuse("operators of the domain '" + n.domain() + "' are outside Neurite's layer catalogue");
    if (!importOperator(*this, index))
        refuse("the operator is outside Neurite's layer catalogue (it imports: Gemm, MatMul, Conv, MaxPool, "
               "AveragePool, GlobalAveragePool, BatchNormalization, LayerNormalization, Relu, LeakyRelu, Elu, "
               "Sigmoid, Tanh, Softmax, Flatten, Reshape, Add, Concat, Dropout, Identity, Constant, and GELU "
               "and SiLU spelled out)");
}

void OnnxImporter::appendLoss()
{
    const NetValue& out = net_.at(outputTensor_);
    const Shape& inputShape = shapes_.at(net_.at(inputTensor_).node);
    std::string type = options_.loss;
    if (type == "auto")
        type = endsInCrossEntropy(out.shape) ? "CrossEntropyLoss" : "MSELoss";
    if (!Catalogue::instance().find(type) || Catalogue::instance().find(type)->role != LayerRole::Loss)
        throw ConfigError("unknown loss '" + options_.loss + "': use auto, CrossEntropyLoss, MSELoss or BCEWithLogitsLoss");
    nlohmann::json attrs = nlohmann::json::object();
    std::string why;
    if (type == "CrossEntropyLoss") {
        why = "the output is one score vector per sample (" + out.shape.str() + "); the labels are class indices";
    } else if (out.shape == inputShape) {
        attrs["target"] = "input";
        why = "the output has the input's shape (" + out.shape.str() + "): it is compared with the input";
    } else {
        why = "the output (" + out.shape.str() + ") is compared with the one-hot class; change the loss or its target "
              "in the inspector for other targets";
    }
    result_.add("loss", type, attrs);
    result_.connect(out.node, "loss");
    note(type + " appended so that the model trains: " + why);
}

// Columns by depth (the longest path from the input), rows in the order the nodes came.
void OnnxImporter::layout()
{
    std::map<std::string, int> depth, rows;
    for (auto& node : result_.nodes) {
        int d = 0;
        for (const auto& e : result_.edges)
            if (e.to.node == node.id)
                d = std::max(d, depth[e.from.node] + 1);
        depth[node.id] = d;
        node.x = 220.0 * d;
        node.y = 110.0 * rows[std::to_string(d)]++;
    }
}

OnnxImportResult OnnxImporter::run()
{
    if (opset_ < 1)
        throw ModelError({}, source_ + ": the model imports no opset of the default domain");
    if (opset_ > 17)
        note("opset " + std::to_string(opset_) + " is newer than ONNX 1.12 knows (17): each operator is checked "
             "for the attributes the importer knows");
    bindInputs();
    for (int i = 0; i < graph_.node_size(); ++i)
        if (!done_[std::size_t(i)])
            mapNode(i);
    if (graph_.output_size() == 0)
        throw ModelError({}, source_ + ": the model has no output");
    outputTensor_ = graph_.output(0).name();
    if (!net_.count(outputTensor_))
        throw ModelError({}, source_ + ": the output '" + outputTensor_ + "' is not computed from the input");
    for (int i = 1; i < graph_.output_size(); ++i)
        if (graph_.output(i).name() != outputTensor_ && net_.count(graph_.output(i).name()))
            note("graph output '" + graph_.output(i).name() + "' not imported: a Neurite model has one output (the "
                 "first, '" + outputTensor_ + "')");
    appendLoss();
    layout();

    requireValid(analyse(result_));
    // Every parameter the training plan will ask for is here, with its size.
    const TrainedModel fresh = initialisedModel(result_);
    for (const auto& [name, tensor] : fresh.parameters) {
        const auto it = parameters_.find(name);
        if (it == parameters_.end())
            throw ModelError({}, source_ + ": the importer wrote no values for the parameter '" + name + "'");
        if (it->second.numel() != tensor.numel())
            throw ModelError({}, source_ + ": the importer made '" + name + "' of " + std::to_string(it->second.numel()) +
                                     " values where the layer needs " + std::to_string(tensor.numel()));
    }

    OnnxImportResult r;
    r.model.graph = std::move(result_);
    r.model.graph.name = graph_.name();
    r.model.parameters = std::move(parameters_);
    r.model.origin = "imported from " + source_;
    r.notes = std::move(notes_);
    r.opset = opset_;
    return r;
}

} // namespace neurite
