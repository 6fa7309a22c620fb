#include "core/job_key.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/json_text.hpp"
#include "core/random.hpp"

namespace sweep {

std::string JobKey::hex() const {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx",
                static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

bool JobKey::from_hex(std::string_view text, JobKey& out) {
  if (text.size() != 32) return false;
  static const auto kDigit = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<signed char>(c);
    for (int c = 0; c < 6; ++c) t['a' + c] = static_cast<signed char>(10 + c);
    return t;
  }();
  std::uint64_t v[2] = {0, 0};
  int bad = 0;
  for (int i = 0; i < 32; ++i) {
    signed char d = kDigit[static_cast<unsigned char>(text[i])];
    bad |= d;  // a -1 sets the sign bit
    v[i >> 4] = v[i >> 4] << 4 | static_cast<std::uint64_t>(d & 15);
  }
  if (bad < 0) return false;
  out.hi = v[0];
  out.lo = v[1];
  return true;
}

namespace {

// A stable 128-bit hash (two SplitMix64-mixed lanes over 8-byte words). Keys
// are stored in journals, so this must never change.
JobKey hash128(std::string_view s) {
  std::uint64_t a = 0x736f6d6570736575ULL ^ s.size(), b = 0x646f72616e646f6dULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    a = mix64(a ^ w);
    b = mix64(b + w * 0x9e3779b97f4a7c15ULL);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  a = mix64(a ^ tail ^ 0xff);
  b = mix64(b + tail * 0xc2b2ae3d27d4eb4fULL + 1);
  return JobKey{mix64(a ^ b), mix64(b + a)};
}

}  // namespace

JobKey job_key(std::vector<std::pair<std::string_view, const Value*>> params,
               std::uint64_t rep) {
  std::sort(params.begin(), params.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string canonical = "{";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) canonical += ',';
    append_json_string(canonical, params[i].first, InvalidUtf8::kKeep);
    canonical += ':';
    // A string's exact bytes: values that differ only in bytes that are not
    // UTF-8 are different jobs. (Valid UTF-8 hashes as it always did.)
    if (const auto* str = std::get_if<std::string>(params[i].second))
      append_json_string(canonical, *str, InvalidUtf8::kKeep);
    else
      append_json(canonical, *params[i].second);
  }
  canonical += "}#" + std::to_string(rep);
  return hash128(canonical);
}

}  // namespace sweep
