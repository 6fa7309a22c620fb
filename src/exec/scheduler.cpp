#include "exec/scheduler.hpp"

#include <signal.h>

#include <algorithm>
#include <deque>
#include <unordered_map>

namespace sweep {
namespace {

using std::chrono::milliseconds;

// Deadlines of running jobs: SIGTERM at the timeout, SIGKILL kill_after later.
class TimeoutPolicy {
 public:
  TimeoutPolicy(std::optional<milliseconds> timeout, milliseconds kill_after)
      : timeout_(timeout), kill_after_(kill_after) {}
  void started(const Job& job, Clock::time_point now) {
    if (timeout_) deadlines_[job.index] = Entry{now + *timeout_, false};
  }
  /// True if the job was terminated for its timeout; forgets it.
  bool finished(const Job& job) {
    auto it = deadlines_.find(job.index);
    if (it == deadlines_.end()) return false;
    bool expired = it->second.expired;
    deadlines_.erase(it);
    return expired;
  }
  /// Signals jobs whose deadline passed.
  void enforce(Runner& runner, Clock::time_point now) {
    for (auto& [index, e] : deadlines_) {
      if (now < e.at) continue;
      runner.signal_job(index, e.expired ? SIGKILL : SIGTERM);
      e.at = e.expired ? Clock::time_point::max() : now + kill_after_;
      e.expired = true;
    }
  }
  /// The earliest pending deadline.
  std::optional<Clock::time_point> next() const {
    std::optional<Clock::time_point> t;
    for (const auto& [index, e] : deadlines_)
      if (e.at != Clock::time_point::max() && (!t || e.at < *t)) t = e.at;
    return t;
  }

 private:
  struct Entry {
    Clock::time_point at;
    bool expired;  ///< SIGTERM sent; `at` is now the SIGKILL time.
  };
  std::optional<milliseconds> timeout_;
  milliseconds kill_after_;
  std::unordered_map<std::uint64_t, Entry> deadlines_;
};

// Decides which failed attempts run again.
class RetryPolicy {
 public:
  explicit RetryPolicy(unsigned retries) : retries_(retries) {}
  bool enabled() const { return retries_ > 0; }
  bool should_retry(const Job& job, const JobResult& r) const {
    return !r.ok() && !r.stopped && job.attempt <= retries_;
  }

 private:
  unsigned retries_;
};

// Counts final failures against --max-failures.
class HaltPolicy {
 public:
  explicit HaltPolicy(std::uint64_t max_failures) : max_(max_failures) {}
  /// Records a final result; true when this failure reaches the limit.
  bool reached_by(const JobResult& r) {
    if (r.ok() || r.stopped) return false;
    ++failures_;
    return max_ && failures_ == max_;
  }

 private:
  std::uint64_t max_;
  std::uint64_t failures_ = 0;
};

}  // namespace

Scheduler::Scheduler(JobSource& source, Runner& runner, EventSink& sink,
                     SchedulerOptions options)
    : source_(source), runner_(runner), sink_(sink), options_(options) {
  options_.threads = std::max<size_t>(1, options_.threads);
}

namespace {

// One run's state. It sits between the runner and the sink to apply the
// policies to each finished job before passing it on.
class Run : public EventSink {
 public:
  Run(JobSource& source, Runner& runner, EventSink& sink,
      const SchedulerOptions& o)
      : source_(source),
        runner_(runner),
        sink_(sink),
        o_(o),
        busy_(o.threads, false),
        timeouts_(o.timeout, o.kill_after),
        retries_(o.retries),
        halt_(o.max_failures) {}

