// Long sweeps that survive: timeouts, retries, halting, interrupts, the
// journal and resume, per-job results, ordered output and progress.
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
using e2e::read;
using e2e::records;
using e2e::sweep;
using Json = nlohmann::ordered_json;
using namespace std::chrono_literals;

namespace {

std::set<std::string> params_in(const std::string& text, bool ok_only) {
  std::set<std::string> s;
  for (const auto& l : lines(text)) {
    Json j = Json::parse(l, nullptr, false);
    if (j.is_discarded() || j.contains("line")) continue;
    if (ok_only && !(j.value("ok", false) || j.value("exit", -1) == 0))
      continue;
    s.insert(j["params"].dump());
  }
  return s;
}

}  // namespace

TEST_CASE("a job past --timeout is killed with its grandchildren") {
  std::string marker = "sweep-e2e-timeout-" + std::to_string(getpid());
  auto r =
      sweep({"run", "-p", "x=1", "--timeout", "500ms", "--kill-after", "1s",
             "--", "sh", "-c", "sleep 1000 & sleep 1000; echo never", marker});
  CHECK(r.exit == 1);
  auto e = end_records(r.out);
  REQUIRE(e.size() == 1);
  CHECK(e[0]["timeout"] == true);
  CHECK(e[0]["signal"] == "SIGTERM");
  CHECK(e[0]["duration_s"].get<double>() < 5);
  CHECK(r.err.find("1 of them timed out") != std::string::npos);
  CHECK_FALSE(e2e::process_running_with(marker));
  // A job that ignores SIGTERM gets SIGKILL after --kill-after.
  auto k = sweep({"run", "--timeout", "300ms", "--kill-after", "300ms", "--",
                  "sh", "-c", "trap '' TERM; sleep 1000", marker + "-k"});
  auto ke = end_records(k.out);
  REQUIRE(ke.size() == 1);
  CHECK(ke[0]["signal"] == "SIGKILL");
  CHECK(ke[0]["timeout"] == true);
  CHECK_FALSE(e2e::process_running_with(marker + "-k"));
  auto bad = sweep({"run", "--timeout", "soon", "--", "true"});
  CHECK(bad.exit == 2);
  CHECK(bad.err.find("--timeout soon: expected a positive duration") !=
        std::string::npos);
}

TEST_CASE(
    "a flaky job succeeds with --retries 1 and records carry the attempt") {
  e2e::TempDir dir;
  auto r = sweep({"run", "-p", "x=a,b", "--retries", "1", "--", "sh", "-c",
                  "if [ <x> = a ] && [ ! -e flaky ]; then touch flaky; echo "
                  "first; exit 3; fi; "
                  "echo fine"},
                 {.cwd = dir.path()});
  CHECK(r.exit == 0);
  std::vector<std::string> seen;
  for (auto& j : records(r.out)) {
    CHECK(j.contains("attempt"));
    if (!j.contains("line"))
      seen.push_back(j["params"]["x"].get<std::string>() +
                     std::to_string(j["attempt"].get<int>()) +
                     (j.contains("retrying") ? "r" : "") +
                     std::to_string(j["exit"].get<int>()));
  }
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<std::string>{"a1r3", "a20", "b10"});
  CHECK(r.err.find("2 succeeded, 0 failed") != std::string::npos);
  CHECK(r.err.find("1 attempts run again") != std::string::npos);
}

TEST_CASE(
    "--halt-on-failure starts nothing after the first failure and --halt-now "
    "kills") {
  auto r = sweep({"run", "-j", "1", "-p", "x=1..20", "--halt-on-failure", "--",
                  "sh", "-c", "exit $(( <x> == 3 ))"});
  CHECK(r.exit == 1);
  CHECK(end_records(r.out).size() == 3);
  CHECK(r.err.find("halted") != std::string::npos);
  CHECK(r.err.find("17 not run") != std::string::npos);
  std::string marker = "sweep-e2e-halt-" + std::to_string(getpid());
  auto n =
      sweep({"run", "-j", "3", "-p", "x=1..9", "--max-failures", "1",
             "--halt-now", "--kill-after", "1s", "--", "sh", "-c",
             "if [ <x> = 1 ]; then sleep 0.3; exit 1; fi; sleep 1000", marker});
  CHECK(n.exit == 1);
  CHECK(n.seconds < 10);
  int stopped = 0;
  for (auto& e : end_records(n.out)) stopped += e.value("stopped", false);
  CHECK(stopped == 2);
  CHECK_FALSE(e2e::process_running_with(marker));
  auto bad = sweep({"run", "--halt-now", "--", "true"});
  CHECK(bad.exit == 2);
}

