// A local run directory (--run-dir): resumes that keep every stream, merge
// and status on it, each job's own directory, --collect, and -o appending
// on resume.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness.hpp"

using e2e::end_records;
using e2e::lines;
using e2e::read;
using e2e::records;
using e2e::sweep;
using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Per x: its end records' exit statuses and its file records' data.
struct Seen {
  std::vector<int> exits;
  std::vector<std::string> files;
};
std::map<int, Seen> by_x(const std::string& out) {
  std::map<int, Seen> m;
  for (const auto& r : records(out)) {
    int x = r["params"]["x"];
    if (r.contains("file"))
      m[x].files.push_back(r["file"].get<std::string>() + "=" +
                           r["data"].dump());
    else if (!r.contains("line"))
      m[x].exits.push_back(r.value("exit", -1));
  }
  return m;
}

// Text with every run of spaces made one, so table rows compare simply.
std::string squeeze(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != ' ' || out.empty() || out.back() != ' ') out += c;
  return out;
}

}  // namespace

TEST_CASE("a sweep with failures resumed twice reports every point once") {
  e2e::TempDir dir;
  std::string fix = (dir.path() / "fixed-").string();
  // x=2 and x=5 fail until their fixed-<x> file exists; every job writes its
  // metrics to a file in its own directory.
  std::string script =
      "echo '{\"x\": <x>}' > metrics.json; test <x> != 2 -a "
      "<x> != 5 || test -e " +
      fix + "<x>";
  auto first =
      sweep({"run", "--run-dir", "R", "-p", "x=1..6", "-j", "3", "--chdir",
             "--collect", "metrics.json", "--", "sh", "-c", script},
            {.cwd = dir.path()});
  CHECK(first.exit == 1);
  CHECK(first.err.find("6 (4 succeeded, 2 failed") != std::string::npos);
  dir.write("fixed-2", "");
  // Grid and command (with --chdir and --collect) come from R.
  auto second =
      sweep({"run", "--run-dir", "R", "--resume-failed"}, {.cwd = dir.path()});
  CHECK(second.exit == 1);
  CHECK(second.err.find("6 (5 succeeded, 1 failed") != std::string::npos);
  dir.write("fixed-5", "");
  auto third =
      sweep({"run", "--run-dir", "R", "--resume-failed"}, {.cwd = dir.path()});
  CHECK(third.exit == 0);
  CHECK(third.err.find("6 (6 succeeded, 0 failed") != std::string::npos);
  CHECK(third.err.find("appear in more than one stream") != std::string::npos);
  // Three invocations, three streams; merge keeps each job's best outcome.
  fs::path run = dir.path() / "R";
  for (const char* id : {"local-0001", "local-0002", "local-0003"})
    CHECK(fs::exists(run / ("shard-0-" + std::string(id) + ".jsonl")));
  auto merged = sweep({"merge", run.string()});
  CHECK(merged.exit == 0);
  CHECK(merged.out == third.out);
  auto m = by_x(merged.out);
  REQUIRE(m.size() == 6);
  for (auto& [x, seen] : m) {
    CAPTURE(x);
    CHECK(seen.exits == std::vector<int>{0});
    CHECK(seen.files == std::vector<std::string>{
                            "metrics.json={\"x\":" + std::to_string(x) + "}"});
  }
  auto status = sweep({"status", run.string()});
  CHECK(status.out.find("local run local-0003") != std::string::npos);
  CHECK(status.out.find("total: 6 of 6 done, 0 failed") != std::string::npos);
}

