#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/job.hpp"
#include "exec/machine_probe.hpp"
#include "exec/runner.hpp"

namespace sweep {

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
