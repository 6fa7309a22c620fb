#include "exec/scheduler.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdio>
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
    if (timeout_) deadlines_[job.index] = Entry{now + *timeout_, false, true};
  }
  /// Terminates a job at the next enforce(), as a timeout would but not
  /// for one (--memfree); false if it is being terminated already.
  bool stop_now(std::uint64_t index, Clock::time_point now) {
    auto it = deadlines_.find(index);
    if (it != deadlines_.end() && it->second.expired) return false;
    deadlines_[index] = Entry{now, false, false};
    return true;
  }
  /// True if the job was terminated for its timeout; forgets it.
  bool finished(const Job& job) {
    auto it = deadlines_.find(job.index);
    if (it == deadlines_.end()) return false;
    bool expired = it->second.expired && it->second.timeout;
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
    bool timeout;  ///< For --timeout, not stop_now().
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
    // Attempts sweep stopped for memory were no failures of the job.
    return !r.ok() && !r.stopped && !r.pruned &&
           job.attempt - job.requeues <= retries_;
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
    if (r.ok() || r.stopped || r.pruned) return false;
    ++failures_;
    return max_ && failures_ == max_;
  }

 private:
  std::uint64_t max_;
  std::uint64_t failures_ = 0;
};

// Lowers the number of jobs at once when the runner cannot start one for want
// of sweep's own resources (a ResourceError: descriptors, processes, memory).
// Such a start is no verdict on the job: it is tried again when a job ends or,
// with none running, after a back-off; the run gives up only when nothing of
// its own has held anything for `patience`. The limit is never raised again:
// what ran out (RLIMIT_NOFILE, RLIMIT_NPROC, memory) seldom comes back by
// itself, and probing for it would cost a refused start every time.
class ResourcePolicy {
 public:
  ResourcePolicy(size_t threads, milliseconds patience)
      : limit_(threads), patience_(patience) {}
  /// Jobs that may run at once.
  size_t limit() const { return limit_; }
  /// False while a back-off is pending.
  bool may_start(Clock::time_point now) const {
    return !retry_at_ || now >= *retry_at_;
  }
  /// When the pending back-off ends, if one is.
  std::optional<Clock::time_point> next() const { return retry_at_; }
  /// A start was refused with `running` jobs running. Returns the warning to
  /// give, the first time only; rethrows once patience has run out.
  std::optional<std::string> refused(const ResourceError& e, size_t running,
                                     Clock::time_point now) {
    size_t was = limit_;
    limit_ = std::max<size_t>(1, std::min(limit_, running));
    if (running == 0) back_off(e, now);
    if (warned_) return std::nullopt;
    warned_ = true;
    return std::string(e.what()) + ": running at most " +
           std::to_string(limit_) + (limit_ == 1 ? " job" : " jobs") +
           " at once instead of " + std::to_string(was);
  }
  /// A job started: a back-off, if any, is over.
  void started() {
    if (!retry_at_) return;
    retry_at_.reset();
    idle_since_.reset();
    backoff_ = kFirstBackoff;
  }

 private:
  static constexpr milliseconds kFirstBackoff{10}, kMaxBackoff{1000};
  void back_off(const ResourceError& e, Clock::time_point now) {
    if (!idle_since_) idle_since_ = now;
    if (now - *idle_since_ >= patience_) throw e;
    retry_at_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  }

  size_t limit_;
  milliseconds patience_;
  milliseconds backoff_ = kFirstBackoff;
  std::optional<Clock::time_point> retry_at_;  ///< The back-off's end.
  /// The first refusal with no job running, if none started since.
  std::optional<Clock::time_point> idle_since_;
  bool warned_ = false;
};

