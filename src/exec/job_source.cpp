#include "core/job_key.hpp"
#include "exec/scheduler.hpp"

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

GridJobSource::GridJobSource(const Grid& grid, const Plan& plan,
                             const CommandTemplate& command)
    : grid_(grid), plan_(plan), command_(command), cursor_(grid) {
  for (const auto& name : grid.names())
    env_names_.push_back(env_var_name(name));
}

JobKey GridJobSource::key_of(const Point& p, std::uint64_t rep) const {
  std::vector<std::pair<std::string_view, const Value*>> params;
  params.reserve(p.values.size());
  for (const auto& [param, value] : p.values)
    params.emplace_back(grid_.names()[param], &value);
  return job_key(std::move(params), rep);
}

Job GridJobSource::build(std::uint64_t pos, const PlannedJob& planned,
                         const Point& p, const JobKey& key,
                         std::size_t slot) const {
  Job job;
  job.index = planned.job;
  job.point = planned.point;
  job.rep = planned.rep;
  job.repeated = plan_.options().repeat > 1;
  job.slot = slot;
  job.pos = pos;
  job.key = key;
  if (dirs_.path) {
    job.dir = dirs_.path(key);
    if (dirs_.chdir) job.cwd = job.dir;
  }
  job.env.reserve(p.values.size() + 8);
  if (resources_) resources_->assign(job);
  std::string gpus = join_devices(job.gpus);
  job.argv = command_.render(
      p, JobContext{planned.job, planned.rep, slot, job.dir, gpus});
  append_params_json(job.params_json, grid_, p);
  append_params_b64_json(job.params_b64_json, grid_, p);
  for (const auto& [param, value] : p.values)
    job.env.push_back(env_names_[param] + "=" + to_text(value));
  job.env.push_back("SWEEP_JOB=" + std::to_string(planned.job));
  job.env.push_back("SWEEP_REP=" + std::to_string(planned.rep));
  job.env.push_back("SWEEP_SLOT=" + std::to_string(slot));
  job.env.push_back("SWEEP_PARAMS=" + job.params_json);
  if (!job.params_b64_json.empty())
    job.env.push_back("SWEEP_PARAMS_B64=" + job.params_b64_json);
  if (!job.dir.empty()) job.env.push_back("SWEEP_JOB_DIR=" + job.dir);
  return job;
}

Job GridJobSource::make_job(std::uint64_t pos, std::size_t slot) {
  PlannedJob planned = plan_.at(pos);
  Point p = cursor_.point(planned.point);
  JobKey key = key_of(p, planned.rep);
  if (dirs_.create) dirs_.create(key);
  return build(pos, planned, p, key, slot);
}

Job GridJobSource::again(const Job& job, std::size_t slot) {
  Job j = make_job(job.pos, slot);
  j.seq = job.seq;
  j.attempt = job.attempt;
  j.requeues = job.requeues;
  return j;
}

std::uint64_t GridJobSource::count_skips() const {
  if (!skip_) return 0;
  PointCursor cursor(grid_);
  std::uint64_t n = 0;
  for (std::uint64_t pos = 0; pos < plan_.size(); ++pos) {
    PlannedJob planned = plan_.at(pos);
    n += skip_(key_of(cursor.point(planned.point), planned.rep));
  }
  return n;
}

std::optional<Job> GridJobSource::next(std::size_t slot) {
  while (next_ < plan_.size()) {
    std::uint64_t pos = next_++;
    PlannedJob planned = plan_.at(pos);
    Point p = cursor_.point(planned.point);
    JobKey key = key_of(p, planned.rep);
    if (skip_ && skip_(key)) {
      ++skipped_;
      continue;
    }
    if (dirs_.create) dirs_.create(key);
    return build(pos, planned, p, key, slot);
  }
  return std::nullopt;
}

}  // namespace sweep
