#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/value.hpp"

namespace sweep {

/// A parameter's values, indexed from 0 and computed on demand.
class ValueSeq {
 public:
  virtual ~ValueSeq() = default;
  /// Number of values; at least 1.
  virtual std::uint64_t size() const = 0;
  /// The i-th value, i < size().
  virtual Value at(std::uint64_t i) const = 0;
  /// Indices whose value equals v (see values_equal), ascending.
  virtual std::vector<std::uint64_t> indices_of(const Value& v) const;
  /// A short description for `sweep grid --describe`.
  virtual std::string describe() const = 0;
};

/// True if two values are equal; integers and floats compare numerically.
bool values_equal(const Value& a, const Value& b);

/// An explicit list of values.
class ValueList : public ValueSeq {
 public:
  /// `origin` says where the values came from, for describe().
  explicit ValueList(std::vector<Value> values, std::string origin = "list")
      : values_(std::move(values)), origin_(std::move(origin)) {}
  std::uint64_t size() const override { return values_.size(); }
  Value at(std::uint64_t i) const override { return values_[i]; }
  std::string describe() const override;

 private:
  std::vector<Value> values_;
  std::string origin_;
};

/// An inclusive integer range from..to by step (step may be negative).
class IntRange : public ValueSeq {
 public:
  /// Throws GridError naming `where` for a zero step, a reversed range or
  /// 2^64 values (which a grid cannot count).
  IntRange(std::int64_t from, std::int64_t to, std::int64_t step,
           const std::string& where);
  std::uint64_t size() const override { return size_; }
  Value at(std::uint64_t i) const override;
  std::vector<std::uint64_t> indices_of(const Value& v) const override;
  std::string describe() const override;

 private:
  std::int64_t from_, step_;
  std::uint64_t size_;
};

/// Evenly spaced floats: an inclusive range by step, numpy's linspace, or
/// (with `log10`) numpy's logspace. Values are rounded to the decimals of the
/// start and step when those are short, so 0..1 by 0.1 gives 0.3, not
/// 0.30000000000000004.
class FloatRange : public ValueSeq {
 public:
  /// from, from+step, ... up to `to`, included when the last step lands on it
  /// within rounding error. Throws GridError naming `where` for a zero step,
  /// a reversed range, non-finite bounds, 2^64 values or more, or a value
  /// beyond a double.
  static FloatRange inclusive(double from, double to, double step,
                              const std::string& where);
  /// n values from a to b inclusive (n >= 1); as powers of ten if log10.
  /// Throws GridError naming `where` for non-finite bounds, n < 1, or a
  /// value beyond a double (10^400) or too small for one (10^-400).
  static FloatRange linspace(double a, double b, std::int64_t n, bool log10,
                             const std::string& where);
  std::uint64_t size() const override { return size_; }
  Value at(std::uint64_t i) const override;
  std::vector<std::uint64_t> indices_of(const Value& v) const override;
  std::string describe() const override;

 private:
  FloatRange(double from, double step, std::uint64_t size, std::string kind);
  double linear(std::uint64_t i) const;
  void check_finite(const std::string& where) const;

  double from_, step_;
  std::uint64_t size_;
  int decimals_ = -1;   ///< Rounding applied to each value; -1 for none.
  bool log10_ = false;  ///< Values are 10^linear(i).
  bool has_last_ = false;
  double last_ = 0;   ///< Exact last linear value, for linspace.
  std::string kind_;  ///< Description.
};

}  // namespace sweep
