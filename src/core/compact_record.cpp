// A hand-written scanner for the one layout sweep's writer produces. It
// accepts only what it can type exactly as simdjson's DOM would (JSON
// numbers by their grammar, strings with every escape, UTF-8 validated by
// simdjson itself) and refuses the rest, so a refused line costs one more
// parse and an accepted one gives the same record as the parser.
#include "core/compact_record.hpp"

#include <simdjson.h>

#include <bit>
#include <charconv>
#include <cstring>

#include "core/decimal.hpp"
#include "core/json_text.hpp"

namespace sweep {

static_assert(std::endian::native == std::endian::little,
              "string() finds a byte in a word by its low bits");

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

// The first byte from p on that is not printable ASCII or is '"' or '\\'
// (end if none): eight bytes at a time, then one by one. Inlined where
// keys are read, as a call cost more than the scan of a short key.
[[gnu::always_inline]] inline const char* plain_run(const char* p,
                                                    const char* end) {
  for (std::uint64_t w; end - p >= 8; p += 8) {
    std::memcpy(&w, p, 8);
    if (std::uint64_t bits = attention_bits(w))
      return p + std::countr_zero(bits) / 8;
  }
  while (p < end && static_cast<unsigned char>(*p) >= 0x20 &&
         static_cast<unsigned char>(*p) < 0x80 && *p != '"' && *p != '\\')
    ++p;
  return p;
}

// A JSON number by its grammar: integers of up to 18 digits exactly (int64
// for certain, as simdjson types them); a decimal of up to 15 significant
// digits and a power of ten up to 22 by one correctly rounded division or
// product (Clinger's fast path: both operands are exact doubles); others
// through from_chars, which rounds correctly as simdjson does. Out of range
// is the parser's.
const char* number(const char* p, const char* end, CompactValue& v) {
  const char* const begin = p;
  bool negative = *p == '-';
  p += negative;
  const char* first = p;  // the first digit
  if (p == end || !digit(*p)) return nullptr;
  std::uint64_t m = 0;  // wraps past 19 digits; then unused
  if (*p == '0') {
    ++p;
  } else {
    for (; p < end && digit(*p); ++p) m = m * 10 + (*p - '0');
  }
  std::ptrdiff_t digits = p - first;
  int scale = 0;  // the power of ten m is to be multiplied by
  bool integer = true;
  if (p < end && *p == '.') {
    const char* fraction = ++p;
    for (; p < end && digit(*p); ++p) m = m * 10 + (*p - '0');
    if (p == fraction) return nullptr;
    digits += p - fraction;
    scale = static_cast<int>(fraction - p);
    integer = false;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool minus = p < end && *p == '-';
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !digit(*p)) return nullptr;
    int e = 0;
    for (; p < end && digit(*p); ++p)
      if (e < 10000) e = e * 10 + (*p - '0');
    scale += minus ? -e : e;
    integer = false;
  }
  if (integer) {
    if (digits > 18) return nullptr;
    v.type = CompactValue::Type::kInt;
    v.i =
        negative ? -static_cast<std::int64_t>(m) : static_cast<std::int64_t>(m);
    return p;
  }
  v.type = CompactValue::Type::kDouble;
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    double d = scale_exact(m, scale);
    v.d = negative ? -d : d;
    return p;
  }
  auto [stop, ec] = std::from_chars(begin, p, v.d);
  return ec == std::errc() && stop == p ? p : nullptr;
}

}  // namespace

void CompactScanner::keep(size_t bytes) {
  keep_ = true;
  // What a block far larger than this one (a very long line) needed goes:
  // a member takes 6 bytes of text at the least, unescaped text no more
  // than it had.
  for (List& l : lists_) {
    l.all.clear();
    l.from = 0;
    if (l.all.capacity() > bytes / 2 + 1024)
      std::vector<CompactMember>().swap(l.all);
  }
  unescaped_.clear();
  unescaped_from_ = 0;
  if (unescaped_.capacity() > 4 * bytes + (1 << 20))
    std::string().swap(unescaped_);
  // Unescaped text is never longer than its escaped form: no reallocation
  // moves what earlier views point at.
  if (unescaped_.capacity() < bytes) unescaped_.reserve(bytes);
}

CompactScanner::Spans CompactScanner::spans() const {
  Spans s;
  for (int p = 0; p < kParts; ++p) {
    s.from[p] = static_cast<std::uint32_t>(lists_[p].from);
    s.to[p] = static_cast<std::uint32_t>(lists_[p].all.size());
  }
  return s;
}

bool CompactScanner::scan(std::string_view line) {
  if (scan_object(line)) return true;
  if (keep_) {  // what a refused line left is no line's
    for (List& l : lists_) l.all.resize(l.from);
    unescaped_.resize(unescaped_from_);
  }
  return false;
}

