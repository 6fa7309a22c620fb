// The scheduler against a fake runner: no process is forked here.
#include "exec/scheduler.hpp"

#include <doctest/doctest.h>
#include <signal.h>

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <thread>

using namespace sweep;

namespace {

class CountingSource : public JobSource {
 public:
  explicit CountingSource(std::uint64_t n) : n_(n) {}
  std::optional<Job> next(size_t slot) override {
    if (i_ >= n_) return std::nullopt;
    Job j;
    j.slot = slot;
    j.index = i_++;
    j.argv = {"fake"};
    return j;
  }
  std::uint64_t handed_out() const { return i_; }

 private:
  std::uint64_t n_, i_ = 0;
};

// Finishes the oldest running job on each wait, with the result `outcome`
// gives; after signal_all(SIGTERM) every running job dies by the signal.
class FakeRunner : public Runner {
 public:
  std::function<JobResult(const Job&)> outcome = [](const Job& j) {
    JobResult r;
    r.exit_code = j.index % 3 == 0 ? 1 : 0;
    return r;
  };

  // True to refuse a start as sweep's own shortage (EMFILE), given the
  // number of jobs running.
  std::function<bool(size_t)> refuse = [](size_t) { return false; };

  void start(Job&& job, EventSink& sink) override {
    if (refuse(running_.size())) {
      ++refusals;
      throw ResourceError("pipe2", EMFILE);
    }
    sink.on_start(job);
    for (const auto& r : running_) CHECK(r.slot != job.slot);
    CHECK(job.slot < 64);
    running_.push_back(std::move(job));
    max_running = std::max(max_running, running_.size());
  }
  size_t running() const override { return running_.size(); }
  int wait(EventSink& sink,
           std::optional<std::chrono::milliseconds> timeout) override {
    ++waits;
    if (waits == interrupt_on_wait) return SIGINT;
    if (running_.empty()) {  // nothing to finish: sleep as ppoll would
      if (timeout) std::this_thread::sleep_for(*timeout);
      return 0;
    }
    if (!signals.empty() && signals.back() == SIGTERM) {
      for (auto& j : running_) {
        JobResult r;
        r.signal = SIGTERM;
        sink.on_finish(j, r);
      }
      running_.clear();
      return 0;
    }
    for (auto it = running_.begin(); it != running_.end(); ++it) {
      if (!signalled_.erase(it->index)) continue;
      JobResult r;
      r.signal = SIGTERM;
      sink.on_finish(*it, r);
      running_.erase(it);
      return 0;
    }
    Job j = std::move(running_.front());
    running_.pop_front();
    sink.on_line(j, Stream::kStdout, "out " + std::to_string(j.index));
    sink.on_finish(j, outcome(j));
    return 0;
  }
  void signal_all(int sig) override { signals.push_back(sig); }
  void signal_job(std::uint64_t index, int sig) override {
    if (!honour_signal_job) {
      signals.push_back(sig);
      return;
    }
    job_signals.push_back(sig);
    signalled_.insert(index);
  }
  /// A job signalled with signal_job ends by SIGTERM on the next wait (and
  /// the signal goes to job_signals, not signals).
  bool honour_signal_job = false;
  std::vector<int> job_signals;

  size_t max_running = 0;
  int waits = 0;
  int refusals = 0;
  int interrupt_on_wait = -1;
  std::vector<int> signals;

 private:
  std::deque<Job> running_;
  std::set<std::uint64_t> signalled_;
};

struct Finish {
  std::uint64_t index;
  unsigned attempt;
  JobResult result;
};

class RecordingSink : public EventSink {
 public:
  void on_start(const Job& j) override { started.push_back(j.index); }
  void on_line(const Job& j, Stream, std::string_view line) override {
    lines.push_back(std::to_string(j.index) + ":" + std::string(line));
  }
  void on_finish(const Job& j, const JobResult& r) override {
    finishes.push_back({j.index, j.attempt, r});
    if (r.final()) finished.push_back(j.index);
    if (r.final() && !r.ok() && !r.stopped) ++failed;
    if (stop_after && finished.size() >= stop_after) stop = true;
  }
  bool wants_stop() const override { return stop; }
  void flush() override { ++flushes; }
  void on_held(std::string_view why) override { held.emplace_back(why); }
  std::vector<std::string> held;

