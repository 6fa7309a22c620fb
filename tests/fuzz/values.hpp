// Properties of parameter values and value sequences, shared by the grid
// and -p targets.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/json_text.hpp"
#include "fuzz.hpp"
#include "sweep/value.hpp"
#include "sweep/value_seq.hpp"

namespace fuzz {

/// Same type and same value (doubles bit for bit but for -0 == 0).
inline bool same_value(const sweep::Value& a, const sweep::Value& b) {
  return a.index() == b.index() && sweep::values_equal(a, b);
}

inline std::string show_value(const sweep::Value& v) {
  static const char* kType[] = {"int", "float", "bool", "string"};
  return std::string(kType[v.index()]) + " " + show(sweep::to_text(v));
}

/// A value re-renders: its command text reads back as an equal value (a
/// float may come back an integer: 2.0 is written "2"), and its JSON reads
/// back as the same type and value.
inline void check_value_renders(const sweep::Value& v) {
  if (const auto* d = std::get_if<double>(&v))
    FUZZ_CHECK(std::isfinite(*d), "a value is " << *d);
  std::string text = sweep::to_text(v);
  sweep::Value back = sweep::parse_scalar(text);
  if (!std::holds_alternative<std::string>(v))
    FUZZ_CHECK(sweep::values_equal(back, v),
               show_value(v) << " renders " << show(text) << ", reads back "
                             << show_value(back));
  std::string json;
  sweep::append_json(json, v);
  auto j = nlohmann::json::parse(json, nullptr, false);
  FUZZ_CHECK(!j.is_discarded(), show_value(v)
                                    << " gives invalid JSON " << json);
  auto from_json = sweep::value_from_json(j);
  FUZZ_CHECK(from_json.has_value(), json);
  if (const auto* s = std::get_if<std::string>(&v)) {
    // Invalid UTF-8 is written as U+FFFD: compare valid text only.
    std::string again;
    sweep::append_json_string(again, std::get<std::string>(*from_json));
    FUZZ_CHECK(again == json, show_value(v) << ": " << json << " vs " << again);
    (void)s;
  } else {
    FUZZ_CHECK(same_value(*from_json, v),
               show_value(v) << " as JSON " << json << " reads back "
                             << show_value(*from_json));
  }
}

/// Indices to look at in a sequence: all of a short one, else both ends and
/// some in between.
inline std::vector<std::uint64_t> sample_indices(std::uint64_t n) {
  std::vector<std::uint64_t> out;
  if (n <= 256) {
    for (std::uint64_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  for (std::uint64_t i = 0; i < 32; ++i) {
    out.push_back(i);
    out.push_back(n - 1 - i);
    out.push_back(n / 33 * (i + 1));
  }
  out.push_back(n / 2);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// A sequence keeps its promises: at least one value, each one renders, and
/// indices_of(at(i)) finds i and only indices holding an equal value (all of
/// them, for a short sequence).
inline void check_seq(const sweep::ValueSeq& seq) {
  std::uint64_t n = seq.size();
  FUZZ_CHECK(n >= 1, seq.describe());
  (void)seq.describe();
  for (std::uint64_t i : sample_indices(n)) {
    sweep::Value v = seq.at(i);
    check_value_renders(v);
    // Long sequences: indices_of at both ends and in the middle only (it
    // may walk a run of up to 2^16 equal values).
    if (n > 4096 && i != 0 && i != n / 2 && i != n - 1) continue;
    std::vector<std::uint64_t> found;
    // Many equal values (a float step below a double's resolution) are an
    // error, when an exclusion names them.
    if (!accepts([&] { found = seq.indices_of(v); })) continue;
    FUZZ_CHECK(std::is_sorted(found.begin(), found.end()), seq.describe());
    FUZZ_CHECK(std::binary_search(found.begin(), found.end(), i),
               seq.describe() << ": indices_of(" << show_value(v)
                              << ") misses index " << i);
    if (n > 4096) continue;  // all indices holding v: short ones only
    std::vector<std::uint64_t> want;
    for (std::uint64_t k = 0; k < n; ++k)
      if (sweep::values_equal(seq.at(k), v)) want.push_back(k);
    FUZZ_CHECK(found == want, seq.describe() << ": indices_of(" << show_value(v)
                                             << ") finds " << found.size()
                                             << " indices, " << want.size()
                                             << " hold it (index " << i << ")");
  }
}

}  // namespace fuzz
