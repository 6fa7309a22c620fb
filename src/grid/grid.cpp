#include "sweep/grid.hpp"

#include <algorithm>

#include "core/json_text.hpp"
#include "grid/product_index.hpp"
#include "sweep/error.hpp"

namespace sweep {

bool is_valid_param_name(const std::string& name) {
  if (name.empty()) return false;
  auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!alpha(name[0])) return false;
  for (char c : name)
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.')
      return false;
  return true;
}

int Product::axis_of(int param, int* column) const {
  for (size_t a = 0; a < axes.size(); ++a)
    for (size_t c = 0; c < axes[a].params.size(); ++c)
      if (axes[a].params[c] == param) {
        if (column) *column = static_cast<int>(c);
        return static_cast<int>(a);
      }
  return -1;
}

Grid::Grid() : members_(1) {}
Grid::Grid(const Grid& o) : names_(o.names_), members_(o.members_) {}
Grid& Grid::operator=(const Grid& o) {
  names_ = o.names_;
  members_ = o.members_;
  changed();
  return *this;
}
Grid::Grid(Grid&&) noexcept = default;
Grid& Grid::operator=(Grid&&) noexcept = default;
Grid::~Grid() = default;

void Grid::changed() {
  index_.reset();
  offsets_.clear();
}

int Grid::param(const std::string& name) {
  if (!is_valid_param_name(name))
    throw GridError("invalid parameter name '" + name +
                    "': use a letter or _, then letters, digits, _, - or .");
  int i = find_param(name);
  if (i >= 0) return i;
  names_.push_back(name);
  return static_cast<int>(names_.size() - 1);
}

int Grid::find_param(const std::string& name) const {
  auto it = std::find(names_.begin(), names_.end(), name);
  return it == names_.end() ? -1 : static_cast<int>(it - names_.begin());
}

std::size_t Grid::add_member() {
  members_.emplace_back();
  changed();
  return members_.size() - 1;
}

const Value* Point::find(std::string_view name) const {
  if (!names) return nullptr;
  for (const auto& [p, v] : values)
    if ((*names)[p] == name) return &v;
  return nullptr;
}

const Value& Point::operator[](std::string_view name) const {
  if (const Value* v = find(name)) return *v;
  throw std::out_of_range("sweep: point " + std::to_string(index) +
                          " has no parameter '" + std::string(name) + "'");
}

Grid& Grid::axis(const std::string& name, std::vector<Value> values) {
  if (values.empty())
    throw GridError("parameter '" + name + "': empty list of values");
  set_axis(name, std::make_shared<ValueList>(std::move(values)));
  return *this;
}

Grid& Grid::int_range(const std::string& name, std::int64_t from,
                      std::int64_t to, std::int64_t step) {
  set_axis(name, std::make_shared<IntRange>(from, to, step,
                                            "parameter '" + name + "'"));
  return *this;
}

Grid& Grid::uint_range(const std::string& name, std::uint64_t from,
                       std::uint64_t to, std::uint64_t step) {
  // Converted as they are, values past INT64_MAX would wrap to negative ones.
  for (std::uint64_t v : {from, to, step})
    if (v > static_cast<std::uint64_t>(INT64_MAX))
      throw GridError("parameter '" + name + "': " + std::to_string(v) +
                      " is beyond the 64-bit integers (-9223372036854775808 "
                      "to 9223372036854775807)");
  return int_range(name, static_cast<std::int64_t>(from),
                   static_cast<std::int64_t>(to),
                   static_cast<std::int64_t>(step));
}

Grid& Grid::range(const std::string& name, double from, double to,
                  double step) {
  set_axis(name, std::make_shared<FloatRange>(FloatRange::inclusive(
                     from, to, step, "parameter '" + name + "'")));
  return *this;
}

Grid& Grid::linspace(const std::string& name, double a, double b,
                     std::int64_t n) {
  set_axis(name, std::make_shared<FloatRange>(FloatRange::linspace(
                     a, b, n, false, "parameter '" + name + "'")));
  return *this;
}

