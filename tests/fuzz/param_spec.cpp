// -p NAME=SPEC: whatever the SPEC, parse_param_spec gives a sequence that
// keeps its promises (values.hpp) or a sweep::Error naming the flag. A list
// has one value per unescaped comma-separated item, each typed as
// parse_scalar types it; an integer range is exactly from, from+step, ...
// within its bounds; a float range stays within its bounds (to rounding);
// linspace and logspace start at A (10^A) and end at B (10^B). A SPEC of
// `@` reads a values file: the rest of the input is written to one first.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz.hpp"
#include "sweep/grid_parse.hpp"
#include "values.hpp"

using namespace sweep;

namespace {

// The items of a list spec as the README defines them: split on commas,
// `\,` `\\` `\.` `\@` escaped.
std::vector<std::string> list_items(std::string_view spec, bool& escaped) {
  std::vector<std::string> items(1);
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == '\\' && i + 1 < spec.size() &&
        std::string_view(",\\.@").find(spec[i + 1]) != std::string_view::npos) {
      items.back() += spec[++i];
      escaped = true;
    } else if (spec[i] == ',') {
      items.emplace_back();
    } else {
      items.back() += spec[i];
    }
  }
  return items;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// The lines of a values file that hold a value, as load_values_file reads
// them: \r\n or \n ends, blank lines skipped.
std::vector<std::string> value_lines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos)
      out.emplace_back(line);
    start = nl + 1;
  }
  return out;
}

void check_range(const ValueSeq& seq, const Value& from, const Value& to,
                 const std::string& spec) {
  double a = *as_number(from), b = *as_number(to);
  double lo = std::min(a, b), hi = std::max(a, b);
  double slack =
      (hi - lo) * 1e-9 + std::max(std::fabs(lo), std::fabs(hi)) * 1e-12;
  for (std::uint64_t i : fuzz::sample_indices(seq.size())) {
    double v = *as_number(seq.at(i));
    FUZZ_CHECK(v >= lo - slack && v <= hi + slack,
               spec << ": value " << i << " is " << v << ", outside " << lo
                    << ".." << hi);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size > 512) return 0;
  std::string spec(reinterpret_cast<const char*>(data), size);
  // An argument cannot hold a NUL byte (a values file can).
  if (spec.find('\0') != std::string::npos && spec[0] != '@') return 0;
  std::string file_text;
  if (!spec.empty() && spec[0] == '@') {
    // Never a path the input names: the rest of it is the file's content.
    file_text = spec.substr(1);
    spec = "@" + fuzz::write_file(fuzz::scratch_dir() + "/values", file_text);
  }
  std::string flag = "-p x=" + spec;
  std::shared_ptr<const ValueSeq> seq;
  std::string why;
  if (!fuzz::accepts([&] { seq = parse_param_spec(spec, flag); }, &why)) {
    FUZZ_CHECK(starts_with(why, flag), "error without the flag "
                                           << fuzz::show(flag) << ": "
                                           << fuzz::show(why));
    return 0;
  }
  FUZZ_CHECK(seq != nullptr);
  fuzz::check_seq(*seq);

  if (spec[0] == '@') {
    std::vector<std::string> lines = value_lines(file_text);
    FUZZ_CHECK(seq->size() == lines.size(),
               lines.size() << " lines, " << seq->size() << " values");
    for (size_t i = 0; i < lines.size(); ++i)
      FUZZ_CHECK(fuzz::same_value(seq->at(i), parse_scalar(lines[i])),
                 "line " << fuzz::show(lines[i]) << " gives "
                         << fuzz::show_value(seq->at(i)));
    return 0;
  }
  for (bool log10 : {false, true}) {
    std::string_view prefix = log10 ? "logspace:" : "linspace:";
    if (!starts_with(spec, prefix)) continue;
    bool escaped = false;
    auto args =
        list_items(std::string_view(spec).substr(prefix.size()), escaped);
    FUZZ_CHECK(args.size() == 3, spec);
    double a = *as_number(parse_scalar(args[0]));
    double b = *as_number(parse_scalar(args[1]));
    auto n = std::get<std::int64_t>(parse_scalar(args[2]));
    FUZZ_CHECK(seq->size() == static_cast<std::uint64_t>(n), spec);
    double first = *as_number(seq->at(0)), last = *as_number(seq->at(n - 1));
    double want_first = log10 ? std::pow(10.0, a) : a;
    double want_last = log10 ? std::pow(10.0, b) : b;
    FUZZ_CHECK(first == want_first, spec << ": starts at " << first);
    if (n > 1) FUZZ_CHECK(last == want_last, spec << ": ends at " << last);
    if (!log10) check_range(*seq, a, b, spec);
    return 0;
  }
  bool escaped = false;
  std::vector<std::string> items = list_items(spec, escaped);
  size_t dots = spec.find("..");
  if (!escaped && items.size() == 1 && dots != std::string::npos) {
    std::string_view rest = std::string_view(spec).substr(dots + 2);
    Value from = parse_scalar(std::string_view(spec).substr(0, dots));
    Value to = parse_scalar(rest.substr(0, rest.find(':')));
    check_range(*seq, from, to, spec);
    Value step = rest.find(':') == std::string_view::npos
                     ? Value(std::int64_t{1})
                     : parse_scalar(rest.substr(rest.find(':') + 1));
    if (std::holds_alternative<std::int64_t>(from) &&
        std::holds_alternative<std::int64_t>(to) &&
        std::holds_alternative<std::int64_t>(step)) {
      __int128 f = std::get<std::int64_t>(from),
               s = std::get<std::int64_t>(step);
      for (std::uint64_t i : fuzz::sample_indices(seq->size()))
        FUZZ_CHECK(
            fuzz::same_value(seq->at(i),
                             Value(static_cast<std::int64_t>(f + s * i))),
            spec << ": value " << i << " is " << fuzz::show_value(seq->at(i)));
      __int128 next = f + s * static_cast<__int128>(seq->size());
      __int128 t = std::get<std::int64_t>(to);
      FUZZ_CHECK(
          s > 0 ? next > t : next < t,
          spec << ": " << seq->size() << " values stop short of the end");
    }
    return 0;
  }
  FUZZ_CHECK(seq->size() == items.size(), spec << ": " << items.size()
                                               << " items, " << seq->size()
                                               << " values");
  for (size_t i = 0; i < items.size(); ++i)
    FUZZ_CHECK(fuzz::same_value(seq->at(i), parse_scalar(items[i])),
               "item " << fuzz::show(items[i]) << " gives "
                       << fuzz::show_value(seq->at(i)));
  return 0;
}
