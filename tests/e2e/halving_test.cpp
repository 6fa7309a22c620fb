// --halving and --hyperband end to end: a fake program whose metric is a
// known function of its point and budget, run one job at a time, so every
// trial ASHA starts is known in advance.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "harness.hpp"

using e2e::sweep;
using Json = nlohmann::ordered_json;

namespace {

// acc = 10 (10 - x) + epochs: x = 1 is best at every budget, and the
// points arrive best first (-j 1), so ASHA promotes exactly what synchronous
// successive halving would.
const std::vector<std::string> kTrain = {
    "sh", "-c",  "echo \"epoch=$2 acc=$(( (10 - $1) * 10 + $2 ))\"",
    "sh", "<x>", "<epochs>"};

std::vector<std::string> with(std::vector<std::string> args,
                              const std::vector<std::string>& command) {
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

const std::vector<std::string> kHalving = {
    "run",      "-j",      "1",         "-p",         "x=1..9",
    "--metric", "acc:max", "--halving", "epochs=1..9"};

// Each end record's (x, epochs).
std::set<std::pair<int, int>> trials(const std::vector<Json>& ends) {
  std::set<std::pair<int, int>> out;
  for (const Json& e : ends)
    out.emplace(e["params"]["x"].get<int>(), e["params"]["epochs"].get<int>());
  return out;
}

}  // namespace

TEST_CASE("--halving: every point at the lowest budget, the best third up") {
  e2e::TempDir dir;
  std::string stats = (dir.path() / "stats.json").string();
  std::vector<std::string> args = kHalving;
  args.insert(args.end(), {"--stats-json", stats});
  auto r = sweep(with(args, kTrain));
  CHECK(r.exit == 0);
  auto ends = e2e::end_records(r.out);
  // Rungs 1, 3, 9: 9 + 3 + 1 trials.
  REQUIRE(ends.size() == 13);
  std::set<std::pair<int, int>> expected;
  for (int x = 1; x <= 9; ++x) expected.emplace(x, 1);
  for (int x = 1; x <= 3; ++x) expected.emplace(x, 3);
  expected.emplace(1, 9);
  CHECK(trials(ends) == expected);
  for (const Json& e : ends) {
    int x = e["params"]["x"], epochs = e["params"]["epochs"];
    int rung = epochs == 1 ? 0 : epochs == 3 ? 1 : 2;
    CAPTURE(e.dump());
    CHECK(e["rung"] == rung);
    CHECK(e["rung_value"] == (10 - x) * 10 + epochs);
    // Job numbers are the budgeted grid's: point x 3 rungs + rung.
    CHECK(e["job"] == (x - 1) * 3 + rung);
  }
  Json s = Json::parse(e2e::read(stats));
  CHECK(s["jobs"] == 13);
  CHECK(s["succeeded"] == 13);
  CHECK(s["not_run"] == 0);
}

TEST_CASE("--halving: the report ranks the highest rung first") {
  // acc falls with the budget here: rung 0's values are the highest, and
  // still the point that went furthest ranks first.
  auto r = sweep(
      with(kHalving, {"sh", "-c", "echo \"acc=$(( (10 - $1) * 10 - $2 ))\"",
                      "sh", "<x>", "<epochs>"}));
  REQUIRE(r.exit == 0);
  e2e::TempDir dir;
  dir.write("out.jsonl", r.out);
  auto rep = sweep({"report", (dir.path() / "out.jsonl").string(), "--metric",
                    "acc:max", "--format", "json"});
  REQUIRE(rep.exit == 0);
  Json j = Json::parse(rep.out);
  Json groups = j["groups"];
  REQUIRE(groups.size() == 13);
  CHECK(groups[0]["params"] == Json::parse(R"({"x":1,"epochs":9})"));
  CHECK(groups[0]["rung"] == 2);
  for (size_t i = 1; i < 4; ++i) CHECK(groups[i]["rung"] == 1);
  for (size_t i = 4; i < 13; ++i) CHECK(groups[i]["rung"] == 0);
  // The table shows the rung as a column.
  auto table = sweep(
      {"report", (dir.path() / "out.jsonl").string(), "--metric", "acc:max"});
  CHECK(table.out.find("x epochs runs failed rung") != std::string::npos);
}

TEST_CASE("--halving resumes in the middle without running a trial twice") {
  e2e::TempDir dir;
  std::string run = (dir.path() / "run").string();
  // Stopped by a target after 4 trials: x=1,2,3 at 1 epoch, x=1 at 3.
  std::vector<std::string> first = kHalving;
  first.insert(first.end(), {"-q", "--run-dir", run, "--stop-when", "acc>=93"});
  auto a = sweep(with(first, kTrain));
  CHECK(a.exit == 0);
  auto done = trials(e2e::end_records(a.out));
  CHECK(done == std::set<std::pair<int, int>>{{1, 1}, {2, 1}, {3, 1}, {1, 3}});
  // --resume alone: grid, command and --halving come from the run directory.
  auto b = sweep({"run", "-j", "1", "--run-dir", run, "--resume"});
  CHECK(b.exit == 0);
  CAPTURE(b.err);
  // The merged stream holds each of the 13 trials once.
  auto all = e2e::end_records(b.out);
  CHECK(all.size() == 13);
  CHECK(trials(all).size() == 13);
  CHECK(trials(all).contains({1, 9}));
  // And the second run ran only the 9 that were left.
  CHECK(b.err.find("skipped 4 jobs already done") != std::string::npos);
}

TEST_CASE("--halving never promotes a trial that failed") {
  // x = 1, the best, fails at its first budget: x = 2 takes its place.
  auto r = sweep(with(
      kHalving,
      {"sh", "-c", "echo \"acc=$(( (10 - $1) * 10 + $2 ))\"; [ \"$1\" != 1 ]",
       "sh", "<x>", "<epochs>"}));
  CHECK(r.exit == 1);
  auto t = trials(e2e::end_records(r.out));
  CHECK_FALSE(t.contains({1, 3}));
  CHECK(t.contains({2, 9}));
  CHECK(r.err.find("1 failed, 0 not run") != std::string::npos);
}

TEST_CASE("--halving: jobs that print no value are named, never promoted") {
  // x > 3 prints nothing: the sweep goes on with the three that do.
  auto r = sweep(with(kHalving, {"sh", "-c", "[ $1 -gt 3 ] || echo acc=$1$2",
                                 "sh", "<x>", "<epochs>"}));
  CHECK(r.exit == 0);
  CHECK(e2e::end_records(r.out).size() == 13);  // 9, 3 at 3 epochs, 1 at 9
  CHECK(r.err.find("--halving: 6 jobs printed no value of acc, so none of "
                   "them was promoted") != std::string::npos);
  // Not one value: a misspelt metric; the run decided nothing and fails.
  auto blind = sweep(with(kHalving, {"echo", "<x>", "<epochs>"}));
  CHECK(blind.exit == 1);
  CHECK(e2e::end_records(blind.out).size() == 9);
  CHECK(blind.err.find("--halving: no job printed a value of acc (is "
                       "--metric spelt as the program prints it?); nothing "
                       "was promoted") != std::string::npos);
}

TEST_CASE("--halving with a minimized metric promotes the lowest") {
  auto r = sweep(with({"run", "-j", "1", "-p", "x=1..9", "--metric", "loss:min",
                       "--halving", "epochs=1..9"},
                      {"sh", "-c", "echo \"loss=$(( $1 * 10 - $2 ))\"", "sh",
                       "<x>", "<epochs>"}));
  CHECK(r.exit == 0);
  CHECK(trials(e2e::end_records(r.out)).contains({1, 9}));
}

TEST_CASE("--hyperband starts some points at higher budgets") {
  // Rungs 1, 3, 9 of eta 3: brackets of 9, 5 and 3 points (Hyperband's
  // ceil(R eta^h / (h + 1)) for R = 3 rungs), dealt in turn.
  std::vector<std::string> args = {"run",         "-j",        "1",
                                   "-p",          "x=1..17",   "--metric",
                                   "acc:max",     "--halving", "epochs=1..9",
                                   "--hyperband", "--dry-run"};
  auto r = sweep(with(args, {"echo", "<x>", "<epochs>"}));
  REQUIRE(r.exit == 0);
  auto lines = e2e::lines(r.out);
  CHECK(lines.size() == 17);  // each point's first trial
  int at[10] = {};
  for (const auto& l : lines) ++at[std::stoi(l.substr(l.rfind(' ') + 1))];
  CHECK(at[1] == 9);
  CHECK(at[3] == 5);
  CHECK(at[9] == 3);
}

TEST_CASE("--halving: a grid or command it cannot rank fails before any job") {
  e2e::TempDir dir;
  std::string mark = (dir.path() / "ran").string();
  std::vector<std::string> touch = {"touch", mark, "<epochs>"};
  auto halving = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"run", "-p", "x=1,2", "--metric", "acc:max"};
    a.insert(a.end(), extra.begin(), extra.end());
    return with(a, touch);
  };
  e2e::check_usage_error(halving({"--halving", "epochs"}),
                         "--halving 'epochs': expected NAME=MIN..MAX");
  e2e::check_usage_error(halving({"--halving", "epochs=9..1"}),
                         "--halving 'epochs=9..1': the budgets must satisfy "
                         "0 < MIN < MAX");
  e2e::check_usage_error(halving({"--halving", "epochs=a..b"}),
                         "MIN and MAX must be numbers");
  e2e::check_usage_error(halving({"--halving", "x=1..9"}),
                         "--halving x: 'x' is a grid parameter already");
  e2e::check_usage_error(halving({"--halving", "epochs=1..9", "--repeat", "2"}),
                         "--halving runs each point once per rung");
  e2e::check_usage_error(
      halving({"--halving", "epochs=1..9", "--prune", "median"}), "--prune");
  e2e::check_usage_error(
      with({"run", "-p", "x=1,2", "--halving", "epochs=1..9"}, touch),
      "--halving needs --metric NAME:max or NAME:min first");
  e2e::check_usage_error(
      halving({"--halving", "epochs=1..9", "--backend", "slurm"}),
      "--halving: not with --backend slurm");
  // The budget parameter must reach the command.
  e2e::check_usage_error(with({"run", "-p", "x=1,2", "--metric", "acc:max",
                               "--halving", "epochs=1..9"},
                              {"touch", mark}),
                         "--halving epochs: the command never uses <epochs>");
  // A union grid has no one product to rank.
  dir.write("union.json", R"([{"x": [1, 2]}, {"y": [3]}])");
  e2e::check_usage_error(
      with({"run", (dir.path() / "union.json").string(), "--metric", "acc:max",
            "--halving", "epochs=1..9"},
           touch),
      "--halving: not with a union grid (2 members)");
  e2e::check_usage_error(halving({"--eta", "1", "--halving", "epochs=1..9"}),
                         "--eta");
  CHECK_FALSE(std::filesystem::exists(mark));
}

