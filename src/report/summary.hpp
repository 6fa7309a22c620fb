#pragma once

// The statistics of one metric over replicates.

#include <cstdint>
#include <vector>

namespace sweep::report {

/// n, mean, spread and a Student-t confidence interval of some values.
/// Figures that need more values than there are (sd of one) are NaN.
struct Summary {
  std::uint64_t n = 0;
  double mean = 0;
  double sd = 0;                   ///< With n - 1 in the denominator.
  double sem = 0;                  ///< sd / sqrt(n).
  double ci_low = 0, ci_high = 0;  ///< mean -/+ t(1 - (1 - level)/2, n-1) sem.
  double median = 0, min = 0, max = 0;
  /// Half the interval's width.
  double ci_half() const { return (ci_high - ci_low) / 2; }
};

/// The summary of values (reordered) at a confidence level in (0, 1); an
/// empty input gives n = 0 and NaN figures.
Summary summarize(std::vector<double>& values, double level);

}  // namespace sweep::report
