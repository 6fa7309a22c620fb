#include "report/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "report/format.hpp"
#include "report/student_t.hpp"
#include "report/text_table.hpp"
#include "sweep/error.hpp"

namespace sweep::report {

Difference difference(const Summary& a, const Summary& b, double level) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  Difference d{b.mean - a.mean, kNaN, kNaN, kNaN};
  if (a.n < 2 || b.n < 2) return d;
  WelchResult w =
      welch_test({b.n, b.mean, b.sd * b.sd}, {a.n, a.mean, a.sd * a.sd});
  double se = std::sqrt(a.sd * a.sd / static_cast<double>(a.n) +
                        b.sd * b.sd / static_cast<double>(b.n));
  double t = se > 0 ? student_t_quantile(1 - (1 - level) / 2, w.df) : 0;
  d.ci_low = d.mean - t * se;
  d.ci_high = d.mean + t * se;
  d.p = w.p;
  return d;
}

namespace {

std::string key_of(const std::vector<std::pair<std::string, Value>>& params) {
  std::string key;
  for (const auto& [name, value] : params) {
    key += name + '\x1f';
    append_json(key, value);
    key += '\x1e';
  }
  return key;
}

size_t metric_index(const Labelled& run, const std::string& name) {
  const auto& metrics = run.report->data->metrics;
  for (size_t i = 0; i < metrics.size(); ++i)
    if (metrics[i].name == name) return i;
  throw Error("--label " + run.label + ": no metric '" + name +
              "' in its input");
}

}  // namespace

Comparison compare(const std::vector<Labelled>& runs) {
  Comparison c;
  const Dataset& first = *runs.at(0).report->data;
  if (first.metrics.empty()) throw Error("--label: no metric to compare");
  c.metric = first.metrics[0];
  c.ci = runs[0].report->ci;
  std::map<std::string, size_t> rows;  // params key -> row
  std::vector<double> nothing;
  const Summary none = summarize(nothing, c.ci);  // n = 0, NaN figures
  for (size_t r = 0; r < runs.size(); ++r) {
    c.labels.push_back(runs[r].label);
    size_t m = metric_index(runs[r], c.metric.name);
    for (const auto& p : runs[r].report->data->params)
      if (std::find(c.params.begin(), c.params.end(), p) == c.params.end())
        c.params.push_back(p);
    for (const GroupRow& g : runs[r].report->rows) {
      auto [it, fresh] =
          rows.try_emplace(key_of(g.group->params), c.rows.size());
      if (fresh) c.rows.push_back(ComparisonRow{g.group->params, {}, {}});
      auto& row = c.rows[it->second];
      row.runs.resize(runs.size(), none);
      row.runs[r] = g.metrics[m];
    }
  }
  for (ComparisonRow& row : c.rows) {
    row.runs.resize(runs.size(), none);
    const Summary &a = row.runs.front(), &b = row.runs.back();
    if (runs.size() > 1 && a.n > 0 && b.n > 0)
      row.diff = difference(a, b, c.ci);
  }
  return c;
}

}  // namespace sweep::report

namespace sweep::report {

namespace {

std::string param_text(const ComparisonRow& row, const std::string& name) {
  const Value* v = find_param(row.params, name);
  return v ? to_text(*v) : "";
}

std::string short_num(double x, const char* fmt) {
  if (std::isnan(x)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, x);
  return buf;
}

TextTable comparison_table(const Comparison& c) {
  TextTable t;
  std::string last = c.labels.back(), first = c.labels.front();
  t.title = "COMPARISON of " + c.metric.name + ": " + last + " - " + first +
            " (mean ± " + human(c.ci * 100) + "% CI; Welch)";
  t.header = c.params;
  t.right.assign(t.header.size(), false);
  for (const auto& l : c.labels) t.header.insert(t.header.end(), {l, "n"});
  t.header.insert(t.header.end(), {"diff", "±", "p"});
  t.right.resize(t.header.size(), true);
  for (const ComparisonRow& row : c.rows) {
    auto& cells = t.rows.emplace_back();
    for (const auto& p : c.params) cells.push_back(param_text(row, p));
    for (const Summary& s : row.runs) {
      std::string mean =
          s.n == 0  ? "-"
          : s.n < 2 ? human(s.mean)
                    : human(s.mean) + " ± " + short_num(s.ci_half(), "%.2g");
      cells.insert(cells.end(), {mean, std::to_string(s.n)});
    }
    if (row.diff) {
      const Difference& d = *row.diff;
      cells.insert(cells.end(), {human(d.mean),
                                 short_num((d.ci_high - d.ci_low) / 2, "%.2g"),
                                 short_num(d.p, "%.2g")});
    } else {
      cells.insert(cells.end(), {"-", "-", "-"});
    }
  }
  return t;
}

std::string comparison_delimited(const Comparison& c, char sep) {
  std::vector<std::string> head = c.params;
  for (const auto& l : c.labels)
    for (const char* s : {"_n", "_mean", "_ci_low", "_ci_high"})
      head.push_back(l + s);
  head.insert(head.end(), {"diff", "diff_ci_low", "diff_ci_high", "diff_p"});
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i)
      out += (i ? std::string(1, sep) : "") + cells[i];
    out += '\n';
  };
  line(head);
  for (const ComparisonRow& row : c.rows) {
    std::vector<std::string> cells;
    for (const auto& p : c.params) cells.push_back(param_text(row, p));
    for (const Summary& s : row.runs)
      cells.insert(cells.end(), {std::to_string(s.n), s.n ? exact(s.mean) : "",
                                 exact(s.ci_low), exact(s.ci_high)});
    Difference d = row.diff.value_or(Difference{NAN, NAN, NAN, NAN});
    cells.insert(cells.end(), {exact(d.mean), exact(d.ci_low), exact(d.ci_high),
                               exact(d.p)});
    line(cells);
  }
  return out;
}

}  // namespace

std::string render_comparison(const Comparison& c, Format format) {
  switch (format) {
    case Format::kTable:
      return write_aligned({comparison_table(c)});
    case Format::kMd:
      return write_markdown({comparison_table(c)});
    case Format::kLatex:
      return write_latex({comparison_table(c)});
    case Format::kCsv:
      return comparison_delimited(c, ',');
    case Format::kTsv:
      return comparison_delimited(c, '\t');
    case Format::kJson:
      return comparison_json(c);
  }
  return "";
}

}  // namespace sweep::report
