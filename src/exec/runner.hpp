#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/job.hpp"
#include "exec/subprocess.hpp"

namespace sweep {

/// Stands between the scheduler and the operating system, so the scheduler
/// can be tested with a fake runner that never forks.
class Runner {
 public:
  virtual ~Runner() = default;
  /// Starts a job. A job whose program cannot be started is reported as
  /// finished (with JobResult::error) by the next wait(). When sweep itself
  /// lacks the means (file descriptors, processes, memory), throws
  /// ResourceError with `job` left as it was and no event sent: the job can
  /// be started later. Any other SystemError is sweep's own failure.
  virtual void start(Job&& job, EventSink& sink) = 0;
  /// Jobs started and not yet reported finished.
  virtual size_t running() const = 0;
  /// Blocks until at least one thing happened (output, a finished job, a
  /// signal) or the timeout passed; reports events to sink. Returns the
  /// interrupting signal received, or 0.
  virtual int wait(EventSink& sink,
                   std::optional<std::chrono::milliseconds> timeout) = 0;
  /// Sends sig to every running job's process group.
  virtual void signal_all(int sig) = 0;
  /// Sends sig to one running job's process group.
  virtual void signal_job(std::uint64_t index, int sig) = 0;
  /// How long a job gets between SIGTERM and SIGKILL when the runner stops
  /// jobs on its own (LocalRunner: its supervisor, if sweep dies).
  virtual void set_kill_after(std::chrono::milliseconds) {}
};

/// Runs jobs as local child processes (one ppoll loop, see SubprocessSet).
class LocalRunner : public Runner {
 public:
  LocalRunner();
  void start(Job&& job, EventSink& sink) override;
  size_t running() const override {
    return jobs_.size() + failed_to_start_.size();
  }
  int wait(EventSink& sink,
           std::optional<std::chrono::milliseconds> timeout) override;
  void signal_all(int sig) override { procs_.kill_all(sig); }
  void signal_job(std::uint64_t index, int sig) override {
    procs_.kill(index, sig);
  }
  void set_kill_after(std::chrono::milliseconds grace) override;

 private:
  SubprocessSet procs_;
  std::unordered_map<std::uint64_t, Job> jobs_;  ///< Keyed by Job::index.
  std::vector<std::pair<Job, JobResult>> failed_to_start_;
  std::vector<std::string> base_env_;  ///< sweep's own environment.
};

/// The JobResult of a reaped child.
JobResult result_of(const Subprocess& proc);

}  // namespace sweep
