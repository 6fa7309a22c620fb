// --results DIR (ResultsDirWriter) writes only inside DIR, never through a
// link.
#include "output/results_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "sweep/error.hpp"
#include "test_files.hpp"

using namespace sweep;
using test::read_file;
namespace fs = std::filesystem;

namespace {

Job job(std::uint64_t index) {
  Job j;
  j.index = index;
  j.seq = index;
  j.argv = {"prog"};
  j.params_json = "{\"x\":" + std::to_string(index) + "}";
  return j;
}

// Runs one job through a writer: start, a line on each stream, exit 0.
void run_job(ResultsDirWriter& w, const Job& j) {
  w.on_start(j);
  w.on_line(j, Stream::kStdout, "out");
  w.on_line(j, Stream::kStderr, "err");
  w.on_finish(j, JobResult{});
}

}  // namespace

TEST_CASE("ResultsDirWriter writes a job's four files inside DIR") {
  test::TempDir tmp;
  ResultsDirWriter w(tmp.file("res"));
  run_job(w, job(3));
  CHECK(read_file(tmp.file("res/3/params.json")) == "{\"x\":3}\n");
  CHECK(read_file(tmp.file("res/3/stdout")) == "out\n");
  CHECK(read_file(tmp.file("res/3/stderr")) == "err\n");
  CHECK(read_file(tmp.file("res/3/status.json")).find("\"exit\":0") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(tmp.file("res/3/status.json.tmp")));
}

TEST_CASE("ResultsDirWriter refuses a job directory that is a link") {
  test::TempDir tmp;
  fs::create_directories(tmp.file("res"));
  fs::create_directories(tmp.file("elsewhere"));
  fs::create_directory_symlink(tmp.file("elsewhere"), tmp.file("res/0"));
  ResultsDirWriter w(tmp.file("res"));
  CHECK_THROWS_WITH_AS(w.on_start(job(0)),
                       doctest::Contains("res/0: is a symbolic link"), Error);
  CHECK(fs::is_empty(tmp.file("elsewhere")));
}

TEST_CASE("ResultsDirWriter refuses a job's file that is a link") {
  for (std::string name : {"stdout", "stderr", "params.json", "params.json.tmp",
                           "status.json", "status.json.tmp"}) {
    CAPTURE(name);
    test::TempDir tmp;
    std::string victim = tmp.write("victim", "precious\n");
    fs::create_directories(tmp.file("res/1"));
    fs::create_symlink(victim, tmp.file("res/1/" + name));
    ResultsDirWriter w(tmp.file("res"));
    std::string why = "res/1/" + name + ": is a symbolic link";
    CHECK_THROWS_WITH_AS(run_job(w, job(1)), doctest::Contains(why.c_str()),
                         Error);
    CHECK(read_file(victim) == "precious\n");
  }
}

TEST_CASE("ResultsDirWriter replaces an old file rather than write into it") {
  // A hard link shares the inode: truncating the name would change the other.
  test::TempDir tmp;
  std::string other = tmp.write("other", "precious\n");
  fs::create_directories(tmp.file("res/2"));
  fs::create_hard_link(other, tmp.file("res/2/stdout"));
  ResultsDirWriter w(tmp.file("res"));
  run_job(w, job(2));
  CHECK(read_file(tmp.file("res/2/stdout")) == "out\n");
  CHECK(read_file(other) == "precious\n");
}

TEST_CASE("ResultsDirWriter refuses a job directory that is not one") {
  test::TempDir tmp;
  fs::create_directories(tmp.file("res"));
  tmp.write("res/4", "a file\n");
  ResultsDirWriter w(tmp.file("res"));
  CHECK_THROWS_WITH_AS(w.on_start(job(4)),
                       doctest::Contains("res/4: cannot open directory"),
                       Error);
}
