#pragma once
// How the comparison writes values for people and for files: numbers in their shortest exact form,
// settings without JSON's quotes. Shared by the settings diff, the model diff and the CSV export.
#include <nlohmann/json.hpp>

#include <string>

namespace neurite {

// The shortest text that reads back (strtod) to exactly the same double: 0.001, 1e-05,
// 0.30000000000000004. Whole numbers below 1e15 have no exponent (100000, not 1e+05).
// Non-finite values: nan, inf, -inf.
std::string numberText(double value);

// A JSON value as one cell of a table: strings without quotes, numbers by numberText (integers
// as integers), true, false, null; arrays and objects as compact JSON whose numbers are also
// written by numberText and whose strings keep their quotes: [1, 28, 28], {"kind": "step"}.
std::string valueText(const nlohmann::json& value);

} // namespace neurite
