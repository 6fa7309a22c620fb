// sweep run and sweep grid, end to end: the built binary on real commands.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness.hpp"

using e2e::end_records;
using e2e::lines;
using e2e::records;
using e2e::sweep;
using Json = nlohmann::ordered_json;

namespace {

const std::vector<std::string> kModelEvaluatorFlags = {
    "-p", "impurity=gini,entropy", "-p", "depth=2..30",
    "-p", "bins=10..1050:10",      "-p", "foo=bar"};
const char* kModelEvaluatorJson =
    R"({"impurity": ["gini", "entropy"], "depth": {"from": 2, "to": 30},
        "bins": {"from": 10, "to": 1050, "step": 10}, "foo": "bar"})";

}  // namespace

TEST_CASE(
    "the ModelEvaluator grid has 6090 points, from flags and from a file") {
  e2e::TempDir dir;
  auto file = dir.write("grid.json", kModelEvaluatorJson);
  std::vector<std::string> args{"grid", "--count"};
  args.insert(args.end(), kModelEvaluatorFlags.begin(),
              kModelEvaluatorFlags.end());
  auto a = sweep(args);
  CHECK(a.exit == 0);
  CHECK(a.out == "6090\n");
  auto b = sweep({"grid", "--count", file});
  CHECK(b.out == "6090\n");
  auto pts = sweep({"grid", file});
  auto recs = records(pts.out);
  REQUIRE(recs.size() == 6090);
  CHECK(
      recs[0].dump() ==
      R"({"job":0,"params":{"impurity":"gini","depth":2,"bins":10,"foo":"bar"}})");
  CHECK(recs[903]["params"].dump() ==
        R"({"impurity":"gini","depth":10,"bins":640,"foo":"bar"})");
  CHECK(recs[6089]["params"]["depth"] == 30);
}

TEST_CASE("the ModelEvaluator sweep runs 6090 real jobs, each exactly once") {
  std::vector<std::string> args{"run", "-j", "4"};
  args.insert(args.end(), kModelEvaluatorFlags.begin(),
              kModelEvaluatorFlags.end());
  args.insert(args.end(),
              {"--", "true", "<impurity>", "<depth>", "<bins>", "<foo>"});
  auto r = sweep(args);
  CHECK(r.exit == 0);
  auto ends = end_records(r.out);
  CHECK(ends.size() == 6090);
  std::set<std::uint64_t> jobs;
  for (auto& e : ends) {
    jobs.insert(e["job"].get<std::uint64_t>());
    CHECK(e["exit"] == 0);
  }
  CHECK(jobs.size() == 6090);
  CHECK(*jobs.rbegin() == 6089);
  CHECK(
      r.err.find("jobs          6090 (6090 succeeded, 0 failed, 0 not run)") !=
      std::string::npos);
}

TEST_CASE("values reach the program literally: no shell ever runs") {
  e2e::TempDir dir;
  const std::vector<std::string> values = {
      "two words",          "it's \"quoted\"", "a;b",
      "$(touch pwned)",     "`touch pwned2`",  "*",
      "semi; touch pwned3", "back\\slash",     "<impurity>"};
  Json grid = {{"v", values}};
  auto file = dir.write("grid.json", grid.dump());
  auto r = sweep(
      {"run", "-j", "3", file, "--", "printf", "%s|%s\\n", "<v>", "x<v>y"},
      {.cwd = dir.path()});
  CHECK(r.exit == 0);
  std::map<std::uint64_t, std::string> got;
  for (auto& j : records(r.out))
    if (j.contains("line")) got[j["job"]] = j["line"];
  REQUIRE(got.size() == values.size());
  for (size_t i = 0; i < values.size(); ++i)
    CHECK(got[i] == values[i] + "|x" + values[i] + "y");
  for (const char* f : {"pwned", "pwned2", "pwned3"})
    CHECK_FALSE(std::filesystem::exists(dir.path() / f));
}

TEST_CASE("-j 4 runs four one-second jobs at once") {
  auto r = sweep({"run", "-j", "4", "-p", "i=1..4", "--", "sleep", "1"});
  CHECK(r.exit == 0);
  CHECK(end_records(r.out).size() == 4);
  CHECK(r.seconds < 3.0);  // loose: proves parallelism, not speed
}