Grid& Grid::logspace(const std::string& name, double a, double b,
                     std::int64_t n) {
  set_axis(name, std::make_shared<FloatRange>(FloatRange::linspace(
                     a, b, n, true, "parameter '" + name + "'")));
  return *this;
}

Grid& Grid::fixed(const std::string& name, Value value) {
  set_axis(name, std::make_shared<ValueList>(
                     std::vector<Value>{std::move(value)}, "fixed"));
  return *this;
}

Grid& Grid::zip(
    const std::string& name,
    const std::vector<std::pair<std::string, std::vector<Value>>>& columns) {
  std::vector<std::pair<std::string, std::shared_ptr<const ValueSeq>>> seqs;
  for (const auto& [param_name, values] : columns) {
    if (values.empty())
      throw GridError("zip '" + name + "': '" + param_name + "' has no values");
    seqs.emplace_back(param_name, std::make_shared<ValueList>(values));
  }
  for (size_t m = 0; m < members_.size(); ++m) add_zip(m, name, seqs);
  return *this;
}

Grid& Grid::without(const std::vector<std::pair<std::string, Value>>& match) {
  exclude(match);
  return *this;
}

void Grid::set_axis(const std::string& name,
                    std::shared_ptr<const ValueSeq> seq) {
  for (size_t m = 0; m < members_.size(); ++m) set_axis(m, name, seq);
}

void Grid::set_axis(std::size_t member, const std::string& name,
                    std::shared_ptr<const ValueSeq> seq) {
  int p = param(name);
  Product& prod = members_[member];
  int a = prod.axis_of(p);
  if (a >= 0 && prod.axes[a].zip)
    throw GridError("parameter '" + name + "' is linked in '" +
                    prod.axes[a].name + "' and cannot be replaced on its own");
  if (a >= 0)
    prod.axes[a].columns = {std::move(seq)};
  else
    prod.axes.push_back(Axis{name, {p}, {std::move(seq)}, false});
  changed();
}

void Grid::prepend_axis(std::size_t member, const Axis& axis,
                        const std::string& name) {
  Axis a = axis;
  a.params = {param(name)};
  a.name = name;
  members_[member].axes.insert(members_[member].axes.begin(), std::move(a));
  changed();
}

void Grid::add_zip(
    std::size_t member, const std::string& name,
    std::vector<std::pair<std::string, std::shared_ptr<const ValueSeq>>>
        columns) {
  if (columns.empty()) throw GridError("zip '" + name + "' has no parameters");
  Axis axis{name, {}, {}, true};
  const std::string first = columns.front().first;
  const std::uint64_t length = columns.front().second->size();
  for (auto& [param_name, seq] : columns) {
    if (seq->size() != length)
      throw GridError("zip '" + name + "': '" + first + "' has " +
                      std::to_string(length) + " values but '" + param_name +
                      "' has " + std::to_string(seq->size()));
    int p = param(param_name);
    if (members_[member].axis_of(p) >= 0)
      throw GridError("zip '" + name + "': parameter '" + param_name +
                      "' is given twice");
    axis.params.push_back(p);
    axis.columns.push_back(std::move(seq));
  }
  members_[member].axes.push_back(std::move(axis));
  changed();
}

