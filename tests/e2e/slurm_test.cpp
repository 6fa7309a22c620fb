// Sweeps through a real single-node Slurm (the private one that
// tests/slurm/slurm.sh starts as a ctest fixture, named by SLURM_CONF): array
// job, shards, merge, detach, status, resume.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness.hpp"

using e2e::lines;
using e2e::read;
using e2e::sweep;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// True if the private cluster that SLURM_CONF names is there (ctest sets it
// to the file slurm.sh start writes). These tests never fall back on the
// machine's own Slurm: they skip, with the message that ctest's
// SKIP_REGULAR_EXPRESSION looks for, where slurm_start skipped or SLURM_CONF
// is unset (the binary run by hand), and fail where a cluster should be.
bool private_cluster() {
  const char* conf = std::getenv("SLURM_CONF");
  if (conf == nullptr) {
    MESSAGE(
        "skipped: no private Slurm cluster: SLURM_CONF is not set "
        "(ctest sets it)");
    return false;
  }
  std::filesystem::path path(conf);
  if (std::filesystem::exists(path)) return true;
  std::string reason = read(path.parent_path().string() + ".skipped");
  if (reason.empty()) {
    FAIL("no private Slurm cluster at " << path.string()
                                        << ", and slurm_start did not skip");
    return false;
  }
  MESSAGE("skipped: no private Slurm cluster: " << reason);
  return false;
}

// Records without the fields that differ between any two runs.
std::multiset<std::string> comparable(const std::string& out) {
  std::multiset<std::string> r;
  for (const auto& l : lines(out)) {
    Json j = Json::parse(l);
    for (const char* k :
         {"duration_s", "cpu_user_s", "cpu_sys_s", "max_rss_kb"})
      j.erase(k);
    r.insert(j.dump());
  }
  return r;
}

bool queue_empty() {
  auto r = e2e::run({"squeue", "-h"});
  return r.exit == 0 && r.out.empty();
}

void wait_for_queue() {
  for (int i = 0; i < 300 && !queue_empty(); ++i)
    std::this_thread::sleep_for(100ms);
  REQUIRE(queue_empty());
}

const std::vector<std::string> kGrid = {"-p", "x=1..12", "-p", "mode=a,b"};
const std::vector<std::string> kCommand = {
    "--", "sh", "-c",
    "echo <mode><x>; echo '{\"v\": <x>}'; exit $((<x> == 5))"};

std::vector<std::string> args(std::vector<std::string> head) {
  head.insert(head.end(), kGrid.begin(), kGrid.end());
  head.insert(head.end(), kCommand.begin(), kCommand.end());
  return head;
}

}  // namespace

TEST_CASE(
    "a sweep through Slurm gives the local run's records and exit status") {
  if (!private_cluster()) return;
  e2e::TempDir dir;
  auto local = sweep(args({"run", "-j", "2"}));
  CHECK(local.exit == 1);
  auto slurm = sweep(args({"run", "--backend", "slurm", "--run-dir",
                           (dir.path() / "run").string(), "--shards", "4"}),
                     {.timeout_s = 120});
  CHECK(slurm.exit == local.exit);
  CHECK(comparable(slurm.out) == comparable(local.out));
  CHECK(slurm.err.find("submitted Slurm job") != std::string::npos);
  CHECK(
      slurm.err.find("jobs          24 (22 succeeded, 2 failed, 0 not run)") !=
      std::string::npos);
  // One array job, four tasks, each with its own journal.
  for (int s = 0; s < 4; ++s)
    CHECK(lines(read(dir.path() / "run" /
                     ("shard-" + std::to_string(s) + ".journal")))
              .size() == 6);
  CHECK(lines(read(dir.path() / "run" / "submissions.jsonl")).size() == 1);
}