  RunOutcome run() {
    // Start jobs while slots are free (retries first), then wait for the next
    // event: output, an exit, a signal or a deadline. Then apply the policies.
    // Stopping (interrupt, halt, closed output) starts nothing more; with
    // `terminate` it also sends SIGTERM to running jobs and SIGKILL when the
    // grace period ends or a second interrupt arrives.
    auto begin = Clock::now();
    next_tick_ = begin;
    while (true) {
      start_jobs();
      if (runner_.running() == 0) break;
      sink_.flush();
      int sig = runner_.wait(*this, wait_timeout());
      Clock::time_point now = Clock::now();
      if (sig) stop(/*terminate=*/true, now, sig);
      if (!stopping_ && sink_.wants_stop()) {
        outcome_.sink_stopped = true;
        stop(true, now, 0);
      }
      timeouts_.enforce(runner_, now);
      if (kill_at_ && now >= *kill_at_) {
        runner_.signal_all(SIGKILL);
        kill_at_.reset();
      }
      if (o_.tick && now >= next_tick_) {
        sink_.on_tick();
        next_tick_ = now + *o_.tick;
      }
    }
    sink_.flush();
    outcome_.wall_s =
        std::chrono::duration<double>(Clock::now() - begin).count();
    return outcome_;
  }

  void on_start(const Job& job) override {
    timeouts_.started(job, Clock::now());
    sink_.on_start(job);
  }
  void on_line(const Job& job, Stream s, std::string_view line) override {
    sink_.on_line(job, s, line);
  }
  void on_lines(const Job& job, Stream s, std::string_view lines) override {
    sink_.on_lines(job, s, lines);
  }
  void on_finish(const Job& job, const JobResult& result) override {
    busy_[job.slot] = false;
    JobResult r = result;
    r.timeout = timeouts_.finished(job);
    r.stopped = terminating_ && !r.ok();
    if (!stopping_ && retries_.should_retry(job, r)) {
      r.will_retry = true;
      retry_.push_back(job);
    }
    sink_.on_finish(job, r);
    if (r.final() && halt_.reached_by(r) && !stopping_) {
      outcome_.halted = true;
      stop(o_.halt_now, Clock::now(), 0);
    }
  }

 private:
  void start_jobs() {
    while (!stopping_ && runner_.running() < o_.threads) {
      size_t slot =
          std::find(busy_.begin(), busy_.end(), false) - busy_.begin();
      std::optional<Job> job;
      if (!retry_.empty()) {
        job = source_.again(retry_.front(), slot);
        retry_.pop_front();
        job->attempt++;
      } else {
        job = source_.next(slot);
        if (!job) break;
        job->seq = next_seq_++;
      }
      job->retrying = retries_.enabled();
      busy_[slot] = true;
      runner_.start(std::move(*job), *this);
    }
  }

  void stop(bool terminate, Clock::time_point now, int sig) {
    if (sig && !outcome_.interrupted_by) outcome_.interrupted_by = sig;
    if (terminating_ && sig) {
      runner_.signal_all(SIGKILL);  // asked twice: no more grace
      kill_at_.reset();
      return;
    }
    stopping_ = true;
    retry_.clear();
    if (terminate && !terminating_) {
      terminating_ = true;
      runner_.signal_all(SIGTERM);
      kill_at_ = now + o_.kill_after;
    }
  }

  std::optional<milliseconds> wait_timeout() const {
    std::optional<Clock::time_point> t = timeouts_.next();
    if (kill_at_ && (!t || *kill_at_ < *t)) t = kill_at_;
    if (o_.tick && (!t || next_tick_ < *t)) t = next_tick_;
    if (!t) return std::nullopt;
    auto left = std::chrono::ceil<milliseconds>(*t - Clock::now());
    return std::max(milliseconds(0), left);
  }

  JobSource& source_;
  Runner& runner_;
  EventSink& sink_;
  const SchedulerOptions& o_;
  std::vector<bool> busy_;  ///< Slots in use.
  std::deque<Job> retry_;   ///< Failed jobs waiting for another attempt.
  TimeoutPolicy timeouts_;
  RetryPolicy retries_;
  HaltPolicy halt_;
  RunOutcome outcome_;
  bool stopping_ = false;     ///< Start nothing more.
  bool terminating_ = false;  ///< Running jobs were sent SIGTERM.
  std::optional<Clock::time_point> kill_at_;
  Clock::time_point next_tick_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace

RunOutcome Scheduler::run() {
  return Run(source_, runner_, sink_, options_).run();
}

}  // namespace sweep