TEST_CASE(
    "Ctrl-C with a journal: no process left, stream and journal valid, exit "
    "130") {
  e2e::TempDir dir;
  std::string marker = "sweep-e2e-int-" + std::to_string(getpid());
  pid_t pid = e2e::spawn_sweep(
      {"run", "-j", "8", "-p", "i=1..12", "--journal", "journal.jsonl", "--",
       "sh", "-c",
       "echo start <i>; if [ <i> -le 2 ]; then exit 0; fi; sleep 300", marker},
      dir.path());
  REQUIRE(e2e::wait_until(
      [&] { return lines(read(dir.path() / "journal.jsonl")).size() >= 2; },
      20s, 20ms));
  std::this_thread::sleep_for(300ms);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK_FALSE(e2e::process_running_with(marker));
  auto out = records(read(dir.path() / "out.jsonl"));  // every line parses
  int stopped = 0;
  for (auto& j : out) stopped += j.value("stopped", false);
  CHECK(stopped == 8);
  auto journal = lines(read(dir.path() / "journal.jsonl"));
  CHECK(journal.size() == 2);  // stopped jobs are not recorded as finished
  for (const auto& l : journal) CHECK(Json::parse(l)["ok"] == true);
  std::string err = read(dir.path() / "err.txt");
  CHECK(err.find("interrupted   by SIGINT") != std::string::npos);
  CHECK(err.find("8 stopped") != std::string::npos);
}

TEST_CASE(
    "kill -9 of sweep then --resume runs exactly the jobs that had not "
    "finished") {
  e2e::TempDir dir;
  std::vector<std::string> args = {"run",
                                   "-j",
                                   "2",
                                   "-p",
                                   "x=1..24",
                                   "--journal",
                                   "journal.jsonl",
                                   "--",
                                   "sh",
                                   "-c",
                                   "sleep 0.2; echo <x>"};
  pid_t pid = e2e::spawn_sweep(args, dir.path());
  REQUIRE(e2e::wait_until(
      [&] { return lines(read(dir.path() / "journal.jsonl")).size() >= 6; },
      20s, 20ms));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::this_thread::sleep_for(300ms);  // orphaned jobs end on their own
  std::set<std::string> done =
      params_in(read(dir.path() / "journal.jsonl"), true);
  REQUIRE(done.size() >= 6);
  REQUIRE(done.size() < 24);
  args.insert(args.begin() + 7, "--resume");
  auto r = sweep(args, {.cwd = dir.path()});
  CHECK(r.exit == 0);
  std::set<std::string> rerun = params_in(r.out, false);
  CHECK(rerun.size() == 24 - done.size());
  for (const auto& p : rerun) CHECK(done.count(p) == 0);
  CHECK(r.err.find(std::to_string(done.size()) + " already done") !=
        std::string::npos);
  // Everything is done now: another resume runs nothing.
  auto again = sweep(args, {.cwd = dir.path()});
  CHECK(again.exit == 0);
  CHECK(again.out.empty());
}

TEST_CASE(
    "resume matches by parameters: a grown axis runs only the new points") {
  e2e::TempDir dir;
  auto first = sweep({"run", "-p", "a=1,2", "-p", "b=x,y", "--journal",
                      "j.jsonl", "--", "true"},
                     {.cwd = dir.path()});
  CHECK(first.exit == 0);
  // New value, and the axes in another order: only the two new points run.
  auto second = sweep({"run", "-p", "b=x,y", "-p", "a=1,2,3", "--journal",
                       "j.jsonl", "--resume", "--", "true"},
                      {.cwd = dir.path()});
  CHECK(second.exit == 0);
  CHECK(params_in(second.out, false) ==
        std::set<std::string>{R"({"b":"x","a":3})", R"({"b":"y","a":3})"});
}

