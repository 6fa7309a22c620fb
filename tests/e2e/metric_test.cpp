// Metric-driven sweeps end to end: fake programs that print known metrics,
// so every decision sweep takes from them is known in advance.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "harness.hpp"

using e2e::sweep;
using Json = nlohmann::json;

namespace {

// Prints `step=1 acc=0.<x>`: job i (x = i+1) reports acc 0.(i+1).
const std::vector<std::string> kAcc = {"sh", "-c", "echo \"step=1 acc=0.$1\"",
                                       "sh", "<x>"};

std::vector<std::string> with(std::vector<std::string> args,
                              const std::vector<std::string>& command) {
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

Json stats_of(const e2e::TempDir& dir) {
  return Json::parse(e2e::read(dir.path() / "stats.json"));
}

}  // namespace

TEST_CASE("--stop-when: the first value meeting a target starts no new job") {
  e2e::TempDir dir;
  std::string stats = (dir.path() / "stats.json").string();
  auto r = sweep(with({"run", "-j", "1", "-p", "x=1..9", "--stop-when",
                       "acc>=0.5", "--stats-json", stats},
                      kAcc));
  CHECK(r.exit == 0);
  // x = 1..5 ran (job 4 printed acc=0.5), x = 6..9 never started.
  CHECK(e2e::end_records(r.out).size() == 5);
  CHECK(r.err.find("target        acc=0.5 met --stop-when acc>=0.5 (job 4): "
                   "no new jobs were started") != std::string::npos);
  Json j = stats_of(dir);
  CHECK(j["not_run"] == 4);
  CHECK(j["target"] == "acc=0.5 met --stop-when acc>=0.5 (job 4)");
}

TEST_CASE("--stop-when with --run-dir: jobs left unstarted are no failure") {
  e2e::TempDir dir;
  std::string run = (dir.path() / "run").string();
  auto r = sweep(with({"run", "-q", "-j", "1", "-p", "x=1..9", "--stop-when",
                       "acc>=0.5", "--run-dir", run},
                      kAcc));
  CHECK(r.exit == 0);
  // --resume (without the target) runs the rest, and then the sweep is
  // complete.
  auto rest = sweep({"run", "-q", "--run-dir", run, "--resume"});
  CHECK(rest.exit == 0);
  CHECK(e2e::end_records(rest.out).size() == 9);
}

TEST_CASE("--stop-when: any of several targets, in JSON lines too") {
  e2e::TempDir dir;
  std::string stats = (dir.path() / "stats.json").string();
  auto r = sweep(with(
      {"run", "-q", "-j", "1", "-p", "x=1..9", "--stop-when", "acc>=0.99",
       "--stop-when", "loss<=0.3", "--stats-json", stats},
      {"sh", "-c", "echo \"{\\\"epoch\\\":1,\\\"loss\\\":0.$((10 - $1))}\"",
       "sh", "<x>"}));
  CHECK(r.exit == 0);
  // loss 0.9, 0.8, ... reaches 0.3 at x = 7, job 6.
  CHECK(e2e::end_records(r.out).size() == 7);
  CHECK(stats_of(dir)["target"] ==
        "loss=0.3 met --stop-when loss<=0.3 (job 6)");
}

TEST_CASE("--stop-when never met runs every job and says nothing of it") {
  e2e::TempDir dir;
  std::string stats = (dir.path() / "stats.json").string();
  auto r =
      sweep(with({"run", "-j", "2", "-p", "x=1..4", "--stop-when", "acc>0.9",
                  "--stop-when", "nosuch<1", "--stats-json", stats},
                 kAcc));
  CHECK(r.exit == 0);
  CHECK(e2e::end_records(r.out).size() == 4);
  CHECK(r.err.find("target") == std::string::npos);
  CHECK_FALSE(stats_of(dir).contains("target"));
}

TEST_CASE("--stop-when with --halt-now stops the running jobs, exit 0") {
  e2e::TempDir dir;
  std::string stats = (dir.path() / "stats.json").string();
  // Job 0 reaches the target at once and goes on, as a training program
  // past its goal would; job 1 sleeps. Both are still running when the
  // target is met (had job 0 exited, whether its exit or the stop came
  // first would be a race), so --halt-now stops both.
  auto r = sweep(
      with({"run", "-q", "-j", "2", "-p", "x=0,1,2", "--stop-when", "acc=1",
            "--halt-now", "--kill-after", "1s", "--stats-json", stats},
           {"sh", "-c", "if [ $1 = 0 ]; then echo acc=1; fi; exec sleep 60",
            "sh", "<x>"}));
  CHECK(r.exit == 0);
  auto ends = e2e::end_records(r.out);
  REQUIRE(ends.size() == 2);
  for (const auto& e : ends) CHECK(e.value("stopped", false));
  Json j = stats_of(dir);
  CHECK(j["stopped"] == 2);
  CHECK(j["not_run"] == 1);
  CHECK(j["target"] == "acc=1 met --stop-when acc=1 (job 0)");
}

TEST_CASE("--stop-when: a bad target is a usage error before any job") {
  e2e::check_usage_error(with({"run", "--stop-when", "acc"}, {"true"}),
                         "--stop-when 'acc': no comparison");
  e2e::check_usage_error(with({"run", "--stop-when", "acc>=high"}, {"true"}),
                         "--stop-when 'acc>=high': the value must be a number");
  e2e::check_usage_error(
      with({"run", "--stop-when", "acc>=1,loss<2"}, {"true"}),
      "--stop-when 'acc>=1,loss<2': one condition a flag");
  e2e::check_usage_error(
      with({"run", "--backend", "slurm", "--stop-when", "acc>=1"}, {"true"}),
      "--stop-when: not with --backend slurm");
}

namespace {

// Prints `step=s acc=0.<x>` for s = 1..3, a fifth of a second apart: every
// step of a job has the same value, so who is pruned where is known.
std::vector<std::string> curve(const std::string& steps = "1 2 3") {
  return {
      "sh", "-c",
      "for s in " + steps + "; do echo \"step=$s acc=0.$1\"; sleep 0.2; done",
      "sh", "<x>"};
}

}  // namespace

TEST_CASE("--prune median: jobs below the others' median stop early") {
  e2e::TempDir dir;
  std::string stats = (dir.path() / "stats.json").string();
  std::string journal = (dir.path() / "journal.jsonl").string();
  // One at a time (acc = 0.x): 0.75 and 0.5 run to the end; 0.625 ties
  // with their median and stays; 0.25 is below the median of 0.75, 0.5,
  // 0.625 at step 1, and 0.1 below that of those and 0.25 (0.5625).
  const std::string grid = "x=75,5,625,25,1";
  std::vector<std::string> args = {
      "run",     "-j",           "1",        "-p",        grid,
      "--prune", "median",       "--metric", "acc:max",   "--prune-min-jobs",
      "2",       "--stats-json", stats,      "--journal", journal};
  auto r = sweep(with(args, curve()));
  CHECK(r.exit == 0);
  auto ends = e2e::end_records(r.out);
  REQUIRE(ends.size() == 5);
  for (const auto& e : ends) {
    int x = e["params"]["x"];
    bool pruned = x == 25 || x == 1;
    CAPTURE(x);
    CHECK(e.value("pruned", false) == pruned);
    if (pruned) {
      CHECK(e["pruned_step"] == 1);
      CHECK(e["signal"] == "SIGTERM");
    }
  }
  Json j = stats_of(dir);
  CHECK(j["pruned"] == 2);
  CHECK(j["failed"] == 0);
  CHECK(j["succeeded"] == 3);
  CHECK(r.err.find("  pruned        2 jobs stopped early by --prune") !=
        std::string::npos);

  SUBCASE("--resume skips pruned jobs, --resume-pruned runs them again") {
    auto again = sweep(with(
        {"run", "-q", "-j", "1", "-p", grid, "--journal", journal, "--resume"},
        curve()));
    CHECK(again.exit == 0);
    CHECK(e2e::end_records(again.out).empty());
    auto rerun = sweep(with({"run", "-q", "-j", "1", "-p", grid, "--journal",
                             journal, "--resume-pruned"},
                            curve()));
    CHECK(rerun.exit == 0);
    auto ends2 = e2e::end_records(rerun.out);
    REQUIRE(ends2.size() == 2);
    for (const auto& e : ends2) {
      CHECK((e["params"]["x"] == 25 || e["params"]["x"] == 1));
      CHECK(e["exit"] == 0);
    }
  }
  SUBCASE("the report counts them apart") {
    std::string out = dir.write("out.jsonl", r.out);
    auto rep = sweep({"report", out, "--metric", "acc:max"});
    CHECK(rep.exit == 0);
    CHECK((rep.out + rep.err).find("2 jobs pruned by --prune (not counted)") !=
          std::string::npos);
  }
}

TEST_CASE("--prune: no step, or an end before the warmup, is never pruned") {
  e2e::TempDir dir;
  std::string stats = (dir.path() / "stats.json").string();
  SUBCASE("values without a step") {
    auto r = sweep(with(
        {"run", "-q", "-j", "1", "-p", "x=9,8,7,1", "--prune", "median",
         "--metric", "acc:max", "--prune-min-jobs", "1", "--stats-json", stats},
        {"sh", "-c", "echo acc=0.$1", "sh", "<x>"}));
    CHECK(r.exit == 0);
    CHECK(stats_of(dir)["pruned"] == 0);
    CHECK(stats_of(dir)["succeeded"] == 4);
  }
  SUBCASE("jobs that end before the warmup step") {
    auto r = sweep(with({"run", "-q", "-j", "1", "-p", "x=9,8,7,1", "--prune",
                         "median", "--metric", "acc:max", "--prune-min-jobs",
                         "1", "--prune-warmup", "5", "--stats-json", stats},
                        curve("1 2")));
    CHECK(r.exit == 0);
    CHECK(stats_of(dir)["pruned"] == 0);
  }
  SUBCASE("percentile:25 keeps only the top quarter") {
    // At step 1, 0.7 sees 0.9, 0.8 (75th percentile 0.875): pruned; 0.1
    // sees 0.9, 0.8, 0.7 (0.85): pruned too; 0.8 saw only one other.
    auto r = sweep(with(
        {"run", "-q", "-j", "1", "-p", "x=9,8,7,1", "--prune", "percentile:25",
         "--metric", "acc:max", "--prune-min-jobs", "2", "--stats-json", stats},
        curve()));
    CHECK(r.exit == 0);
    CHECK(stats_of(dir)["pruned"] == 2);
  }
}

TEST_CASE("--prune: a bad rule or a missing goal fails before any job") {
  e2e::check_usage_error(with({"run", "--prune", "median"}, {"true"}),
                         "--prune needs --metric NAME:max or NAME:min first");
  e2e::check_usage_error(
      with({"run", "--prune", "median", "--metric", "acc"}, {"true"}),
      "--prune needs --metric NAME:max or NAME:min first");
  e2e::check_usage_error(
      with({"run", "--prune", "mean", "--metric", "acc:max"}, {"true"}),
      "--prune 'mean': write median or percentile:P with 0 < P < 100");
  e2e::check_usage_error(with({"run", "--backend", "slurm", "--prune", "median",
                               "--metric", "acc:max"},
                              {"true"}),
                         "--prune: not with --backend slurm");
  e2e::check_usage_error(with({"run", "--prune-warmup", "3"}, {"true"}),
                         "--prune");
}
