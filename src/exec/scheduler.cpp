#include "sweep/scheduler.hpp"

#include <signal.h>

#include <algorithm>

namespace sweep {
namespace {

// Frees a job's slot when it finishes, then passes every event on.
class SlotSink : public EventSink {
 public:
  SlotSink(EventSink& next, std::vector<bool>& busy)
      : next_(next), busy_(busy) {}
  void on_start(const Job& job) override { next_.on_start(job); }
  void on_line(const Job& job, Stream s, std::string_view line) override {
    next_.on_line(job, s, line);
  }
  void on_finish(const Job& job, const JobResult& result) override {
    busy_[job.slot] = false;
    next_.on_finish(job, result);
  }
  bool wants_stop() const override { return next_.wants_stop(); }
  void flush() override { next_.flush(); }

 private:
  EventSink& next_;
  std::vector<bool>& busy_;
};

}  // namespace

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
  std::vector<bool> busy(options_.threads, false);
  SlotSink sink(sink_, busy);
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
      size_t slot = std::find(busy.begin(), busy.end(), false) - busy.begin();
      std::optional<Job> job = source_.next(slot);
      if (!job) break;
      busy[slot] = true;
      runner_.start(std::move(*job), sink);
    }
    if (runner_.running() == 0) break;
    std::optional<std::chrono::milliseconds> timeout;
    if (kill_at)
      timeout = std::max(std::chrono::milliseconds(0),
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             *kill_at - Clock::now()));
    sink.flush();
    int sig = runner_.wait(sink, timeout);
    if (sig) stop(sig);
    if (!stopping && sink.wants_stop()) {
      outcome.sink_stopped = true;
      stop(0);
    }
    if (kill_at && Clock::now() >= *kill_at) {
      runner_.signal_all(SIGKILL);
      kill_at.reset();
    }
  }
  sink.flush();
  outcome.wall_s = std::chrono::duration<double>(Clock::now() - begin).count();
  return outcome;
}

}  // namespace sweep