// Holds starts back while the machine is short (--memfree, --load), and
// says when memory fell below half of --memfree, when GNU parallel stops its
// youngest job. The machine is read at most once a poll, so short jobs do
// not cost a read of /proc each.
class MachinePolicy {
 public:
  explicit MachinePolicy(const SchedulerOptions& o)
      : memfree_(o.memfree),
        max_load_(o.max_load),
        probe_(o.probe),
        poll_(o.machine_poll) {}
  bool enabled() const { return probe_ && (memfree_ || max_load_); }
  /// Reads the machine again if the last reading is a poll old.
  void refresh(Clock::time_point now) {
    if (!enabled() || (read_at_ && now < *read_at_ + poll_)) return;
    read_at_ = now;
    held_.clear();
    critical_ = false;
    if (memfree_) {
      if (auto m = probe_->mem_available(); m && *m < *memfree_) {
        held_ = "memory " + format_size(*m) + " < --memfree " +
                format_size(*memfree_);
        critical_ = *m < *memfree_ / 2;
      }
    }
    if (auto load = max_load_ ? probe_->load_1min() : std::nullopt;
        held_.empty() && load && *load > *max_load_) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "load %.2f > --load %g", *load,
                    *max_load_);
      held_ = buf;
    }
  }
  /// Why no job may start, or "".
  const std::string& held() const { return held_; }
  /// Memory is below half of --memfree: a job should make room.
  bool memory_critical() const { return critical_; }
  /// When to read the machine next.
  std::optional<Clock::time_point> next() const {
    if (!enabled() || !read_at_) return std::nullopt;
    return *read_at_ + poll_;
  }

 private:
  std::optional<std::uint64_t> memfree_;
  std::optional<double> max_load_;
  MachineProbe* probe_;
  milliseconds poll_;
  std::optional<Clock::time_point> read_at_;
  std::string held_;
  bool critical_ = false;
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
        halt_(o.max_failures),
        resources_(o.threads, o.resource_patience),
        machine_(o) {}

  RunOutcome run() {
    // Start jobs while slots are free (retries first), then wait for the next
    // event: output, an exit, a signal or a deadline. Then apply the policies.
    // Stopping (interrupt, halt, closed output) starts nothing more; with
    // `terminate` it also sends SIGTERM to running jobs and SIGKILL when the
    // grace period ends or a second interrupt arrives.
    auto begin = Clock::now();
    next_tick_ = begin;
    runner_.set_kill_after(o_.kill_after);
    while (true) {
      watch_machine(Clock::now());
      start_jobs();
      if (runner_.running() == 0 && !(deferred_ && !stopping_)) break;
      sink_.flush();
      int sig = runner_.wait(*this, wait_timeout());
      Clock::time_point now = Clock::now();
      if (sig) stop(/*terminate=*/true, now, sig);
      watch_machine(now);
      if (!stopping_ && sink_.wants_stop()) {
        outcome_.sink_stopped = true;
        stop(true, now, 0);
      }
      consult_controller(now);
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
    start_order_[job.index] = next_start_++;
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
    start_order_.erase(job.index);
    JobResult r = result;
    r.gpus = job.gpus;
    // A job that exited before its deadline did not time out, whatever it
    // left running until then (stopped by the deadline: leftover_killed).
    r.timeout = timeouts_.finished(job) && !r.leftover_killed;
    r.stopped = terminating_ && !r.ok();
    if (memory_stop_ == job.index) {
      memory_stop_.reset();
      // sweep's decision, not the job's failure: it runs again, or, if the
      // sweep is stopping, counts as stopped.
      r.memory_stopped = !r.ok();
      r.stopped |= r.memory_stopped && stopping_;
    }
    if (auto p = pruning_.find(job.index); p != pruning_.end()) {
      // Pruned unless it ended by itself first, or the sweep stopped it.
      r.pruned = !r.ok() && !r.stopped;
      r.pruned_step = p->second;
      pruning_.erase(p);
    }
    r.rung = job.rung;
    // --halving: the metric's last value, read before the sinks, whose
    // on_finish forgets the job, see its end.
    if (job.rung >= 0 && o_.controller)
      r.rung_value = o_.controller->last_value(job.index);
    if (r.memory_stopped && !stopping_) {
      r.will_retry = true;
      Job again = job;
      ++again.requeues;
      retry_.push_back(std::move(again));
    } else if (!stopping_ && retries_.should_retry(job, r)) {
      r.will_retry = true;
      retry_.push_back(job);
    }
    sink_.on_finish(job, r);
    // A job killed from outside has no verdict (the journal leaves it to
    // run again), so the source does not judge it either.
    if (r.final() && !r.stopped && !r.killed_from_outside())
      source_.finished(job, r);
    if (r.final() && halt_.reached_by(r) && !stopping_) {
      outcome_.halted = true;
      stop(o_.halt_now, Clock::now(), 0);
    }
  }

 private:
  void start_jobs() {
    Clock::time_point now = Clock::now();
    while (!stopping_ && runner_.running() < resources_.limit() &&
           resources_.may_start(now)) {
      size_t slot =
          std::find(busy_.begin(), busy_.end(), false) - busy_.begin();
      std::optional<Job> job = next_job(slot);
      if (!job) break;
      if (!machine_.held().empty()) {
        deferred_ = std::move(job);  // starts once the machine has room
        break;
      }
      busy_[slot] = true;
      try {
        runner_.start(std::move(*job), *this);
      } catch (const ResourceError& e) {
        // Not started and no event sent: the same job goes first next time.
        busy_[slot] = false;
        deferred_ = std::move(job);
        auto warning = resources_.refused(e, runner_.running(), Clock::now());
        if (warning && o_.warn) o_.warn(*warning);
        break;
      }
      resources_.started();
    }
  }

  // The job to start in `slot`: one whose start was refused, then a failed
  // one's next attempt, then the source's next.
  std::optional<Job> next_job(size_t slot) {
    std::optional<Job> job;
    if (deferred_) {
      job = deferred_->slot == slot ? std::move(*deferred_)
                                    : source_.again(*deferred_, slot);
      deferred_.reset();
      return job;
    }
    if (!retry_.empty()) {
      job = source_.again(retry_.front(), slot);
      retry_.pop_front();
      job->attempt++;
    } else {
      job = source_.next(slot);
      if (!job) return job;
      job->seq = next_seq_++;
    }
    job->retrying = retries_.enabled() || job->requeues > 0;
    return job;
  }

  // Reads the machine (--memfree, --load): tells the sink when starts are
  // held back or may go on, and, with memory below half of --memfree,
  // stops the youngest job, one at a time, to run it again later.
  void watch_machine(Clock::time_point now) {
    if (!machine_.enabled()) return;
    machine_.refresh(now);
    if (machine_.held() != shown_held_) {
      shown_held_ = machine_.held();
      sink_.on_held(shown_held_);
    }
    if (!machine_.memory_critical() || memory_stop_ || stopping_ ||
        start_order_.empty())
      return;
    auto youngest = std::max_element(
        start_order_.begin(), start_order_.end(),
        [](const auto& a, const auto& b) { return a.second < b.second; });
    if (timeouts_.stop_now(youngest->first, now)) {
      memory_stop_ = youngest->first;
      timeouts_.enforce(runner_, now);
    }
  }

  // Asks the controller (--stop-when, --prune) what the jobs' output decided:
  // a target met stops the sweep as a halt does; a pruned job is stopped as
  // at a timeout (SIGTERM now, SIGKILL after the grace) but not failed.
  void consult_controller(Clock::time_point now) {
    if (!o_.controller) return;
    if (!stopping_) {
      outcome_.target = o_.controller->stop_reason();
      if (!outcome_.target.empty()) stop(o_.halt_now, now, 0);
    }
    if (terminating_) return;
    for (const JobController::Prune& p : o_.controller->take_prunes())
      if (start_order_.contains(p.job) && timeouts_.stop_now(p.job, now))
        pruning_[p.job] = p.step;
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
    auto retry_at = resources_.next();
    if (retry_at && !stopping_ && (!t || *retry_at < *t)) t = retry_at;
    if (o_.tick && (!t || next_tick_ < *t)) t = next_tick_;
    auto read_at = machine_.next();
    if (read_at && (!t || *read_at < *t)) t = read_at;
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
  ResourcePolicy resources_;
  MachinePolicy machine_;
  std::string shown_held_;  ///< What the sink was last told is holding.
  /// Running jobs' indexes, and the order they started in.
  std::unordered_map<std::uint64_t, std::uint64_t> start_order_;
  std::uint64_t next_start_ = 0;
  /// Jobs being stopped for --prune, and the step each was judged at.
  std::unordered_map<std::uint64_t, double> pruning_;
  /// The job stopped for memory and not yet finished, if any.
  std::optional<std::uint64_t> memory_stop_;
  std::optional<Job> deferred_;  ///< A job refused or held back.
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