TEST_CASE(
    "64 jobs x 10,000 long lines with -j 16: every record whole, every line "
    "once") {
  auto r = sweep({"run", "-j", "16", "-p", "i=0..63", "--", e2e::emit_bin(),
                  "10000", "200"},
                 {.timeout_s = 300});
  REQUIRE(r.exit == 0);
  std::vector<std::vector<bool>> seen(64, std::vector<bool>(10000, false));
  size_t count = 0, ends = 0;
  for (const auto& l : lines(r.out)) {
    Json j = Json::parse(l);  // throws on any torn or mixed record
    if (!j.contains("line")) {
      ++ends;
      continue;
    }
    std::string line = j["line"];
    auto job = j["job"].get<std::uint64_t>();
    size_t c1 = line.find(':'), c2 = line.find(':', c1 + 1);
    REQUIRE(std::stoul(line.substr(0, c1)) == job);
    size_t n = std::stoul(line.substr(c1 + 1, c2 - c1 - 1));
    REQUIRE(line.size() == c2 + 1 + 200);
    REQUIRE_FALSE(seen[job][n]);
    seen[job][n] = true;
    ++count;
  }
  CHECK(count == 640000);
  CHECK(ends == 64);
}

TEST_CASE("lines of several megabytes are written whole among other output") {
  auto r = sweep({"run", "-j", "8", "-p", "i=0..7", "--", e2e::emit_bin(),
                  "1000", "50", "5000000"});
  REQUIRE(r.exit == 0);
  size_t big = 0;
  for (auto& j : records(r.out))
    if (j.contains("line") &&
        j["line"].get<std::string>().rfind("big:", 0) == 0) {
      ++big;
      CHECK(j["line"].get<std::string>().size() ==
            5000000 + 5 + std::to_string(j["job"].get<int>()).size());
    }
  CHECK(big == 8);
}

TEST_CASE(
    "records: JSON lines are embedded, bad UTF-8 is repaired, last line kept") {
  auto r = sweep(
      {"run", "-p", "depth=3", "-p", "impurity=gini", "--", "sh", "-c",
       "echo '{\"acc\": 0.9, \"n\": [1, 2]}'; printf 'caf\\303\\251 \\377\\n'; "
       "echo '{broken'; printf 'tail'"});
  CHECK(r.exit == 0);
  auto recs = records(r.out);
  REQUIRE(recs.size() == 5);
  CHECK(recs[0]["params"].dump() == R"({"depth":3,"impurity":"gini"})");
  CHECK(recs[0]["data"]["acc"] == 0.9);
  CHECK(recs[0]["data"]["n"][1] == 2);
  CHECK(recs[1]["line"] == "caf\xC3\xA9 \xEF\xBF\xBD");
  CHECK_FALSE(recs[1].contains("data"));
  CHECK(recs[2]["line"] == "{broken");
  CHECK_FALSE(recs[2].contains("data"));
  CHECK(recs[3]["line"] == "tail");
  CHECK(recs[4]["exit"] == 0);
  CHECK(recs[4]["duration_s"].is_number());
  // Key order of a record is fixed.
  CHECK(recs[0].begin().key() == "job");
}

TEST_CASE("end records carry exit codes and signals and any failure exits 1") {
  auto r = sweep(
      {"run", "-j", "2", "-p", "code=0,3", "--", "sh", "-c", "exit <code>"});
  CHECK(r.exit == 1);
  std::map<int, Json> by_job;
  for (auto& e : end_records(r.out)) by_job[e["job"]] = e;
  CHECK(by_job[0]["exit"] == 0);
  CHECK(by_job[1]["exit"] == 3);
  CHECK(r.err.find("1 succeeded, 1 failed") != std::string::npos);
  auto k = sweep({"run", "--", "sh", "-c", "kill -9 $$"});
  CHECK(k.exit == 1);
  auto e = end_records(k.out);
  REQUIRE(e.size() == 1);
  CHECK(e[0]["signal"] == "SIGKILL");
  CHECK_FALSE(e[0].contains("exit"));
}

TEST_CASE(
    "children get SWEEP_<NAME>, SWEEP_JOB and SWEEP_PARAMS, and stdin is "
    "empty") {
  auto r = sweep({"run", "-j", "1", "-p", "learning-rate=0.5", "-p", "mode=a,b",
                  "--", "sh", "-c",
                  "echo \"$SWEEP_LEARNING_RATE $SWEEP_MODE $SWEEP_JOB "
                  "$SWEEP_PARAMS\"; cat"},
                 {.input = "this must not reach the job\n"});
  CHECK(r.exit == 0);
  std::vector<std::string> got;
  for (auto& j : records(r.out))
    if (j.contains("line")) got.push_back(j["line"]);
  CHECK(got == std::vector<std::string>{
                   R"(0.5 a 0 {"learning-rate":0.5,"mode":"a"})",
                   R"(0.5 b 1 {"learning-rate":0.5,"mode":"b"})"});
}