  std::vector<std::uint64_t> started, finished;
  std::vector<Finish> finishes;
  std::vector<std::string> lines;
  int failed = 0, flushes = 0;
  size_t stop_after = 0;
  bool stop = false;
};

}  // namespace

TEST_CASE("every job runs once and never more than `threads` at once") {
  CountingSource src(100);
  FakeRunner runner;
  RecordingSink sink;
  RunOutcome out = Scheduler(src, runner, sink, {.threads = 7}).run();
  CHECK(out.interrupted_by == 0);
  CHECK(runner.max_running == 7);
  CHECK(sink.started.size() == 100);
  CHECK(sink.finished.size() == 100);
  CHECK(sink.lines.size() == 100);
  CHECK(sink.failed == 34);
  CHECK(sink.flushes > 0);
  std::vector<std::uint64_t> sorted = sink.finished;
  std::sort(sorted.begin(), sorted.end());
  for (std::uint64_t i = 0; i < 100; ++i) CHECK(sorted[i] == i);
}

TEST_CASE("a free slot takes the next point at once") {
  CountingSource src(10);
  FakeRunner runner;
  RecordingSink sink;
  Scheduler(src, runner, sink, {.threads = 3}).run();
  // Jobs 0-2 start first; each finish lets exactly one more start.
  CHECK(sink.started ==
        std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(runner.waits == 10);
}

TEST_CASE("an interrupt stops new starts and terminates running jobs") {
  CountingSource src(1000);
  FakeRunner runner;
  runner.interrupt_on_wait = 5;
  RecordingSink sink;
  RunOutcome out = Scheduler(src, runner, sink, {.threads = 4}).run();
  CHECK(out.interrupted_by == SIGINT);
  CHECK(runner.signals.front() == SIGTERM);
  CHECK(src.handed_out() == 8);  // 4 at first, then one per finished job
  CHECK(sink.finished.size() == sink.started.size());
  // The jobs sweep killed are marked stopped, not failed.
  int stopped = 0;
  for (const auto& f : sink.finishes) stopped += f.result.stopped;
  CHECK(stopped == 4);
}

TEST_CASE("a sink that wants to stop stops the run") {
  CountingSource src(1000);
  FakeRunner runner;
  RecordingSink sink;
  sink.stop_after = 10;
  RunOutcome out = Scheduler(src, runner, sink, {.threads = 2}).run();
  CHECK(out.sink_stopped);
  CHECK(out.interrupted_by == 0);
  CHECK(src.handed_out() < 20);
  CHECK(sink.finished.size() == sink.started.size());
}

TEST_CASE("a failed attempt is retried before new jobs, up to --retries") {
  CountingSource src(4);
  FakeRunner runner;
  // Job 1 fails once then succeeds; job 2 always fails.
  runner.outcome = [](const Job& j) {
    JobResult r;
    r.exit_code = (j.index == 1 && j.attempt == 1) || j.index == 2 ? 1 : 0;
    return r;
  };
  RecordingSink sink;
  Scheduler(src, runner, sink, {.threads = 1, .retries = 2}).run();
  std::vector<std::pair<std::uint64_t, unsigned>> order;
  for (const auto& f : sink.finishes) order.emplace_back(f.index, f.attempt);
  CHECK(order == std::vector<std::pair<std::uint64_t, unsigned>>{
                     {0, 1}, {1, 1}, {1, 2}, {2, 1}, {2, 2}, {2, 3}, {3, 1}});
  CHECK(sink.finishes[1].result.will_retry);
  CHECK(sink.finishes[2].result.final());
  CHECK(sink.finishes[5].result.final());
  CHECK(sink.failed == 1);  // only job 2, by its last attempt
  CHECK(sink.finished == std::vector<std::uint64_t>{0, 1, 2, 3});
}

TEST_CASE(
    "halting: --max-failures stops new starts, --halt-now also terminates") {
  FakeRunner runner;
  runner.outcome = [](const Job& j) {
    JobResult r;
    r.exit_code = j.index >= 2 ? 1 : 0;
    return r;
  };
  {
    CountingSource src(100);
    RecordingSink sink;
    RunOutcome out =
        Scheduler(src, runner, sink, {.threads = 2, .max_failures = 2}).run();
    CHECK(out.halted);
    // Jobs 2 and 3 fail and halt the run; 4 was running, finishes (and fails).
    CHECK(src.handed_out() == 5);
    CHECK(sink.failed == 3);
    CHECK(runner.signals.empty());
  }
  {
    FakeRunner r2;
    r2.outcome = runner.outcome;
    CountingSource src(100);
    RecordingSink sink;
    RunOutcome out =
        Scheduler(src, r2, sink,
                  {.threads = 3, .max_failures = 1, .halt_now = true})
            .run();
    CHECK(out.halted);
    CHECK(r2.signals == std::vector<int>{SIGTERM});
    CHECK(sink.failed == 1);
    int stopped = 0;
    for (const auto& f : sink.finishes) stopped += f.result.stopped;
    CHECK(stopped == 2);
  }
}

// Reaches its target once job 4 has printed anything.
class TargetAfterJob : public EventSink, public JobController {
 public:
  void on_line(const Job& j, Stream, std::string_view) override {
    if (j.index == 4) reason = "acc>=0.9 reached by job 4";
  }
  void on_finish(const Job&, const JobResult&) override {}
  std::string stop_reason() const override { return reason; }
  std::string reason;
};

TEST_CASE("a controller's target starts no new job and says why") {
  SUBCASE("running jobs finish") {
    CountingSource src(100);
    FakeRunner runner;
    runner.outcome = [](const Job&) { return JobResult{}; };
    TargetAfterJob target;
    RunOutcome out =
        Scheduler(src, runner, target, {.threads = 2, .controller = &target})
            .run();
    CHECK(out.target == "acc>=0.9 reached by job 4");
    CHECK_FALSE(out.halted);
    CHECK(runner.signals.empty());
    // Jobs 0-4 finished, and job 5, already running, finished too.
    CHECK(src.handed_out() == 6);
  }
  SUBCASE("with halt_now, running jobs are stopped") {
    CountingSource src(100);
    FakeRunner runner;
    runner.outcome = [](const Job&) { return JobResult{}; };
    TargetAfterJob target;
    RunOutcome out =
        Scheduler(src, runner, target,
                  {.threads = 3, .halt_now = true, .controller = &target})
            .run();
    CHECK(out.target == "acc>=0.9 reached by job 4");
    CHECK(runner.signals == std::vector<int>{SIGTERM});
  }
}

TEST_CASE(
    "a start refused for sweep's own resources lowers -j and fails no job") {
  CountingSource src(40);
  FakeRunner runner;
  runner.outcome = [](const Job&) { return JobResult{}; };
  // Descriptors for 5 jobs only, like `ulimit -n` with -j 16.
  runner.refuse = [](size_t running) { return running >= 5; };
  RecordingSink sink;
  std::vector<std::string> warnings;
  RunOutcome out =
      Scheduler(src, runner, sink,
                {.threads = 16,
                 .warn = [&](const std::string& w) { warnings.push_back(w); }})
          .run();
  CHECK(out.interrupted_by == 0);
  CHECK(runner.max_running == 5);
  // Refused once at 5; after that -j is 5 and nothing more is refused.
  CHECK(runner.refusals == 1);
  CHECK(sink.failed == 0);
  CHECK(sink.started.size() == 40);
  std::vector<std::uint64_t> sorted = sink.finished;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == [] {
    std::vector<std::uint64_t> all(40);
    for (std::uint64_t i = 0; i < 40; ++i) all[i] = i;
    return all;
  }());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] ==
        "pipe2: Too many open files: running at most 5 jobs at once instead "
        "of 16");
}

