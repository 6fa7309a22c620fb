#pragma once

// Conditions as users write them: `depth>=3,impurity=gini` (--where) and
// `acc>=0.9` (--assert).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/value.hpp"

namespace sweep::report {

/// A comparison operator of a condition.
enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

/// NAME OP VALUE.
struct Condition {
  std::string name;
  Op op = Op::kEq;
  std::string text;              ///< VALUE as written.
  std::optional<double> number;  ///< VALUE, if it is a number.
  std::string written;           ///< The whole condition, for messages.
  /// True if value satisfies it: numbers compare as numbers, anything else
  /// as text.
  bool holds(const Value& value) const;
};

/// Parses a comma-separated list of conditions; throws Error naming flag
/// and the text at fault.
std::vector<Condition> parse_conditions(std::string_view text,
                                        std::string_view flag);

}  // namespace sweep::report
