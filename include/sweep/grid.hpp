#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sweep/value.hpp"
#include "sweep/value_seq.hpp"

namespace sweep {

/// One axis of a product: a parameter and its values, or several parameters
/// that vary together (a zip: the i-th point of the axis takes the i-th value
/// of every column).
struct Axis {
  std::string name;         ///< Parameter or zip name.
  std::vector<int> params;  ///< Grid parameter index per column.
  std::vector<std::shared_ptr<const ValueSeq>> columns;  ///< Same length each.
  bool zip = false;  ///< Several parameters linked.
  /// Number of values along the axis.
  std::uint64_t size() const { return columns.front()->size(); }
};

/// Points that are skipped: every point whose parameters equal all of these.
using Exclusion = std::vector<std::pair<int, Value>>;

/// One point of a grid: its index among the grid's points, the union member
/// it comes from, and its parameters in that member's order.
struct Point {
  std::uint64_t index = 0;
  std::size_t member = 0;
  std::vector<std::pair<int, Value>> values;  ///< (grid parameter index, value)
  /// The grid's parameter names; valid while the grid lives unchanged.
  const std::vector<std::string>* names = nullptr;

  /// The value of a parameter, or nullptr if this point does not have it.
  const Value* get(int param) const {
    for (const auto& [p, v] : values)
      if (p == param) return &v;
    return nullptr;
  }
  /// True if the point has a parameter of this name.
  bool has(std::string_view name) const { return find(name) != nullptr; }
  /// The value of a named parameter; throws std::out_of_range if absent.
  const Value& operator[](std::string_view name) const;
  /// A named parameter as T: std::string (as command text), bool, or any
  /// arithmetic type from an integer or float. Throws std::out_of_range if
  /// absent, std::invalid_argument if the value cannot be a T.
  template <class T>
  T get(std::string_view name) const {
    const Value& v = (*this)[name];
    if constexpr (std::is_same_v<T, std::string>) {
      return to_text(v);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (const auto* b = std::get_if<bool>(&v)) return *b;
    } else if constexpr (std::is_arithmetic_v<T>) {
      if (const auto* i = std::get_if<std::int64_t>(&v))
        return static_cast<T>(*i);
      if (const auto* d = std::get_if<double>(&v)) return static_cast<T>(*d);
    }
    throw std::invalid_argument("sweep: parameter '" + std::string(name) +
                                "' is " + to_text(v) +
                                ", not the type asked for");
  }

 private:
  const Value* find(std::string_view name) const;
};

class ProductIndex;

/// The cartesian product of ordered axes, minus its exclusions: one member of
/// a grid. Point i is decoded from i (mixed radix, last axis fastest).
struct Product {
  std::vector<Axis> axes;
  std::vector<Exclusion> exclusions;
  /// The axis holding a parameter, or -1; `column` receives its column.
  int axis_of(int param, int* column = nullptr) const;
};

/// A parameter grid: the union of one or more products over shared parameter
/// names, enumerated one product after another, lazily. Points are numbered
/// 0..size()-1, excluded points skipped.
class Grid {
 public:
  Grid();
  Grid(const Grid&);
  Grid& operator=(const Grid&);
  Grid(Grid&&) noexcept;
  Grid& operator=(Grid&&) noexcept;
  ~Grid();

  /// Index of a parameter name, added if new. Throws GridError on a bad name.
  int param(const std::string& name);
  /// Index of a parameter name, or -1.
  int find_param(const std::string& name) const;
  /// Parameter names, in the order first seen.
  const std::vector<std::string>& names() const { return names_; }
  /// The union's members (one for a plain grid).
  const std::vector<Product>& members() const { return members_; }
  /// Adds an empty member and returns its index.
  std::size_t add_member();

