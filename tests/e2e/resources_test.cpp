// Resources per slot on real jobs: devices from a fake nvidia-smi or a list,
// each owned by one job at a time; --slot-env, --cpus-per-job; --memfree
// holding starts back. A real GPU is checked where there is one.
#include <doctest/doctest.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

using e2e::end_records;
using e2e::lines;
using e2e::read;
using Json = nlohmann::ordered_json;
using namespace std::chrono_literals;

namespace {

// A directory with an `nvidia-smi -L` that lists four GPUs (and a MIG line,
// which is not a GPU of its own).
std::string fake_nvidia_smi(const e2e::TempDir& dir) {
  std::string path =
      dir.write("nvidia-smi",
                "#!/bin/sh\n"
                "[ \"$1\" = -L ] || exit 9\n"
                "for i in 0 1 2 3; do\n"
                "  echo \"GPU $i: Fake GPU (UUID: GPU-fake-$i)\"\n"
                "done\n"
                "echo '  MIG 1g.5gb Device 0: (UUID: MIG-fake)'\n");
  chmod(path.c_str(), 0755);
  return dir.path().string();
}

// sweep ARGS with PATH led by `bin` and CUDA_VISIBLE_DEVICES as given
// (nullptr: unset).
e2e::Result sweep_with(const std::string& bin, const char* visible,
                       const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"env", "-u", "CUDA_VISIBLE_DEVICES"};
  if (visible) argv.push_back(std::string("CUDA_VISIBLE_DEVICES=") + visible);
  argv.push_back("PATH=" + bin + ":" + std::getenv("PATH"));
  argv.push_back(e2e::sweep_bin());
  argv.insert(argv.end(), args.begin(), args.end());
  return e2e::run(argv);
}

// Each job prints what it was given and when it started and ended, in
// nanoseconds, as one JSON line.
const std::vector<std::string> kTimedJob = {
    "--", "sh", "-c",
    "s=$(date +%s%N); sleep 0.2; e=$(date +%s%N); "
    "echo \"{\\\"cuda\\\":\\\"$CUDA_VISIBLE_DEVICES\\\","
    "\\\"env\\\":\\\"$SWEEP_GPUS\\\",\\\"arg\\\":\\\"<@gpus>\\\","
    "\\\"s\\\":$s,\\\"e\\\":$e}\""};

struct Use {
  std::string devices;
  long long start, end;
};

// Every job's devices and times, after checking the three ways it was told
// agree with its end record.
std::vector<Use> uses_of(const std::string& out) {
  std::vector<Use> uses;
  std::map<std::uint64_t, std::string> listed;
  for (const auto& r : e2e::records(out)) {
    if (r.contains("data")) {
      const auto& d = r["data"];
      CHECK(d["cuda"] == d["env"]);
      CHECK(d["cuda"] == d["arg"]);
      uses.push_back({d["cuda"], d["s"], d["e"]});
      listed[r["job"]] = d["cuda"];
    } else {
      std::string joined;
      for (const auto& g : r["gpus"])
        joined += (joined.empty() ? "" : ",") + g.get<std::string>();
      CHECK(listed[r["job"]] == joined);
    }
  }
  return uses;
}

// No device was held by two jobs at once: for each device, the jobs that
// had it ran one after the other.
void check_exclusive(const std::vector<Use>& uses) {
  std::map<std::string, std::vector<std::pair<long long, long long>>> by_dev;
  for (const auto& u : uses) {
    std::string dev;
    for (char c : u.devices + ",") {
      if (c != ',') {
        dev += c;
        continue;
      }
      by_dev[dev].emplace_back(u.start, u.end);
      dev.clear();
    }
  }
  for (auto& [dev, spans] : by_dev) {
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i)
      CHECK_MESSAGE(spans[i - 1].second <= spans[i].first,
                    "device " << dev << " held by two jobs at once");
  }
}

}  // namespace

TEST_CASE("--gpus auto: nvidia-smi's devices, one job each, never shared") {
  e2e::TempDir dir;
  std::string bin = fake_nvidia_smi(dir);
  std::vector<std::string> args = {"run", "--gpus", "auto", "-p", "x=1..12"};
  args.insert(args.end(), kTimedJob.begin(), kTimedJob.end());
  auto r = sweep_with(bin, nullptr, args);
  REQUIRE(r.exit == 0);
  auto uses = uses_of(r.out);
  REQUIRE(uses.size() == 12);
  std::set<std::string> seen;
  for (const auto& u : uses) seen.insert(u.devices);
  CHECK(seen == std::set<std::string>{"0", "1", "2", "3"});
  check_exclusive(uses);
  // -j defaults to the four devices: the stats say so.
  CHECK(r.err.find("on 4 threads") != std::string::npos);
}

