#include "core/json_text.hpp"

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

namespace sweep {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) -> unsigned {
    return static_cast<unsigned char>(s[k]);
  };
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  unsigned c = byte(i);
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (c == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;
  if (c == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3)
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c == 0xF4)
    return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

}  // namespace

bool is_plain_json_text(std::string_view s) {
  const char* d = s.data();
  size_t n = s.size();
  if (n < 8) {
    for (size_t i = 0; i < n; ++i) {
      unsigned char c = static_cast<unsigned char>(d[i]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
    }
    return true;
  }
  std::uint64_t w;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    std::memcpy(&w, d + i, 8);
    if (attention_bits(w)) return false;
  }
  std::memcpy(&w, d + n - 8, 8);  // the tail, overlapping the last word
  return !attention_bits(w);
}

namespace {

// The JSON escape for a byte that needs one; an invalid UTF-8 byte becomes
// U+FFFD.
void append_escape(std::string& out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += "\xEF\xBF\xBD";  // U+FFFD for an invalid byte
      }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s,
                        InvalidUtf8 invalid) {
  if (is_plain_json_text(s)) {  // the common case: one copy
    out += '"';
    out.append(s.data(), s.size());
    out += '"';
    return;
  }
  out += '"';
  size_t run = 0;  // start of the pending run of bytes copied verbatim
  size_t i = 0;
  while (i < s.size()) {
    // Skip plain ASCII eight bytes at a time.
    while (i + 8 <= s.size()) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (attention_bits(w)) break;
      i += 8;
    }
    if (i >= s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t len = utf8_sequence_length(s, i);
      if (len || invalid == InvalidUtf8::kKeep) {
        i += len ? len : 1;
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    append_escape(out, c);
    ++i;
    run = i;
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t len = utf8_sequence_length(s, i);
    if (!len) return false;
    i += len;
  }
  return true;
}

void append_base64(std::string& out, std::string_view s) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  for (; i + 3 <= s.size(); i += 3) {
    unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (size_t left = s.size() - i) {
    unsigned v = byte(i) << 16 | (left == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
}

bool is_json_object(std::string_view line) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  size_t b = 0;
  while (b < line.size() && blank(line[b])) ++b;
  if (b == line.size() || line[b] != '{') return false;  // most lines stop here
  size_t e = line.size() - 1;
  while (blank(line[e])) --e;
  if (line[e] != '}') return false;
  // The parser rejects invalid UTF-8 and control characters, so an accepted
  // line can be embedded in a record verbatim; but it takes a NUL for the
  // end of its input ("{} \0 x}" would pass), and JSON has no raw control
  // character outside its blanks.
  std::string_view object = line.substr(b, e - b + 1);
  for (char c : object)
    if (static_cast<unsigned char>(c) < 0x20 && !blank(c)) return false;
  return nlohmann::json::accept(object);
}

}  // namespace sweep
