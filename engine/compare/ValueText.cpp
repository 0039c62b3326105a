#include "engine/compare/ValueText.h"

#include <charconv>
#include <cmath>

namespace neurite {

std::string numberText(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value < 0 ? "-inf" : "inf";
    char text[64];
    const bool whole = value == std::trunc(value) && std::fabs(value) < 1e15;
    const auto result = whole ? std::to_chars(text, text + sizeof text, value, std::chars_format::fixed)
                              : std::to_chars(text, text + sizeof text, value); // shortest round trip
    return std::string(text, result.ptr);
}

namespace {

// Inside arrays and objects strings keep their quotes, so ["a, b"] and ["a", "b"] stay apart.
std::string nestedText(const nlohmann::json& value)
{
    return value.is_string() ? value.dump() : valueText(value);
}

} // namespace

std::string valueText(const nlohmann::json& value)
{
    using Type = nlohmann::json::value_t;
    switch (value.type()) {
    case Type::string:
        return value.get<std::string>();
    case Type::number_integer:
        return std::to_string(value.get<std::int64_t>());
    case Type::number_unsigned:
        return std::to_string(value.get<std::uint64_t>());
    case Type::number_float:
        return numberText(value.get<double>());
    case Type::array: {
        std::string text = "[";
        for (const auto& item : value)
            text += (text.size() > 1 ? ", " : "") + nestedText(item);
        return text + "]";
    }
    case Type::object: {
        std::string text = "{";
        for (const auto& [key, item] : value.items())
            text += (text.size() > 1 ? ", " : "") + nlohmann::json(key).dump() + ": " + nestedText(item);
        return text + "}";
    }
    default:
        return value.dump(); // true, false, null
    }
}

} // namespace neurite
