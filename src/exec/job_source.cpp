#include "sweep/scheduler.hpp"

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

GridJobSource::GridJobSource(const Grid& grid, const CommandTemplate& command)
    : grid_(grid), command_(command), size_(grid.size()) {
  for (const auto& name : grid.names())
    env_names_.push_back(env_var_name(name));
}

Job GridJobSource::make_job(std::uint64_t i) const {
  Point p = grid_.point(i);
  Job job;
  job.index = i;
  job.argv = command_.render(p);
  append_params_json(job.params_json, grid_, p);
  job.env.reserve(p.values.size() + 2);
  for (size_t k = 0; k < p.values.size(); ++k)
    job.env.push_back(env_names_[k] + "=" + to_text(p.values[k]));
  job.env.push_back("SWEEP_JOB=" + std::to_string(i));
  job.env.push_back("SWEEP_PARAMS=" + job.params_json);
  return job;
}

std::optional<Job> GridJobSource::next() {
  if (next_ >= size_) return std::nullopt;
  return make_job(next_++);
}

}  // namespace sweep