TEST_CASE(
    "--detach returns at once, sweep status follows, sweep merge collects") {
  if (!private_cluster()) return;
  e2e::TempDir dir;
  std::string run = (dir.path() / "run").string();
  auto d = sweep(args({"run", "--backend", "slurm", "--run-dir", run,
                       "--shards", "3", "--detach"}));
  REQUIRE(d.exit == 0);
  std::string job_id = lines(d.out).at(0);
  CHECK(!job_id.empty());
  CHECK(d.out.find("sweep merge " + run) != std::string::npos);
  wait_for_queue();
  auto st = sweep({"status", run});
  CHECK(st.exit == 0);
  CHECK(st.out.find("Slurm job " + job_id) != std::string::npos);
  CHECK(st.out.find("total: 24 of 24 done, 2 failed") != std::string::npos);
  auto m = sweep({"merge", run});
  CHECK(m.exit == 1);  // a failing point fails the merged run too
  CHECK(comparable(m.out) == comparable(sweep(args({"run"})).out));
}

TEST_CASE("cancelled, then resumed: only the unfinished jobs run again") {
  if (!private_cluster()) return;
  e2e::TempDir dir;
  std::string run = (dir.path() / "run").string();
  std::vector<std::string> base = {
      "run", "--backend", "slurm", "--run-dir", run,  "--shards",           "2",
      "-p",  "x=1..10",   "--",    "sh",        "-c", "sleep 0.4; echo <x>"};
  std::vector<std::string> detached = base;
  detached.insert(detached.begin() + 7, "--detach");
  auto d = sweep(detached);
  REQUIRE(d.exit == 0);
  std::string job_id = lines(d.out).at(0);
  // Cancel once a few jobs are recorded.
  for (int i = 0; i < 200; ++i) {
    size_t n = lines(read(dir.path() / "run" / "shard-0.journal")).size() +
               lines(read(dir.path() / "run" / "shard-1.journal")).size();
    if (n >= 3) break;
    std::this_thread::sleep_for(50ms);
  }
  e2e::run({"scancel", job_id});
  wait_for_queue();
  size_t before = lines(read(dir.path() / "run" / "shard-0.journal")).size() +
                  lines(read(dir.path() / "run" / "shard-1.journal")).size();
  REQUIRE(before >= 3);
  REQUIRE(before < 10);
  std::vector<std::string> resume = base;
  resume.insert(resume.begin() + 7, "--resume");
  auto r = sweep(resume, {.timeout_s = 120});
  CHECK(r.exit == 0);
  // Every point finished exactly once in the merged stream.
  std::multiset<std::string> finished;
  for (const auto& l : lines(r.out)) {
    Json j = Json::parse(l);
    if (!j.contains("line") && !j.value("stopped", false))
      finished.insert(j["params"].dump());
  }
  CHECK(finished.size() == 10);
  CHECK(std::set<std::string>(finished.begin(), finished.end()).size() == 10);
  size_t after = lines(read(dir.path() / "run" / "shard-0.journal")).size() +
                 lines(read(dir.path() / "run" / "shard-1.journal")).size();
  CHECK(after == 10);  // the resumed tasks ran only what the journals lacked
  CHECK(lines(read(dir.path() / "run" / "submissions.jsonl")).size() == 2);
}

TEST_CASE("slurm errors: missing --run-dir, too many shards, sbatch refusing") {
  if (!private_cluster()) return;
  auto no_dir = sweep({"run", "--backend", "slurm", "-p", "x=1", "--", "true"});
  CHECK(no_dir.exit == 2);
  CHECK(no_dir.err.find("--run-dir") != std::string::npos);
  e2e::TempDir dir;
  auto many =
      sweep({"run", "--backend", "slurm", "--run-dir", dir.path().string(),
             "--shards", "5000", "-p", "x=1..6000", "--", "true"});
  CHECK(many.exit == 2);
  CHECK(many.err.find("MaxArraySize (1001)") != std::string::npos);
  auto bad =
      sweep({"run", "--backend", "slurm", "--run-dir", dir.path().string(),
             "--slurm-opt=--partition=nosuch", "-p", "x=1", "--", "true"});
  CHECK(bad.exit == 1);
  CHECK(bad.err.find("sbatch failed") != std::string::npos);
}

