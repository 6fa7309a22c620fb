// --shard auto and sweep merge, without a cluster: the CI-matrix path.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "harness.hpp"

using e2e::lines;
using e2e::sweep;
using Json = nlohmann::json;

namespace {

std::set<std::string> lines_of(const std::string& out) {
  std::set<std::string> s;
  for (const auto& l : lines(out)) s.insert(Json::parse(l)["params"].dump());
  return s;
}

e2e::Result with_env(const std::vector<std::string>& env,
                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      "env",           "-u", "SLURM_ARRAY_TASK_ID", "-u",
      "CI_NODE_INDEX", "-u", "SWEEP_SHARD"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(e2e::sweep_bin());
  argv.insert(argv.end(), args.begin(), args.end());
  return e2e::run(argv);
}

}  // namespace

TEST_CASE("--shard auto reads Slurm, GitLab CI and SWEEP_SHARD") {
  std::vector<std::string> grid = {"grid", "-p", "x=0..9", "--shard", "auto"};
  auto slurm =
      with_env({"SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=3"}, grid);
  CHECK(slurm.exit == 0);
  CHECK(lines_of(slurm.out) ==
        std::set<std::string>{R"({"x":1})", R"({"x":4})", R"({"x":7})"});
  auto minmax = with_env({"SLURM_ARRAY_TASK_ID=6", "SLURM_ARRAY_TASK_MIN=5",
                          "SLURM_ARRAY_TASK_MAX=7"},
                         grid);
  CHECK(lines_of(minmax.out) == lines_of(slurm.out));
  auto gitlab =
      with_env({"CI_NODE_INDEX=2", "CI_NODE_TOTAL=3"}, grid);  // 1-based
  CHECK(lines_of(gitlab.out) == lines_of(slurm.out));
  auto plain = with_env({"SWEEP_SHARD=1/3"}, grid);
  CHECK(lines_of(plain.out) == lines_of(slurm.out));
  auto none = with_env({}, grid);
  CHECK(none.exit == 2);
  CHECK(none.err.find("--shard auto: no shard in the environment") !=
        std::string::npos);
  auto bad = with_env({"CI_NODE_INDEX=0", "CI_NODE_TOTAL=3"}, grid);
  CHECK(bad.exit == 2);
  CHECK(bad.err.find("1-based") != std::string::npos);
}

TEST_CASE("sweep merge joins CI shards, counting a job run twice once") {
  e2e::TempDir dir;
  std::vector<std::string> streams;
  for (int s = 0; s < 3; ++s) {
    auto r =
        with_env({"CI_NODE_INDEX=" + std::to_string(s + 1), "CI_NODE_TOTAL=3"},
                 {"run", "-p", "x=1..9", "--shard", "auto", "--", "sh", "-c",
                  "echo <x>; exit $((<x> == 4))"});
    streams.push_back(
        dir.write("shard-" + std::to_string(s) + ".jsonl", r.out));
  }
  // The same shard collected twice, as a retried CI job would upload it.
  dir.write("shard-0-again.jsonl", e2e::run({"cat", streams[0]}).out);
  auto m = sweep({"merge", dir.path().string(), "--stats-json",
                  (dir.path() / "s.json").string()});
  CHECK(m.exit == 1);
  std::multiset<std::string> ends;
  for (const auto& l : lines(m.out)) {
    Json j = Json::parse(l);
    if (!j.contains("line")) ends.insert(j["params"].dump());
  }
  CHECK(ends.size() == 9);
  CHECK(std::set<std::string>(ends.begin(), ends.end()).size() == 9);
  CHECK(m.err.find("3 jobs appear in more than one stream") !=
        std::string::npos);
  CHECK(m.err.find("jobs          9 (8 succeeded, 1 failed, 0 not run)") !=
        std::string::npos);
  auto none = sweep({"merge", "/no/such/dir"});
  CHECK(none.exit == 2);
  auto junk_dir = e2e::TempDir();
  junk_dir.write("x.jsonl", "not json\nmore\n");
  auto junk = sweep({"merge", junk_dir.path().string()});
  CHECK(junk.exit == 2);
  CHECK(junk.err.find("x.jsonl:1: not a sweep record") != std::string::npos);
}

TEST_CASE(
    "merge takes a job's best outcome: a rerun success beats a cancelled "
    "attempt") {
  e2e::TempDir dir;
  // Stream a: job 0 died of SIGTERM from outside (a cancelled cluster task),
  // job 1 was stopped by sweep. Stream b: the resume ran both again.
  dir.write(
      "a.jsonl",
      R"({"job":0,"params":{"x":0},"signal":"SIGTERM","duration_s":0.1})"
      "\n"
      R"({"job":1,"params":{"x":1},"signal":"SIGTERM","stopped":true,"duration_s":0.1})"
      "\n"
      R"({"job":2,"params":{"x":2},"exit":3,"duration_s":0.1})"
      "\n");
  dir.write("b.jsonl", R"({"job":0,"params":{"x":0},"line":"done"})"
                       "\n"
                       R"({"job":0,"params":{"x":0},"exit":0,"duration_s":0.2})"
                       "\n"
                       R"({"job":1,"params":{"x":1},"exit":0,"duration_s":0.2})"
                       "\n");
  auto m = sweep({"merge", dir.path().string()});
  CHECK(m.exit == 1);  // job 2 failed for real
  CHECK(m.err.find("jobs          3 (2 succeeded, 1 failed, 0 not run)") !=
        std::string::npos);
  auto out = lines(m.out);
  CHECK(out.size() ==
        4);  // job 0's line and end from b, job 1 from b, job 2 from a
  CHECK(m.out.find("SIGTERM") == std::string::npos);
}

TEST_CASE("sweep merge refuses to write onto a stream it reads") {
  e2e::TempDir dir;
  auto r = sweep({"run", "-p", "x=1..3", "--", "echo", "<x>"});
  REQUIRE(r.exit == 0);
  std::string shard = dir.write("shard-0.jsonl", r.out);
  // Onto an input named directly, through its run directory, or by
  // --stats-json: refused before anything is opened, the stream intact.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"merge", shard, "-o", shard},
           {"merge", dir.path().string(), "-o", shard},
           {"merge", dir.path().string(), "--stats-json", shard}}) {
    auto m = sweep(args);
    CHECK(m.exit == 2);
    CHECK(m.err.find("is the input " + shard) != std::string::npos);
    CHECK(e2e::run({"cat", shard}).out == r.out);
  }
  auto same = sweep({"merge", shard, "-o", (dir.path() / "m").string(),
                     "--stats-json", (dir.path() / "m").string()});
  CHECK(same.exit == 2);
  CHECK(same.err.find("are the same file") != std::string::npos);
  auto fine = sweep({"merge", shard, "-o", (dir.path() / "all").string()});
  CHECK(fine.exit == 0);
}
