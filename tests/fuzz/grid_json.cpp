// Grid files: whatever the text, parse_grid_json gives a grid or a
// sweep::Error. A grid it gives keeps its promises:
// - its size is the number of points its members enumerate: for small grids
//   every raw point of every product is decoded here by hand, the excluded
//   ones dropped, and grid.point(i) and a PointCursor must give exactly the
//   rest, in order; for large ones, sampled points must be no excluded ones;
// - each point re-renders: its params JSON reads back as the same values
//   under the same names, and a command template of all its parameters
//   renders each value's text;
// - each axis's values keep the promises of values.hpp.
// Values files ({"file": ...}) are read only from a scratch directory.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "command/command_template.hpp"
#include "fuzz.hpp"
#include "sweep/grid.hpp"
#include "sweep/grid_parse.hpp"
#include "values.hpp"

using namespace sweep;

namespace {

using Values = std::vector<std::pair<int, Value>>;

// True if every {"file": X} in the document names a plain file of the
// scratch directory (no slash): other paths (/dev/zero) are not for fuzzing.
bool files_are_local(const nlohmann::ordered_json& j) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (key == "file" && value.is_string() &&
          value.get<std::string>().find('/') != std::string::npos)
        return false;
      if (!files_are_local(value)) return false;
    }
  } else if (j.is_array()) {
    for (const auto& item : j)
      if (!files_are_local(item)) return false;
  }
  return true;
}

const std::string& base_dir() {
  static const std::string dir = [] {
    const std::string& d = fuzz::scratch_dir();
    fuzz::write_file(d + "/values", "1\n2.5\n\nx y\ntrue\n007\n");
    fuzz::write_file(d + "/one", "4\n");
    fuzz::write_file(d + "/blank", " \n\t\n");
    return d;
  }();
  return dir;
}

bool excluded(const Product& prod, const Values& values) {
  for (const auto& ex : prod.exclusions) {
    bool all = true;
    for (const auto& [param, v] : ex) {
      bool match = false;
      for (const auto& [p, w] : values)
        if (p == param && values_equal(w, v)) match = true;
      all = all && match;
    }
    if (all) return true;
  }
  return false;
}

// Every point of a member, decoded by hand: last axis fastest, excluded ones
// dropped.
std::vector<Values> member_points(const Product& prod, std::uint64_t raw) {
  std::vector<Values> out;
  for (std::uint64_t r = 0; r < raw; ++r) {
    std::vector<std::uint64_t> digit(prod.axes.size());
    std::uint64_t rest = r;
    for (size_t a = prod.axes.size(); a-- > 0;) {
      digit[a] = rest % prod.axes[a].size();
      rest /= prod.axes[a].size();
    }
    Values values;
    for (size_t a = 0; a < prod.axes.size(); ++a)
      for (size_t c = 0; c < prod.axes[a].params.size(); ++c)
        values.emplace_back(prod.axes[a].params[c],
                            prod.axes[a].columns[c]->at(digit[a]));
    if (!excluded(prod, values)) out.push_back(std::move(values));
  }
  return out;
}

bool same_values(const Values& a, const Values& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !fuzz::same_value(a[i].second, b[i].second))
      return false;
  return true;
}

// Raw points of a member, or 0 if more than `limit`.
std::uint64_t raw_size(const Product& prod, std::uint64_t limit) {
  std::uint64_t n = 1;
  for (const auto& axis : prod.axes)
    if (__builtin_mul_overflow(n, axis.size(), &n) || n > limit) return 0;
  return n;
}

