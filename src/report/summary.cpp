#include "report/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "report/student_t.hpp"
#include "sweep/stats.hpp"

namespace sweep::report {

namespace {

// t quantiles by (level, n): a report asks for the same few thousands of
// times (every group has n replicates), and each costs ~50 evaluations of
// the incomplete beta.
double t_for(double level, std::uint64_t n) {
  thread_local std::map<std::pair<double, std::uint64_t>, double> cache;
  auto [it, fresh] = cache.try_emplace({level, n}, 0.0);
  if (fresh)
    it->second =
        student_t_quantile(1 - (1 - level) / 2, static_cast<double>(n - 1));
  return it->second;
}

}  // namespace

Summary summarize(std::vector<double>& values, double level) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  Summary s;
  s.n = values.size();
  if (values.empty()) {
    s.mean = s.sd = s.sem = s.ci_low = s.ci_high = kNaN;
    s.median = s.min = s.max = kNaN;
    return s;
  }
  const double n = static_cast<double>(s.n);
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / n;
  // Two passes: the textbook one-pass formula loses digits to cancellation.
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  auto [mn, mx] = std::minmax_element(values.begin(), values.end());
  s.min = *mn;
  s.max = *mx;
  s.median = quantile_in_place(values, 0.5);
  if (s.n < 2) {
    s.sd = s.sem = s.ci_low = s.ci_high = kNaN;
    return s;
  }
  s.sd = std::sqrt(ss / (n - 1));
  s.sem = s.sd / std::sqrt(n);
  double t = t_for(level, s.n);
  s.ci_low = s.mean - t * s.sem;
  s.ci_high = s.mean + t * s.sem;
  return s;
}

}  // namespace sweep::report
