#pragma once

// Metrics from a job's output: numbers in JSON lines, `key=value` and
// `key: value` pairs in plain lines (or a user's regex), and how the many
// values one job reports of a metric become one.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweep::report {

/// Which way a metric is better.
enum class Goal { kNone, kMax, kMin };

/// How the values one job reports of a metric become one (--reduce).
enum class Reduce { kLast, kFirst, kMin, kMax, kMean, kBest };

/// A metric named by --metric NAME[:max|:min].
struct MetricSpec {
  std::string name;
  Goal goal = Goal::kNone;
  /// Parses NAME[:max|:min]; throws Error naming `flag` on a bad goal.
  static MetricSpec parse(std::string_view text, std::string_view flag);
};

/// A line's metrics as (name, value) pairs, names pointing into the line.
using LinePairs = std::vector<std::pair<std::string_view, double>>;

/// Finds the metrics of plain lines: `key=value` and `key: value` pairs
/// (Guild's convention; numbers only), or the matches of a regex with named
/// groups `key` and `value` when one is given.
class LineScanner {
 public:
  /// Throws Error naming --metric-regex if the regex is bad or lacks a group.
  explicit LineScanner(const std::string& regex = "");
  ~LineScanner();
  LineScanner(LineScanner&&) noexcept;
  /// Appends each metric in line to out, in order.
  void scan(std::string_view line, LinePairs& out) const;

 private:
  void scan_regex(std::string_view line, LinePairs& out) const;
  struct Regex;
  std::unique_ptr<Regex> regex_;
};

/// A finite number of text as a whole (from_chars, no leading '+'); nothing
/// else (not inf or nan).
std::optional<double> parse_number(std::string_view text);

/// True for the keys that order a job's values rather than being metrics.
inline bool is_step_key(std::string_view name) {
  return name == "step" || name == "epoch";
}

/// The values one job reported of one metric, kept as what each reduction
/// needs (never the values themselves): memory per metric, not per line.
class MetricValues {
 public:
  /// Adds a value, at `step` if its line or object had one.
  void add(double value, std::optional<double> step);
  /// The one value for the job.
  double reduce(Reduce how, Goal goal) const;
  /// Values added.
  std::uint64_t count() const { return count_; }

 private:
  static constexpr double kNoStep = -std::numeric_limits<double>::infinity();
  std::uint64_t count_ = 0;
  double first_ = 0, last_ = 0, min_ = 0, max_ = 0, sum_ = 0;
  double first_step_ = 0, last_step_ = kNoStep;
};

}  // namespace sweep::report
