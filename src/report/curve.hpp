#pragma once

// Learning curves: the primary metric against the `step`/`epoch` its lines
// carried. A job's curve is thinned as it grows and a group's curve keeps
// n, mean and spread per step, so memory per group is bounded whatever the
// number of lines.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sweep::report {

/// One step of a group's curve, over the group's jobs that reported it.
struct CurvePoint {
  double step = 0;
  std::uint64_t n = 0;
  double mean = 0;
  double m2 = 0;  ///< Sum of squared deviations from the mean (Welford).
  /// Standard deviation with n - 1 (NaN for one value).
  double sd() const;
};

/// The (step, value) pairs one job printed, at most 2 x kKept of them: past
/// that every other is dropped and only every 2^k-th later value is taken,
/// so replicates printing the same steps keep the same ones.
class JobCurve {
 public:
  static constexpr std::size_t kKept = 32;
  /// Adds a value printed at a step.
  void add(double step, double value);
  /// The pairs kept, in the order printed.
  const std::vector<std::pair<double, double>>& points() const {
    return points_;
  }
  /// Forgets everything (a retry starts afresh).
  void clear();

 private:
  std::vector<std::pair<double, double>> points_;
  std::uint64_t seen_ = 0, stride_ = 1;
};

/// A group's curve: per step, the statistics of its jobs' values, sorted by
/// step; past 2 x JobCurve::kKept steps neighbours are pooled pairwise.
class GroupCurve {
 public:
  /// Adds a finished job's curve.
  void add(const JobCurve& job);
  /// The points, by step.
  const std::vector<CurvePoint>& points() const { return points_; }

 private:
  std::vector<CurvePoint> points_;
};

}  // namespace sweep::report
