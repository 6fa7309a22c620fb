// sweep under strain: short of descriptors, jobs that leave processes behind.
#include <doctest/doctest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "harness.hpp"

using e2e::end_records;
using e2e::lines;

namespace {

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
