#include "command/command_template.hpp"

#include <doctest/doctest.h>

#include "exec/job_source.hpp"
#include "exec/scheduler.hpp"
#include "sweep/error.hpp"
#include "sweep/grid_parse.hpp"

using namespace sweep;

namespace {
using Args = std::vector<std::string>;
}

TEST_CASE("placeholders are substituted whole and embedded") {
  Grid g = parse_grid_json(
      R"({"depth": [3], "impurity": ["gini"], "lr": [0.5]})", "g");
  CommandTemplate t(
      {"./train", "--depth=<depth>", "<impurity>", "<lr>/<depth>x"}, g);
  CHECK(t.render(g.point(0)) == Args{"./train", "--depth=3", "gini", "0.5/3x"});
  CHECK_FALSE(t.program_has_placeholder());
}

TEST_CASE("substitution is one pass: values are never expanded again") {
  Grid g = parse_grid_json(R"({"a": ["<b>"], "b": ["B"]})", "g");
  CommandTemplate t({"echo", "<a><b>"}, g);
  CHECK(t.render(g.point(0)) == Args{"echo", "<b>B"});
}

TEST_CASE("values with shell syntax stay one literal argument") {
  Grid g = parse_grid_json(R"({"v": ["a b; rm -rf / $(touch x) '\" *"]})", "g");
  CommandTemplate t({"echo", "<v>"}, g);
  CHECK(t.render(g.point(0)) == Args{"echo", "a b; rm -rf / $(touch x) '\" *"});
}

TEST_CASE("unknown placeholders fail before running and backslash escapes") {
  Grid g = parse_grid_json(R"({"depth": [1]})", "g");
  CHECK_THROWS_WITH_AS(
      CommandTemplate({"echo", "<dept>"}, g),
      doctest::Contains("unknown placeholder <dept> (parameters: depth"),
      Error);
  CommandTemplate t({"echo", "\\<html>", "a<b", "x < y", "<>"}, g);
  CHECK(t.render(g.point(0)) == Args{"echo", "<html>", "a<b", "x < y", "<>"});
  CHECK(CommandTemplate({"<depth>"}, g).program_has_placeholder());
}

TEST_CASE("shell quoting reads back as the same words") {
  CHECK(shell_quote("plain-word_1.txt") == "plain-word_1.txt");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("$(x)") == "'$(x)'");
  CHECK(shell_join({"echo", "a b", "--x=1"}) == "echo 'a b' --x=1");
}

TEST_CASE("executables are resolved like execvp") {
  CHECK(resolve_executable("sh").find("/sh") != std::string::npos);
  CHECK(resolve_executable("/bin/sh") == "/bin/sh");
  CHECK_THROWS_WITH_AS(resolve_executable("no-such-program-xyz"),
                       "command not found: no-such-program-xyz", Error);
  try {
    resolve_executable("./no/such/file");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.exit_status() == 127);
  }
  CHECK_THROWS_AS(resolve_executable("/etc/passwd"), Error);  // not executable
  CHECK_THROWS_AS(resolve_executable("/tmp"), Error);         // a directory
}

TEST_CASE("jobs carry argv, environment and params JSON") {
  Grid g = parse_grid_json(R"({"depth": [3, 4], "learning-rate": [0.1]})", "g");
  CommandTemplate t({"echo", "<depth>"}, g);
  Plan plan(g, {});
  GridJobSource src(g, plan, t);
  auto j0 = src.next(0);
  auto j1 = src.next(1);
  REQUIRE(j0);
  REQUIRE(j1);
  CHECK_FALSE(src.next(0));
  CHECK(j1->index == 1);
  CHECK(j1->argv == Args{"echo", "4"});
  CHECK(j1->params_json == R"({"depth":4,"learning-rate":0.1})");
  CHECK(j1->env == Args{"SWEEP_DEPTH=4", "SWEEP_LEARNING_RATE=0.1",
                        "SWEEP_JOB=1", "SWEEP_REP=0", "SWEEP_SLOT=1",
                        R"(SWEEP_PARAMS={"depth":4,"learning-rate":0.1})"});
  CHECK(env_var_name("a.b-c9") == "SWEEP_A_B_C9");
}
