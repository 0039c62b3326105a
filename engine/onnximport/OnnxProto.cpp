#include "engine/onnximport/OnnxProto.h"

#include "engine/core/Error.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace neurite {

std::int64_t Constant::numel() const
{
    std::int64_t n = 1;
    for (auto d : dims)
        n *= d;
    return n;
}

namespace {

// IEEE half → float (subnormals included).
float halfToFloat(std::uint16_t h)
{
    const int sign = h >> 15, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    float value;
    if (exponent == 0)
        value = std::ldexp(float(mantissa), -24);
    else if (exponent == 31)
        value = mantissa ? NAN : INFINITY;
    else
        value = std::ldexp(float(mantissa | 0x400), exponent - 25);
    return sign ? -value : value;
}

template <typename T>
void fromRaw(const std::string& raw, std::vector<double>& out)
{
    out.resize(raw.size() / sizeof(T));
    for (std::size_t i = 0; i < out.size(); ++i) {
        T v;
        std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
        out[i] = double(v);
    }
}

} // namespace

Constant constantFrom(const onnx::TensorProto& t)
{
    const std::string what = "tensor '" + t.name() + "'";
    if (t.data_location() == onnx::TensorProto::EXTERNAL)
        throw Error(what + " keeps its data in an external file, which the importer does not read");
    Constant c;
    for (auto d : t.dims()) {
        if (d < 0)
            throw Error(what + " has a negative extent");
        c.dims.push_back(d);
    }
    const bool raw = t.has_raw_data();
    const std::string& bytes = t.raw_data();
    using TP = onnx::TensorProto;
    switch (t.data_type()) {
    case TP::FLOAT:
        if (raw)
            fromRaw<float>(bytes, c.values);
        else
            c.values.assign(t.float_data().begin(), t.float_data().end());
        break;
    case TP::DOUBLE:
        if (raw)
            fromRaw<double>(bytes, c.values);
        else
            c.values.assign(t.double_data().begin(), t.double_data().end());
        break;
    case TP::INT64:
        if (raw)
            fromRaw<std::int64_t>(bytes, c.values);
        else
            c.values.assign(t.int64_data().begin(), t.int64_data().end());
        break;
    case TP::INT32: case TP::INT16: case TP::INT8: case TP::UINT16: case TP::UINT8: case TP::BOOL:
        if (raw) {
            switch (t.data_type()) {
            case TP::INT32: fromRaw<std::int32_t>(bytes, c.values); break;
            case TP::INT16: fromRaw<std::int16_t>(bytes, c.values); break;
            case TP::INT8: fromRaw<std::int8_t>(bytes, c.values); break;
            case TP::UINT16: fromRaw<std::uint16_t>(bytes, c.values); break;
            default: fromRaw<std::uint8_t>(bytes, c.values); break;
            }
        } else {
            c.values.assign(t.int32_data().begin(), t.int32_data().end());
        }
        break;
    case TP::FLOAT16:
        if (raw) {
            std::vector<double> halves;
            fromRaw<std::uint16_t>(bytes, halves);
            for (double h : halves)
                c.values.push_back(halfToFloat(std::uint16_t(h)));
        } else {
            for (auto h : t.int32_data())
                c.values.push_back(halfToFloat(std::uint16_t(h)));
        }
        break;
    default:
        throw Error(what + " has ONNX data type " + std::to_string(t.data_type()) + ", which is not a number type");
    }
    // Counted without overflow: a corrupt file may claim absurd extents.
    std::int64_t expected = 1;
    for (auto d : c.dims)
        expected = d == 0 ? 0 : (expected > std::int64_t(c.values.size()) ? expected : expected * d);
    if (std::int64_t(c.values.size()) != expected)
        throw Error(what + " holds " + std::to_string(c.values.size()) + " values, not the number of elements of its "
                    "shape");
    return c;
}

const onnx::AttributeProto* findAttr(const onnx::NodeProto& node, const std::string& name)
{
    for (const auto& a : node.attribute())
        if (a.name() == name)
            return &a;
    return nullptr;
}

std::int64_t intAttr(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback)
{
    const auto* a = findAttr(node, name);
    return a ? a->i() : fallback;
}

float floatAttr(const onnx::NodeProto& node, const std::string& name, float fallback)
{
    const auto* a = findAttr(node, name);
    return a ? a->f() : fallback;
}

std::string stringAttr(const onnx::NodeProto& node, const std::string& name, const std::string& fallback)
{
    const auto* a = findAttr(node, name);
    return a ? a->s() : fallback;
}

std::vector<std::int64_t> intsAttr(const onnx::NodeProto& node, const std::string& name,
                                   std::vector<std::int64_t> fallback)
{
    const auto* a = findAttr(node, name);
    return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

double decimal(float value)
{
    char text[64];
    const auto result = std::to_chars(text, text + sizeof text - 1, value);
    *result.ptr = '\0';
    return std::strtod(text, nullptr);
}

double roundSignificant(double value, int digits)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    return std::strtod(text, nullptr);
}

} // namespace neurite
