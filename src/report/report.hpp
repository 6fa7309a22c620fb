#pragma once

// The answers a report gives, computed from a Dataset: ranked groups with
// their statistics, marginals per parameter, failures, a pivot table.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "report/collect.hpp"
#include "report/condition.hpp"
#include "report/summary.hpp"

namespace sweep::report {

/// How the dataset becomes a report.
struct ReportOptions {
  double ci = 0.95;              ///< --ci: confidence level.
  double alpha = 0.05;           ///< --alpha: Welch's test level.
  std::uint64_t top = 0;         ///< --top N (0: every group).
  std::vector<Condition> where;  ///< --where: groups kept.
  std::optional<std::pair<std::string, std::string>> pivot;  ///< ROW, COL.
};

/// Whether a group's primary metric may be as good as the best's.
enum class Tie {
  kBest,     ///< The best group itself.
  kTie,      ///< Not significantly different from the best (Welch).
  kWorse,    ///< Significantly worse.
  kUnknown,  ///< Not testable: fewer than 2 values on a side, or no goal.
};

/// One group with the statistics of each metric.
struct GroupRow {
  const Group* group = nullptr;
  std::vector<Summary> metrics;  ///< As Dataset::metrics.
  Tie tie = Tie::kUnknown;
  double p = 1;  ///< Welch's p against the best (if tested).
};

/// One value of a parameter in the marginals.
struct MarginalValue {
  Value value;
  Summary summary;  ///< Of the groups' primary means.
  double gap = 0;   ///< To the best value, >= 0 (NaN without a goal).
};

/// A parameter's effect on the primary metric.
struct Marginal {
  std::string param;
  double eta2 = 0;  ///< Share of the variance of group means it explains.
  std::vector<MarginalValue> values;
};

/// Failures of one parameter's value.
struct FailureRate {
  std::string param;
  Value value;
  std::uint64_t runs = 0, failed = 0;
};

/// The primary metric as a ROW x COL table.
struct Pivot {
  std::string row, col;
  std::vector<Value> rows, cols;
  std::vector<std::vector<Summary>> cells;  ///< [row][col]; n = 0: empty.
};

/// Everything a format shows.
struct Report {
  std::string label;  ///< --label, or empty.
  const Dataset* data = nullptr;
  double ci = 0.95;
  std::vector<GroupRow> rows;              ///< Ranked, after --where and --top.
  std::vector<Marginal> marginals;         ///< By eta2, largest first.
  std::vector<FailureRate> failure_rates;  ///< Values with failures.
  std::vector<const Group*> no_metric;     ///< Groups without the primary.
  std::optional<Pivot> pivot;
  /// The primary metric's goal (kNone: rows stay in grid order).
  Goal goal() const {
    return data->metrics.empty() ? Goal::kNone : data->metrics[0].goal;
  }
};

/// Builds the report; throws Error when --where or --pivot name a
/// parameter the dataset does not have.
Report build_report(const Dataset& data, const ReportOptions& options);

/// Ranks the groups kept by --where: summaries, order, ties (not --top).
std::vector<GroupRow> rank_groups(const Dataset& data,
                                  const ReportOptions& options);

/// The marginals of the primary metric over rows.
std::vector<Marginal> marginals(const Dataset& data,
                                const std::vector<GroupRow>& rows, double ci);

/// Failure rates per parameter value (values with a failure).
std::vector<FailureRate> failure_rates(const Dataset& data);

/// The primary metric's pivot table over rows.
Pivot pivot(const Dataset& data, const std::vector<GroupRow>& rows,
            const std::string& row, const std::string& col, double ci);

/// A parameter's value among a group's params, or nullptr.
const Value* find_param(
    const std::vector<std::pair<std::string, Value>>& params,
    const std::string& name);

/// A group's first cells in a table: each grouping parameter's value as
/// text ("" where the group has none), then runs and failed, then its rung
/// if the data has rungs (group_headers names them).
std::vector<std::string> group_cells(const Dataset& data, const Group& group);
/// The headers of group_cells.
std::vector<std::string> group_headers(const Dataset& data);

/// True if a is better than b for the goal (greater for kMax, smaller for
/// kMin); NaN is never better.
bool better(double a, double b, Goal goal);

}  // namespace sweep::report