TEST_CASE("--gpus-per-job 2 gives each job two devices of its own") {
  e2e::TempDir dir;
  std::string bin = fake_nvidia_smi(dir);
  std::vector<std::string> args = {"run",
                                   "--gpus",
                                   "auto",
                                   "--gpus-per-job",
                                   "2",
                                   "-p",
                                   "x=1..8",
                                   "--journal",
                                   (dir.path() / "j.jsonl").string()};
  args.insert(args.end(), kTimedJob.begin(), kTimedJob.end());
  auto r = sweep_with(bin, nullptr, args);
  REQUIRE(r.exit == 0);
  auto uses = uses_of(r.out);
  std::set<std::string> seen;
  for (const auto& u : uses) seen.insert(u.devices);
  CHECK(seen == std::set<std::string>{"0,1", "2,3"});
  check_exclusive(uses);
  CHECK(r.err.find("on 2 threads") != std::string::npos);
  // The journal names the devices too.
  auto journal = lines(read(dir.path() / "j.jsonl"));
  REQUIRE(journal.size() == 8);
  for (const auto& l : journal) CHECK(Json::parse(l)["gpus"].size() == 2);
}

TEST_CASE(
    "--gpus auto takes CUDA_VISIBLE_DEVICES first, and a list is taken as is") {
  e2e::TempDir dir;
  std::string bin = fake_nvidia_smi(dir);
  std::vector<std::string> args = {"run", "--gpus", "auto", "-p", "x=1..6"};
  args.insert(args.end(), kTimedJob.begin(), kTimedJob.end());
  auto r = sweep_with(bin, "5,7", args);
  REQUIRE(r.exit == 0);
  std::set<std::string> seen;
  for (const auto& u : uses_of(r.out)) seen.insert(u.devices);
  CHECK(seen == std::set<std::string>{"5", "7"});
  args[2] = "GPU-a,GPU-b,GPU-c";
  r = sweep_with(bin, "5,7", args);
  REQUIRE(r.exit == 0);
  seen.clear();
  for (const auto& u : uses_of(r.out)) seen.insert(u.devices);
  CHECK(seen == std::set<std::string>{"GPU-a", "GPU-b", "GPU-c"});
}

TEST_CASE("a retried job takes the devices of the slot it runs in again") {
  e2e::TempDir dir;
  auto r = e2e::sweep(
      {"run", "--gpus", "0,1", "--retries", "1", "-p", "x=1,2", "--", "sh",
       "-c", "echo \"<x> $CUDA_VISIBLE_DEVICES\"; exit $((<x> == 1))"});
  CHECK(r.exit == 1);
  int ends = 0;
  for (const auto& e : end_records(r.out)) {
    ++ends;
    CHECK(e["gpus"].size() == 1);
  }
  CHECK(ends == 3);  // x=1 twice, x=2 once
}