TEST_CASE(
    "stderr is passed through, prefixed with the job, and kept out of the "
    "stream") {
  auto r =
      sweep({"run", "-p", "x=7", "--", "sh", "-c", "echo out; echo oops >&2"});
  CHECK(r.exit == 0);
  CHECK(r.err.find("[0] oops\n") != std::string::npos);
  CHECK(r.out.find("oops") == std::string::npos);
}

TEST_CASE(
    "a missing command is reported once with exit 127, before anything runs") {
  auto r =
      sweep({"run", "-p", "x=1..1000", "--", "no-such-program-xyz", "<x>"});
  CHECK(r.exit == 127);
  CHECK(r.out.empty());
  CHECK(lines(r.err).size() == 1);
  CHECK(r.err.find("command not found: no-such-program-xyz") !=
        std::string::npos);
  auto p = sweep({"run", "-p", "prog=no-such-a,true", "--", "<prog>"});
  CHECK(p.exit == 1);  // a placeholder program is only known when it runs
  CHECK(p.err.find("[0] sweep: cannot execute no-such-a") != std::string::npos);
}

TEST_CASE("usage and grid errors: one line naming the fault, exit 2") {
  e2e::TempDir dir;
  auto bad = dir.write("bad.json", "{\n  \"a\": [1, 2,]\n}\n");
  auto arr = dir.write("arr.json", "[1]");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"run", "/no/such/grid.json", "--", "true"},
       "/no/such/grid.json: cannot read grid file"},
      {{"run", bad, "--", "true"}, "bad.json:2:14: invalid JSON"},
      {{"run", arr, "--", "true"}, "the grid must be a JSON object"},
      {{"run", "-p", "x=", "--", "true"}, "-p x=: empty list of values"},
      {{"run", "-p", "x=5..1", "--", "true"}, "-p x=5..1: range is reversed"},
      {{"run", "-p", "x=a..z", "--", "true"}, "is not a numeric range"},
      {{"run", "-p", "x=1..5:0", "--", "true"}, "step must not be zero"},
      {{"run", "-p", "x=1", "-p", "x=2", "--", "true"},
       "parameter 'x' is given twice"},
      {{"run", "-p", "x=1"}, "missing command"},
      {{"run", "-p", "x=1", "--", "echo", "<y>"}, "unknown placeholder <y>"},
      {{"run", "-j", "0", "--", "true"},
       "-j: must be a whole number >= 1, not '0'"},
      {{"run", "--threads=0", "--", "true"},
       "--threads: must be a whole number >= 1, not '0'"},
      {{"run", "--repeat", "0", "--", "true"},
       "--repeat: must be a whole number >= 1, not '0'"},
      {{"run", "--max-failures", "0", "--", "true"},
       "--max-failures: must be a whole number >= 1, not '0'"},
      {{"run", "--retries", "-1", "--", "true"},
       "--retries: must be a whole number >= 0, not '-1'"},
      {{"run", "--format", "xml", "--", "true"},
       "--format: 'xml' is not one of jsonl, text"},
      {{"run", "--stderr", "x", "--", "true"},
       "--stderr: 'x' is not one of pass, stream"},
      {{"run", "--backend", "k8s", "--", "true"},
       "--backend: 'k8s' is not one of local, slurm"},
      {{"run", "--timeout", "", "--", "true"},
       "--timeout: expected a positive duration"},
      {{"run", "--journal", "j", "--resume", "--resume-failed", "--", "true"},
       "--resume excludes --resume-failed"},
      {{"run", "--progress", "--no-progress", "--", "true"},
       "--progress excludes --no-progress"},
      {{"rnu", "-p", "x=1", "--", "true"},
       "unknown subcommand 'rnu' (did you mean 'run'?)"},
      {{"bogus"}, "unknown subcommand 'bogus'"},
      {{"run", "--bogus", "--", "true"}, "--bogus"},
      {{"grid", "-p", "x=1", "--", "echo"}, "sweep grid takes no command"},
      {{}, "subcommand"},
  };
  for (const auto& c : cases) e2e::check_usage_error(c.args, c.message);
}

TEST_CASE("a grid larger than 64 bits is an error") {
  auto r = sweep({"grid", "--count", "-p", "a=1..1000000", "-p", "b=1..1000000",
                  "-p", "c=1..1000000", "-p", "d=1..1000000"});
  CHECK(r.exit == 2);
  CHECK(r.err.find("more than 2^64 points") != std::string::npos);
}

