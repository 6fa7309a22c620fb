#include "exec/job_source.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/job_key.hpp"
#include "sweep/error.hpp"

namespace sweep {

std::string env_var_name(const std::string& param) {
  std::string out = "SWEEP_";
  for (char c : param) {
    if (c >= 'a' && c <= 'z')
      out += static_cast<char>(c - 'a' + 'A');
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      out += c;
    else
      out += '_';
  }
  return out;
}

JobBuilder::JobBuilder(const Grid& grid, const CommandTemplate& command)
    : grid_(grid), command_(command) {
  for (const auto& name : grid.names())
    env_names_.push_back(env_var_name(name));
}

JobKey JobBuilder::key_of(const Point& p, std::uint64_t rep) const {
  std::vector<std::pair<std::string_view, const Value*>> params;
  params.reserve(p.values.size());
  for (const auto& [param, value] : p.values)
    params.emplace_back(grid_.names()[param], &value);
  return job_key(std::move(params), rep);
}

void JobBuilder::build(Job& job, const Point& p, const JobKey& key,
                       std::size_t slot) const {
  job.slot = slot;
  job.key = key;
  if (dirs_.path) {
    job.dir = dirs_.path(key);
    if (dirs_.chdir) job.cwd = job.dir;
    if (dirs_.create) dirs_.create(key);
  }
  job.env.reserve(p.values.size() + 8);
  if (resources_) resources_->assign(job);
  std::string gpus = join_devices(job.gpus);
  job.argv =
      command_.render(p, JobContext{job.index, job.rep, slot, job.dir, gpus});
  append_params_json(job.params_json, grid_, p);
  append_params_b64_json(job.params_b64_json, grid_, p);
  for (const auto& [param, value] : p.values)
    job.env.push_back(env_names_[param] + "=" + to_text(value));
  job.env.push_back("SWEEP_JOB=" + std::to_string(job.index));
  job.env.push_back("SWEEP_REP=" + std::to_string(job.rep));
  job.env.push_back("SWEEP_SLOT=" + std::to_string(slot));
  job.env.push_back("SWEEP_PARAMS=" + job.params_json);
  if (!job.params_b64_json.empty())
    job.env.push_back("SWEEP_PARAMS_B64=" + job.params_b64_json);
  if (!job.dir.empty()) job.env.push_back("SWEEP_JOB_DIR=" + job.dir);
}

GridJobSource::GridJobSource(const Grid& grid, const Plan& plan,
                             const CommandTemplate& command)
    : grid_(grid), plan_(plan), builder_(grid, command), cursor_(grid) {}

Job GridJobSource::make(std::uint64_t pos, const PlannedJob& planned,
                        const Point& p, const JobKey& key,
                        std::size_t slot) const {
  Job job;
  job.index = planned.job;
  job.point = planned.point;
  job.rep = planned.rep;
  job.repeated = plan_.options().repeat > 1;
  job.pos = pos;
  builder_.build(job, p, key, slot);
  return job;
}

Job GridJobSource::make_job(std::uint64_t pos, std::size_t slot) {
  PlannedJob planned = plan_.at(pos);
  Point p = cursor_.point(planned.point);
  return make(pos, planned, p, builder_.key_of(p, planned.rep), slot);
}

namespace {

// A job rendered again for another attempt keeps its place and counts.
Job another_attempt(Job fresh, const Job& old) {
  fresh.seq = old.seq;
  fresh.attempt = old.attempt;
  fresh.requeues = old.requeues;
  return fresh;
}

}  // namespace

Job GridJobSource::again(const Job& job, std::size_t slot) {
  return another_attempt(make_job(job.pos, slot), job);
}

std::uint64_t GridJobSource::count_skips() const {
  if (!skip_) return 0;
  PointCursor cursor(grid_);
  std::uint64_t n = 0;
  for (std::uint64_t pos = 0; pos < plan_.size(); ++pos) {
    PlannedJob planned = plan_.at(pos);
    n += skip_(builder_.key_of(cursor.point(planned.point), planned.rep));
  }
  return n;
}

std::optional<Job> GridJobSource::next(std::size_t slot) {
  while (next_ < plan_.size()) {
    std::uint64_t pos = next_++;
    PlannedJob planned = plan_.at(pos);
    Point p = cursor_.point(planned.point);
    JobKey key = builder_.key_of(p, planned.rep);
    if (skip_ && skip_(key)) {
      ++skipped_;
      continue;
    }
    return make(pos, planned, p, key, slot);
  }
  return std::nullopt;
}

namespace {

std::vector<Value> rungs_between(std::int64_t min, std::int64_t max,
                                 unsigned eta) {
  std::vector<Value> out;
  for (std::int64_t r = min; r < max; r *= eta) {
    out.emplace_back(r);
    if (r > max / eta) break;  // the next would pass MAX (or overflow)
  }
  out.emplace_back(max);
  return out;
}

// Each MIN * eta^k computed anew and kept to 12 digits, so that 0.1..1
// gives 0.3 and 0.9, not 0.30000000000000004.
std::vector<Value> rungs_between(double min, double max, unsigned eta) {
  std::vector<Value> out;
  for (int k = 0;; ++k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.12g", min * std::pow(double(eta), k));
    double r = std::strtod(buf, nullptr);
    if (r >= max) break;
    out.emplace_back(r);
  }
  out.emplace_back(max);
  return out;
}

}  // namespace

HalvingBudget parse_halving(std::string_view text, std::uint64_t eta) {
  if (eta < 2 || eta > 1000000)
    throw Error("--eta " + std::to_string(eta) +
                ": must be a whole number from 2 to 1000000");
  auto bad = [&](const std::string& why) {
    return Error("--halving '" + std::string(text) + "': " + why);
  };
  std::size_t eq = text.find('='), dots = text.find("..");
  if (eq == std::string_view::npos || eq == 0 ||
      dots == std::string_view::npos || dots < eq)
    throw bad("expected NAME=MIN..MAX, e.g. epochs=1..27");
  HalvingBudget b;
  b.name = std::string(text.substr(0, eq));
  b.eta = static_cast<unsigned>(eta);
  Value lo = parse_scalar(text.substr(eq + 1, dots - eq - 1));
  Value hi = parse_scalar(text.substr(dots + 2));
  std::optional<double> min = as_number(lo), max = as_number(hi);
  if (!min || !max || std::holds_alternative<bool>(lo) ||
      std::holds_alternative<bool>(hi))
    throw bad("MIN and MAX must be numbers");
  if (!(*min > 0) || !(*max > *min))
    throw bad("the budgets must satisfy 0 < MIN < MAX");
  if (std::holds_alternative<std::int64_t>(lo) &&
      std::holds_alternative<std::int64_t>(hi))
    b.budgets = rungs_between(std::get<std::int64_t>(lo),
                              std::get<std::int64_t>(hi), b.eta);
  else
    b.budgets = rungs_between(*min, *max, b.eta);
  if (b.budgets.size() > 64)
    throw bad(std::to_string(b.budgets.size()) +
              " rungs; at most 64 (a larger --eta, or a larger MIN)");
  return b;
}

Grid grid_with_budget(const Grid& grid, const HalvingBudget& budget) {
  if (grid.members().size() != 1)
    throw Error("--halving: not with a union grid (" +
                std::to_string(grid.members().size()) +
                " members): successive halving ranks one product of "
                "parameters");
  if (grid.find_param(budget.name) >= 0)
    throw Error("--halving " + budget.name + ": '" + budget.name +
                "' is a grid parameter already; --halving sets it per rung");
  Grid g = grid;
  g.axis(budget.name, budget.budgets);
  g.size();  // throws if the trials' numbers would pass 2^64
  return g;
}

HalvingJobSource::HalvingJobSource(const Grid& grid, const Grid& budgeted,
                                   const Plan& plan,
                                   const CommandTemplate& command,
                                   HalvingBudget budget)
    : budgeted_(budgeted),
      plan_(plan),
      budget_(std::move(budget)),
      budget_param_(budgeted.find_param(budget_.name)),
      builder_(budgeted, command),
      cursor_(grid),
      halving_(HalvingShape{plan.size(),
                            static_cast<unsigned>(budget_.budgets.size()),
                            budget_.eta, budget_.hyperband, budget_.maximize}) {
}

Point HalvingJobSource::point_of(Trial t) {
  Point p = cursor_.point(plan_.at(t.config).point);
  p.values.emplace_back(budget_param_, budget_.budgets[t.rung]);
  p.names = &budgeted_.names();  // the budget's index is the budgeted grid's
  return p;
}

Job HalvingJobSource::make(Trial t, std::size_t slot) {
  Point p = point_of(t);
  Job job;
  job.point = plan_.at(t.config).point;
  job.index = job.point * budget_.budgets.size() + t.rung;
  job.pos = t.config;
  job.rung = static_cast<int>(t.rung);
  builder_.build(job, p, builder_.key_of(p, 0), slot);
  return job;
}

std::optional<Job> HalvingJobSource::next(std::size_t slot) {
  std::optional<Trial> t = halving_.next();
  if (!t) return std::nullopt;
  return make(*t, slot);
}

Job HalvingJobSource::again(const Job& job, std::size_t slot) {
  return another_attempt(
      make(Trial{job.pos, static_cast<unsigned>(job.rung)}, slot), job);
}

void HalvingJobSource::finished(const Job& job, const JobResult& result) {
  if (job.rung < 0 || result.stopped) return;
  std::optional<double> value;
  if (result.ok()) value = result.rung_value;
  unranked_ += result.ok() && !value;
  ranked_ += value.has_value();
  halving_.finished(Trial{job.pos, static_cast<unsigned>(job.rung)}, value);
}

std::uint64_t HalvingJobSource::restore(const PastTrial& past) {
  std::uint64_t n = 0;
  for (std::uint64_t c = 0; c < plan_.size(); ++c) {
    for (unsigned r = halving_.first_rung(c); r < budget_.budgets.size(); ++r) {
      Point p = point_of(Trial{c, r});
      std::optional<double> value;
      bool ok = false;
      if (!past(builder_.key_of(p, 0), ok, value)) continue;
      if (!ok) value.reset();
      restored_unranked_ += ok && !value;
      halving_.restored(Trial{c, r}, value);
      ++n;
    }
  }
  return n;
}

}  // namespace sweep