TEST_CASE("a refused start with no job running is tried again after a pause") {
  CountingSource src(3);
  FakeRunner runner;
  runner.outcome = [](const Job&) { return JobResult{}; };
  int refused = 0;
  // Something else holds the descriptors for the first three tries.
  runner.refuse = [&](size_t) { return refused++ < 3; };
  RecordingSink sink;
  std::vector<std::string> warnings;
  auto begin = std::chrono::steady_clock::now();
  Scheduler(src, runner, sink,
            {.threads = 4,
             .warn = [&](const std::string& w) { warnings.push_back(w); }})
      .run();
  auto took = std::chrono::steady_clock::now() - begin;
  CHECK(runner.refusals == 3);
  CHECK(took >= std::chrono::milliseconds(10 + 20));  // the first two pauses
  CHECK(runner.max_running == 1);
  CHECK(sink.finished.size() == 3);
  CHECK(sink.failed == 0);
  CHECK(warnings.size() == 1);
}

TEST_CASE("with no job running and every start refused, the run gives up") {
  CountingSource src(3);
  FakeRunner runner;
  runner.refuse = [](size_t) { return true; };
  RecordingSink sink;
  CHECK_THROWS_AS(
      Scheduler(
          src, runner, sink,
          {.threads = 2, .resource_patience = std::chrono::milliseconds(100)})
          .run(),
      ResourceError);
  CHECK(sink.started.empty());
  CHECK(sink.finishes.empty());
}

