// Groups ranked by the primary metric, and which of them are within noise
// of the best: Welch's t-test, since replicates of different points need
// not share a variance.
#include <algorithm>
#include <cmath>

#include "report/report.hpp"
#include "report/student_t.hpp"

namespace sweep::report {

bool better(double a, double b, Goal goal) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return goal == Goal::kMin ? a < b : a > b;
}

const Value* find_param(
    const std::vector<std::pair<std::string, Value>>& params,
    const std::string& name) {
  for (const auto& [n, v] : params)
    if (n == name) return &v;
  return nullptr;
}

std::vector<std::string> group_cells(const Dataset& data, const Group& group) {
  std::vector<std::string> cells;
  for (const auto& name : data.params) {
    const Value* v = find_param(group.params, name);
    cells.push_back(v ? to_text(*v) : "");
  }
  cells.push_back(std::to_string(group.runs));
  cells.push_back(std::to_string(group.failed));
  if (data.rungs)
    cells.push_back(group.rung >= 0 ? std::to_string(group.rung) : "");
  return cells;
}

std::vector<std::string> group_headers(const Dataset& data) {
  std::vector<std::string> head(data.params.begin(), data.params.end());
  head.insert(head.end(), {"runs", "failed"});
  if (data.rungs) head.push_back("rung");
  return head;
}

namespace {

bool kept(const Group& g, const std::vector<Condition>& where) {
  for (const Condition& c : where) {
    const Value* v = find_param(g.params, c.name);
    if (!v || !c.holds(*v)) return false;
  }
  return true;
}

// Best first, ties in grid order: sorts indices, then moves each row once.
// A higher --halving rung ranks first: a point that went further beat the
// points of its rungs below, whatever their values at smaller budgets.
void rank(std::vector<GroupRow>& rows, Goal goal) {
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    int ra = rows[a].group->rung, rb = rows[b].group->rung;
    if (ra != rb) return ra > rb;
    return better(rows[a].metrics[0].mean, rows[b].metrics[0].mean, goal);
  });
  std::vector<GroupRow> ranked;
  ranked.reserve(rows.size());
  for (size_t i : order) ranked.push_back(std::move(rows[i]));
  rows = std::move(ranked);
}

SampleMoments moments(const Summary& s) {
  return SampleMoments{s.n, s.mean, s.sd * s.sd};
}

// Marks each row against the first (the best): rows[0] must be ranked.
void mark_ties(std::vector<GroupRow>& rows, double alpha) {
  const Summary& best = rows[0].metrics[0];
  for (size_t i = 0; i < rows.size(); ++i) {
    const Summary& s = rows[i].metrics[0];
    if (s.n == 0) {
      rows[i].tie = Tie::kUnknown;
    } else if (i == 0) {
      rows[i].tie = Tie::kBest;
    } else if (s.n < 2 || best.n < 2) {
      rows[i].tie = Tie::kUnknown;
    } else {
      rows[i].p = welch_test(moments(best), moments(s)).p;
      rows[i].tie = rows[i].p >= alpha ? Tie::kTie : Tie::kWorse;
    }
  }
}

}  // namespace

std::vector<GroupRow> rank_groups(const Dataset& data,
                                  const ReportOptions& options) {
  std::vector<GroupRow> rows;
  std::vector<double> scratch;
  for (const Group& g : data.groups) {
    if (!kept(g, options.where)) continue;
    GroupRow row;
    row.group = &g;
    for (const auto& values : g.values) {
      scratch = values;
      row.metrics.push_back(summarize(scratch, options.ci));
    }
    rows.push_back(std::move(row));
  }
  if (data.metrics.empty() || data.metrics[0].goal == Goal::kNone ||
      rows.empty())
    return rows;
  rank(rows, data.metrics[0].goal);
  if (rows[0].metrics[0].n > 0) mark_ties(rows, options.alpha);
  return rows;
}

}  // namespace sweep::report
