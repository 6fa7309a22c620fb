// What an installed sweep brings besides running sweeps: --version, the
// completion scripts and the man page generator, end to end.
#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "harness.hpp"

using e2e::sweep;

namespace {

// Every --long option a subcommand's --help declares (the names at the
// start of its option lines, "  -j,--threads N", not those in descriptions).
std::set<std::string> help_options(const std::string& sub) {
  e2e::Result r = sweep({sub, "--help"});
  REQUIRE(r.exit == 0);
  std::set<std::string> options;
  std::regex option_line("^ +(?:-[a-z],)?(--[a-z][a-z-]*).*");
  std::smatch m;
  for (const std::string& line : e2e::lines(r.out))
    if (std::regex_match(line, m, option_line)) options.insert(m[1]);
  REQUIRE(options.count("--help") == 1);  // the lines were read
  return options;
}

}  // namespace

TEST_CASE(
    "sweep --version: the project version, git describe, compiler and build "
    "type") {
  e2e::Result r = sweep({"--version"});
  REQUIRE(r.exit == 0);
  std::smatch m;
  REQUIRE(std::regex_match(
      r.out, m,
      std::regex("sweep ([0-9.]+)( \\(git [^)]+\\))?\nbuilt with (\\S+) "
                 "([0-9.]+), (\\S+)\n")));
  CHECK(m[1] == SWEEP_PROJECT_VERSION);
  CHECK(m[5] == SWEEP_BUILD_TYPE);
}

TEST_CASE(
    "sweep completion: every option of every subcommand's --help, in each "
    "shell's script") {
  for (std::string shell : {"bash", "zsh", "fish"}) {
    e2e::Result script = sweep({"completion", shell});
    REQUIRE(script.exit == 0);
    for (std::string sub :
         {"run", "grid", "batchify", "merge", "status", "report", "completion"})
      for (const std::string& opt : help_options(sub)) {
        // fish names a long option without its dashes: `-l timeout`.
        std::string word = shell == "fish" ? "-l " + opt.substr(2) + " " : opt;
        INFO(shell, ": sweep ", sub, " ", opt);
        CHECK(script.out.find(word) != std::string::npos);
      }
  }
}

TEST_CASE(
    "sweep completion: an unknown shell is a usage error naming the choices") {
  e2e::check_usage_error(
      {"completion", "tcsh"},
      "SHELL: 'tcsh' is not one of bash, zsh, fish (see sweep --help)");
}

TEST_CASE(
    "sweep __man: a subcommand without its page's text fails the build, naming "
    "the file") {
  e2e::TempDir dir;
  e2e::Result r = sweep({"__man", dir.path().string(), dir.path().string()});
  CHECK(r.exit == 2);
  CHECK(r.err.find(dir.path().string() + "/sweep.txt: cannot read") !=
        std::string::npos);
}