TEST_CASE("-o FILE with --resume appends to the stream, never truncates") {
  e2e::TempDir dir;
  std::string fix = (dir.path() / "fixed").string();
  std::vector<std::string> run = {"run",
                                  "-p",
                                  "x=1..3",
                                  "--journal",
                                  "j.jsonl",
                                  "-o",
                                  "out.jsonl",
                                  "--",
                                  "sh",
                                  "-c",
                                  "echo <x>; test <x> != 2 || test -e " + fix};
  CHECK(sweep(run, {.cwd = dir.path()}).exit == 1);
  CHECK(lines(read(dir.path() / "out.jsonl")).size() == 6);
  // A crash mid-record leaves a torn line: the resume cuts it off.
  {
    std::ofstream torn(dir.path() / "out.jsonl", std::ios::app);
    torn << "{\"job\":1,\"par";
  }
  dir.write("fixed", "");
  run.insert(run.begin() + 5, "--resume-failed");
  CHECK(sweep(run, {.cwd = dir.path()}).exit == 0);
  std::string out = read(dir.path() / "out.jsonl");
  CHECK(lines(out).size() == 8);  // the first run's 6, the rerun job's 2
  auto m = by_x(out);
  CHECK(m[2].exits == std::vector<int>{1, 0});
  auto merged = sweep({"merge", (dir.path() / "out.jsonl").string()});
  CHECK(merged.exit == 0);
  CHECK(end_records(merged.out).size() == 3);
  // Without a resume, -o is written afresh as before.
  run.erase(run.begin() + 5);
  sweep(run, {.cwd = dir.path()});
  CHECK(lines(read(dir.path() / "out.jsonl")).size() == 6);
}

TEST_CASE("sweep status DIR shows a local sweep while it runs") {
  e2e::TempDir dir;
  std::string go = (dir.path() / "go").string();
  pid_t pid = e2e::spawn_sweep(
      {"run", "--run-dir", "R", "-p", "x=1..4", "-j", "2", "--", "sh", "-c",
       "test <x> -le 2 && exit 0; while ! test -e " + go +
           "; do sleep 0.05; done"},
      dir.path());
  std::string run = (dir.path() / "R").string();
  std::string shown;
  bool running = e2e::wait_until([&] {
    shown = sweep({"status", run}).out;
    return shown.find("total: 2 of 4 done, 0 failed, 2 running") !=
           std::string::npos;
  });
  CAPTURE(shown);
  CHECK(running);
  CHECK(shown.find("local run local-0001") != std::string::npos);
  CHECK(squeeze(shown).find("\n0 running 2 4 0\n") != std::string::npos);
  CHECK(shown.find("shard 0 (local-0001): [2/4] running 2") !=
        std::string::npos);
  CHECK(shown.find("ETA") != std::string::npos);
  // A second sweep on the same run directory is refused while it runs.
  auto twice =
      sweep({"run", "--run-dir", "R", "--resume"}, {.cwd = dir.path()});
  CHECK(twice.exit == 2);
  CHECK(twice.err.find("another sweep is running") != std::string::npos);
  dir.write("go", "");
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WEXITSTATUS(status) == 0);
  shown = sweep({"status", run}).out;
  CHECK(squeeze(shown).find("\n0 done 4 4 0\n") != std::string::npos);
  CHECK(shown.find("total: 4 of 4 done, 0 failed, 0 running") !=
        std::string::npos);
}

TEST_CASE("--collect reads each file kind, a glob, a missing and a huge file") {
  e2e::TempDir dir;
  std::string script =
      "echo '{\"acc\": 0.5, \"n\": [1,2]}' > metrics.json; "
      "printf '{\"step\":1}\\n{\"step\":2}\\n' > results.jsonl; "
      "printf 'loss: 0.25\\nname = run <x>\\n' > eval.txt; "
      "mkdir -p logs; echo '{\"a\":1}' > logs/a.json; "
      "echo '{\"b\":2}' > logs/b.json; "
      "head -c 17000000 /dev/zero | tr '\\0' ' ' > huge.json";
  auto r =
      sweep({"run",          "--results", "res",
             "-p",           "x=7",       "--collect",
             "metrics.json", "--collect", "results.jsonl",
             "--collect",    "eval.txt",  "--collect",
             "logs/*.json",  "--collect", "missing.json",
             "--collect",    "huge.json", "--",
             "sh",           "-c",        "cd \"$SWEEP_JOB_DIR\" && " + script},
            {.cwd = dir.path()});
  CHECK(r.exit == 0);
  std::vector<std::string> files;
  for (const auto& rec : records(r.out))
    if (rec.contains("file"))
      files.push_back(rec["file"].get<std::string>() + " " +
                      rec["data"].dump());
  CHECK(files == std::vector<std::string>{
                     "metrics.json {\"acc\":0.5,\"n\":[1,2]}",
                     "results.jsonl {\"step\":1}", "results.jsonl {\"step\":2}",
                     "eval.txt {\"loss\":0.25,\"name\":\"run 7\"}",
                     "logs/a.json {\"a\":1}", "logs/b.json {\"b\":2}"});
  auto ends = end_records(r.out);
  REQUIRE(ends.size() == 1);
  CHECK(ends[0]["collect_missing"] == Json::array({"missing.json"}));
  CHECK(ends[0]["collect_refused"] == Json::array({"huge.json"}));
  CHECK(r.err.find("huge.json: not read: larger than the bound of 16777216 "
                   "bytes") != std::string::npos);
  // --collect needs job directories, and stays inside them.
  e2e::check_usage_error({"run", "--collect", "m.json", "--", "true"},
                         "--chdir and --collect need job directories");
  e2e::check_usage_error(
      {"run", "--results", "res", "--collect", "../m.json", "--", "true"},
      "--collect ../m.json: must stay inside the job's directory");
}

