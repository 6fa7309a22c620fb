#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "command/command_template.hpp"
#include "core/job.hpp"
#include "exec/machine_probe.hpp"
#include "exec/runner.hpp"
#include "exec/slot_resources.hpp"
#include "grid/plan.hpp"
#include "sweep/grid.hpp"

namespace sweep {

/// Each job's own directory (--run-dir, --results): where it is and how it is
/// made. The exec layer only names it; the caller creates it safely.
struct JobDirOptions {
  /// The absolute path of a job's directory.
  std::function<std::string(const JobKey&)> path;
  /// Creates it before the job starts (not set for --dry-run).
  std::function<void(const JobKey&)> create;
  bool chdir = false;  ///< Run the job in it (--chdir).
};

/// Hands out a plan's jobs in order, rendered from a command template.
class GridJobSource : public JobSource {
 public:
  /// All three must outlive the source.
  GridJobSource(const Grid& grid, const Plan& plan,
                const CommandTemplate& command);
  std::optional<Job> next(std::size_t slot) override;
  /// Renders the job again, so that <@slot> names its new slot.
  Job again(const Job& job, std::size_t slot) override;
  /// The job at a plan position, to run in a slot.
  Job make_job(std::uint64_t pos, std::size_t slot);
  /// Skips jobs whose key the predicate accepts (already done: --resume).
  void set_skip(std::function<bool(const JobKey&)> skip) {
    skip_ = std::move(skip);
  }
  /// Gives every job a directory: `<@dir>`, SWEEP_JOB_DIR, and with chdir
  /// its working directory. The directory is created as the job is handed
  /// out, before it starts.
  void set_job_dirs(JobDirOptions dirs) { dirs_ = std::move(dirs); }
  /// Gives each job its slot's share (devices, cores, variables; see
  /// SlotResources), which must outlive the source.
  void set_slot_resources(const SlotResources* r) { resources_ = r; }
  /// Jobs skipped so far.
  std::uint64_t skipped() const { return skipped_; }
  /// How many jobs of the whole plan the skip predicate accepts: one pass
  /// over the plan's keys, rendering nothing.
  std::uint64_t count_skips() const;

 private:
  JobKey key_of(const Point& p, std::uint64_t rep) const;
  Job build(std::uint64_t pos, const PlannedJob& planned, const Point& p,
            const JobKey& key, std::size_t slot) const;

  const Grid& grid_;
  const Plan& plan_;
  const CommandTemplate& command_;
  PointCursor cursor_;
  std::uint64_t next_ = 0;
  std::uint64_t skipped_ = 0;
  std::function<bool(const JobKey&)> skip_;
  JobDirOptions dirs_;
  const SlotResources* resources_ = nullptr;
  std::vector<std::string> env_names_;  ///< SWEEP_<NAME> per parameter.
};

/// The environment variable that carries a parameter: SWEEP_ and the name
/// upper-cased, characters other than letters and digits turned into `_`.
std::string env_var_name(const std::string& param);

/// Scheduler settings: how many jobs at once and the failure policies.
struct SchedulerOptions {
  size_t threads = 1;  ///< Jobs at once; at least 1.
  /// After SIGTERM (stop or timeout), how long a job gets before SIGKILL.
  std::chrono::milliseconds kill_after{5000};
  /// A job running longer than this is terminated and counts as failed.
  std::optional<std::chrono::milliseconds> timeout;
  unsigned retries = 0;  ///< Extra attempts for a failed job.
  std::uint64_t max_failures =
      0;                  ///< Stop starting jobs after this many (0: never).
  bool halt_now = false;  ///< When halting, also terminate running jobs.
  /// Asked after each wait whether to stop starting jobs (--stop-when).
  JobController* controller = nullptr;
  /// How often EventSink::on_tick is called while jobs run, if at all.
  std::optional<std::chrono::milliseconds> tick;
  /// With no job running, how long a start refused for want of sweep's own
  /// resources is tried again before the run gives up (ResourceError).
  std::chrono::milliseconds resource_patience{60000};
  /// Receives the one warning that sweep ran short and lowered -j.
  std::function<void(const std::string&)> warn;
  /// Start no job while available memory is below this many bytes, and
  /// stop the youngest job (to run again) below half of it (--memfree).
  std::optional<std::uint64_t> memfree;
  /// Start no job while the 1-minute load average is above this (--load).
  std::optional<double> max_load;
  /// Reads memory and load for those two; needed when either is set.
  MachineProbe* probe = nullptr;
  /// How often the probe is read while either is set.
  std::chrono::milliseconds machine_poll{250};
};

/// How a scheduler run ended.
struct RunOutcome {
  int interrupted_by = 0;     ///< The signal that stopped the run, or 0.
  bool sink_stopped = false;  ///< A sink asked to stop (e.g. a closed pipe).
  bool halted = false;        ///< --max-failures was reached.
  std::string target;         ///< Why a JobController stopped it, or "".
  double wall_s = 0;          ///< From the first start to the last finish.
};

/// Runs jobs from a source through a runner, at most `threads` at once,
/// applying timeouts, retries and halting.
class Scheduler {
 public:
  Scheduler(JobSource& source, Runner& runner, EventSink& sink,
            SchedulerOptions options);
  /// Runs until the source is exhausted and every job finished, or until an
  /// interrupt, a halt or the sink stops it (running jobs are then terminated).
  RunOutcome run();

 private:
  JobSource& source_;
  Runner& runner_;
  EventSink& sink_;
  SchedulerOptions options_;
};

}  // namespace sweep
