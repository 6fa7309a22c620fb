// sweep under strain: short of descriptors, jobs that leave processes behind,
// sweep itself killed at a random moment.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

#include "harness.hpp"

using e2e::end_records;
using e2e::lines;
using namespace std::chrono_literals;

namespace {

// Waits for a child of this test and returns its exit status (128+signal).
int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A job for the kill tests: most start a grandchild and run until stopped
// (some ignoring SIGTERM, so only SIGKILL ends them); every third ends at
// once, so that sweep keeps starting jobs. The marker is in the command line
// of the job and of its grandchild.
std::vector<std::string> busy_job(const std::string& marker) {
  return {"sh", "-c",
          "if [ $(($1 % 3)) = 0 ]; then exit 0; fi; "
          "if [ $(($1 % 3)) = 1 ]; then trap '' TERM; fi; "
          "sh -c 'sleep 1000; :' \"$0-grandchild\" & sleep 1000; :",
          marker, "<x>"};
}

// Runs sweep ARGS under `sh -c`, after the shell ran `setup` (e.g. a ulimit).
e2e::Result sweep_after(const std::string& setup,
                        const std::vector<std::string>& args) {
  std::vector<std::string> argv{"sh", "-c", setup + " && exec \"$0\" \"$@\"",
                                e2e::sweep_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return e2e::run(argv);
}

int count_lines_with(const std::string& text, const std::string& needle) {
  int n = 0;
  for (const auto& l : lines(text)) n += l.find(needle) != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("short of descriptors, sweep lowers -j and every job succeeds") {
  // 128 descriptors (soft and hard, so sweep cannot raise them) leave room
  // for about 40 jobs of the 200 asked for at once.
  auto r = sweep_after("ulimit -n 128", {"run", "-j", "200", "-p", "x=1..200",
                                         "--", "sleep", "0.2"});
  CHECK(r.exit == 0);
  auto ends = end_records(r.out);
  CHECK(ends.size() == 200);
  int ok = 0;
  for (const auto& e : ends) ok += e["exit"] == 0 && !e.contains("error");
  CHECK(ok == 200);
  CAPTURE(r.err);
  CHECK(count_lines_with(r.err, "warning") == 1);
  CHECK(count_lines_with(r.err,
                         "sweep: warning: pipe2: Too many open files: "
                         "running at most ") == 1);
  CHECK(count_lines_with(r.err, "at once instead of 200") == 1);
  CHECK(r.err.find("200 succeeded, 0 failed") != std::string::npos);
}

TEST_CASE("a job that exits 0 and leaves a process holding its output") {
  // The sleep's argument is unique to this test, to find it afterwards.
  std::string sleep = "sleep 30." + std::to_string(getpid());
  auto r = e2e::sweep({"run", "--timeout", "1s", "--kill-after", "1s", "--",
                       "sh", "-c", sleep + " & echo hi; exit 0"});
  // Its own exit decides: a success, with the leftover stopped at --timeout.
  CHECK(r.exit == 0);
  auto records = e2e::records(r.out);
  REQUIRE(records.size() == 2);
  CHECK(records[0]["line"] == "hi");
  const auto& end = records[1];
  CHECK(end["exit"] == 0);
  CHECK_FALSE(end.contains("timeout"));
  CHECK(end["leftover_killed"] == true);
  // From spawn to the shell's own exit, not to the leftover's end.
  CHECK(end["duration_s"].get<double>() > 0);
  CHECK(end["duration_s"].get<double>() < 0.5);
  CHECK(r.seconds >= 1);  // its output was read until the timeout
  CHECK(r.err.find("1 succeeded, 0 failed") != std::string::npos);
  CHECK_FALSE(e2e::process_running_with(sleep));
}

TEST_CASE("a job still running at --timeout timed out, leftovers or not") {
  auto r = e2e::sweep({"run", "--timeout", "300ms", "--kill-after", "1s", "--",
                       "sh", "-c", "sleep 30 & sleep 30; :"});
  CHECK(r.exit == 1);
  auto ends = end_records(r.out);
  REQUIRE(ends.size() == 1);
  CHECK(ends[0]["timeout"] == true);
  CHECK(ends[0]["signal"] == "SIGTERM");
  CHECK_FALSE(ends[0].contains("leftover_killed"));
}

TEST_CASE(
    "after kill -9 of sweep, no job or grandchild outlives --kill-after") {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> moment_ms(0, 1200);
  const int trials = 20;
  int left_running = 0;
  for (int trial = 0; trial < trials; ++trial) {
    std::string marker = "sweep-e2e-kill9-" + std::to_string(getpid()) + "-" +
                         std::to_string(trial);
    e2e::TempDir dir;
    std::vector<std::string> args{
        "run",   "-j",           "6",     "-p", "x=1..100000", "--timeout",
        "300ms", "--kill-after", "500ms", "--"};
    for (auto& a : busy_job(marker)) args.push_back(a);
    pid_t pid = e2e::spawn_sweep(args, dir.path());
    int at = moment_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(at));
    REQUIRE(kill(pid, SIGKILL) == 0);
    CHECK(wait_for(pid) == 128 + SIGKILL);
    // SIGTERM at once, SIGKILL 500 ms later: 2 s is room for a slow machine.
    bool gone = e2e::wait_until(
        [&] { return !e2e::process_running_with(marker); }, 2000ms, 10ms);
    CAPTURE(trial);
    CAPTURE(at);
    CHECK(gone);
    left_running += !gone;
  }
  MESSAGE(trials << " kill -9 trials, " << left_running
                 << " left a process running");
}

namespace {

// What the soak trials saw, for the summary line.
struct SoakCounts {
  int kills = 0, sigints = 0, sigterms = 0;
  int finished_first = 0;  ///< The run ended before the signal came.
  int lost = 0;            ///< Jobs with no successful record in the journal.
  int duplicated = 0;      ///< Jobs with more than one.
  int failed = 0;          ///< Failed records (these jobs never fail).
  int torn = 0;            ///< Torn journal lines (a kill mid-write).
  int left_running = 0;    ///< Trials that left a job process behind.
  int wrong_exit = 0;      ///< Interrupts not answered with 128 + signal.
  int no_statistics = 0;   ///< Interrupts without the statistics report.
  int resume_failed = 0;   ///< --resume runs that did not exit 0.
};

constexpr int kSoakJobs = 16;

// Trials from SWEEP_SOAK_TRIALS: 10 unless told (`make soak`: 200).
int soak_trials() {
  const char* v = std::getenv("SWEEP_SOAK_TRIALS");
  return v && std::atoi(v) > 0 ? std::atoi(v) : 10;
}

// A job that ends after 50 ms, leaving a grandchild that would sleep 30 s
// and holds its output: --timeout stops it at 250 ms (the job succeeds,
// leftover_killed), and only sweep or its supervisor can stop it earlier.
std::vector<std::string> soak_args(const std::string& marker, bool resume) {
  std::vector<std::string> a{"run",     "-j",           "4",       "-p",
                             "x=1..16", "--journal",    "j.jsonl", "--timeout",
                             "250ms",   "--kill-after", "500ms"};
  if (resume) a.push_back("--resume");
  for (const char* s : {"--", "sh", "-c",
                        "sh -c 'sleep 30; :' \"$0-grandchild\" & sleep 0.05; "
                        "echo \"done $1\""})
    a.push_back(s);
  a.push_back(marker);
  a.push_back("<x>");
  return a;
}

// Every job must have exactly one successful record across the journal.
void check_journal(const std::filesystem::path& journal, SoakCounts& c) {
  std::map<int, int> ok;
  for (const auto& l : lines(e2e::read(journal))) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    if (j.is_discarded()) {
      ++c.torn;
      continue;
    }
    if (!j.value("ok", false)) {
      ++c.failed;
      continue;
    }
    ++ok[j["params"]["x"].get<int>()];
  }
  for (int x = 1; x <= kSoakJobs; ++x) {
    c.lost += ok[x] == 0;
    c.duplicated += ok[x] > 1;
  }
}

// Runs the sweep in the background and stops it `at` ms after its first
// job started (so that its signal handling is in place): kill -9, SIGINT
// or SIGTERM. Then checks nothing is left running, resumes and checks the
// journal.
void soak_trial(int sig, int at, int trial, SoakCounts& c) {
  std::string marker = "sweep-e2e-soak-" + std::to_string(getpid()) + "-" +
                       std::to_string(trial);
  e2e::TempDir dir;
  pid_t pid = e2e::spawn_sweep(soak_args(marker, false), dir.path());
  e2e::wait_until(
      [&] { return e2e::process_running_with(marker + "-grandchild"); }, 10s,
      10ms);
  std::this_thread::sleep_for(std::chrono::milliseconds(at));
  REQUIRE(kill(pid, sig) == 0);
  int status = wait_for(pid);
  bool finished = status == 0;
  c.finished_first += finished;
  if (sig != SIGKILL) {
    std::string err = e2e::read(dir.path() / "err.txt");
    c.wrong_exit += !finished && status != 128 + sig;
    c.no_statistics += err.find("STATISTICS") == std::string::npos;
  }
  // kill -9: the supervisor's SIGTERM, SIGKILL 500 ms later. Otherwise
  // sweep itself waited for its jobs.
  auto limit = sig == SIGKILL ? 2500ms : 1000ms;
  c.left_running += !e2e::wait_until(
      [&] { return !e2e::process_running_with(marker); }, limit, 10ms);
  auto resumed = e2e::run(
      [&] {
        std::vector<std::string> argv{e2e::sweep_bin()};
        for (auto& a : soak_args(marker, true)) argv.push_back(a);
        return argv;
      }(),
      {.cwd = dir.path()});
  c.resume_failed += resumed.exit != 0;
  check_journal(dir.path() / "j.jsonl", c);
}

}  // namespace

TEST_CASE(
    "soak: kill -9 then --resume loses and repeats nothing, SIGINT and "
    "SIGTERM leave nothing") {
  const int trials = soak_trials();
  unsigned seed = std::random_device{}();
  if (const char* s = std::getenv("SWEEP_SOAK_SEED")) seed = std::atoi(s);
  std::mt19937 rng(seed);
  // The run lasts about 1 s after its first job starts.
  std::uniform_int_distribution<int> moment_ms(0, 900);
  SoakCounts c;
  for (int trial = 0; trial < trials; ++trial) {
    // Half kill -9, the rest SIGINT and SIGTERM in turn.
    int sig = trial % 2 == 0 ? SIGKILL : trial % 4 == 1 ? SIGINT : SIGTERM;
    (sig == SIGKILL ? c.kills : sig == SIGINT ? c.sigints : c.sigterms)++;
    soak_trial(sig, moment_ms(rng), trial, c);
  }
  std::printf(
      "soak: %d trials (seed %u): %d kill -9, %d SIGINT, %d SIGTERM, each "
      "then --resume (%d runs ended before the signal); %d jobs lost, %d "
      "duplicated, %d "
      "failed records, %d torn lines, %d trials left a process running, %d "
      "wrong exit statuses, %d without statistics, %d failed resumes\n",
      trials, seed, c.kills, c.sigints, c.sigterms, c.finished_first, c.lost,
      c.duplicated, c.failed, c.torn, c.left_running, c.wrong_exit,
      c.no_statistics, c.resume_failed);
  std::fflush(stdout);
  CHECK(c.lost == 0);
  CHECK(c.duplicated == 0);
  CHECK(c.failed == 0);
  CHECK(c.left_running == 0);
  CHECK(c.wrong_exit == 0);
  CHECK(c.no_statistics == 0);
  CHECK(c.resume_failed == 0);
}