TEST_CASE("--resume skips failures and --resume-failed runs them again") {
  e2e::TempDir dir;
  std::vector<std::string> base = {"run", "-p", "x=1..4", "--journal",
                                   "j.jsonl"};
  auto first = sweep({base[0], base[1], base[2], base[3], base[4], "--", "sh",
                      "-c", "exit $(( <x> % 2 ))"},
                     {.cwd = dir.path()});
  CHECK(first.exit == 1);
  auto resume = sweep(
      {base[0], base[1], base[2], base[3], base[4], "--resume", "--", "true"},
      {.cwd = dir.path()});
  CHECK(resume.out.empty());
  auto failed = sweep({base[0], base[1], base[2], base[3], base[4],
                       "--resume-failed", "--", "true"},
                      {.cwd = dir.path()});
  CHECK(params_in(failed.out, false) ==
        std::set<std::string>{R"({"x":1})", R"({"x":3})"});
  auto none = sweep({"run", "--resume", "--", "true"});
  CHECK(none.exit == 2);
  CHECK(none.err.find("--resume needs --journal") != std::string::npos);
}

TEST_CASE("values that are not UTF-8 stay distinct: keys, records, resume") {
  e2e::TempDir dir;
  dir.write("v",
            "a\xff"
            "b\na\xfe"
            "b\n");
  std::vector<std::string> args = {
      "run",       "-p",      "x=@v",
      "--journal", "j.jsonl", "--",
      "sh",        "-c",      "echo \"$SWEEP_PARAMS_B64\""};
  auto first = sweep(args, {.cwd = dir.path()});
  REQUIRE(first.exit == 0);
  // Two journal records with two keys, and records telling the values apart.
  std::set<std::string> keys, b64;
  for (const auto& l : lines(read(dir.path() / "j.jsonl")))
    keys.insert(nlohmann::json::parse(l)["key"].get<std::string>());
  CHECK(keys.size() == 2);
  for (const auto& r : e2e::end_records(first.out))
    b64.insert(r["params_b64"]["x"].get<std::string>());
  CHECK(b64 == std::set<std::string>{"Yf9i", "Yf5i"});  // base64 of the bytes
  CHECK(first.out.find(R"("line":"{\"x\":\"Yf9i\"}")") != std::string::npos);
  // A resume finds both done: nothing runs again.
  args.insert(args.begin() + 5, "--resume");
  auto again = sweep(args, {.cwd = dir.path()});
  CHECK(again.exit == 0);
  CHECK(again.out.empty());
  auto grid = sweep({"grid", "-p", "x=@v"}, {.cwd = dir.path()});
  CHECK(grid.out.find("\"params_b64\":{\"x\":\"Yf9i\"}") != std::string::npos);
}

TEST_CASE("a torn last journal line is ignored with a warning") {
  e2e::TempDir dir;
  auto first =
      sweep({"run", "-p", "x=1,2", "--journal", "j.jsonl", "--", "true"},
            {.cwd = dir.path()});
  REQUIRE(first.exit == 0);
  std::string journal = read(dir.path() / "j.jsonl");
  // Cut the second record in half, as a crash mid-write would.
  dir.write("j.jsonl", journal.substr(0, journal.size() - 40));
  auto r = sweep(
      {"run", "-p", "x=1,2", "--journal", "j.jsonl", "--resume", "--", "true"},
      {.cwd = dir.path()});
  CHECK(r.exit == 0);
  CHECK(r.err.find("warning: j.jsonl:2: ignoring a torn last line") !=
        std::string::npos);
  CHECK(params_in(r.out, false).size() == 1);
  // The journal stays readable: the torn line is isolated, new records follow.
  auto lines_now = lines(read(dir.path() / "j.jsonl"));
  CHECK(lines_now.size() == 3);
  CHECK(Json::parse(lines_now[2])["ok"] == true);
}

TEST_CASE("--keep-order writes records in job order under random durations") {
  auto r =
      sweep({"run", "-j", "6", "-p", "x=1..30", "--keep-order", "--", "sh",
             "-c", "sleep 0.0$(( (<x> * 7) % 10 )); echo a<x>; echo b<x>"});
  CHECK(r.exit == 0);
  std::vector<std::string> seq;
  for (auto& j : records(r.out))
    seq.push_back(
        std::to_string(j["job"].get<int>()) +
        (j.contains("line") ? j["line"].get<std::string>().substr(0, 1) : "e"));
  std::vector<std::string> expect;
  for (int i = 0; i < 30; ++i)
    for (const char* k : {"a", "b", "e"})
      expect.push_back(std::to_string(i) + k);
  CHECK(seq == expect);
}

TEST_CASE("--results writes params, stdout, stderr and status per job") {
  e2e::TempDir dir;
  auto r = sweep({"run", "-p", "x=../evil,ok", "--results", "res", "--", "sh",
                  "-c", "echo out <x>; echo err <x> >&2; exit 2"},
                 {.cwd = dir.path()});
  CHECK(r.exit == 1);
  for (int job : {0, 1}) {
    auto d = dir.path() / "res" / std::to_string(job);
    std::string x = job == 0 ? "../evil" : "ok";
    CHECK(Json::parse(read(d / "params.json"))["x"] == x);
    CHECK(read(d / "stdout") == "out " + x + "\n");
    CHECK(read(d / "stderr") == "err " + x + "\n");
    Json status = Json::parse(read(d / "status.json"));
    CHECK(status["exit"] == 2);
    CHECK(status["ok"] == false);
    CHECK(status.contains("time"));
  }
  CHECK_FALSE(std::filesystem::exists(dir.path() / "evil"));
}

TEST_CASE("--stderr stream records stderr lines in the result stream") {
  auto r = sweep(
      {"run", "--stderr", "stream", "--", "sh", "-c", "echo o; echo e >&2"});
  CHECK(r.exit == 0);
  bool found = false;
  for (auto& j : records(r.out))
    if (j.value("stream", "") == "stderr") {
      found = true;
      CHECK(j["line"] == "e");
    }
  CHECK(found);
  CHECK(r.err.find("[0] e") == std::string::npos);
}

TEST_CASE("end records and statistics carry CPU time and peak memory") {
  auto r = sweep({"run", "--stats-json", "/dev/stdout", "--", "sh", "-c",
                  "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"});
  CHECK(r.exit == 0);
  auto recs = records(r.out);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0]["cpu_user_s"].get<double>() +
            recs[0]["cpu_sys_s"].get<double>() >
        0);
  CHECK(recs[0]["max_rss_kb"].get<long>() > 100);
  CHECK(recs[1]["max_rss_kb"].get<long>() == recs[0]["max_rss_kb"].get<long>());
  CHECK(r.err.find("peak RSS") != std::string::npos);
}