  /// Builder: a list axis, e.g. axis("impurity", {"gini", "entropy"}).
  Grid& axis(const std::string& name, std::vector<Value> values);
  /// Builder: an inclusive integer range, e.g. range("depth", 2, 30). Throws
  /// GridError for a bound beyond the 64-bit signed integers.
  template <std::integral I>
  Grid& range(const std::string& name, I from, I to, I step = 1) {
    if constexpr (std::is_unsigned_v<I>)
      return uint_range(name, from, to, step);
    else
      return int_range(name, from, to, step);
  }
  /// Builder: an inclusive float range, e.g. range("lr", 0.1, 0.5, 0.1).
  Grid& range(const std::string& name, double from, double to, double step);
  /// Builder: n evenly spaced floats from a to b (numpy's linspace).
  Grid& linspace(const std::string& name, double a, double b, std::int64_t n);
  /// Builder: n values from 10^a to 10^b (numpy's logspace).
  Grid& logspace(const std::string& name, double a, double b, std::int64_t n);
  /// Builder: a parameter with one value.
  Grid& fixed(const std::string& name, Value value);
  /// Builder: parameters that vary together, e.g.
  /// zip("schedule", {{"lr", {0.1, 0.01}}, {"warmup", {100, 1000}}}).
  Grid& zip(
      const std::string& name,
      const std::vector<std::pair<std::string, std::vector<Value>>>& columns);
  /// Builder: skip every point matching all these values.
  Grid& without(const std::vector<std::pair<std::string, Value>>& match);

  /// Sets a one-parameter axis in every member: replaces the axis holding
  /// the parameter in place, or appends one.
  void set_axis(const std::string& name, std::shared_ptr<const ValueSeq> seq);
  /// Same, in one member only.
  void set_axis(std::size_t member, const std::string& name,
                std::shared_ptr<const ValueSeq> seq);
  /// Inserts a one-parameter axis as the first axis of a member.
  void prepend_axis(std::size_t member, const Axis& axis,
                    const std::string& name);
  /// Appends a zip axis to a member. Throws GridError if column lengths differ.
  void add_zip(
      std::size_t member, const std::string& name,
      std::vector<std::pair<std::string, std::shared_ptr<const ValueSeq>>>
          columns);
  /// Merges the axes of these parameters into one zip axis, in every member
  /// that has them, at the place of the first (GNU parallel's --link).
  void link(const std::vector<std::string>& names);
  /// Adds an exclusion to every member (or one member) that has all its
  /// parameters. Throws GridError for a parameter no member has.
  void exclude(const std::vector<std::pair<std::string, Value>>& match);
  void exclude(std::size_t member,
               const std::vector<std::pair<std::string, Value>>& match);

  /// True if every member has the parameter.
  bool in_every_member(int param) const;
  /// Number of points; throws GridError if it does not fit in 64 bits.
  std::uint64_t size() const;
  /// Number of points of one member.
  std::uint64_t member_size(std::size_t member) const;
  /// Number of points before exclusions, per member.
  std::uint64_t member_raw_size(std::size_t member) const;
  /// Point i (i < size()).
  Point point(std::uint64_t i) const;

 private:
  friend class PointCursor;
  Grid& int_range(const std::string& name, std::int64_t from, std::int64_t to,
                  std::int64_t step);
  Grid& uint_range(const std::string& name, std::uint64_t from,
                   std::uint64_t to, std::uint64_t step);
  const std::vector<ProductIndex>& index() const;
  void changed();

  std::vector<std::string> names_;
  std::vector<Product> members_;
  mutable std::unique_ptr<std::vector<ProductIndex>>
      index_;                                   ///< Built on demand.
  mutable std::vector<std::uint64_t> offsets_;  ///< First point of each member.
};

/// Looks up points by index, fast when indices increase one by one (as when
/// enumerating); any order works.
class PointCursor {
 public:
  explicit PointCursor(const Grid& grid) : grid_(grid) {}
  /// Point i of the grid.
  Point point(std::uint64_t i);

 private:
  const Grid& grid_;
  std::uint64_t last_index_ = UINT64_MAX;
  std::uint64_t last_raw_ = 0;
  std::size_t last_member_ = 0;
};

/// True if `name` can name a parameter: a letter or `_`, then letters,
/// digits, `_`, `-` or `.`.
bool is_valid_param_name(const std::string& name);

/// Appends the point's parameters as a JSON object, in its member's order.
void append_params_json(std::string& out, const Grid& grid, const Point& p);

/// Appends `{"name":"<base64>",...}` for the point's string values that are
/// not valid UTF-8 (which params shows with U+FFFD), or nothing if none.
void append_params_b64_json(std::string& out, const Grid& grid, const Point& p);

/// Throws GridError naming the first string value of the grid that holds a
/// NUL byte: no command argument or environment variable can carry one.
void check_no_nul(const Grid& grid);

/// One line per member and axis: what `sweep grid --describe` prints.
std::string describe_grid(const Grid& grid);

}  // namespace sweep
