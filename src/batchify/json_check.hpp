// Checks that bytes are one JSON value, without building it: the record
// reader's check of each JSON array element. Header-only: it is private to
// src/batchify, and used by data_reader.cpp and its tests.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// Where a text stops being JSON, and why.
struct JsonFault {
  size_t at;           ///< Offset of the offending byte (the size at the end).
  std::string reason;  ///< What was expected, for an array element.
};

/// Checks that `text` is exactly one JSON value (RFC 8259: strict numbers,
/// escapes, UTF-8 and surrogate pairs; blanks around it allowed), as
/// nlohmann::json::accept does but several times faster: a splitter checks
/// every byte it copies. Nesting depth is bounded by memory only (no
/// recursion). Returns the first fault, if any. Text after a complete value
/// is reported as "expected ',' or ']'", since the value is an element.
inline std::optional<JsonFault> check_json_value(std::string_view text);

namespace json_check_detail {

// A single pass over the text with a stack of open containers. `want_`
// says what the grammar allows next.
class Checker {
 public:
  explicit Checker(std::string_view text) : t_(text) {}

  std::optional<JsonFault> run() {
    while (!fault_) {
      skip_blanks();
      if (i_ == t_.size()) break;
      step(t_[i_]);
    }
    if (!fault_ && (want_ != Want::kAfter || !open_.empty()))
      fail("unexpected end of the element");
    return fault_;
  }

 private:
  enum class Want { kValue, kFirstValue, kKey, kFirstKey, kColon, kAfter };

  void step(char c) {
    switch (want_) {
      case Want::kFirstValue:
        if (c == ']') return close();
        [[fallthrough]];
      case Want::kValue:
        return value(c);
      case Want::kFirstKey:
        if (c == '}') return close();
        [[fallthrough]];
      case Want::kKey:
        if (c != '"') return fail("expected a string (an object's key)");
        string();
        want_ = Want::kColon;
        return;
      case Want::kColon:
        if (c != ':') return fail("expected ':' after an object's key");
        ++i_;
        want_ = Want::kValue;
        return;
      case Want::kAfter:
        return after_value(c);
    }
  }

  void value(char c) {
    want_ = Want::kAfter;
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    if (c != '[' && c != '{') return fail("expected a value");
    open_.push_back(c);
    ++i_;
    want_ = c == '[' ? Want::kFirstValue : Want::kFirstKey;
  }

  void after_value(char c) {
    if (open_.empty()) return fail("expected ',' or ']'");
    char closer = open_.back() == '[' ? ']' : '}';
    if (c == closer) return close();
    if (c != ',')
      return fail(closer == ']' ? "expected ',' or ']'"
                                : "expected ',' or '}'");
    ++i_;
    want_ = closer == ']' ? Want::kValue : Want::kKey;
  }

  // Closes the innermost container; callers matched `c` to it.
  void close() {
    open_.pop_back();
    ++i_;
    want_ = Want::kAfter;
  }

  void literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word)
      return fail("invalid literal; expected true, false or null");
    i_ += word.size();
  }

  void number() {
    if (t_[i_] == '-') ++i_;
    if (peek() == '0')
      ++i_;
    else if (!digits())
      return fail("expected a digit");
    if (peek() == '.') {
      ++i_;
      if (!digits()) return fail("expected a digit after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!digits()) return fail("expected a digit in the exponent");
    }
  }

  // Skips digits; false if there were none.
  bool digits() {
    size_t from = i_;
    while (peek() >= '0' && peek() <= '9') ++i_;
    return i_ > from;
  }

  void string() {
    size_t start = i_++;
    while (i_ < t_.size()) {
      auto c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        ++i_;
        return;
      }
      if (c == '\\') {
        if (!escape()) return;
      } else if (c < 0x20) {
        return fail("control character in a string (escape it)");
      } else if (c < 0x80) {
        ++i_;
      } else if (size_t n = utf8_length(i_)) {
        i_ += n;
      } else {
        return fail("invalid UTF-8 in a string");
      }
    }
    i_ = start;
    fail("unterminated string");
  }

  // One escape sequence at i_; a high surrogate must come with a low one.
  // False (after fail) when it is not one.
  bool escape() {
    char c = peek(1);
    if (c && std::string_view("\"\\/bfnrt").find(c) != std::string_view::npos) {
      i_ += 2;
      return true;
    }
    const char* fault = nullptr;
    int code = c == 'u' ? hex4(i_ + 2) : -1;
    if (c != 'u')
      fault = "invalid escape in a string";
    else if (code < 0)
      fault = "expected 4 hex digits after \\u";
    else if (code >= 0xDC00 && code <= 0xDFFF)
      fault = "a low surrogate without a high one";
    else if (code >= 0xD800 && code <= 0xDBFF && !low_surrogate(i_ + 6))
      fault = "a high surrogate without a low one";
    if (fault) {
      fail(fault);
      return false;
    }
    i_ += code >= 0xD800 && code <= 0xDBFF ? 12 : 6;
    return true;
  }

  bool low_surrogate(size_t at) const {
    if (at + 1 >= t_.size() || t_[at] != '\\' || t_[at + 1] != 'u')
      return false;
    int low = hex4(at + 2);
    return low >= 0xDC00 && low <= 0xDFFF;
  }

  // The value of 4 hex digits at `at`, or -1.
  int hex4(size_t at) const {
    if (at + 4 > t_.size()) return -1;
    int v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = t_[k];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }

  // Bytes of the well-formed UTF-8 sequence at `at` (RFC 3629: no overlong
  // forms, no surrogates, at most U+10FFFF), or 0.
  size_t utf8_length(size_t at) const {
    auto byte = [&](size_t k) -> unsigned {
      return at + k < t_.size() ? static_cast<unsigned char>(t_[at + k]) : 0;
    };
    unsigned c = byte(0), lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return 0;
    }
    if (byte(1) < lo || byte(1) > hi) return 0;
    for (size_t k = 2; k < n; ++k)
      if (byte(k) < 0x80 || byte(k) > 0xBF) return 0;
    return n;
  }

  void skip_blanks() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' ||
                              t_[i_] == '\n' || t_[i_] == '\r'))
      ++i_;
  }

  char peek(size_t ahead = 0) const {
    return i_ + ahead < t_.size() ? t_[i_ + ahead] : '\0';
  }

  void fail(const char* reason) {
    if (!fault_) fault_ = JsonFault{i_, reason};
  }

  std::string_view t_;
  size_t i_ = 0;
  Want want_ = Want::kValue;
  std::vector<char> open_;  ///< '[' or '{' for each open container.
  std::optional<JsonFault> fault_;
};

}  // namespace json_check_detail

inline std::optional<JsonFault> check_json_value(std::string_view text) {
  return json_check_detail::Checker(text).run();
}

}  // namespace sweep