TEST_CASE(
    "--dry-run prints pasteable command lines and stops early under head") {
  auto r =
      sweep({"run", "--dry-run", "-p", "v=a b,it's", "--", "echo", "--v=<v>"});
  CHECK(r.exit == 0);
  CHECK(r.out == "echo '--v=a b'\necho '--v=it'\\''s'\n");
  // 10^12 points, piped into a reader that stops after 3 lines.
  auto h = e2e::run(
      {"sh", "-c",
       "\"$0\" run --dry-run -p a=1..1000000 -p b=1..1000000 -- echo '<a>' "
       "'<b>' | head -n 3",
       e2e::sweep_bin()},
      {.timeout_s = 30});
  CHECK(h.exit == 0);
  CHECK(h.out == "echo 1 1\necho 1 2\necho 1 3\n");
  CHECK(h.seconds < 10);  // loose: catches a materialized grid, not a benchmark
}

TEST_CASE(
    "sweep grid reads a grid from stdin and -p replaces a file axis in place") {
  auto r = sweep({"grid", "-", "-p", "a=5"},
                 {.input = R"({"a": [1, 2], "b": ["x"]})"});
  CHECK(r.exit == 0);
  CHECK(r.out == "{\"job\":0,\"params\":{\"a\":5,\"b\":\"x\"}}\n");
}

TEST_CASE("-o writes the stream to a file and --stats-json the statistics") {
  e2e::TempDir dir;
  auto out = (dir.path() / "out.jsonl").string();
  auto stats = (dir.path() / "stats.json").string();
  auto r = sweep({"run", "-j", "2", "-p", "x=1..5", "-o", out, "--stats-json",
                  stats, "--", "sh", "-c", "echo <x>; exit $((<x> % 2))"});
  CHECK(r.exit == 1);
  CHECK(r.out.empty());
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), {});
  CHECK(records(text).size() == 10);
  std::ifstream s(stats);
  Json j = Json::parse(s);
  CHECK(j["points"] == 5);
  CHECK(j["succeeded"] == 2);
  CHECK(j["failed"] == 3);
  CHECK(j["threads"] == 2);
  CHECK(j["job_duration_s"].contains("p95"));
  auto bad = sweep({"run", "-o", "/no/such/dir/out.jsonl", "--", "true"});
  CHECK(bad.exit == 2);
  CHECK(bad.err.find("/no/such/dir/out.jsonl: cannot open for writing") !=
        std::string::npos);
}

TEST_CASE(
    "Ctrl-C stops every job and its children, prints statistics, exits 130") {
  e2e::TempDir dir;
  std::string marker = "sweep-e2e-ctrlc-" + std::to_string(getpid());
  // The job's sleeps are told apart from other tests' (ctest runs them at
  // once) by a duration of their own.
  std::string nap = "sleep 300." + std::to_string(getpid());
  std::string script = dir.write("job.sh", nap + " & " + nap + "\n");
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(e2e::sweep_bin().c_str(), "sweep", "run", "-j", "8", "-p", "i=1..8",
          "--", "sh", script.c_str(), marker.c_str(), nullptr);
    _exit(127);
  }
  // Wait until the jobs are running.
  for (int i = 0; i < 100 && !e2e::process_running_with(marker); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(e2e::process_running_with(marker));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(e2e::process_running_with(marker));
  CHECK_FALSE(e2e::process_running_with(nap));
}

TEST_CASE("help and version") {
  auto h = sweep({"run", "--help"});
  CHECK(h.exit == 0);
  CHECK(h.out.find("--threads") != std::string::npos);
  // The program as users type it, and the command after `--`.
  CHECK(h.out.find("Usage: sweep run [OPTIONS] [GRID] -- COMMAND [ARG]...\n") !=
        std::string::npos);
  CHECK(h.out.find("Examples:") != std::string::npos);
  auto v = sweep({"--version"});
  CHECK(v.exit == 0);
  CHECK(v.out.rfind("sweep ", 0) == 0);
}

TEST_CASE("a value with a NUL byte fails before any job, naming it") {
  // exec would cut the argument at the NUL: the job would run with another
  // value than its record shows.
  e2e::TempDir dir;
  auto values = dir.write("v.txt", std::string("a\0b\nc\n", 6));
  std::string mark = (dir.path() / "ran").string();
  e2e::check_usage_error(
      {"run", "-p", "v=@" + values, "--", "touch", mark, "<v>"},
      "parameter 'v': value \"a\\u0000b\" has a NUL byte, which no command "
      "argument or environment variable can carry");
  CHECK_FALSE(std::filesystem::exists(mark));
}