TEST_CASE("--halving counts the jobs ASHA ran, beyond synchronous halving's") {
  // Points arrive worst first (-j 1, acc rising with x): each is the best so
  // far when it ends, so ASHA promotes more than 9 + 3 + 1.
  e2e::TempDir dir;
  std::string run = (dir.path() / "run").string();
  std::vector<std::string> args = kHalving;
  args.insert(args.end(), {"--run-dir", run});
  auto r = sweep(with(args, {"sh", "-c", "echo acc=$(( $1 * 10 + $2 ))", "sh",
                             "<x>", "<epochs>"}));
  CHECK(r.exit == 0);
  std::size_t ran = e2e::end_records(r.out).size();
  CHECK(ran > 13);
  CHECK(r.err.find("jobs          " + std::to_string(ran) + " (" +
                   std::to_string(ran) + " succeeded, 0 failed, 0 not run)") !=
        std::string::npos);
  auto status = sweep({"status", run});
  CHECK(status.out.find("total: " + std::to_string(ran) + " of " +
                        std::to_string(ran) + " done") != std::string::npos);
  CHECK(sweep({"merge", run}).exit == 0);
}

TEST_CASE("--hyperband with many rungs costs what the plan costs") {
  // 30 rungs of eta 2: Hyperband's largest bracket would take 2^29 points
  // a cycle; only the plan's 4 are dealt.
  auto r =
      sweep(with({"run", "--dry-run", "-p", "x=1..4", "--metric", "acc:max",
                  "--halving", "b=1..1000000000", "--eta", "2", "--hyperband"},
                 {"echo", "<x>", "<b>"}));
  CHECK(r.exit == 0);
  CHECK(e2e::lines(r.out).size() == 4);
  e2e::check_usage_error(
      with({"run", "-p", "x=1", "--metric", "acc:max", "--halving",
            "b=1..100000000000000000000", "--eta", "2"},
           {"echo", "<b>"}),
      "rungs; at most 64");
  e2e::check_usage_error(
      with({"run", "-p", "x=1", "--metric", "acc:max", "--halving", "b=1..9",
            "--eta", "4294967296"},
           {"echo", "<b>"}),
      "--eta 4294967296: must be a whole number from 2 to 1000000");
}

