#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sweep/value.hpp"

namespace sweep {

/// What append_json_string does with bytes that are not valid UTF-8.
enum class InvalidUtf8 {
  kReplace,  ///< U+FFFD: always valid JSON, but two such strings may merge.
  kKeep,     ///< As they are: one text per string, for hashing, not JSON.
};

/// Appends s as a quoted JSON string. Bytes that are not valid UTF-8 become
/// U+FFFD (or are kept, for a job key's canonical text).
void append_json_string(std::string& out, std::string_view s,
                        InvalidUtf8 invalid = InvalidUtf8::kReplace);

/// True if s is valid UTF-8.
bool is_valid_utf8(std::string_view s);

/// Appends s in base64 (RFC 4648, with padding).
void append_base64(std::string& out, std::string_view s);

/// The bytes of w (eight bytes of text, read little-endian) that are < 0x20,
/// '"', '\\' or >= 0x80 (need escaping or a UTF-8 check), as their high
/// bits (SWAR, Hacker's Delight 6-1). Only bytes above a flagged one can be
/// flagged falsely, so the lowest set bit marks the first such byte.
inline std::uint64_t attention_bits(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL,
                          kHigh = 0x8080808080808080ULL;
  auto has_zero = [&](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return below_space | has_zero(w ^ (kOnes * '"')) |
         has_zero(w ^ (kOnes * '\\')) | (w & kHigh);
}

/// True if s can be written inside JSON quotes as it is: printable ASCII
/// without '"' or '\\'. Checked eight bytes at a time.
bool is_plain_json_text(std::string_view s);

/// A JSON number, string or boolean as a Value, typed as sweep types list
/// items (integers beyond int64 become floats); nothing for other JSON.
template <class Json>
std::optional<Value> value_from_json(const Json& j) {
  if (j.is_number_unsigned()) {
    auto u = j.template get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(INT64_MAX))
      return static_cast<std::int64_t>(u);
    return static_cast<double>(u);
  }
  if (j.is_number_integer()) return j.template get<std::int64_t>();
  if (j.is_number_float()) return j.template get<double>();
  if (j.is_boolean()) return j.template get<bool>();
  if (j.is_string()) return j.template get<std::string>();
  return std::nullopt;
}

/// True if the line is exactly one JSON object (surrounding blanks allowed).
bool is_json_object(std::string_view line);

}  // namespace sweep
