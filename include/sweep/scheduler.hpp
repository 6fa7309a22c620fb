#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "sweep/command_template.hpp"
#include "sweep/grid.hpp"
#include "sweep/job.hpp"
#include "sweep/plan.hpp"
#include "sweep/runner.hpp"

namespace sweep {

/// Hands out a plan's jobs in order, rendered from a command template.
class GridJobSource : public JobSource {
 public:
  /// All three must outlive the source.
  GridJobSource(const Grid& grid, const Plan& plan,
                const CommandTemplate& command);
  std::optional<Job> next(std::size_t slot) override;
  /// The job at a plan position, to run in a slot.
  Job make_job(std::uint64_t pos, std::size_t slot);

 private:
  const Grid& grid_;
  const Plan& plan_;
  const CommandTemplate& command_;
  PointCursor cursor_;
  std::uint64_t next_ = 0;
  std::vector<std::string> env_names_;  ///< SWEEP_<NAME> per parameter.
};

/// The environment variable that carries a parameter: SWEEP_ and the name
/// upper-cased, characters other than letters and digits turned into `_`.
std::string env_var_name(const std::string& param);

/// Scheduler settings.
struct SchedulerOptions {
  size_t threads = 1;  ///< Jobs at once; at least 1.
  /// After an interrupt, how long running jobs get between SIGTERM and SIGKILL.
  std::chrono::milliseconds kill_grace{5000};
};

/// How a scheduler run ended.
struct RunOutcome {
  int interrupted_by = 0;     ///< The signal that stopped the run, or 0.
  bool sink_stopped = false;  ///< A sink asked to stop (e.g. a closed pipe).
  double wall_s = 0;          ///< From the first start to the last finish.
};

/// Runs jobs from a source through a runner, at most `threads` at once.
class Scheduler {
 public:
  Scheduler(JobSource& source, Runner& runner, EventSink& sink,
            SchedulerOptions options);
  /// Runs until the source is exhausted and every job finished, or until an
  /// interrupt or the sink stops it (running jobs are then terminated).
  RunOutcome run();

 private:
  JobSource& source_;
  Runner& runner_;
  EventSink& sink_;
  SchedulerOptions options_;
};

}  // namespace sweep