TEST_CASE("an interrupt while a refused start waits starts nothing more") {
  CountingSource src(3);
  FakeRunner runner;
  runner.refuse = [](size_t) { return true; };
  runner.interrupt_on_wait = 2;
  RecordingSink sink;
  RunOutcome out = Scheduler(src, runner, sink, {.threads = 2}).run();
  CHECK(out.interrupted_by == SIGINT);
  CHECK(sink.started.empty());
  CHECK(src.handed_out() == 1);
}

namespace {

// Memory and load as a test says, one reading per call.
class FakeProbe : public MachineProbe {
 public:
  std::function<std::uint64_t(int)> memory = [](int) { return 1u << 30; };
  std::function<double(int)> load = [](int) { return 0.0; };
  std::optional<std::uint64_t> mem_available() override {
    return memory(mem_reads++);
  }
  std::optional<double> load_1min() override { return load(load_reads++); }
  int mem_reads = 0, load_reads = 0;
};

JobResult always_ok(const Job&) { return JobResult{}; }

}  // namespace

TEST_CASE("--memfree holds starts back while memory is short and says why") {
  CountingSource src(3);
  FakeRunner runner;
  runner.outcome = always_ok;
  RecordingSink sink;
  FakeProbe probe;
  // Short (but above half) for the first five readings.
  probe.memory = [](int n) -> std::uint64_t { return n < 5 ? 700 : 5000; };
  Scheduler(src, runner, sink,
            {.threads = 2,
             .memfree = 1000,
             .probe = &probe,
             .machine_poll = std::chrono::milliseconds(0)})
      .run();
  CHECK(sink.started.empty() == false);
  CHECK(sink.finished.size() == 3);
  CHECK(sink.failed == 0);
  REQUIRE(sink.held.size() == 2);
  CHECK(sink.held[0] == "memory 700 B < --memfree 1000 B");
  CHECK(sink.held[1] == "");
  CHECK(probe.mem_reads >= 5);
  CHECK(runner.signals.empty());  // never below half: nothing stopped
}

