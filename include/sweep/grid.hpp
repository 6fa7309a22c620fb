#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sweep/value.hpp"

namespace sweep {

/// A sequence of values indexed from 0, computed on demand (a list or range).
class ValueSeq {
 public:
  virtual ~ValueSeq() = default;
  /// Number of values; at least 1.
  virtual std::uint64_t size() const = 0;
  /// The i-th value, i < size().
  virtual Value at(std::uint64_t i) const = 0;
};

/// An explicit list of values.
class ValueList : public ValueSeq {
 public:
  explicit ValueList(std::vector<Value> values) : values_(std::move(values)) {}
  std::uint64_t size() const override { return values_.size(); }
  Value at(std::uint64_t i) const override { return values_[i]; }

 private:
  std::vector<Value> values_;
};

/// An inclusive integer range from..to by step (step may be negative).
class IntRange : public ValueSeq {
 public:
  /// Throws GridError naming `where` for a zero step or a reversed range.
  IntRange(std::int64_t from, std::int64_t to, std::int64_t step,
           const std::string& where);
  std::uint64_t size() const override { return size_; }
  Value at(std::uint64_t i) const override;

 private:
  std::int64_t from_, step_;
  std::uint64_t size_;
};

/// An inclusive float range; `to` is included when the last step lands on it
/// within rounding error, and values are rounded to the decimals of the input
/// so that 0..1:0.1 gives 0.3, not 0.30000000000000004.
class FloatRange : public ValueSeq {
 public:
  /// Throws GridError naming `where` for a zero step or a reversed range.
  FloatRange(double from, double to, double step, const std::string& where);
  std::uint64_t size() const override { return size_; }
  Value at(std::uint64_t i) const override;

 private:
  double from_, step_;
  std::uint64_t size_;
  int decimals_;  ///< Rounding applied to each value; -1 for none.
};

/// One named parameter and its values.
struct Axis {
  std::string name;
  std::shared_ptr<const ValueSeq> values;
};

/// One point of a grid: its index and one value per grid parameter, in the
/// grid's parameter order.
struct Point {
  std::uint64_t index = 0;
  std::vector<Value> values;
};

/// The cartesian product of ordered axes, enumerated lazily: point i is
/// decoded from i in mixed radix, the last axis varying fastest.
class Grid {
 public:
  /// Adds an axis at the end, or replaces the values of an axis of that name
  /// in place. Throws GridError on a bad name.
  void set_axis(const std::string& name, std::shared_ptr<const ValueSeq> seq);
  /// True if an axis has this name.
  bool has(const std::string& name) const;
  /// Position of a parameter, or -1.
  int index_of(const std::string& name) const;
  /// Parameter names in order.
  std::vector<std::string> names() const;
  const std::vector<Axis>& axes() const { return axes_; }
  /// Number of points; throws GridError if it does not fit in 64 bits.
  std::uint64_t size() const;
  /// Decodes point i (i < size()).
  Point point(std::uint64_t i) const;

 private:
  std::vector<Axis> axes_;
};

/// True if `name` can name a parameter: a letter or `_`, then letters,
/// digits, `_`, `-` or `.`.
bool is_valid_param_name(const std::string& name);

/// Appends the point's parameters as a JSON object in grid order.
void append_params_json(std::string& out, const Grid& grid, const Point& p);

}  // namespace sweep
