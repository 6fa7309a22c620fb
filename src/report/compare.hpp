#pragma once

// Runs side by side (--label): a baseline beside a new run, matched by
// their groups' parameters, with the difference of the primary metric and
// its confidence interval.

#include <optional>
#include <string>
#include <vector>

#include "report/format.hpp"
#include "report/report.hpp"

namespace sweep::report {

/// One run to compare: its label and its report.
struct Labelled {
  std::string label;
  const Report* report = nullptr;
};

/// The last run's primary mean minus the first's, with Welch's interval.
struct Difference {
  double mean = 0;
  double ci_low = 0, ci_high = 0;  ///< NaN unless both sides have n >= 2.
  double p = 1;                    ///< Welch's two-sided p (NaN likewise).
};

/// One group across the runs.
struct ComparisonRow {
  std::vector<std::pair<std::string, Value>> params;
  std::vector<Summary> runs;  ///< Per label, the primary metric (n = 0: none).
  std::optional<Difference> diff;
};

/// The runs' groups in one table.
struct Comparison {
  std::vector<std::string> labels;
  std::vector<std::string> params;  ///< Every run's parameters, in order.
  MetricSpec metric;                ///< The primary metric.
  double ci = 0.95;
  std::vector<ComparisonRow> rows;  ///< In the first run's order, then new.
};

/// Matches the runs' rows (as ranked and filtered) by their parameters.
/// Throws Error if a run lacks the first run's primary metric.
Comparison compare(const std::vector<Labelled>& runs);

/// The difference b - a of two summaries with its interval at level.
Difference difference(const Summary& a, const Summary& b, double level);

/// The comparison as text in a format. CSV/TSV columns: the parameters,
/// per label L: L_n, L_mean, L_ci_low, L_ci_high; then diff, diff_ci_low,
/// diff_ci_high, diff_p (the last label minus the first).
std::string render_comparison(const Comparison& c, Format format);

/// The comparison as one JSON object: labels, metric, ci, rows.
std::string comparison_json(const Comparison& c);

}  // namespace sweep::report