TEST_CASE("Ctrl-C while waiting cancels the array and keeps the journals") {
  if (!private_cluster()) return;
  e2e::TempDir dir;
  std::string run = (dir.path() / "run").string();
  std::string marker = "sweep-slurm-ctrlc-" + std::to_string(getpid());
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    std::string bin = e2e::sweep_bin();
    execl(bin.c_str(), "sweep", "run", "--backend", "slurm", "--run-dir",
          run.c_str(), "--shards", "2", "-p", "x=1..6", "--", "sh", "-c",
          "echo <x>; sleep 30", marker.c_str(), nullptr);
    _exit(127);
  }
  // Wait until the array's tasks are running their jobs.
  for (int i = 0; i < 200; ++i) {
    if (std::filesystem::exists(dir.path() / "run" / "submissions.jsonl") &&
        !queue_empty() && e2e::process_running_with(marker + " "))
      break;
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(e2e::process_running_with(marker + " "));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  wait_for_queue();  // scancel emptied it
  for (int i = 0; i < 100 && e2e::process_running_with(marker + " "); ++i)
    std::this_thread::sleep_for(50ms);
  CHECK_FALSE(e2e::process_running_with(marker + " "));
  CHECK(std::filesystem::exists(dir.path() / "run" / "sweep.json"));
}

TEST_CASE("a local and a Slurm run directory read alike by merge and status") {
  if (!private_cluster()) return;
  e2e::TempDir dir;
  std::string slurm_dir = (dir.path() / "slurm").string();
  std::string local_dir = (dir.path() / "local").string();
  // Each job writes its metrics to its own directory; --collect reads them.
  std::vector<std::string> tail = {
      "-p",
      "x=1..12",
      "-p",
      "mode=a,b",
      "--chdir",
      "--collect",
      "m.txt",
      "--",
      "sh",
      "-c",
      "echo v=<x> > m.txt; echo <mode><x>; exit $((<x> == 5))"};
  std::vector<std::string> slurm = {
      "run", "--backend", "slurm", "--run-dir", slurm_dir, "--shards", "3"};
  std::vector<std::string> local = {"run", "--run-dir", local_dir, "-j", "2"};
  slurm.insert(slurm.end(), tail.begin(), tail.end());
  local.insert(local.end(), tail.begin(), tail.end());
  auto s = sweep(slurm, {.timeout_s = 120});
  auto l = sweep(local);
  CHECK(s.exit == 1);
  CHECK(l.exit == 1);
  CHECK(comparable(s.out) == comparable(l.out));
  for (const auto& d : {slurm_dir, local_dir}) {
    CAPTURE(d);
    auto m = sweep({"merge", d});
    CHECK(m.exit == 1);
    CHECK(comparable(m.out) == comparable(l.out));
    CHECK(m.out.find("\"file\":\"m.txt\",\"data\":{\"v\":12}") !=
          std::string::npos);
    auto st = sweep({"status", d});
    CHECK(st.exit == 0);
    CHECK(st.out.find("total: 24 of 24 done, 2 failed, 0 running") !=
          std::string::npos);
    // Both gave every job a directory named by its key.
    CHECK(std::distance(std::filesystem::directory_iterator(d + "/jobs"),
                        std::filesystem::directory_iterator{}) == 24);
  }
  // Resumed with the grid and command from the definition: nothing left.
  auto resumed =
      sweep({"run", "--backend", "slurm", "--run-dir", slurm_dir, "--resume"},
            {.timeout_s = 120});
  CHECK(resumed.exit == 1);
  CHECK(resumed.err.find("every shard is done") != std::string::npos);
}

TEST_CASE(
    "--cpus-per-job on Slurm: a task asks for its jobs' cores, each "
    "job gets one") {
  if (!private_cluster()) return;
  e2e::TempDir dir;
  std::string run = (dir.path() / "run").string();
  auto r = sweep({"run", "--backend", "slurm", "--run-dir", run, "--shards",
                  "2", "--cpus-per-job", "1", "-p", "x=1..4", "--", "sh", "-c",
                  "grep Cpus_allowed_list /proc/self/status | cut -f2"},
                 {.timeout_s = 120});
  CHECK(r.exit == 0);
  std::string script = read(dir.path() / "run" / "job.sh");
  CHECK(script.find("#SBATCH --cpus-per-task=1\n") != std::string::npos);
  CHECK(script.find("--cpus-per-job 1") != std::string::npos);
  int jobs = 0;
  for (const auto& rec : e2e::records(r.out)) {
    if (!rec.contains("line")) continue;
    ++jobs;
    std::string cores = rec["line"];
    CHECK(cores.find_first_of(",-") == std::string::npos);  // one core
  }
  CHECK(jobs == 4);
}