TEST_CASE("a hostile parameter value cannot place a job directory outside") {
  e2e::TempDir dir;
  auto r = sweep(
      {"run", "--run-dir", "R", "-p", "x=../../escape,/tmp/abs,a/../../b,..",
       "--chdir", "--", "sh", "-c", "echo \"$(pwd)|$SWEEP_JOB_DIR|<@dir>\""},
      {.cwd = dir.path()});
  CHECK(r.exit == 0);
  fs::path jobs = fs::canonical(dir.path() / "R" / "jobs");
  std::set<std::string> dirs;
  for (const auto& rec : records(r.out))
    if (rec.contains("line")) {
      std::string l = rec["line"];
      auto bar = l.find('|');
      std::string pwd = l.substr(0, bar), rest = l.substr(bar + 1);
      CHECK(rest == pwd + "|" + pwd);  // cwd, SWEEP_JOB_DIR and <@dir> agree
      CHECK(fs::path(pwd).parent_path() == jobs);
      dirs.insert(fs::path(pwd).filename().string());
    }
  CHECK(dirs.size() == 4);
  for (const auto& d : dirs) {
    CHECK(d.size() == 32);
    CHECK(d.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  // Nothing beside R in the test's directory, nothing in R but the layout.
  std::set<std::string> top;
  for (const auto& e : fs::directory_iterator(dir.path()))
    top.insert(e.path().filename().string());
  CHECK(top == std::set<std::string>{"R"});
  // A link planted at R/jobs is refused before anything runs.
  e2e::TempDir other;
  fs::create_directories(other.path() / "R");
  fs::create_directories(other.path() / "elsewhere");
  fs::create_directory_symlink(other.path() / "elsewhere",
                               other.path() / "R" / "jobs");
  auto linked = sweep({"run", "--run-dir", "R", "-p", "x=1", "--", "true"},
                      {.cwd = other.path()});
  CHECK(linked.exit == 2);
  CHECK(linked.err.find("R/jobs: cannot open directory") != std::string::npos);
  CHECK(fs::is_empty(other.path() / "elsewhere"));
}

TEST_CASE("--run-dir refuses what it keeps itself and another backend's dir") {
  e2e::TempDir dir;
  e2e::check_usage_error(
      {"run", "--run-dir", "R", "--journal", "j", "--", "true"},
      "--run-dir keeps its journal in DIR: drop --journal (or --run-dir)",
      {.cwd = dir.path()});
  e2e::check_usage_error({"run", "--run-dir", "R", "--resume"},
                         "R: no sweep.json to resume from; give the grid and "
                         "the command",
                         {.cwd = dir.path()});
  e2e::check_usage_error({"run", "-p", "x=1", "--", "echo", "<@dir>"},
                         "<@dir> needs job directories: --run-dir DIR or "
                         "--results DIR");
  fs::create_directories(dir.path() / "S");
  dir.write("S/sweep.json", "{\"backend\": \"slurm\"}");
  e2e::check_usage_error(
      {"run", "--run-dir", "S", "-p", "x=1", "--", "true"},
      "is a run directory of --backend slurm: run it again with --backend "
      "slurm",
      {.cwd = dir.path()});
}
