// The grid language through `sweep grid` and `sweep run`.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "harness.hpp"

using e2e::lines;
using e2e::sweep;
using Json = nlohmann::ordered_json;

namespace {

std::vector<std::string> params_of(const std::string& out) {
  std::vector<std::string> r;
  for (const auto& l : lines(out)) r.push_back(Json::parse(l)["params"].dump());
  return r;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("every form in a grid file: linspace, logspace, file, zip, exclude") {
  e2e::TempDir dir;
  dir.write("seeds.txt", "11\n\n22\n");
  auto grid = dir.write("grid.json", R"({
    "schedule": {"zip": {"lr": {"logspace": [-2, -1, 2]}, "warmup": [100, 1000]}},
    "frac": {"linspace": [0, 1, 3]},
    "seed": {"file": "seeds.txt"},
    "exclude": [{"frac": 0.5}, {"lr": 0.1, "seed": 22}]
  })");
  // Run from elsewhere: the values file is found next to the grid file.
  auto r = sweep({"grid", grid}, {.cwd = "/"});
  REQUIRE(r.exit == 0);
  CHECK(params_of(r.out) ==
        Strings{
            R"({"lr":0.01,"warmup":100,"frac":0.0,"seed":11})",
            R"({"lr":0.01,"warmup":100,"frac":0.0,"seed":22})",
            R"({"lr":0.01,"warmup":100,"frac":1.0,"seed":11})",
            R"({"lr":0.01,"warmup":100,"frac":1.0,"seed":22})",
            R"({"lr":0.1,"warmup":1000,"frac":0.0,"seed":11})",
            R"({"lr":0.1,"warmup":1000,"frac":1.0,"seed":11})",
        });
  auto c = sweep({"grid", "--count", grid});
  CHECK(c.out == "6\n");
  auto d = sweep({"grid", "--describe", grid});
  CHECK(d.exit == 0);
  CHECK(d.out.find("schedule: zip, 2 values") != std::string::npos);
  CHECK(d.out.find("exclusions: 2, skipping 6 of 12 points") !=
        std::string::npos);
  CHECK(d.out.find("total: 6 points") != std::string::npos);
}

TEST_CASE("the flag forms match the file forms") {
  e2e::TempDir dir;
  dir.write("seeds.txt", "11\n22\n");
  auto r = sweep({"grid", "-p", "lr=logspace:-2,-1,2", "-p", "warmup=100,1000",
                  "-p", "frac=linspace:0,1,3", "-p", "seed=@seeds.txt",
                  "--link", "lr,warmup", "--exclude", R"({"frac": 0.5})",
                  "--exclude", R"({"lr": 0.1, "seed": 22})"},
                 {.cwd = dir.path()});
  REQUIRE(r.exit == 0);
  CHECK(lines(r.out).size() == 6);
  CHECK(params_of(r.out)[5] ==
        R"({"lr":0.1,"warmup":1000,"frac":1.0,"seed":11})");
}

TEST_CASE(
    "a union runs each member's product and defaults fill absent parameters") {
  e2e::TempDir dir;
  auto grid = dir.write("union.json", R"([
    {"kernel": "linear", "C": [1, 10]},
    {"kernel": "rbf", "C": [1], "gamma": [0.1, 0.01]}
  ])");
  auto r = sweep({"run", "-j", "1", grid, "--", "echo", "<kernel>", "C=<C>",
                  "gamma=<gamma:auto>"});
  REQUIRE(r.exit == 0);
  Strings got;
  for (const auto& l : lines(r.out)) {
    Json j = Json::parse(l);
    if (j.contains("line")) got.push_back(j["line"]);
  }
  CHECK(got == Strings{"linear C=1 gamma=auto", "linear C=10 gamma=auto",
                       "rbf C=1 gamma=0.1", "rbf C=1 gamma=0.01"});
  auto bad = sweep({"run", grid, "--", "echo", "<gamma>"});
  CHECK(bad.exit == 2);
  CHECK(bad.err.find("'gamma' is missing from some grid members") !=
        std::string::npos);
}

