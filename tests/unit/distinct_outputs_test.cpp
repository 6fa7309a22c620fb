// check_distinct_outputs: outputs that are one file are refused before
// anything is opened.
#include "output/distinct_outputs.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sweep/error.hpp"
#include "test_files.hpp"

using namespace sweep;
using test::read_file;
namespace fs = std::filesystem;

namespace {

std::string refusal(const std::vector<NamedOutput>& outputs,
                    const std::string& results = "") {
  try {
    check_distinct_outputs(outputs, results);
  } catch (const Error& e) {
    CHECK(e.exit_status() == kExitUsage);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("check_distinct_outputs refuses one existing file named twice") {
  test::TempDir tmp;
  std::string j = tmp.write("j.jsonl", "{\"key\":1}\n");
  fs::create_directories(tmp.file("sub"));
  fs::create_symlink(j, tmp.file("link"));
  fs::create_hard_link(j, tmp.file("hard"));
  std::string via_dir = tmp.file("sub/../j.jsonl");
  for (const std::string& other :
       {j, via_dir, tmp.file("link"), tmp.file("hard")}) {
    CAPTURE(other);
    std::string why = refusal({{"-o", other}, {"--journal", j}});
    CHECK(why == "-o " + other + " and --journal " + j +
                     " are the same file: each output needs its own");
  }
  CHECK(read_file(j) == "{\"key\":1}\n");
}

TEST_CASE("check_distinct_outputs refuses one new file named twice") {
  test::TempDir tmp;
  fs::create_directories(tmp.file("sub"));
  fs::create_symlink(tmp.file("new.json"), tmp.file("dangling"));
  std::string why = refusal({{"-o", tmp.file("sub/../new.json")},
                             {"--stats-json", tmp.file("new.json")}});
  CHECK(why.find("-o ") == 0);
  CHECK(why.find(" and --stats-json ") != std::string::npos);
  CHECK(refusal({{"--journal", tmp.file("dangling")},
                 {"--stats-json", tmp.file("new.json")}})
            .find("are the same file") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp.file("new.json")));
  // Relative to the working directory, as open(2) sees it.
  std::string cwd = fs::current_path();
  fs::current_path(tmp.file("sub"));
  std::string relative =
      refusal({{"-o", "out.jsonl"}, {"--journal", tmp.file("sub/out.jsonl")}});
  fs::current_path(cwd);
  CHECK(relative.find("are the same file") != std::string::npos);
}

TEST_CASE("check_distinct_outputs allows distinct files and /dev/null twice") {
  test::TempDir tmp;
  tmp.write("a", "");
  CHECK(refusal({{"-o", tmp.file("a")},
                 {"--journal", tmp.file("b")},
                 {"--stats-json", tmp.file("c")}},
                tmp.file("res")) == "");
  CHECK(refusal({{"-o", "/dev/null"}, {"--stats-json", "/dev/null"}}) == "");
  CHECK(refusal({{"-o", "/dev/stdout"}}) == "");
  // Unresolvable paths are left to the opening, which names them.
  CHECK(refusal({{"-o", "/no/such/dir/a"}, {"--journal", "/no/such/dir/a"}}) ==
        "");
}

TEST_CASE("check_distinct_outputs refuses an output among --results' files") {
  test::TempDir tmp;
  fs::create_directories(tmp.file("res/0"));
  std::string res = tmp.file("res");
  for (const std::string& path :
       {tmp.file("res/0/stdout"), tmp.file("res/0/status.json"),
        tmp.file("res/7")}) {
    CAPTURE(path);
    CHECK(refusal({{"-o", path}}, res) ==
          "-o " + path + " is where --results " + res +
              " writes a job's files: each output needs its own");
  }
  fs::create_directory_symlink(tmp.file("res/0"), tmp.file("job0"));
  CHECK(refusal({{"--journal", tmp.file("job0/stderr")}}, res) != "");
  CHECK(refusal({{"--stats-json", res}}, res) ==
        "--stats-json " + res + " and --results " + res +
            " are the same file: each output needs its own");
  // Beside the jobs' directories, or a file sweep does not write: allowed.
  CHECK(refusal({{"--journal", tmp.file("res/journal.jsonl")},
                 {"-o", tmp.file("res/0/notes")}},
                res) == "");
}
