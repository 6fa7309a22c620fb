// A hand-written scanner for the one layout sweep's writer produces. It
// accepts only what it can type exactly as simdjson's DOM would (JSON
// numbers by their grammar, strings with every escape, UTF-8 validated by
// simdjson itself) and refuses the rest, so a refused line costs one more
// parse and an accepted one gives the same record as the parser.
#include "core/compact_record.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstring>

namespace sweep {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

bool CompactScanner::scan(std::string_view line) {
  in_ = line;
  at_ = 0;
  members_.clear();
  params_.clear();
  params_seen_ = false;
  unescaped_.clear();
  // Unescaped text is never longer than its escaped form: no reallocation
  // moves what earlier views point at.
  if (unescaped_.capacity() < line.size()) unescaped_.reserve(line.size());
  return object(members_, true) && at_ == in_.size();
}

bool CompactScanner::object(std::vector<CompactMember>& out, bool top) {
  if (at_ >= in_.size() || in_[at_] != '{') return false;
  ++at_;
  if (at_ < in_.size() && in_[at_] == '}') {  // params {}; a record has job
    ++at_;
    return !top;
  }
  for (;;) {
    CompactMember m;
    if (!string(m.key) || at_ >= in_.size() || in_[at_] != ':') return false;
    ++at_;
    bool params =
        top && m.key.size() == 6 && std::memcmp(m.key.data(), "params", 6) == 0;
    if (!value(m.value, params)) return false;
    out.push_back(m);
    if (at_ >= in_.size()) return false;
    char c = in_[at_++];
    if (c == '}') return true;
    if (c != ',') return false;
  }
}

bool CompactScanner::value(CompactValue& v, bool params) {
  if (at_ >= in_.size()) return false;
  char c = in_[at_];
  if (c == '"') {
    v.type = CompactValue::Type::kString;
    return string(v.text);
  }
  if (c == 't' || c == 'f') {
    v.type = CompactValue::Type::kBool;
    v.i = c == 't';
    return word(c == 't' ? "true" : "false");
  }
  if (c == '{' && params && !params_seen_) {
    params_seen_ = true;
    size_t from = at_;
    if (!object(params_, false)) return false;
    v.type = CompactValue::Type::kObject;
    v.text = in_.substr(from, at_ - from);
    return true;
  }
  if (c == '-' || digit(c)) return number(v);
  return false;  // null, arrays, other objects: the parser's
}

bool CompactScanner::word(std::string_view w) {
  if (in_.substr(at_, w.size()) != w) return false;
  at_ += w.size();
  return true;
}

bool CompactScanner::string(std::string_view& out) {
  if (at_ >= in_.size() || in_[at_] != '"') return false;
  size_t from = ++at_;
  // Printable ASCII but '"' and '\\': most strings are that to the end.
  static constexpr auto kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
    return t;
  }();
  const char* p = in_.data() + at_;
  const char* end = in_.data() + in_.size();
  while (p < end && kPlain[static_cast<unsigned char>(*p)]) ++p;
  at_ = static_cast<size_t>(p - in_.data());
  if (at_ < in_.size() && in_[at_] == '"') {  // nothing to unescape
    out = in_.substr(from, at_++ - from);
    return true;
  }
  return escaped(out, from);
}

// The rest of a string with escapes or bytes beyond ASCII, unescaped into
// unescaped_; `from` is where its text began.
bool CompactScanner::escaped(std::string_view& out, size_t from) {
  size_t start = unescaped_.size();
  unescaped_.append(in_.data() + from, at_ - from);
  bool high = false;
  auto hex4 = [&](unsigned& cp) {
    if (at_ + 4 > in_.size()) return false;
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      int h = hex_value(in_[at_++]);
      if (h < 0) return false;
      cp = cp << 4 | static_cast<unsigned>(h);
    }
    return true;
  };
  while (at_ < in_.size()) {
    auto c = static_cast<unsigned char>(in_[at_++]);
    if (c == '"') {
      out = std::string_view(unescaped_).substr(start);
      return !high || simdjson::validate_utf8(out.data(), out.size());
    }
    if (c < 0x20) return false;
    high |= c >= 0x80;
    if (c != '\\') {
      unescaped_ += static_cast<char>(c);
      continue;
    }
    if (at_ >= in_.size()) return false;
    char e = in_[at_++];
    unsigned cp = 0, low = 0;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        unescaped_ += e;
        break;
      case 'b':
        unescaped_ += '\b';
        break;
      case 'f':
        unescaped_ += '\f';
        break;
      case 'n':
        unescaped_ += '\n';
        break;
      case 'r':
        unescaped_ += '\r';
        break;
      case 't':
        unescaped_ += '\t';
        break;
      case 'u':
        if (!hex4(cp) || (cp >= 0xdc00 && cp <= 0xdfff)) return false;
        if (cp >= 0xd800 && cp <= 0xdbff) {  // a pair, or the parser decides
          if (!word("\\u") || !hex4(low) || low < 0xdc00 || low > 0xdfff)
            return false;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        append_utf8(unescaped_, cp);
        break;
      default:
        return false;
    }
  }
  return false;
}

// A JSON number by its grammar: integers of up to 18 digits exactly (int64
// for certain, as simdjson types them); a decimal of up to 15 significant
// digits and a power of ten up to 22 by one correctly rounded division or
// product (Clinger's fast path: both operands are exact doubles); others
// through from_chars, which rounds correctly as simdjson does. Out of range
// is the parser's.
bool CompactScanner::number(CompactValue& v) {
  static constexpr double kPow10[] = {
      1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  size_t from = at_, n = in_.size();
  bool negative = in_[at_] == '-';
  if (negative) ++at_;
  if (at_ >= n || !digit(in_[at_])) return false;
  std::uint64_t m = 0;
  int digits = 0;  // of m, up to 19 (no overflow); more only counted
  auto take = [&] {
    if (digits < 19) m = m * 10 + static_cast<unsigned>(in_[at_] - '0');
    ++digits;
    ++at_;
  };
  if (in_[at_] == '0') {
    ++at_;
  } else {
    while (at_ < n && digit(in_[at_])) take();
  }
  int scale = 0;  // the power of ten m is to be multiplied by
  bool integer = true;
  if (at_ < n && in_[at_] == '.') {
    ++at_;
    if (at_ >= n || !digit(in_[at_])) return false;
    for (; at_ < n && digit(in_[at_]); --scale) take();
    integer = false;
  }
  if (at_ < n && (in_[at_] == 'e' || in_[at_] == 'E')) {
    ++at_;
    bool minus = at_ < n && in_[at_] == '-';
    if (at_ < n && (in_[at_] == '+' || in_[at_] == '-')) ++at_;
    if (at_ >= n || !digit(in_[at_])) return false;
    int e = 0;
    for (; at_ < n && digit(in_[at_]); ++at_)
      if (e < 10000) e = e * 10 + (in_[at_] - '0');
    scale += minus ? -e : e;
    integer = false;
  }
  if (integer) {
    if (digits > 18) return false;
    v.type = CompactValue::Type::kInt;
    v.i =
        negative ? -static_cast<std::int64_t>(m) : static_cast<std::int64_t>(m);
    return true;
  }
  v.type = CompactValue::Type::kDouble;
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    double d = static_cast<double>(m);
    d = scale < 0 ? d / kPow10[-scale] : d * kPow10[scale];
    v.d = negative ? -d : d;
    return true;
  }
  auto [end, ec] = std::from_chars(in_.data() + from, in_.data() + at_, v.d);
  return ec == std::errc() && end == in_.data() + at_;
}

}  // namespace sweep