void Grid::link(const std::vector<std::string>& link_names) {
  std::string what = "--link ";
  for (size_t i = 0; i < link_names.size(); ++i)
    what += (i ? "," : "") + link_names[i];
  if (link_names.size() < 2)
    throw GridError(what + ": name at least two parameters");
  std::vector<int> params;
  for (const auto& n : link_names) {
    int p = find_param(n);
    if (p < 0) throw GridError(what + ": unknown parameter '" + n + "'");
    if (std::find(params.begin(), params.end(), p) != params.end())
      throw GridError(what + ": parameter '" + n + "' is given twice");
    params.push_back(p);
  }
  for (size_t m = 0; m < members_.size(); ++m) {
    Product& prod = members_[m];
    std::vector<int> axes;
    for (size_t i = 0; i < params.size(); ++i) {
      int a = prod.axis_of(params[i]);
      if (a < 0) continue;
      if (std::find(axes.begin(), axes.end(), a) == axes.end())
        axes.push_back(a);
    }
    if (axes.empty()) continue;
    for (size_t i = 0; i < params.size(); ++i)
      if (prod.axis_of(params[i]) < 0)
        throw GridError(what + ": grid member " + std::to_string(m) +
                        " has no '" + link_names[i] + "'");
    Axis merged{"", {}, {}, true};
    for (int a : axes) {
      const Axis& src = prod.axes[a];
      if (src.size() != prod.axes[axes[0]].size())
        throw GridError(what + ": '" + prod.axes[axes[0]].name + "' has " +
                        std::to_string(prod.axes[axes[0]].size()) +
                        " values but '" + src.name + "' has " +
                        std::to_string(src.size()));
      merged.name += (merged.name.empty() ? "" : "+") + src.name;
      merged.params.insert(merged.params.end(), src.params.begin(),
                           src.params.end());
      merged.columns.insert(merged.columns.end(), src.columns.begin(),
                            src.columns.end());
    }
    int first = *std::min_element(axes.begin(), axes.end());
    prod.axes[first] = std::move(merged);
    std::sort(axes.begin(), axes.end(), std::greater<>());
    for (int a : axes)
      if (a != first) prod.axes.erase(prod.axes.begin() + a);
  }
  changed();
}

namespace {

Exclusion resolve(const Grid& grid,
                  const std::vector<std::pair<std::string, Value>>& match) {
  Exclusion ex;
  for (const auto& [name, value] : match) {
    int p = grid.find_param(name);
    if (p < 0)
      throw GridError("exclusion names unknown parameter '" + name + "'");
    ex.emplace_back(p, value);
  }
  return ex;
}

bool has_all(const Product& prod, const Exclusion& ex) {
  for (const auto& [p, v] : ex)
    if (prod.axis_of(p) < 0) return false;
  return true;
}

}  // namespace

void Grid::exclude(const std::vector<std::pair<std::string, Value>>& match) {
  Exclusion ex = resolve(*this, match);
  for (auto& prod : members_)
    if (has_all(prod, ex)) prod.exclusions.push_back(ex);
  changed();
}

void Grid::exclude(std::size_t member,
                   const std::vector<std::pair<std::string, Value>>& match) {
  Exclusion ex = resolve(*this, match);
  if (!has_all(members_[member], ex))
    throw GridError(
        "exclusion names a parameter this grid member does not have");
  members_[member].exclusions.push_back(ex);
  changed();
}

bool Grid::in_every_member(int param) const {
  for (const auto& prod : members_)
    if (prod.axis_of(param) < 0) return false;
  return true;
}

const std::vector<ProductIndex>& Grid::index() const {
  if (!index_) {
    auto idx = std::make_unique<std::vector<ProductIndex>>();
    std::vector<std::uint64_t> offsets;
    std::uint64_t total = 0;
    for (const auto& prod : members_) {
      idx->emplace_back(prod);
      offsets.push_back(total);
      if (__builtin_add_overflow(total, idx->back().size(), &total))
        throw GridError("the grid has more than 2^64 points");
    }
    offsets.push_back(total);
    offsets_ = std::move(offsets);
    index_ = std::move(idx);
  }
  return *index_;
}

std::uint64_t Grid::size() const {
  index();
  return offsets_.back();
}

std::uint64_t Grid::member_size(std::size_t member) const {
  return index()[member].size();
}

std::uint64_t Grid::member_raw_size(std::size_t member) const {
  return index()[member].raw_size();
}

namespace {

Point decode_point(const Grid& grid, const ProductIndex& idx,
                   std::size_t member, std::uint64_t raw, std::uint64_t index) {
  const Product& prod = grid.members()[member];
  std::vector<std::uint64_t> digits;
  idx.decode(raw, digits);
  Point p;
  p.index = index;
  p.member = member;
  p.names = &grid.names();
  for (size_t a = 0; a < prod.axes.size(); ++a) {
    const Axis& axis = prod.axes[a];
    for (size_t c = 0; c < axis.params.size(); ++c)
      p.values.emplace_back(axis.params[c], axis.columns[c]->at(digits[a]));
  }
  return p;
}

}  // namespace