TEST_CASE(
    "--repeat runs each point R times with <@rep>, <@slot>, SWEEP_REP and "
    "SWEEP_SLOT") {
  auto r =
      sweep({"run", "-j", "2", "-p", "x=a,b", "--repeat", "3", "--", "sh", "-c",
             "echo <x> <@job> <@rep> $SWEEP_REP <@slot> $SWEEP_SLOT"});
  REQUIRE(r.exit == 0);
  std::set<std::string> got;
  for (const auto& l : lines(r.out)) {
    Json j = Json::parse(l);
    if (!j.contains("line")) continue;
    std::string line = j["line"];
    CHECK(j["rep"] == std::stoi(line.substr(line.find(' ', 2) + 1)));
    // slot is 0 or 1 with -j 2, and the placeholder equals the variable.
    std::string slots = line.substr(line.rfind(' ', line.size() - 3) + 1);
    CHECK((slots == "0 0" || slots == "1 1"));
    got.insert(line.substr(0, line.rfind(' ', line.size() - 3)));
  }
  CHECK(got == std::set<std::string>{"a 0 0 0", "a 1 1 1", "a 2 2 2", "b 3 0 0",
                                     "b 4 1 1", "b 5 2 2"});
  auto c =
      sweep({"run", "--repeat", "4", "--", "true"});  // "once in each thread"
  CHECK(c.exit == 0);
  CHECK(lines(c.out).size() == 4);
}

TEST_CASE("sample, shuffle and shard are deterministic and compose") {
  std::vector<std::string> grid = {
      "grid",         "-p", "a=1..1000000", "-p",
      "b=1..1000000", "-p", "c=1..1000"};  // 10^15 points
  auto s1 = sweep({grid[0], grid[1], grid[2], grid[3], grid[4], grid[5],
                   grid[6], "--sample", "1000", "--seed", "42"});
  auto s2 = sweep({grid[0], grid[1], grid[2], grid[3], grid[4], grid[5],
                   grid[6], "--sample", "1000", "--seed", "42"});
  REQUIRE(s1.exit == 0);
  CHECK(lines(s1.out).size() == 1000);
  CHECK(s1.out == s2.out);
  CHECK(s1.err.empty());  // a given seed is not announced
  // Without --seed, the chosen seed is printed so the run can be repeated.
  auto unseeded = sweep({"grid", "-p", "x=1..50", "--shuffle"});
  CHECK(unseeded.err.find("--seed ") != std::string::npos);
  std::string seed = unseeded.err.substr(unseeded.err.find("--seed ") + 7);
  seed = seed.substr(0, seed.find(' '));
  auto again = sweep({"grid", "-p", "x=1..50", "--shuffle", "--seed", seed});
  CHECK(again.out == unseeded.out);
  // Three shards of one shuffled sample partition it.
  std::multiset<std::string> all, parts;
  auto whole = sweep(
      {"grid", "-p", "x=1..100", "--sample", "20", "--shuffle", "--seed", "5"});
  for (const auto& l : lines(whole.out)) all.insert(l);
  for (int i = 0; i < 3; ++i) {
    auto part = sweep({"grid", "-p", "x=1..100", "--sample", "20", "--shuffle",
                       "--seed", "5", "--shard", std::to_string(i) + "/3"});
    for (const auto& l : lines(part.out)) parts.insert(l);
  }
  CHECK(all.size() == 20);
  CHECK(parts == all);
}

TEST_CASE("a sample larger than the grid runs the whole grid, with a warning") {
  auto r = sweep({"grid", "-p", "x=1..3", "--sample", "10", "--seed", "1"});
  CHECK(r.exit == 0);
  CHECK(lines(r.out).size() == 3);
  CHECK(r.err.find("warning: --sample 10 is more than the grid's 3 points") !=
        std::string::npos);
}

TEST_CASE("grid language errors: one line, exit 2") {
  e2e::TempDir dir;
  dir.write("empty.txt", "\n\n");
  auto range_key =
      dir.write("k.json", R"({"a": {"from": 1, "to": 2, "by": 1}})");
  auto zip = dir.write("z.json", R"({"s": {"zip": {"a": [1, 2], "b": [1]}}})");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"grid", range_key}, "unknown key 'by'"},
      {{"grid", "-p", "x=linspace:a,1,3"}, "linspace bounds must be numbers"},
      {{"grid", "-p", "x=linspace:0,1,0"}, "needs at least 1 value"},
      {{"grid", "-p", "x=@empty.txt"}, "the values file has no values"},
      {{"grid", "-p", "x=@missing.txt"},
       "missing.txt: cannot read values file"},
      {{"grid", zip}, "zip 's': 'a' has 2 values but 'b' has 1"},
      {{"grid", "-p", "a=1,2", "-p", "b=1", "--link", "a,b"},
       "'a' has 2 values but 'b' has 1"},
      {{"grid", "-p", "x=1", "--shard", "2/2"},
       "--shard 2/2: I must be less than N"},
      {{"grid", "-p", "x=1", "--shard", "half"}, "expected I/N"},
      {{"grid", "-p", "x=1", "--exclude", "{\"y\": 1}"},
       "unknown parameter 'y'"},
      {{"grid", "-p", "x=1", "--sample", "0"},
       "--sample: must be a whole number >= 1, not '0'"},
      {{"grid", "-p", "x=1", "--repeat", "0"}, "--repeat"},
      {{"run", "-p", "x=1", "--", "echo", "<@bogus>"},
       "unknown built-in placeholder"},
  };
  for (const auto& c : cases)
    e2e::check_usage_error(c.args, c.message, {.cwd = dir.path()});
}

