#pragma once

// --prune: Optuna's MedianPruner and PercentilePruner, over the values the
// jobs of one sweep print at each step, with no SDK in the program.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "report/metrics.hpp"

namespace sweep::report {

/// When a job is pruned.
struct PruneRule {
  double percentile = 50;      ///< Keep the top P% (median: 50).
  std::uint64_t min_jobs = 5;  ///< Other jobs that must have the step.
  double warmup = 0;           ///< No decision before this step.
  Goal goal = Goal::kMax;      ///< Which way the metric is better.
  /// Parses `median` or `percentile:P` (0 < P < 100); throws Error naming
  /// --prune and the text.
  static double parse_percentile(std::string_view text);
};

/// Judges each value a job reports at a step against the values the other
/// jobs reported at that step.
class Pruner {
 public:
  explicit Pruner(PruneRule rule) : rule_(rule) {}
  /// Job `job` reported `value` at `step`. True if it should be pruned: at
  /// or past the warmup, at least min_jobs other jobs have a number at that
  /// step, and the job's best value so far is worse than their percentile
  /// (a job with no number yet, only NaN, is worse than any). Ties stay.
  bool report(std::uint64_t job, double step, double value);

 private:
  double threshold(std::uint64_t job, double step) const;
  PruneRule rule_;
  /// Per step, each job's last value there (NaN kept, never counted).
  std::map<double, std::unordered_map<std::uint64_t, double>> at_step_;
  /// Each job's best number so far (absent: none yet).
  std::unordered_map<std::uint64_t, double> best_;
};

}  // namespace sweep::report
