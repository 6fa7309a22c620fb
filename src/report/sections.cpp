// What each section of a report says, decided once for every text format.
#include <cmath>
#include <cstdio>

#include "report/report.hpp"
#include "report/text_table.hpp"

namespace sweep::report {

namespace {

std::string percent(double level) { return human(level * 100) + "%"; }

std::string goal_text(const MetricSpec& m) {
  return m.goal == Goal::kMax   ? m.name + ":max"
         : m.goal == Goal::kMin ? m.name + ":min"
                                : m.name;
}

// Two significant digits: an interval's width is itself uncertain.
std::string human2(double x) {
  if (std::isnan(x)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", x);
  return buf;
}

std::string mean_ci(const Summary& s) {
  if (s.n == 0) return "-";
  if (s.n < 2) return human(s.mean);
  return human(s.mean) + " ± " + human2(s.ci_half());
}

std::string tie_text(const GroupRow& row) {
  char p[32];
  std::snprintf(p, sizeof p, "%.2g", row.p);
  switch (row.tie) {
    case Tie::kBest:
      return "best";
    case Tie::kTie:
      return std::string("tie (p=") + p + ")";
    case Tie::kWorse:
      return std::string("worse (p=") + p + ")";
    case Tie::kUnknown:
      break;
  }
  return "";
}

std::string ties_note(const Report& r) {
  for (const GroupRow& row : r.rows)
    if (row.tie == Tie::kTie || row.tie == Tie::kWorse)
      return "vs best: tie = not significantly different from the best "
             "(Welch's t-test), worse = significantly worse";
  return "vs best: testing needs 2 or more values per group (--repeat, "
         "--over)";
}

TextTable groups_table(const Report& r) {
  const Dataset& d = *r.data;
  TextTable t;
  std::string order = r.goal() == Goal::kNone ? "in grid order"
                                              : "by " + goal_text(d.metrics[0]);
  t.title = "GROUPS (" + std::to_string(r.rows.size()) + " of " +
            std::to_string(d.groups.size()) + ", " + order + "; ± is the " +
            percent(r.ci) + " CI)";
  t.header = group_headers(d);
  t.right.assign(d.params.size(), false);
  for (const auto& m : d.metrics)
    for (const std::string& h : {m.name, std::string("sd"), std::string("n")})
      t.header.push_back(h);
  t.right.resize(t.header.size(), true);
  if (r.goal() != Goal::kNone) {
    t.header.push_back("vs best");
    t.right.push_back(false);
  }
  for (const GroupRow& row : r.rows) {
    auto& cells = t.rows.emplace_back(group_cells(d, *row.group));
    for (const Summary& s : row.metrics) {
      cells.push_back(mean_ci(s));
      cells.push_back(human(s.sd));
      cells.push_back(std::to_string(s.n));
    }
    if (r.goal() != Goal::kNone) cells.push_back(tie_text(row));
  }
  if (r.goal() != Goal::kNone) t.notes.push_back(ties_note(r));
  return t;
}

// A bar of eighths, as long as `share` (0..1) of `width` characters.
std::string bar(double share, int width) {
  static const char* kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  int eighths = static_cast<int>(std::lround(share * width * 8));
  std::string out;
  for (int i = 0; i < eighths / 8; ++i) out += "█";
  return out + kEighths[eighths % 8];
}

TextTable marginals_table(const Report& r, bool bars) {
  TextTable t;
  t.title = "MARGINALS of " + r.data->metrics[0].name +
            " (mean of the groups with each value; parameters by η², the "
            "share of variance they explain)";
  t.header = {"parameter", "η²", "value", "groups", "mean", "±", "gap"};
  t.right = {false, true, false, true, true, true, true};
  if (bars) t.header.push_back("");
  for (const Marginal& m : r.marginals) {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& v : m.values) {
      lo = std::min(lo, v.summary.mean);
      hi = std::max(hi, v.summary.mean);
    }
    bool first = true;
    for (const MarginalValue& v : m.values) {
      auto& cells = t.rows.emplace_back();
      cells = {first ? m.param : "",  first ? human(m.eta2) : "",
               to_text(v.value),      std::to_string(v.summary.n),
               human(v.summary.mean), human2(v.summary.ci_half()),
               human(v.gap)};
      if (bars)
        cells.push_back(
            bar(hi > lo ? (v.summary.mean - lo) / (hi - lo) : 1, 20));
      first = false;
    }
  }
  return t;
}

TextTable pivot_table(const Report& r) {
  const Pivot& p = *r.pivot;
  TextTable t;
  t.title = "PIVOT of " + r.data->metrics[0].name + ": " + p.row + " x " +
            p.col + " (mean ± " + percent(r.ci) + " CI)";
  t.header.push_back(p.row + " \\ " + p.col);
  t.right.push_back(false);
  for (const Value& c : p.cols) {
    t.header.push_back(to_text(c));
    t.right.push_back(true);
  }
  for (size_t i = 0; i < p.rows.size(); ++i) {
    auto& cells = t.rows.emplace_back();
    cells.push_back(to_text(p.rows[i]));
    for (const Summary& s : p.cells[i]) cells.push_back(mean_ci(s));
  }
  return t;
}

std::string counts_line(const Failures& f) {
  std::string out;
  for (const auto& [outcome, n] : f.by_outcome)
    out += (out.empty() ? "" : ", ") + outcome + ": " + std::to_string(n);
  return out;
}

TextTable failed_jobs_table(const Failures& f) {
  TextTable t;
  t.title =
      "  failed jobs" +
      std::string(f.jobs.size() == Failures::kListed
                      ? " (the first " + std::to_string(f.jobs.size()) + ")"
                      : "");
  t.header = {"job", "params", "outcome", "last stdout line",
              "last stderr line"};
  t.right = {true, false, false, false, false};
  for (const FailedJob& j : f.jobs)
    t.rows.push_back({std::to_string(j.job), j.params, j.outcome, j.last_stdout,
                      j.last_stderr});
  return t;
}

std::vector<TextTable> failure_tables(const Report& r) {
  const Dataset& d = *r.data;
  const Failures& f = d.failures;
  std::uint64_t failed = 0;
  for (const auto& [_, n] : f.by_outcome) failed += n;
  TextTable head;
  head.title = "FAILURES: " + std::to_string(failed) + " of " +
               std::to_string(d.jobs) + " jobs failed" +
               (failed ? " (" + counts_line(f) + ")" : "");
  if (f.stopped)
    head.notes.push_back(std::to_string(f.stopped) +
                         " jobs stopped by sweep (not counted)");
  if (f.pruned)
    head.notes.push_back(std::to_string(f.pruned) +
                         " jobs pruned by --prune (not counted)");
  if (f.unfinished)
    head.notes.push_back(std::to_string(f.unfinished) +
                         " jobs without an end record (not counted)");
  if (!r.no_metric.empty() && !d.metrics.empty()) {
    std::string groups;
    for (const Group* g : r.no_metric) {
      std::string params;
      for (const auto& [n, v] : g->params)
        params += (params.empty() ? "" : " ") + n + "=" + to_text(v);
      groups += (groups.empty() ? "" : "; ") + params;
    }
    head.notes.push_back(std::to_string(r.no_metric.size()) +
                         " groups without " + d.metrics[0].name + ": " +
                         groups);
  }
  std::vector<TextTable> out{head};
  if (!r.failure_rates.empty()) {
    TextTable rates;
    rates.title = "  failure rate by parameter value";
    rates.header = {"parameter", "value", "failed", "runs", "rate"};
    rates.right = {false, false, true, true, true};
    for (const FailureRate& fr : r.failure_rates)
      rates.rows.push_back({fr.param, to_text(fr.value),
                            std::to_string(fr.failed), std::to_string(fr.runs),
                            human(100.0 * static_cast<double>(fr.failed) /
                                  static_cast<double>(fr.runs)) +
                                "%"});
    out.push_back(std::move(rates));
  }
  if (!f.jobs.empty()) out.push_back(failed_jobs_table(f));
  return out;
}

}  // namespace

std::vector<TextTable> sections(const Report& report, bool bars) {
  std::vector<TextTable> out;
  out.push_back(groups_table(report));
  if (!report.marginals.empty()) out.push_back(marginals_table(report, bars));
  if (report.pivot) out.push_back(pivot_table(report));
  for (auto& t : failure_tables(report)) out.push_back(std::move(t));
  return out;
}

}  // namespace sweep::report