TEST_CASE("resource flags refuse what cannot be shared out") {
  e2e::TempDir dir;
  e2e::check_usage_error(
      {"run", "--gpus", "0,1,2", "--gpus-per-job", "2", "-j", "2", "-p", "x=1",
       "--", "true"},
      "-j 2: needs 4 devices with --gpus-per-job 2, --gpus has 3");
  e2e::check_usage_error({"run", "--gpus", "0,1", "--gpus-per-job", "3", "-p",
                          "x=1", "--", "true"},
                         "--gpus-per-job 3: more than the 2 devices of --gpus");
  e2e::check_usage_error({"run", "-p", "x=1", "--", "echo", "<@gpus>"},
                         "<@gpus> needs --gpus LIST or --gpus auto");
  e2e::check_usage_error(
      {"run", "--gpus-per-job", "2", "-p", "x=1", "--", "true"},
      "--gpus-per-job needs --gpus LIST or --gpus auto");
  e2e::check_usage_error({"run", "--gpus", "0,,1", "-p", "x=1", "--", "true"},
                         "--gpus '0,,1': an empty item in the list");
  // One device listed twice would be held by two jobs at once.
  e2e::check_usage_error(
      {"run", "--gpus", "0, 1,0", "-p", "x=1", "--", "true"},
      "--gpus '0, 1,0': 0 is listed twice (two jobs would own it at once)");
  e2e::check_usage_error(
      {"run", "--slot-env", "PORT=80,80", "-p", "x=1", "--", "true"},
      "--slot-env PORT '80,80': 80 is listed twice (two jobs would own it at "
      "once)");
  e2e::check_usage_error({"run", "--gpus", "", "-p", "x=1", "--", "true"},
                         "--gpus: an empty list names no device");
  // A size beyond 2^64 bytes is refused, not wrapped to a small one.
  e2e::check_usage_error(
      {"run", "--memfree", "16777216T", "-p", "x=1", "--", "true"},
      "--memfree 16777216T: too large (at most 16 EiB)");
  e2e::check_usage_error(
      {"run", "--slot-env", "1X=a", "-p", "x=1", "--", "true"},
      "--slot-env 1X=a: write NAME=V1,V2,... (NAME of letters, digits and _)");
  e2e::check_usage_error(
      {"run", "--memfree", "lots", "-p", "x=1", "--", "true"},
      "--memfree lots: not a size (bytes, or with k, M, G, "
      "T: 512M, 4G)");
  e2e::check_usage_error(
      {"run", "--backend", "slurm", "--run-dir", (dir.path() / "r").string(),
       "--gpus", "0,1", "-p", "x=1", "--", "true"},
      "--backend slurm: --gpus 0,1: each task's allocation names its "
      "devices; give --gpus-per-job K alone");
  e2e::check_usage_error(
      {"run", "--gpus", "0", "-p", "gpus=1,2", "--", "true"},
      "SWEEP_GPUS would be set twice for each job: by --gpus or --slot-env, "
      "and by a parameter, sweep or another --slot-env");
  e2e::check_usage_error(
      {"run", "--slot-env", "SWEEP_SLOT=a,b", "-p", "x=1", "--", "true"},
      "SWEEP_SLOT would be set twice for each job: by --gpus or --slot-env, "
      "and by a parameter, sweep or another --slot-env");
  e2e::check_usage_error({"run", "--load", "-1", "-p", "x=1", "--", "true"},
                         "--load: must be a number >= 0, not '-1'");
  // No CUDA_VISIBLE_DEVICES and no nvidia-smi on PATH.
  auto r = sweep_with(dir.path().string(), nullptr,
                      {"run", "--gpus", "auto", "-p", "x=1", "--", "true"});
  CHECK(r.exit == 2);
  CHECK(r.err.find("--gpus auto: CUDA_VISIBLE_DEVICES is not set and "
                   "nvidia-smi cannot be run") != std::string::npos);
}

TEST_CASE("--slot-env gives slot i the i-th value, and -j defaults to them") {
  auto r =
      e2e::sweep({"run", "--slot-env", "PORT=8000,8001,8002", "-p", "x=1..9",
                  "--", "sh", "-c", "echo \"$PORT <@slot>\"; sleep 0.1"});
  REQUIRE(r.exit == 0);
  std::set<std::string> seen;
  for (const auto& rec : e2e::records(r.out))
    if (rec.contains("line")) {
      std::string line = rec["line"];
      seen.insert(line);
    }
  CHECK(seen == std::set<std::string>{"8000 0", "8001 1", "8002 2"});
  CHECK(r.err.find("on 3 threads") != std::string::npos);
}

