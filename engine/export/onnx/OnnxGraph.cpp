#include "engine/export/onnx/OnnxGraph.h"

#include <bit>
#include <cstring>

namespace neurite {

static_assert(std::endian::native == std::endian::little, "ONNX raw data is little-endian");

std::string OnnxGraph::fresh(const std::string& base)
{
    std::string name = base;
    for (int i = 2; names_.count(name); ++i)
        name = base + "_" + std::to_string(i);
    names_.insert(name);
    return name;
}

onnx::NodeProto& OnnxGraph::node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& outputs)
{
    onnx::NodeProto& n = *graph_.add_node();
    n.set_op_type(op);
    n.set_name(name);
    for (const auto& in : inputs)
        n.add_input(in);
    for (const auto& out : outputs)
        n.add_output(out);
    return n;
}

std::string OnnxGraph::op(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                          const std::string& output)
{
    const std::string out = fresh(output);
    node(op, name, inputs, {out});
    return out;
}

void OnnxGraph::initializer(const std::string& name, const std::vector<std::int64_t>& dims, const float* values)
{
    names_.insert(name);
    onnx::TensorProto& t = *graph_.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t count = 1;
    for (auto d : dims) {
        t.add_dims(d);
        count *= d;
    }
    t.set_raw_data(values, std::size_t(count) * sizeof(float));
}

std::string OnnxGraph::scalar(const std::string& base, float value)
{
    const std::string name = fresh(base);
    initializer(name, {}, &value);
    return name;
}

std::string OnnxGraph::int64s(const std::string& base, const std::vector<std::int64_t>& values)
{
    const std::string name = fresh(base);
    onnx::TensorProto& t = *graph_.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(std::int64_t(values.size()));
    for (auto v : values)
        t.add_int64_data(v);
    return name;
}

void setInt(onnx::NodeProto& node, const std::string& name, std::int64_t value)
{
    onnx::AttributeProto& a = *node.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(value);
}

void setFloat(onnx::NodeProto& node, const std::string& name, float value)
{
    onnx::AttributeProto& a = *node.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::FLOAT);
    a.set_f(value);
}

void setInts(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& values)
{
    onnx::AttributeProto& a = *node.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (auto v : values)
        a.add_ints(v);
}

void setFloatType(onnx::ValueInfoProto& value, const std::string& name, const std::vector<std::int64_t>& dims)
{
    value.set_name(name);
    onnx::TypeProto_Tensor& t = *value.mutable_type()->mutable_tensor_type();
    t.set_elem_type(onnx::TensorProto::FLOAT);
    onnx::TensorShapeProto& shape = *t.mutable_shape();
    shape.add_dim()->set_dim_param("batch");
    for (auto d : dims)
        shape.add_dim()->set_dim_value(d);
}

} // namespace neurite