TEST_CASE("the progress line appears only on a terminal or with --progress") {
  auto plain = sweep({"run", "-p", "x=1..3", "--", "sleep", "0.2"});
  CHECK(plain.err.find('\r') == std::string::npos);
  auto forced =
      sweep({"run", "-p", "x=1..3", "--progress", "--", "sleep", "0.3"});
  CHECK(forced.err.find("\r[") != std::string::npos);
  CHECK(forced.err.find("/3] running") != std::string::npos);
  CHECK(forced.err.find("\x1b[K") != std::string::npos);
  // Cleared before the report, which starts on a clean line.
  CHECK(forced.err.find("\r\x1b[KSTATISTICS") != std::string::npos);
  auto off = sweep({"run", "--progress", "--no-progress", "--", "true"});
  CHECK(off.exit == 2);
}

TEST_CASE(
    "a second Ctrl-C kills at once, without waiting for the grace period") {
  e2e::TempDir dir;
  std::string marker = "sweep-e2e-twice-" + std::to_string(getpid());
  pid_t pid = e2e::spawn_sweep(
      {"run", "-j", "2", "-p", "i=1,2", "--kill-after", "60s", "--", "sh", "-c",
       "trap '' TERM; echo up; sleep 300", marker},
      dir.path());
  REQUIRE(e2e::wait_until(
      [&] { return lines(read(dir.path() / "out.jsonl")).size() >= 2; }, 20s,
      20ms));
  auto start = std::chrono::steady_clock::now();
  kill(pid, SIGINT);
  std::this_thread::sleep_for(300ms);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
  CHECK(WEXITSTATUS(status) == 130);
  CHECK_FALSE(e2e::process_running_with(marker));
  int killed = 0;
  for (auto& e : end_records(read(dir.path() / "out.jsonl")))
    killed += e.value("signal", "") == "SIGKILL";
  CHECK(killed == 2);
}

TEST_CASE("SIGTERM to sweep exits 143") {
  e2e::TempDir dir;
  pid_t pid = e2e::spawn_sweep({"run", "--", "sh", "-c", "echo up; sleep 300"},
                               dir.path());
  REQUIRE(e2e::wait_until(
      [&] { return !read(dir.path() / "out.jsonl").empty(); }, 20s, 20ms));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WEXITSTATUS(status) == 143);
}
