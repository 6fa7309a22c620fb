// Views of the ranked groups: marginals per parameter (each group one
// observation, so a point repeated more often weighs no more), failure
// rates per value, and the pivot table.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "report/report.hpp"
#include "sweep/error.hpp"

namespace sweep::report {

namespace {

// Values of one parameter in first-seen order, each with its samples; an
// index keeps a lookup logarithmic when a parameter has many values.
template <class T>
struct ByValue {
  std::vector<std::pair<Value, T>> items;
  std::map<Value, size_t> index;
  T& at(const Value& v) {
    auto [it, fresh] = index.try_emplace(v, items.size());
    if (fresh) items.emplace_back(v, T{});
    return items[it->second].second;
  }
};

// The rows in grid order: data.groups is, and rows point into it.
std::vector<const GroupRow*> in_grid_order(const Dataset& data,
                                           const std::vector<GroupRow>& rows) {
  std::vector<const GroupRow*> by_group(data.groups.size(), nullptr);
  for (const GroupRow& r : rows)
    by_group[static_cast<size_t>(r.group - data.groups.data())] = &r;
  std::erase(by_group, nullptr);
  return by_group;
}

double eta_squared(
    const std::vector<std::pair<Value, std::vector<double>>>& by) {
  double sum = 0, n = 0;
  for (const auto& [v, means] : by)
    for (double m : means) sum += m, ++n;
  double grand = sum / n, total = 0, between = 0;
  for (const auto& [v, means] : by) {
    double s = 0;
    for (double m : means) {
      s += m;
      total += (m - grand) * (m - grand);
    }
    double mean = s / static_cast<double>(means.size());
    between +=
        static_cast<double>(means.size()) * (mean - grand) * (mean - grand);
  }
  return total > 0 ? between / total : 0;
}

Marginal marginal_of(const std::string& param,
                     std::vector<std::pair<Value, std::vector<double>>>& by,
                     Goal goal, double ci) {
  Marginal m;
  m.param = param;
  m.eta2 = eta_squared(by);
  double best = std::numeric_limits<double>::quiet_NaN();
  for (auto& [value, means] : by) {
    m.values.push_back(MarginalValue{value, summarize(means, ci), 0});
    if (better(m.values.back().summary.mean, best, goal))
      best = m.values.back().summary.mean;
  }
  for (auto& v : m.values)
    v.gap = goal == Goal::kNone ? std::numeric_limits<double>::quiet_NaN()
                                : std::fabs(best - v.summary.mean);
  return m;
}

}  // namespace

std::vector<Marginal> marginals(const Dataset& data,
                                const std::vector<GroupRow>& rows, double ci) {
  std::vector<Marginal> out;
  if (data.metrics.empty()) return out;
  std::vector<const GroupRow*> ordered = in_grid_order(data, rows);
  for (const std::string& param : data.params) {
    ByValue<std::vector<double>> by;  // values in grid order
    for (const GroupRow* row : ordered) {
      const Value* v = find_param(row->group->params, param);
      if (v && row->metrics[0].n > 0) by.at(*v).push_back(row->metrics[0].mean);
    }
    if (by.items.size() < 2) continue;  // a constant says nothing
    out.push_back(marginal_of(param, by.items, data.metrics[0].goal, ci));
  }
  std::stable_sort(
      out.begin(), out.end(),
      [](const Marginal& a, const Marginal& b) { return a.eta2 > b.eta2; });
  return out;
}

std::vector<FailureRate> failure_rates(const Dataset& data) {
  std::vector<FailureRate> out;
  for (const std::string& param : data.params) {
    ByValue<std::pair<std::uint64_t, std::uint64_t>> by;  // runs, failed
    for (const Group& g : data.groups)
      if (const Value* v = find_param(g.params, param)) {
        auto& [runs, failed] = by.at(*v);
        runs += g.runs;
        failed += g.failed;
      }
    for (const auto& [value, counts] : by.items)
      if (counts.second > 0)
        out.push_back(FailureRate{param, value, counts.first, counts.second});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FailureRate& a, const FailureRate& b) {
                     return a.failed * b.runs > b.failed * a.runs;
                   });
  return out;
}

Pivot pivot(const Dataset& data, const std::vector<GroupRow>& rows,
            const std::string& row, const std::string& col, double ci) {
  std::vector<const GroupRow*> ordered = in_grid_order(data, rows);
  ByValue<ByValue<std::vector<double>>> cells;
  ByValue<bool> cols;
  for (const GroupRow* r : ordered) {
    const Value* rv = find_param(r->group->params, row);
    const Value* cv = find_param(r->group->params, col);
    if (!rv || !cv || data.metrics.empty()) continue;
    cols.at(*cv);
    auto& values = cells.at(*rv).at(*cv);
    const auto& primary = r->group->values[0];
    values.insert(values.end(), primary.begin(), primary.end());
  }
  Pivot p{row, col, {}, {}, {}};
  for (const auto& [v, _] : cols.items) p.cols.push_back(v);
  for (auto& [rv, by_col] : cells.items) {
    p.rows.push_back(rv);
    auto& line = p.cells.emplace_back();
    for (const Value& cv : p.cols) line.push_back(summarize(by_col.at(cv), ci));
  }
  return p;
}

namespace {

void check_param(const Dataset& data, const std::string& name,
                 const std::string& flag, const std::string& written) {
  if (std::find(data.params.begin(), data.params.end(), name) !=
      data.params.end())
    return;
  std::string known;
  for (const auto& p : data.params) known += (known.empty() ? "" : ", ") + p;
  throw Error(flag + " '" + written + "': no parameter '" + name +
              "' (parameters: " + (known.empty() ? "none" : known) + ")");
}

}  // namespace

Report build_report(const Dataset& data, const ReportOptions& options) {
  for (const Condition& c : options.where)
    check_param(data, c.name, "--where", c.written);
  if (options.pivot) {
    std::string written = options.pivot->first + "," + options.pivot->second;
    check_param(data, options.pivot->first, "--pivot", written);
    check_param(data, options.pivot->second, "--pivot", written);
  }
  Report r;
  r.data = &data;
  r.ci = options.ci;
  r.rows = rank_groups(data, options);
  r.marginals = marginals(data, r.rows, options.ci);
  r.failure_rates = failure_rates(data);
  for (const GroupRow& row : r.rows)
    if (!row.metrics.empty() && row.metrics[0].n == 0)
      r.no_metric.push_back(row.group);
  if (options.pivot)
    r.pivot = pivot(data, r.rows, options.pivot->first, options.pivot->second,
                    options.ci);
  if (options.top && r.rows.size() > options.top) r.rows.resize(options.top);
  return r;
}

}  // namespace sweep::report