void check_renders(const Grid& grid, const CommandTemplate& all,
                   const Point& p) {
  std::string json;
  append_params_json(json, grid, p);
  auto j = nlohmann::ordered_json::parse(json, nullptr, false);
  FUZZ_CHECK(j.is_object() && j.size() == p.values.size(), json);
  size_t k = 0;
  for (const auto& [name, v] : j.items()) {
    const auto& [param, value] = p.values[k++];
    FUZZ_CHECK(name == grid.names()[param], json);
    auto back = value_from_json(v);
    FUZZ_CHECK(back.has_value(), json);
    if (std::holds_alternative<std::string>(value)) {
      std::string again;
      append_json(again, *back);
      std::string once;
      append_json(once, value);
      FUZZ_CHECK(again == once, json);
    } else {
      FUZZ_CHECK(fuzz::same_value(*back, value),
                 json << ": " << fuzz::show_value(value));
    }
  }
  std::vector<std::string> argv = all.render(p);
  FUZZ_CHECK(argv.size() == grid.names().size() + 1);
  for (size_t n = 0; n < grid.names().size(); ++n) {
    const Value* v = p.get(static_cast<int>(n));
    FUZZ_CHECK(argv[n + 1] == (v ? to_text(*v) : ""),
               grid.names()[n] << " renders " << fuzz::show(argv[n + 1]));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = nlohmann::ordered_json::parse(text, nullptr, false);
  if (!doc.is_discarded() && !files_are_local(doc)) return 0;

  Grid grid;
  if (!fuzz::accepts(
          [&] { grid = parse_grid_json(text, "grid.json", base_dir()); }))
    return 0;
  std::set<const ValueSeq*> seqs;
  for (const auto& prod : grid.members())
    for (const auto& axis : prod.axes) {
      FUZZ_CHECK(!axis.columns.empty() &&
                 axis.columns.size() == axis.params.size());
      for (const auto& col : axis.columns) {
        FUZZ_CHECK(col->size() == axis.size(), axis.name);
        if (seqs.insert(col.get()).second) fuzz::check_seq(*col);
      }
    }
  std::uint64_t total = 0;
  // Too many points or exclusion terms to count: a user error.
  if (!fuzz::accepts([&] { total = grid.size(); })) return 0;
  (void)describe_grid(grid);

  std::vector<std::string> args = {"prog"};
  for (const auto& name : grid.names()) args.push_back("<" + name + ":>");
  CommandTemplate all(args, grid);

  // Small grids: every point, against the hand-decoded product.
  constexpr std::uint64_t kLimit = 2048;
  std::vector<std::pair<size_t, Values>> want;
  bool small = true;
  for (size_t m = 0; m < grid.members().size() && small; ++m) {
    const Product& prod = grid.members()[m];
    std::uint64_t raw = raw_size(prod, kLimit);
    small = raw > 0 && want.size() + raw <= kLimit;
    if (!small) break;
    FUZZ_CHECK(grid.member_raw_size(m) == raw);
    auto points = member_points(prod, raw);
    FUZZ_CHECK(grid.member_size(m) == points.size(),
               "member " << m << ": size " << grid.member_size(m) << ", "
                         << points.size() << " points");
    for (auto& p : points) want.emplace_back(m, std::move(p));
  }
  PointCursor cursor(grid);
  if (small) {
    FUZZ_CHECK(total == want.size(),
               "size " << total << ", " << want.size() << " points");
    for (std::uint64_t i = 0; i < total; ++i) {
      Point p = grid.point(i);
      Point q = cursor.point(i);
      FUZZ_CHECK(p.index == i && q.index == i);
      FUZZ_CHECK(p.member == want[i].first && q.member == want[i].first,
                 "point " << i);
      FUZZ_CHECK(same_values(p.values, want[i].second), "point " << i);
      FUZZ_CHECK(same_values(q.values, want[i].second),
                 "point " << i << " by cursor");
      check_renders(grid, all, p);
    }
    return 0;
  }
  // Large grids: sampled points, looked up at random and in order.
  for (std::uint64_t i : fuzz::sample_indices(total)) {
    Point p = grid.point(i);
    Point q = cursor.point(i);
    FUZZ_CHECK(p.index == i && p.member < grid.members().size());
    FUZZ_CHECK(q.member == p.member && same_values(p.values, q.values),
               "point " << i << " by cursor");
    const Product& prod = grid.members()[p.member];
    FUZZ_CHECK(!excluded(prod, p.values), "point " << i << " is excluded");
    size_t params = 0;
    for (const auto& axis : prod.axes) params += axis.params.size();
    FUZZ_CHECK(p.values.size() == params, "point " << i);
    check_renders(grid, all, p);
    if (i + 1 < total) {
      Point next = cursor.point(i + 1);
      FUZZ_CHECK(same_values(next.values, grid.point(i + 1).values),
                 "point " << i + 1 << " by cursor, after " << i);
    }
  }
  return 0;
}