TEST_CASE("--cpus-per-job 1 pins each job to one core of its own") {
  cpu_set_t own;
  REQUIRE(sched_getaffinity(0, sizeof own, &own) == 0);
  int cores = CPU_COUNT(&own);
  auto r = e2e::sweep({"run", "--cpus-per-job", "1", "-p", "x=1..6", "--", "sh",
                       "-c",
                       "echo \"<@slot> $(grep Cpus_allowed_list "
                       "/proc/self/status | cut -f2)\""});
  REQUIRE(r.exit == 0);
  std::map<std::string, std::set<std::string>> cores_of_slot;
  for (const auto& rec : e2e::records(r.out))
    if (rec.contains("line")) {
      std::string line = rec["line"];
      auto sp = line.find(' ');
      std::string core = line.substr(sp + 1);
      CHECK(core.find_first_of(",-") == std::string::npos);  // one core
      cores_of_slot[line.substr(0, sp)].insert(core);
    }
  // Each slot always had the same core, and no two slots one core.
  std::set<std::string> all;
  for (const auto& [slot, set] : cores_of_slot) {
    CHECK(set.size() == 1);
    all.insert(set.begin(), set.end());
  }
  CHECK(all.size() == cores_of_slot.size());
  CHECK(static_cast<int>(cores_of_slot.size()) == std::min(cores, 6));
  e2e::check_usage_error({"run", "--cpus-per-job", std::to_string(cores + 1),
                          "-p", "x=1", "--", "true"},
                         "--cpus-per-job " + std::to_string(cores + 1) +
                             ": more than the " + std::to_string(cores) +
                             " cores sweep may use");
}

TEST_CASE("--memfree and --load that hold run every job") {
  auto r = e2e::sweep({"run", "--memfree", "1k", "--load", "100000", "-p",
                       "x=1..4", "--", "echo", "<x>"});
  CHECK(r.exit == 0);
  CHECK(end_records(r.out).size() == 4);
}

TEST_CASE("--memfree beyond the machine starts nothing and says so") {
  e2e::TempDir dir;
  pid_t pid = e2e::spawn_sweep({"run", "--progress", "--memfree", "1000000T",
                                "-p", "x=1,2", "--", "echo", "<x>"},
                               dir.path());
  bool shown = e2e::wait_until([&] {
    return read(dir.path() / "err.txt").find("waiting: memory") !=
           std::string::npos;
  });
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(shown);
  CHECK(read(dir.path() / "err.txt").find("--memfree 976.6 PiB") !=
        std::string::npos);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGINT);
  CHECK(end_records(read(dir.path() / "out.jsonl")).empty());
}

// Where a GPU is, a job given one by --gpus sees exactly that many, as CUDA
// counts them (cuDeviceGetCount honours CUDA_VISIBLE_DEVICES; nvidia-smi
// does not). Skipped with a message elsewhere.
TEST_CASE("a real GPU: each job sees exactly its own device") {
  auto smi = e2e::run({"sh", "-c", "nvidia-smi -L"});
  auto py = e2e::run({"sh", "-c", "command -v python3"});
  if (smi.exit != 0 || smi.out.find("GPU 0:") == std::string::npos ||
      py.exit != 0) {
    MESSAGE("skipped: no GPU here (nvidia-smi -L lists none) or no python3");
    return;
  }
  const std::string count =
      "import ctypes; c = ctypes.CDLL('libcuda.so.1'); "
      "assert c.cuInit(0) == 0; n = ctypes.c_int(); "
      "assert c.cuDeviceGetCount(ctypes.byref(n)) == 0; print(n.value)";
  auto r = e2e::sweep(
      {"run", "--gpus", "auto", "-p", "x=1..4", "--", "python3", "-c", count});
  REQUIRE(r.exit == 0);
  for (const auto& rec : e2e::records(r.out))
    if (rec.contains("line")) CHECK(rec["line"] == "1");
}

TEST_CASE("--gpus auto: hidden devices and a hanging nvidia-smi are errors") {
  e2e::TempDir dir;
  std::string bin = fake_nvidia_smi(dir);
  for (const char* hidden : {"-1", "NoDevFiles"}) {
    auto r = sweep_with(bin, hidden,
                        {"run", "--gpus", "auto", "-p", "x=1", "--", "true"});
    CHECK(r.exit == 2);
    CHECK(r.err == std::string("sweep: error: --gpus auto: "
                               "CUDA_VISIBLE_DEVICES=") +
                       hidden + " hides every device\n");
  }
  // nvidia-smi stuck in a bad driver state: sweep gives up after 10 s.
  e2e::TempDir stuck;
  std::string smi = stuck.write("nvidia-smi", "#!/bin/sh\nexec sleep 1000\n");
  chmod(smi.c_str(), 0755);
  auto r = sweep_with(stuck.path().string(), nullptr,
                      {"run", "--gpus", "auto", "-p", "x=1", "--", "true"});
  CHECK(r.exit == 2);
  CHECK(r.err.find("nvidia-smi -L did not answer within 10 s") !=
        std::string::npos);
}
