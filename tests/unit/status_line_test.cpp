#include "output/status_line.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

using namespace sweep;

TEST_CASE("the progress line reads like ninja's") {
  ProgressCounts c;
  c.total = 100;
  c.running = 4;
  CHECK(format_progress(c) == "[0/100] running 4, failed 0, 0s elapsed");
  c.done = 25;
  c.failed = 2;
  c.elapsed_s = 50;
  CHECK(format_progress(c) ==
        "[25/100] running 4, failed 2, 50s elapsed, ETA 2m30s, 0.5 jobs/s");
  c.elapsed_s = 7300;
  c.done = 50;
  CHECK(format_progress(c) ==
        "[50/100] running 4, failed 2, 2h01m elapsed, ETA 2h01m, 0.0 jobs/s");
}

TEST_CASE("the progress line counts pruned jobs apart from failed ones") {
  ProgressCounts c;
  c.total = 10;
  c.done = 4;
  c.running = 2;
  c.failed = 1;
  c.pruned = 2;
  CHECK(format_progress(c) ==
        "[4/10] running 2, failed 1, pruned 2, 0s elapsed");
}

TEST_CASE("the progress line shows the rung and outgrows a halving estimate") {
  ProgressCounts c;
  c.total = 13;  // synchronous halving's count; ASHA ran more
  c.done = 14;
  c.running = 1;
  c.rung = 2;
  CHECK(format_progress(c) ==
        "[14/15] running 1, failed 0, rung 2, 0s elapsed");
}

TEST_CASE("on resume, the progress line counts only the jobs left to run") {
  // 8 jobs, 6 already done by an earlier run, 2 running: [0/2], and the ETA
  // from this run's rate over this run's jobs (1 done in 10 s, 1 left: 10s).
  ProgressCounts c;
  c.total = 8;
  c.skipped = 6;
  c.running = 2;
  CHECK(format_progress(c) ==
        "[0/2] running 2, failed 0, 0s elapsed, 6 already done");
  c.done = 1;
  c.running = 1;
  c.elapsed_s = 10;
  CHECK(format_progress(c) ==
        "[1/2] running 1, failed 0, 10s elapsed, ETA 10s, 0.1 jobs/s, 6 "
        "already done");
}

TEST_CASE("a status line rewrites itself in place and prints above itself") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  {
    StatusLine line(fds[1], true);
    line.set("[1/2]");
    line.print_above("message\n");
    line.clear();
    StatusLine off(fds[1], false);
    off.set("invisible");
    off.print_above("plain\n");
  }
  close(fds[1]);
  std::string got;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) got.append(buf, n);
  close(fds[0]);
  CHECK(got == "\r[1/2]\x1b[K\r\x1b[Kmessage\n\r[1/2]\x1b[K\r\x1b[Kplain\n");
}