TEST_CASE(
    "a range of 2^64 values or beyond int64 is an error, not an empty run") {
  const std::string all = "x=-9223372036854775808..9223372036854775807";
  // 2^64 values wrapped to 0 points: `run` ran nothing and exited 0.
  e2e::check_usage_error({"grid", "--count", "-p", all},
                         "-p " + all +
                             ": the range has 2^64 values or more, which does "
                             "not fit in 64 bits");
  e2e::check_usage_error({"run", "-p", all, "--", "true"},
                         "does not fit in 64 bits");
  e2e::check_usage_error({"grid", "-p", "x=0..1:1e-300"},
                         "does not fit in 64 bits");
  // Read as a float, this was "range is reversed (from 0 to -1)".
  e2e::check_usage_error({"grid", "-p", "x=0..18446744073709551615"},
                         "-p x=0..18446744073709551615: 18446744073709551615 "
                         "is beyond the 64-bit integers");
}

TEST_CASE("a value beyond a double is an error before anything runs") {
  // inf reached the jobs, and null their params.
  e2e::check_usage_error(
      {"run", "-p", "x=logspace:0,400,3", "--", "echo", "<x>"},
      "-p x=logspace:0,400,3: logspace(0, 400, 3) gives 10^400, beyond the "
      "range of a double");
  e2e::check_usage_error({"grid", "-p", "x=linspace:-1e308,1e308,3"},
                         "overflows a double");
}

TEST_CASE("a number beyond a double in JSON is a usage error with its place") {
  // It was an internal error, exit 1, with no place.
  e2e::TempDir dir;
  auto huge = dir.write("huge.json", R"({"x": [1, 1e999]})");
  e2e::check_usage_error({"grid", huge},
                         huge + ":1:11: the number 1e999 is beyond the range");
  e2e::check_usage_error({"grid", "-"}, "<stdin>:1:25: the number 1e999",
                         {.input = R"({"x": {"from": 0, "to": 1e999}})"});
  e2e::check_usage_error({"grid", "-p", "x=1", "--exclude", R"({"x":1e999})"},
                         "--exclude:1:6: the number 1e999");
}

TEST_CASE("a key given twice in a grid file or --exclude is an error") {
  // The last of the two silently won.
  e2e::TempDir dir;
  auto twice = dir.write("twice.json", "{\"x\": [1, 2],\n \"x\": [3]}");
  e2e::check_usage_error({"grid", twice},
                         twice + ":2:2: key 'x' is given twice");
  e2e::check_usage_error(
      {"grid", "-p", "x=1", "--exclude", R"({"x": 1, "x": 2})"},
      "--exclude:1:10: key 'x' is given twice");
}

TEST_CASE("--sample, --seed and --repeat take decimal whole numbers") {
  // CLI11 read -1 and numbers past 64 bits as 2^64-1, and 010 as octal.
  e2e::check_usage_error({"grid", "-p", "x=1", "--sample", "-1"},
                         "--sample: must be a whole number >= 1, not '-1'");
  e2e::check_usage_error({"grid", "-p", "x=1", "--shuffle", "--seed", "-1"},
                         "--seed: must be a whole number >= 0, not '-1'");
  e2e::check_usage_error({"grid", "-p", "x=1", "--repeat", "-1"},
                         "--repeat: must be a whole number >= 1, not '-1'");
  e2e::check_usage_error(
      {"grid", "-p", "x=1", "--sample", "99999999999999999999"},
      "--sample: must fit in 64 bits, not '99999999999999999999'");
  auto r = sweep({"grid", "-p", "x=1", "--repeat", "010"});
  CHECK(lines(r.out).size() == 10);
}

TEST_CASE("run takes the same selection: shards of a run cover the grid once") {
  std::multiset<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    auto r = sweep({"run", "-p", "x=1..10", "--exclude", R"({"x": 4})",
                    "--shard", std::to_string(i) + "/3", "--", "echo", "<x>"});
    REQUIRE(r.exit == 0);
    for (const auto& l : lines(r.out)) {
      Json j = Json::parse(l);
      if (j.contains("line")) seen.insert(j["line"].get<std::string>());
    }
  }
  CHECK(seen == std::multiset<std::string>{"1", "2", "3", "5", "6", "7", "8",
                                           "9", "10"});
}
