// run_command_sweep in a host program: it reaps only its own children,
// changes nothing process-wide, runs in several threads at once, and hands
// over exactly the records `sweep run` writes.
#include <doctest/doctest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/job.hpp"
#include "output/output_stream.hpp"
#include "output/result_writer.hpp"
#include "sweep/command_sweep.hpp"
#include "sweep/grid.hpp"
#include "sweep/record.hpp"
#include "sweep/stats.hpp"
#include "test_files.hpp"

extern char** environ;

using namespace sweep;
using Strings = std::vector<std::string>;

namespace {

// A record as the callback received it: its JSON text and what it said.
struct Received {
  std::string json;
  RecordKind kind;
  std::uint64_t job;
  std::string params_json, line;
  JobResult result;
};

struct Collector {
  std::vector<Received> records;
  std::thread::id caller = std::this_thread::get_id();
  bool other_thread = false;
  std::function<void(const Record&, std::string_view)> fn() {
    return [this](const Record& r, std::string_view json) {
      if (std::this_thread::get_id() != caller) other_thread = true;
      records.push_back({std::string(json), r.kind, r.job,
                         std::string(r.params_json), std::string(r.line),
                         r.result});
    };
  }
  std::vector<Received> of_kind(RecordKind k) const {
    std::vector<Received> out;
    for (const auto& r : records)
      if (r.kind == k) out.push_back(r);
    return out;
  }
};

// A host's own child, started without sweep.
pid_t spawn_host_child(const char* script) {
  pid_t pid = -1;
  const char* argv[] = {"sh", "-c", script, nullptr};
  int e = posix_spawn(&pid, "/bin/sh", nullptr, nullptr,
                      const_cast<char* const*>(argv), environ);
  REQUIRE_MESSAGE(e == 0, std::strerror(e));
  return pid;
}

// A host's child's exit status by the host's own waitpid; -errno if waitpid
// failed (-ECHILD: someone else reaped it).
int host_wait(pid_t pid) {
  int status = 0;
  pid_t r;
  while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (r != pid) return -errno;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

// What `sweep run` writes for these events: its JsonlWriter, on a file.
std::string as_sweep_run_writes(const std::function<void(JsonlWriter&)>& ev) {
  test::TempDir dir;
  std::string path = dir.file("run.jsonl");
  {
    OutputStream out = OutputStream::open_file(path);
    JsonlWriter w(out);
    ev(w);
    w.flush();
  }
  std::string text = test::read_file(path);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

// `make tsan` runs this suite under ThreadSanitizer.
TEST_SUITE_BEGIN("library");

TEST_CASE("a host's own children survive a command sweep, unreaped") {
  // One child has exited before the sweep starts (left a zombie), one exits
  // while the sweep runs.
  pid_t early = spawn_host_child("exit 7");
  pid_t during = spawn_host_child("sleep 0.2; exit 9");
  siginfo_t info{};
  REQUIRE(waitid(P_PID, static_cast<id_t>(early), &info,
                 WEXITED | WNOWAIT) == 0);  // exited, still waitable
  Grid g = Grid{}.range("x", 1, 4);
  Collector c;
  CommandSweepOptions o;
  o.threads = 4;
  o.on_record = c.fn();
  StatsSummary s = run_command_sweep(g, {"sh", "-c", "sleep 0.6; echo <x>"}, o);
  CHECK(s.succeeded == 4);
  CHECK(s.failed == 0);
  CHECK(c.of_kind(RecordKind::kLine).size() == 4);
  // The host's waitpid still finds its children and their statuses.
  CHECK(host_wait(early) == 7);
  CHECK(host_wait(during) == 9);
}

TEST_CASE("two command sweeps run at once in two threads of one process") {
  struct Run {
    Collector c;
    StatsSummary stats;
    std::string error;
  };
  Run a, b;
  auto run = [](Run& r, const Grid& g, const Strings& command) {
    try {
      r.c.caller = std::this_thread::get_id();
      CommandSweepOptions o;
      o.threads = 3;
      o.on_record = r.c.fn();
      r.stats = run_command_sweep(g, command, o);
    } catch (const std::exception& e) {
      r.error = e.what();
    }
  };
  Grid ga = Grid{}.range("a", 1, 30);
  Grid gb = Grid{}.range("b", 1, 30);
  std::thread ta(run, std::ref(a), std::cref(ga), Strings{"echo", "A<a>"});
  std::thread tb(run, std::ref(b), std::cref(gb),
                 Strings{"sh", "-c", "echo B<b>; test <b> -le 25"});
  ta.join();
  tb.join();
  REQUIRE(a.error == "");
  REQUIRE(b.error == "");
  CHECK_FALSE(a.c.other_thread);
  CHECK_FALSE(b.c.other_thread);

  std::set<std::string> lines_a, lines_b, want_a, want_b;
  for (int i = 1; i <= 30; ++i) {
    want_a.insert("A" + std::to_string(i));
    want_b.insert("B" + std::to_string(i));
  }
  for (const auto& r : a.c.of_kind(RecordKind::kLine)) {
    CHECK(r.params_json == "{\"a\":" + std::to_string(r.job + 1) + "}");
    lines_a.insert(r.line);
  }
  for (const auto& r : b.c.of_kind(RecordKind::kLine)) {
    CHECK(r.params_json == "{\"b\":" + std::to_string(r.job + 1) + "}");
    lines_b.insert(r.line);
  }
  CHECK(lines_a == want_a);
  CHECK(lines_b == want_b);
  CHECK(a.c.of_kind(RecordKind::kLine).size() == 30);
  CHECK(b.c.of_kind(RecordKind::kLine).size() == 30);
  CHECK(a.c.of_kind(RecordKind::kEnd).size() == 30);
  CHECK(b.c.of_kind(RecordKind::kEnd).size() == 30);
  CHECK(a.stats.succeeded == 30);
  CHECK(a.stats.failed == 0);
  CHECK(b.stats.succeeded == 25);
  CHECK(b.stats.failed == 5);
  for (const auto& r : b.c.of_kind(RecordKind::kEnd)) {
    CAPTURE(r.json);
    CHECK(r.result.exit_code == (r.job + 1 <= 25 ? 0 : 1));
    CHECK(r.result.signal == 0);
  }
}

TEST_CASE("the callback gets the records sweep run writes, and the counts") {
  Grid g = Grid{}.range("x", 1, 4);
  Collector c;
  CommandSweepOptions o;
  o.threads = 2;
  o.on_record = c.fn();
  StatsSummary s = run_command_sweep(
      g,
      {"sh", "-c",
       "echo <x>; echo '{\"v\": <x>}'; echo err >&2; test <x> -ne 3"},
      o);
  CHECK_FALSE(c.other_thread);
  // Per job: its two lines, then its end (no stderr by default).
  std::map<std::uint64_t, std::vector<Received>> by_job;
  for (const auto& r : c.records) by_job[r.job].push_back(r);
  REQUIRE(by_job.size() == 4);
  int ends = 0, ok = 0;
  for (auto& [job, recs] : by_job) {
    CAPTURE(job);
    REQUIRE(recs.size() == 3);
    std::string x = std::to_string(job + 1);
    std::string head =
        "{\"job\":" + std::to_string(job) + ",\"params\":{\"x\":" + x + "}";
    CHECK(recs[0].kind == RecordKind::kLine);
    CHECK(recs[0].json == head + ",\"line\":\"" + x + "\"}");
    CHECK(recs[1].kind == RecordKind::kLine);
    CHECK(recs[1].json == head + ",\"line\":\"{\\\"v\\\": " + x +
                              "}\",\"data\":{\"v\": " + x + "}}");
    REQUIRE(recs[2].kind == RecordKind::kEnd);
    CHECK(recs[2].json.rfind(
              head + ",\"exit\":" + (job == 2 ? "1" : "0") + ",\"duration_s\":",
              0) == 0);
    ++ends;
    ok += recs[2].result.ok();
    // Byte for byte what `sweep run`'s writer makes of the same events.
    Job j;
    j.index = job;
    j.params_json = "{\"x\":" + x + "}";
    j.argv = {"sh"};
    std::string expected = as_sweep_run_writes([&](JsonlWriter& w) {
      w.on_line(j, Stream::kStdout, recs[0].line);
      w.on_line(j, Stream::kStdout, recs[1].line);
      w.on_line(j, Stream::kStderr, "err");
      w.on_finish(j, recs[2].result);
    });
    CHECK(expected == recs[0].json + "\n" + recs[1].json + "\n" + recs[2].json);
  }
  CHECK(ends == 4);
  CHECK(s.points == 4);
  CHECK(s.jobs == 4);
  CHECK(s.started == 4);
  CHECK(s.succeeded == 3);
  CHECK(ok == 3);
  CHECK(s.failed == 1);
  CHECK(s.threads == 2);
  CHECK(s.not_run() == 0);

  // With stderr_records, stderr lines come too, marked as such.
  Collector e;
  o.stderr_records = true;
  o.on_record = e.fn();
  run_command_sweep(Grid{}.range("x", 1, 1), {"sh", "-c", "echo err<x> >&2"},
                    o);
  REQUIRE(e.records.size() == 2);
  CHECK(e.records[0].json ==
        R"({"job":0,"params":{"x":1},"stream":"stderr","line":"err1"})");
}

namespace {

void host_sigchld(int) {}

// A thread's signal mask and the process's signal dispositions.
struct SignalState {
  sigset_t mask;
  std::vector<struct sigaction> actions;
  static SignalState now() {
    SignalState s;
    pthread_sigmask(SIG_BLOCK, nullptr, &s.mask);
    s.actions.resize(NSIG);
    for (int sig = 1; sig < NSIG; ++sig)
      sigaction(sig, nullptr, &s.actions[sig]);
    return s;
  }
  /// What differs from another state ("" if nothing).
  std::string diff(const SignalState& o) const {
    std::string out;
    for (int sig = 1; sig < NSIG; ++sig) {
      const struct sigaction &a = actions[sig], &b = o.actions[sig];
      std::string name = signal_name(sig);
      if (sigismember(&mask, sig) != sigismember(&o.mask, sig))
        out += name + " blocked or unblocked; ";
      if (a.sa_handler != b.sa_handler) out += name + " handler; ";
      if (a.sa_flags != b.sa_flags) out += name + " flags; ";
      for (int s = 1; s < NSIG; ++s)
        if (sigismember(&a.sa_mask, s) != sigismember(&b.sa_mask, s)) {
          out += name + " handler mask; ";
          break;
        }
    }
    return out;
  }
};

}  // namespace

TEST_CASE("a command sweep leaves the host's signal mask and handlers alone") {
  // The host blocks SIGUSR1 and SIGUSR2 and handles SIGCHLD itself.
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGUSR2);
  REQUIRE(pthread_sigmask(SIG_BLOCK, &block, &old_mask) == 0);
  struct sigaction chld {
  }, old_chld{};
  chld.sa_handler = host_sigchld;
  chld.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&chld.sa_mask);
  sigaddset(&chld.sa_mask, SIGUSR2);
  REQUIRE(sigaction(SIGCHLD, &chld, &old_chld) == 0);

  SignalState before = SignalState::now();
  // Also while the sweep runs: the callback is called from inside its loop.
  std::string during;
  int records = 0;
  CommandSweepOptions o;
  o.threads = 2;
  o.on_record = [&](const Record&, std::string_view) {
    ++records;
    if (during.empty()) during = SignalState::now().diff(before);
  };
  StatsSummary s =
      run_command_sweep(Grid{}.range("x", 1, 6), {"echo", "<x>"}, o);
  std::string after = SignalState::now().diff(before);
  CHECK(s.succeeded == 6);
  CHECK(records == 12);
  CHECK(during == "");
  CHECK(after == "");
  // The state compared is the host's own.
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  CHECK(sigismember(&mask, SIGUSR1) == 1);
  CHECK(sigismember(&mask, SIGCHLD) == 0);
  struct sigaction now {};
  sigaction(SIGCHLD, nullptr, &now);
  CHECK((now.sa_handler == host_sigchld));
  CHECK(sigismember(&now.sa_mask, SIGUSR2) == 1);

  sigaction(SIGCHLD, &old_chld, nullptr);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
}

TEST_SUITE_END();
