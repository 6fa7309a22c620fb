#include "sweep/value.hpp"

#include <charconv>
#include <cmath>

#include "core/json_text.hpp"

namespace sweep {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// Sets `integral` when there is neither a fraction nor an exponent.
bool is_json_number(std::string_view s, bool& integral) {
  size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (is_digit(s[i])) {
    while (i < n && is_digit(s[i])) ++i;
  } else {
    return false;
  }
  integral = true;
  if (i < n && s[i] == '.') {
    integral = false;
    ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    integral = false;
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  return i == n;
}

}  // namespace

Value parse_scalar(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  bool integral = false;
  if (is_json_number(text, integral)) {
    const char* end = text.data() + text.size();
    if (integral) {
      std::int64_t i = 0;
      auto r = std::from_chars(text.data(), end, i);
      if (r.ec == std::errc() && r.ptr == end) return i;
    }
    double d = 0;
    auto r = std::from_chars(text.data(), end, d);
    if (r.ec == std::errc() && r.ptr == end && std::isfinite(d)) return d;
  }
  return std::string(text);
}

namespace {

void append_double(std::string& out, double d, bool as_json) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view s(buf, r.ptr - buf);
  out += s;
  if (as_json && s.find_first_of(".eEn") == std::string_view::npos) out += ".0";
}

}  // namespace

std::optional<double> as_number(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v))
    return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

std::string to_text(const Value& v) {
  std::string out;
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    out = std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    append_double(out, *d, false);
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out = *b ? "true" : "false";
  } else {
    out = std::get<std::string>(v);
  }
  return out;
}

}  // namespace sweep

namespace sweep {

void append_json(std::string& out, const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, *i);
    out.append(buf, r.ptr - buf);
  } else if (const auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d))
      append_double(out, *d, true);
    else
      out += "null";  // JSON has no infinities
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  } else {
    append_json_string(out, std::get<std::string>(v));
  }
}

}  // namespace sweep
