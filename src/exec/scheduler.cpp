#include "sweep/scheduler.hpp"

#include <signal.h>

#include <algorithm>

namespace sweep {

Scheduler::Scheduler(JobSource& source, Runner& runner, EventSink& sink,
                     SchedulerOptions options)
    : source_(source), runner_(runner), sink_(sink), options_(options) {
  options_.threads = std::max<size_t>(1, options_.threads);
}

RunOutcome Scheduler::run() {
  // Start as many jobs as there are free slots, then wait for something to
  // happen (output, a job ending, a signal) and repeat. When stopping, start
  // nothing more: terminate the running jobs, and kill them when the grace
  // period runs out or a second interrupt arrives.
  RunOutcome outcome;
  auto begin = Clock::now();
  bool stopping = false;
  std::optional<Clock::time_point> kill_at;
  auto stop = [&](int sig) {
    if (stopping) {
      runner_.signal_all(SIGKILL);  // asked twice: no more grace
      return;
    }
    stopping = true;
    outcome.interrupted_by = sig;
    runner_.signal_all(SIGTERM);
    kill_at = Clock::now() + options_.kill_grace;
  };
  while (true) {
    while (!stopping && runner_.running() < options_.threads) {
      std::optional<Job> job = source_.next();
      if (!job) break;
      runner_.start(std::move(*job), sink_);
    }
    if (runner_.running() == 0) break;
    std::optional<std::chrono::milliseconds> timeout;
    if (kill_at)
      timeout = std::max(std::chrono::milliseconds(0),
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             *kill_at - Clock::now()));
    sink_.flush();
    int sig = runner_.wait(sink_, timeout);
    if (sig) stop(sig);
    if (!stopping && sink_.wants_stop()) {
      outcome.sink_stopped = true;
      stop(0);
    }
    if (kill_at && Clock::now() >= *kill_at) {
      runner_.signal_all(SIGKILL);
      kill_at.reset();
    }
  }
  sink_.flush();
  outcome.wall_s = std::chrono::duration<double>(Clock::now() - begin).count();
  return outcome;
}

}  // namespace sweep
