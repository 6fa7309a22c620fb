// The report as one JSON object, for programs: every figure, NaN as null.
#include <cmath>
#include <nlohmann/json.hpp>

#include "report/compare.hpp"
#include "report/format.hpp"

namespace sweep::report {

namespace {

using Json = nlohmann::ordered_json;

Json number(double x) { return std::isnan(x) ? Json(nullptr) : Json(x); }

Json value_json(const Value& v) {
  return std::visit([](const auto& x) { return Json(x); }, v);
}

Json summary_json(const Summary& s) {
  return Json{{"n", s.n},
              {"mean", number(s.mean)},
              {"sd", number(s.sd)},
              {"sem", number(s.sem)},
              {"ci_low", number(s.ci_low)},
              {"ci_high", number(s.ci_high)},
              {"median", number(s.median)},
              {"min", number(s.min)},
              {"max", number(s.max)}};
}

Json group_json(const Report& r, const GroupRow& row) {
  Json g;
  g["params"] = Json::object();
  for (const auto& [name, value] : row.group->params)
    g["params"][name] = value_json(value);
  g["runs"] = row.group->runs;
  g["failed"] = row.group->failed;
  if (row.group->rung >= 0) g["rung"] = row.group->rung;
  g["metrics"] = Json::object();
  for (size_t i = 0; i < row.metrics.size(); ++i)
    g["metrics"][r.data->metrics[i].name] = summary_json(row.metrics[i]);
  g["tie_best"] =
      row.tie == Tie::kUnknown ? Json(nullptr) : Json(row.tie != Tie::kWorse);
  if (row.tie == Tie::kTie || row.tie == Tie::kWorse) g["p"] = row.p;
  return g;
}

// A group's learning curve: per step, n, mean and sd of the primary metric.
Json curve_json(const GroupCurve& c) {
  Json out = Json::array();
  for (const CurvePoint& p : c.points())
    out.push_back(Json{{"step", p.step},
                       {"n", p.n},
                       {"mean", number(p.mean)},
                       {"sd", number(p.sd())}});
  return out;
}

Json totals_json(const Report& r) {
  const Dataset& d = *r.data;
  std::uint64_t failed = 0;
  for (const auto& [outcome, jobs] : d.failures.by_outcome) failed += jobs;
  return Json{{"groups", d.groups.size()},
              {"jobs", d.jobs},
              {"succeeded", d.jobs - failed},
              {"failed", failed},
              {"records", d.records}};
}

Json marginals_json(const Report& r) {
  Json out = Json::array();
  for (const Marginal& m : r.marginals) {
    Json values = Json::array();
    for (const MarginalValue& v : m.values) {
      Json j = summary_json(v.summary);
      j["gap"] = number(v.gap);
      values.push_back(
          Json{{"value", value_json(v.value)}, {"groups", v.summary.n}});
      values.back().update(j);
    }
    out.push_back(
        Json{{"param", m.param}, {"eta2", m.eta2}, {"values", values}});
  }
  return out;
}

Json failures_json(const Report& r) {
  const Failures& f = r.data->failures;
  Json j{{"by_outcome", Json(f.by_outcome)},
         {"timeouts", f.timeouts},
         {"stopped", f.stopped},
         {"pruned", f.pruned},
         {"unfinished", f.unfinished}};
  j["rates"] = Json::array();
  for (const FailureRate& fr : r.failure_rates)
    j["rates"].push_back(Json{{"param", fr.param},
                              {"value", value_json(fr.value)},
                              {"failed", fr.failed},
                              {"runs", fr.runs}});
  j["jobs"] = Json::array();
  for (const FailedJob& job : f.jobs)
    j["jobs"].push_back(
        Json{{"job", job.job},
             {"params", Json::parse(job.params, nullptr, false)},
             {"outcome", job.outcome},
             {"last_stdout", job.last_stdout},
             {"last_stderr", job.last_stderr}});
  j["no_metric"] = Json::array();
  for (const Group* g : r.no_metric) {
    Json params = Json::object();
    for (const auto& [name, value] : g->params)
      params[name] = value_json(value);
    j["no_metric"].push_back(params);
  }
  return j;
}

Json pivot_json(const Pivot& p) {
  Json j{{"row", p.row}, {"col", p.col}};
  j["rows"] = Json::array();
  j["cols"] = Json::array();
  for (const Value& v : p.rows) j["rows"].push_back(value_json(v));
  for (const Value& v : p.cols) j["cols"].push_back(value_json(v));
  j["cells"] = Json::array();
  for (const auto& line : p.cells) {
    Json row = Json::array();
    for (const Summary& s : line) row.push_back(summary_json(s));
    j["cells"].push_back(row);
  }
  return j;
}

}  // namespace

std::string comparison_json(const Comparison& c) {
  Json j{{"labels", c.labels}, {"metric", c.metric.name}, {"ci", c.ci}};
  j["rows"] = Json::array();
  for (const ComparisonRow& row : c.rows) {
    Json params = Json::object();
    for (const auto& [name, value] : row.params)
      params[name] = value_json(value);
    Json runs = Json::object();
    for (size_t i = 0; i < row.runs.size(); ++i)
      runs[c.labels[i]] = summary_json(row.runs[i]);
    Json diff = nullptr;
    if (row.diff)
      diff = Json{{"mean", number(row.diff->mean)},
                  {"ci_low", number(row.diff->ci_low)},
                  {"ci_high", number(row.diff->ci_high)},
                  {"p", number(row.diff->p)}};
    j["rows"].push_back(
        Json{{"params", params}, {"runs", runs}, {"diff", diff}});
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string write_json(const Report& r) {
  Json j;
  if (!r.label.empty()) j["label"] = r.label;
  j["ci"] = r.ci;
  j["metrics"] = Json::array();
  for (const MetricSpec& m : r.data->metrics)
    j["metrics"].push_back(
        Json{{"name", m.name},
             {"goal", m.goal == Goal::kMax   ? Json("max")
                      : m.goal == Goal::kMin ? Json("min")
                                             : Json(nullptr)}});
  j["totals"] = totals_json(r);
  j["groups"] = Json::array();
  for (const GroupRow& row : r.rows) {
    j["groups"].push_back(group_json(r, row));
    const GroupCurve& curve = row.group->curve;
    if (j["groups"].size() <= kCurveGroups && !curve.points().empty())
      j["groups"].back()["curve"] = curve_json(curve);
  }
  j["marginals"] = marginals_json(r);
  j["failures"] = failures_json(r);
  if (r.pivot) j["pivot"] = pivot_json(*r.pivot);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace sweep::report