bool CompactScanner::scan_object(std::string_view line) {
  seen_[kParams] = seen_[kData] = false;
  for (List& l : lists_) {
    if (!keep_) l.all.clear();
    l.from = l.all.size();
  }
  if (keep_) {
    unescaped_from_ = unescaped_.size();
  } else {
    unescaped_.clear();
    // As in keep(): views into unescaped_ stay put.
    if (unescaped_.capacity() < line.size()) unescaped_.reserve(line.size());
  }
  if (line.empty() || line[0] != '{') return false;
  const char* p = line.data() + 1;
  const char* end = line.data() + line.size();
  for (bool closed = false; !closed;)
    if (!(p = member(p, end, lists_[kMembers].all, true, closed))) return false;
  return p == end;
}

// One member and the ',' or '}' after it; `closed` tells which.
const char* CompactScanner::member(const char* p, const char* end,
                                   std::vector<CompactMember>& out, bool top,
                                   bool& closed) {
  CompactMember& m = out.emplace_back();
  // A key as the writer writes it, plain: one with escapes is the parser's
  // (whose raw text, not its unescaped one, finds a member's raw JSON).
  if (p == end || *p != '"') return nullptr;
  const char* key = ++p;
  p = plain_run(p, end);
  if (end - p < 2 || p[0] != '"' || p[1] != ':') return nullptr;
  m.key = std::string_view(key, static_cast<size_t>(p - key));
  // Only params and data may be objects, and only at the top.
  Part object = !top                ? kMembers
                : m.key == "params" ? kParams
                : m.key == "data"   ? kData
                                    : kMembers;
  p = value(p + 2, end, m.value, object);
  if (!p || p == end) return nullptr;
  char c = *p++;
  closed = c == '}';
  return closed || c == ',' ? p : nullptr;
}

// The params or data object, {} included.
const char* CompactScanner::object(const char* p, const char* end,
                                   std::vector<CompactMember>& out) {
  ++p;  // '{'
  if (p < end && *p == '}') return p + 1;
  for (bool closed = false; !closed;)
    if (!(p = member(p, end, out, false, closed))) return nullptr;
  return p;
}

const char* CompactScanner::value(const char* p, const char* end,
                                  CompactValue& v, Part object) {
  if (p == end) return nullptr;
  char c = *p;
  if (c == '"') {
    v.type = CompactValue::Type::kString;
    return string(p, end, v.text);
  }
  if (c == '-' || digit(c)) return number(p, end, v);
  if (c == 't' || c == 'f') {
    v.type = CompactValue::Type::kBool;
    v.i = c == 't';
    std::string_view w = c == 't' ? "true" : "false";
    if (static_cast<size_t>(end - p) < w.size() ||
        std::memcmp(p, w.data(), w.size()) != 0)
      return nullptr;
    return p + w.size();
  }
  if (c == '{' && object != kMembers && !seen_[object]) {
    seen_[object] = true;
    const char* from = p;
    if (!(p = this->object(p, end, lists_[object].all))) return nullptr;
    v.type = CompactValue::Type::kObject;
    v.text = std::string_view(from, static_cast<size_t>(p - from));
    return p;
  }
  return nullptr;  // null, arrays, other objects: the parser's
}

// At a string's opening quote; past its closing one.
const char* CompactScanner::string(const char* p, const char* end,
                                   std::string_view& out) {
  const char* from = ++p;  // past the opening quote
  // Printable ASCII but '"' and '\\': most strings are that to the end.
  p = plain_run(p, end);
  if (p < end && *p == '"') {  // nothing to unescape
    out = std::string_view(from, static_cast<size_t>(p - from));
    return p + 1;
  }
  return escaped(p, end, from, out);
}

// The rest of a string with escapes or bytes beyond ASCII (from p on),
// unescaped into unescaped_; `from` is where its text began.
const char* CompactScanner::escaped(const char* p, const char* end,
                                    const char* from, std::string_view& out) {
  size_t start = unescaped_.size();
  unescaped_.append(from, static_cast<size_t>(p - from));
  bool high = false;
  auto hex4 = [&](unsigned& cp) {
    if (end - p < 4) return false;
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      int h = hex_value(*p++);
      if (h < 0) return false;
      cp = cp << 4 | static_cast<unsigned>(h);
    }
    return true;
  };
  while (p < end) {
    auto c = static_cast<unsigned char>(*p++);
    if (c == '"') {
      out = std::string_view(unescaped_).substr(start);
      return !high || simdjson::validate_utf8(out.data(), out.size()) ? p
                                                                      : nullptr;
    }
    if (c < 0x20) return nullptr;
    high |= c >= 0x80;
    if (c != '\\') {
      unescaped_ += static_cast<char>(c);
      continue;
    }
    if (p == end) return nullptr;
    char e = *p++;
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
        if (!hex4(cp) || (cp >= 0xdc00 && cp <= 0xdfff)) return nullptr;
        if (cp >= 0xd800 && cp <= 0xdbff) {  // a pair, or the parser decides
          if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return nullptr;
          p += 2;
          if (!hex4(low) || low < 0xdc00 || low > 0xdfff) return nullptr;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        append_utf8(unescaped_, cp);
        break;
      default:
        return nullptr;
    }
  }
  return nullptr;
}

}  // namespace sweep
