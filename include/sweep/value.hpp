#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sweep {

/// One parameter value: an integer, a float, a bool or a string.
using Value = std::variant<std::int64_t, double, bool, std::string>;

/// Types a list item as JSON would read it: integer, float, true/false, else
/// the text itself as a string (so "007" and "1,5" stay strings).
Value parse_scalar(std::string_view text);

/// The value as a double if it is an integer or a float; nothing otherwise.
std::optional<double> as_number(const Value& v);

/// The text substituted into a command: integers plain, floats in shortest
/// round-trip form, bools as true/false, strings as they are.
std::string to_text(const Value& v);

/// Appends v as JSON; a float always keeps a fraction or exponent so that it
/// reads back as a float.
void append_json(std::string& out, const Value& v);

}  // namespace sweep