Point Grid::point(std::uint64_t i) const {
  const auto& idx = index();
  size_t m = std::upper_bound(offsets_.begin(), offsets_.end(), i) -
             offsets_.begin() - 1;
  return decode_point(*this, idx[m], m, idx[m].select(i - offsets_[m]), i);
}

Point PointCursor::point(std::uint64_t i) {
  const auto& idx = grid_.index();
  const auto& offsets = grid_.offsets_;
  if (last_index_ != UINT64_MAX && i == last_index_ + 1) {
    // The next point follows the last one: step forward instead of searching.
    std::size_t m = last_member_;
    std::uint64_t raw = idx[m].next_included(last_raw_ + 1);
    while (raw >= idx[m].raw_size()) raw = idx[++m].next_included(0);
    last_index_ = i;
    last_raw_ = raw;
    last_member_ = m;
    return decode_point(grid_, idx[m], m, raw, i);
  }
  size_t m =
      std::upper_bound(offsets.begin(), offsets.end(), i) - offsets.begin() - 1;
  last_index_ = i;
  last_member_ = m;
  last_raw_ = idx[m].select(i - offsets[m]);
  return decode_point(grid_, idx[m], m, last_raw_, i);
}

void append_params_json(std::string& out, const Grid& grid, const Point& p) {
  out += '{';
  bool first = true;
  for (const auto& [param, value] : p.values) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, grid.names()[param]);
    out += ':';
    append_json(out, value);
  }
  out += '}';
}

void append_params_b64_json(std::string& out, const Grid& grid,
                            const Point& p) {
  bool first = true;
  for (const auto& [param, value] : p.values) {
    const auto* s = std::get_if<std::string>(&value);
    if (!s || is_valid_utf8(*s)) continue;
    out += first ? '{' : ',';
    first = false;
    append_json_string(out, grid.names()[param]);
    out += ":\"";
    append_base64(out, *s);
    out += '"';
  }
  if (!first) out += '}';
}

void check_no_nul(const Grid& grid) {
  // Only lists hold strings; their values are in memory already.
  for (const Product& member : grid.members())
    for (const Axis& axis : member.axes)
      for (size_t c = 0; c < axis.columns.size(); ++c) {
        auto* list = dynamic_cast<const ValueList*>(axis.columns[c].get());
        if (!list) continue;
        for (std::uint64_t i = 0; i < list->size(); ++i) {
          Value v = list->at(i);
          auto* s = std::get_if<std::string>(&v);
          if (!s || s->find('\0') == std::string::npos) continue;
          std::string json;
          append_json_string(json, *s);
          throw GridError("parameter '" + grid.names()[axis.params[c]] +
                          "': value " + json +
                          " has a NUL byte, which no command argument or "
                          "environment variable can carry");
        }
      }
}

std::string describe_grid(const Grid& grid) {
  std::string out;
  const auto& members = grid.members();
  for (size_t m = 0; m < members.size(); ++m) {
    const Product& prod = members[m];
    if (members.size() > 1) out += "member " + std::to_string(m) + ":\n";
    for (const auto& axis : prod.axes) {
      if (axis.zip) {
        out += "  " + axis.name + ": zip, " + std::to_string(axis.size()) +
               " values\n";
        for (size_t c = 0; c < axis.params.size(); ++c)
          out += "    " + grid.names()[axis.params[c]] + ": " +
                 axis.columns[c]->describe() + "\n";
      } else {
        out += "  " + axis.name + ": " + axis.columns[0]->describe() + "\n";
      }
    }
    if (!prod.exclusions.empty())
      out += "  exclusions: " + std::to_string(prod.exclusions.size()) +
             ", skipping " +
             std::to_string(grid.member_raw_size(m) - grid.member_size(m)) +
             " of " + std::to_string(grid.member_raw_size(m)) + " points\n";
    if (members.size() > 1)
      out += "  points: " + std::to_string(grid.member_size(m)) + "\n";
  }
  out += "total: " + std::to_string(grid.size()) + " points\n";
  return out;
}

}  // namespace sweep