TEST_CASE("--halving resumed from a run directory keeps its metric") {
  e2e::TempDir dir;
  std::string run = (dir.path() / "run").string();
  std::vector<std::string> first = kHalving;
  first.insert(first.end(), {"-q", "--run-dir", run, "--stop-when", "acc>=93"});
  REQUIRE(sweep(with(first, kTrain)).exit == 0);
  e2e::check_usage_error(
      {"run", "--run-dir", run, "--resume", "--metric", "acc:min"},
      "--metric acc:min: this halving run has --metric acc:max");
  e2e::check_usage_error({"run", "--run-dir", run, "--resume", "--eta", "2"},
                         "--eta 2: this halving run has --eta 3");
  // --eta alone is fine: --halving comes from the directory.
  auto b = sweep(
      {"run", "-q", "-j", "1", "--run-dir", run, "--resume", "--eta", "3"});
  CHECK(b.exit == 0);
  CHECK(trials(e2e::end_records(b.out)).size() == 13);
}

TEST_CASE("--halving resumed from a journal without values says so") {
  // A plain grid's journal of the same trials: done, but nothing ranks them.
  e2e::TempDir dir;
  std::string journal = (dir.path() / "j.jsonl").string();
  REQUIRE(sweep({"run", "-q", "-p", "x=1..3", "-p", "epochs=1", "--journal",
                 journal, "--", "true"})
              .exit == 0);
  auto r =
      sweep(with({"run", "-p", "x=1..3", "--metric", "acc:max", "--halving",
                  "epochs=1..3", "--journal", journal, "--resume"},
                 kTrain));
  CHECK(r.err.find("--halving: 3 jobs the journal has as done carry no "
                   "rung_value") != std::string::npos);
}
