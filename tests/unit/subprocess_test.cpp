// Real children through the ppoll loop.
#include <doctest/doctest.h>
#include <signal.h>

#include <map>

#include "exec/runner.hpp"
#include "exec/signals.hpp"
#include "sweep/error.hpp"

using namespace sweep;

namespace {

struct Collect : EventSink {
  std::map<std::uint64_t, std::vector<std::string>> out, err;
  std::map<std::uint64_t, JobResult> results;
  void on_line(const Job& j, Stream s, std::string_view line) override {
    (s == Stream::kStdout ? out : err)[j.index].emplace_back(line);
  }
  void on_finish(const Job& j, const JobResult& r) override {
    results[j.index] = r;
  }
};

Job sh(std::uint64_t index, const std::string& script) {
  Job j;
  j.index = index;
  j.argv = {"/bin/sh", "-c", script};
  return j;
}

void drain(LocalRunner& runner, Collect& sink) {
  while (runner.running()) runner.wait(sink, std::chrono::milliseconds(10000));
}

}  // namespace

TEST_CASE(
    "stdout and stderr arrive as separate lines with exit codes and signals") {
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  runner.start(sh(0, "echo a; echo b >&2; printf 'no newline'"), sink);
  runner.start(sh(1, "exit 3"), sink);
  runner.start(sh(2, "kill -9 $$"), sink);
  drain(runner, sink);
  CHECK(sink.out[0] == std::vector<std::string>{"a", "no newline"});
  CHECK(sink.err[0] == std::vector<std::string>{"b"});
  CHECK(sink.results[0].ok());
  CHECK(sink.results[1].exit_code == 3);
  CHECK(sink.results[2].signal == SIGKILL);
  CHECK(sink.results[2].exit_code == 128 + SIGKILL);
}

TEST_CASE("stdin is /dev/null, so `cat` ends at once") {
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  Job j;
  j.argv = {"cat", "-"};
  runner.start(std::move(j), sink);
  drain(runner, sink);
  CHECK(sink.results[0].ok());
  CHECK(sink.out[0].empty());
}

TEST_CASE("a job's environment carries its variables over inherited ones") {
  setenv("SWEEP_X", "inherited", 1);
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  Job j = sh(0, "echo \"$SWEEP_X $SWEEP_Y\"");
  j.env = {"SWEEP_X=mine"};
  runner.start(std::move(j), sink);
  drain(runner, sink);
  unsetenv("SWEEP_X");
  CHECK(sink.out[0] == std::vector<std::string>{"mine "});
}

TEST_CASE("a program that does not exist is reported as a failed job") {
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  Job j;
  j.argv = {"no-such-program-xyz"};
  runner.start(std::move(j), sink);
  drain(runner, sink);
  CHECK(sink.results[0].exit_code == 127);
  CHECK(sink.results[0].error.find("cannot execute no-such-program-xyz") !=
        std::string::npos);
}

TEST_CASE("a child that kills itself with SIGINT does not interrupt sweep") {
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  runner.start(sh(0, "kill -INT $$"), sink);
  int interrupt = 0;
  while (runner.running())
    interrupt |= runner.wait(sink, std::chrono::milliseconds(10000));
  CHECK(interrupt == 0);
  CHECK(sink.results[0].signal == SIGINT);
}

TEST_CASE("a signal to sweep interrupts the wait and the group is terminated") {
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  runner.start(sh(0, "sleep 30 & sleep 30; wait"), sink);
  kill(getpid(), SIGTERM);
  int interrupt = runner.wait(sink, std::chrono::milliseconds(10000));
  CHECK(interrupt == SIGTERM);
  runner.signal_all(SIGTERM);
  drain(runner, sink);
  CHECK(sink.results[0].signal == SIGTERM);
}

TEST_CASE("more than 1024 children at once") {
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  const int n = 1100;
  for (int i = 0; i < n; ++i) {
    Job j;
    j.index = i;
    j.argv = {"/bin/sleep", "0.5"};
    runner.start(std::move(j), sink);
  }
  CHECK(runner.running() == n);
  drain(runner, sink);
  CHECK(sink.results.size() == n);
  int ok = 0;
  for (auto& [i, r] : sink.results) ok += r.ok();
  CHECK(ok == n);
}

TEST_CASE("a child that exits and leaves a process holding its pipes") {
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  runner.start(sh(0, "sleep 30 & echo hi; exit 3"), sink);
  // Its output is not over while the sleep holds the pipes.
  for (int i = 0; i < 3; ++i) runner.wait(sink, std::chrono::milliseconds(100));
  REQUIRE(runner.running() == 1);
  runner.signal_job(0, SIGTERM);
  drain(runner, sink);
  const JobResult& r = sink.results[0];
  CHECK(r.exit_code == 3);  // its own status, not the sleep's SIGTERM
  CHECK(r.signal == 0);
  CHECK(r.leftover_killed);
  CHECK(r.duration_s < 0.2);  // to its own exit, not to the pipes' close
  CHECK(sink.out[0] == std::vector<std::string>{"hi"});
}

TEST_CASE("a child signalled while it runs did not leave anything behind") {
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  runner.start(sh(0, "sleep 30 & sleep 30"), sink);
  runner.wait(sink, std::chrono::milliseconds(50));
  runner.signal_job(0, SIGTERM);
  drain(runner, sink);
  CHECK(sink.results[0].signal == SIGTERM);
  CHECK_FALSE(sink.results[0].leftover_killed);
}