TEST_CASE(
    "memory below half of --memfree stops the youngest job, which runs again "
    "and is no failure") {
  CountingSource src(3);
  FakeRunner runner;
  runner.outcome = always_ok;
  runner.honour_signal_job = true;
  RecordingSink sink;
  FakeProbe probe;
  // Readings 2 and 3 (after the first job ended) are below half.
  probe.memory = [](int n) -> std::uint64_t {
    return n == 1 || n == 2 ? 100 : 5000;
  };
  Scheduler(src, runner, sink,
            {.threads = 3,
             .memfree = 1000,
             .probe = &probe,
             .machine_poll = std::chrono::milliseconds(0)})
      .run();
  CHECK(runner.job_signals == std::vector<int>{SIGTERM});
  CHECK(runner.signals.empty());
  CHECK(sink.failed == 0);
  CHECK(sink.finished.size() == 3);
  std::vector<Finish> job2;
  for (const auto& f : sink.finishes)
    if (f.index == 2) job2.push_back(f);
  REQUIRE(job2.size() == 2);
  // Jobs 0, 1 and 2 started in that order: 2 is the youngest.
  CHECK(job2[0].attempt == 1);
  CHECK(job2[0].result.memory_stopped);
  CHECK(job2[0].result.will_retry);
  CHECK(job2[0].result.signal == SIGTERM);
  CHECK_FALSE(job2[0].result.timeout);
  CHECK(job2[1].attempt == 2);
  CHECK(job2[1].result.ok());
  CHECK_FALSE(job2[1].result.memory_stopped);
}

TEST_CASE("an attempt stopped for memory does not use up --retries") {
  CountingSource src(2);
  FakeRunner runner;
  runner.honour_signal_job = true;
  // Job 1 fails on its second attempt, the first it runs to its end.
  runner.outcome = [](const Job& j) {
    JobResult r;
    r.exit_code = j.index == 1 && j.attempt == 2 ? 1 : 0;
    return r;
  };
  RecordingSink sink;
  FakeProbe probe;
  // Below half once, after job 0 ended: job 1 is stopped.
  probe.memory = [](int n) -> std::uint64_t { return n == 1 ? 100 : 5000; };
  Scheduler(src, runner, sink,
            {.threads = 2,
             .retries = 1,
             .memfree = 1000,
             .probe = &probe,
             .machine_poll = std::chrono::milliseconds(0)})
      .run();
  std::vector<std::pair<unsigned, bool>> attempts;
  std::vector<bool> memory_stopped;
  for (const auto& f : sink.finishes) {
    if (f.index != 1) continue;
    attempts.emplace_back(f.attempt, f.result.ok());
    memory_stopped.push_back(f.result.memory_stopped);
  }
  // Stopped for memory, then failed and retried once, as --retries 1 allows.
  CHECK(attempts == std::vector<std::pair<unsigned, bool>>{
                        {1, false}, {2, false}, {3, true}});
  CHECK(memory_stopped == std::vector<bool>{true, false, false});
  CHECK(sink.failed == 0);
}

TEST_CASE("--load holds starts back while the load average is above MAX") {
  CountingSource src(4);
  FakeRunner runner;
  runner.outcome = always_ok;
  RecordingSink sink;
  FakeProbe probe;
  probe.load = [](int n) { return n < 3 ? 9.0 : 0.5; };
  Scheduler(src, runner, sink,
            {.threads = 2,
             .max_load = 4.0,
             .probe = &probe,
             .machine_poll = std::chrono::milliseconds(0)})
      .run();
  CHECK(sink.finished.size() == 4);
  REQUIRE(sink.held.size() == 2);
  CHECK(sink.held[0] == "load 9.00 > --load 4");
  CHECK(sink.held[1] == "");
  CHECK(probe.mem_reads == 0);  // no --memfree: memory is not read
}
