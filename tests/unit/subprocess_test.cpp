// Real children through the ppoll loop.
#include <doctest/doctest.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "exec/runner.hpp"
#include "exec/signals.hpp"
#include "exec/supervisor.hpp"
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

namespace {

// The signals set in a /proc/<pid>/status mask line ("SigIgn:\t...").
std::uint64_t status_mask(const std::vector<std::string>& lines,
                          const std::string& name) {
  for (const auto& l : lines)
    if (l.rfind(name + ":", 0) == 0)
      return std::stoull(l.substr(name.size() + 1), nullptr, 16);
  return ~0ull;
}

std::uint64_t bit(int sig) { return 1ull << (sig - 1); }

void on_usr1(int) {}

}  // namespace

TEST_CASE(
    "a child gets no handler of sweep's or the host's, and sane ignores") {
  // The host handles SIGUSR1 and ignores SIGUSR2; the guard ignores SIGPIPE.
  struct sigaction handler {
  }, ignore{}, old_usr1, old_usr2;
  handler.sa_handler = on_usr1;
  ignore.sa_handler = SIG_IGN;
  REQUIRE(sigaction(SIGUSR1, &handler, &old_usr1) == 0);
  REQUIRE(sigaction(SIGUSR2, &ignore, &old_usr2) == 0);
  {
    SignalGuard guard;
    LocalRunner runner;
    Collect sink;
    Job j;
    j.argv = {"cat", "/proc/self/status"};
    runner.start(std::move(j), sink);
    drain(runner, sink);
    REQUIRE(sink.results[0].ok());
    // What exec keeps: what the host ignores stays ignored (SIGUSR2), but
    // the five signals sweep handles or ignores (SIGPIPE) are at their
    // defaults.
    std::vector<std::string> own;
    std::ifstream status("/proc/self/status");
    for (std::string l; std::getline(status, l);) own.push_back(l);
    std::uint64_t ours =
        bit(SIGINT) | bit(SIGTERM) | bit(SIGHUP) | bit(SIGCHLD) | bit(SIGPIPE);
    CHECK(status_mask(sink.out[0], "SigIgn") ==
          (status_mask(own, "SigIgn") & ~ours));
    CHECK((status_mask(sink.out[0], "SigIgn") & bit(SIGUSR2)) != 0);
    CHECK((status_mask(own, "SigIgn") & bit(SIGPIPE)) != 0);
    CHECK(status_mask(sink.out[0], "SigBlk") == 0);
  }
  sigaction(SIGUSR1, &old_usr1, nullptr);
  sigaction(SIGUSR2, &old_usr2, nullptr);
}

TEST_CASE("a program that cannot be executed is the job's failure") {
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  Job j;
  j.argv = {"/dev/null"};  // a file, not executable
  runner.start(std::move(j), sink);
  Job k;
  k.index = 1;
  k.argv = {"/no/such/dir/prog"};
  runner.start(std::move(k), sink);
  drain(runner, sink);
  CHECK(sink.results[0].exit_code == 127);
  CHECK(sink.results[0].error == "cannot execute /dev/null: Permission denied");
  CHECK(sink.results[1].error ==
        "cannot execute /no/such/dir/prog: No such file or directory");
}

TEST_CASE("PATH is searched in order, past entries without the program") {
  SignalGuard guard;
  std::string old_path = std::getenv("PATH");
  setenv("PATH", ("/no/such/dir::" + old_path).c_str(), 1);
  LocalRunner runner;
  Collect sink;
  runner.start(sh(0, "echo found"), sink);  // sh by its full path
  Job j;
  j.index = 1;
  j.argv = {"echo", "by name"};
  runner.start(std::move(j), sink);
  drain(runner, sink);
  setenv("PATH", old_path.c_str(), 1);
  CHECK(sink.out[0] == std::vector<std::string>{"found"});
  CHECK(sink.out[1] == std::vector<std::string>{"by name"});
}

TEST_CASE("the supervisor stops the groups it watches when its socket closes") {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  pid_t supervisor = fork();
  REQUIRE(supervisor >= 0);
  if (supervisor == 0) {
    close(sv[0]);
    _exit(Supervisor::serve(sv[1]));
  }
  close(sv[1]);
  // Two groups: one ends at SIGTERM, one ignores it and needs SIGKILL.
  auto group = [](const char* script) {
    pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      execl("/bin/sh", "sh", "-c", script, nullptr);
      _exit(127);
    }
    setpgid(pid, pid);
    return pid;
  };
  pid_t polite = group("sleep 30");
  pid_t stubborn = group("trap '' TERM; sleep 30; :");
  pid_t forgotten = group("sleep 0.5");
  auto send = [&](Supervisor::Message m) {
    REQUIRE(::send(sv[0], &m, sizeof m, MSG_NOSIGNAL) == sizeof m);
  };
  send({Supervisor::Message::kKillAfterMs, 300});
  for (pid_t g : {polite, stubborn, forgotten})
    send(Supervisor::watch_message(g));
  send({Supervisor::Message::kForget, forgotten});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // trap set
  auto begin = std::chrono::steady_clock::now();
  close(sv[0]);  // as if sweep died
  auto status_of = [](pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  };
  int p = status_of(polite), s = status_of(stubborn);
  double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  CHECK((WIFSIGNALED(p) && WTERMSIG(p) == SIGTERM));
  CHECK((WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL));
  CHECK(took >= 0.25);
  CHECK(took < 5);
  CHECK(status_of(supervisor) == 0);
  int f = status_of(forgotten);  // left alone: it ended by itself
  CHECK((WIFEXITED(f) && WEXITSTATUS(f) == 0));
}

TEST_CASE("a job pinned to one core runs there, and sweep stays unpinned") {
  cpu_set_t own;
  REQUIRE(sched_getaffinity(0, sizeof own, &own) == 0);
  int last = -1;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &own)) last = c;
  SignalGuard guard;
  LocalRunner runner;
  Collect sink;
  Job j = sh(0, "grep Cpus_allowed_list /proc/self/status");
  j.cpus = {last};
  runner.start(std::move(j), sink);
  drain(runner, sink);
  REQUIRE(sink.out[0].size() == 1);
  CHECK(sink.out[0][0] == "Cpus_allowed_list:\t" + std::to_string(last));
  cpu_set_t after;
  REQUIRE(sched_getaffinity(0, sizeof after, &after) == 0);
  CHECK(CPU_EQUAL(&own, &after));
}
