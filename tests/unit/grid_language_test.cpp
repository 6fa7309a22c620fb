// Spaced ranges, values files, zips, unions and exclusions.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "command/command_template.hpp"
#include "grid_helpers.hpp"
#include "sweep/error.hpp"
#include "sweep/grid.hpp"
#include "sweep/grid_parse.hpp"

using namespace sweep;

using test::all_points;
using test::params;
using test::texts;

namespace {

using Strings = std::vector<std::string>;

struct TempFile {
  std::filesystem::path path;
  TempFile(const std::string& name, const std::string& content) {
    path = std::filesystem::temp_directory_path() /
           ("sweep-unit-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << content;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("linspace and logspace, in JSON and as flags") {
  Grid g = parse_grid_json(
      R"({"a": {"linspace": [0, 1, 5]}, "b": {"logspace": [-3, 0, 4]}})", "g");
  CHECK(texts(*g.members()[0].axes[0].columns[0]) ==
        Strings{"0", "0.25", "0.5", "0.75", "1"});
  CHECK(texts(*g.members()[0].axes[1].columns[0]) ==
        Strings{"0.001", "0.01", "0.1", "1"});
  CHECK(texts(*parse_param_spec("linspace:0,1,11", "-p")) ==
        Strings{"0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8",
                "0.9", "1"});
  CHECK(texts(*parse_param_spec("linspace:2,3,1", "-p")) == Strings{"2"});
  CHECK(texts(*parse_param_spec("logspace:0,2,3", "-p")) ==
        Strings{"1", "10", "100"});
  // numpy.linspace(0, 1, 7) values, round-tripped.
  auto seven = parse_param_spec("linspace:0,1,7", "-p");
  CHECK(std::get<double>(seven->at(1)) == 1.0 / 6.0);
  CHECK(std::get<double>(seven->at(6)) == 1.0);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"a": {"linspace": [0, 1, 0]}})", "g"),
      doctest::Contains("linspace needs at least 1 value, not 0"), GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"a": {"linspace": ["x", 1, 3]}})", "g"),
      doctest::Contains("linspace bounds must be numbers"), GridError);
  CHECK_THROWS_WITH_AS(parse_grid_json(R"({"a": {"logspace": [0, 1]}})", "g"),
                       doctest::Contains("logspace takes [A, B, N]"),
                       GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"a": {"linspace": [0, 1, 2.5]}})", "g"),
      doctest::Contains("N must be an integer"), GridError);
  CHECK_THROWS_WITH_AS(parse_param_spec("linspace:0,1", "-p x=linspace:0,1"),
                       doctest::Contains("linspace takes A,B,N"), GridError);
  CHECK_THROWS_WITH_AS(parse_param_spec("logspace:0,1,-2", "-p"),
                       doctest::Contains("at least 1 value"), GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"a": {"linspace": [0, 1, 3], "to": 2}})", "g"),
      doctest::Contains("'linspace' cannot be combined with other keys"),
      GridError);
}

TEST_CASE("values files: one typed value per non-empty line") {
  TempFile seeds("seeds.txt", "1\n\n007\r\n  \nhello world\n2.5");
  auto seq = load_values_file(seeds.path.string(), "-p seed");
  CHECK(texts(*seq) == Strings{"1", "007", "hello world", "2.5"});
  CHECK(std::holds_alternative<std::int64_t>(seq->at(0)));
  CHECK(std::holds_alternative<std::string>(seq->at(1)));
  CHECK(std::holds_alternative<double>(seq->at(3)));
  CHECK(texts(*parse_param_spec("@" + seeds.path.string(), "-p")).size() == 4);
  // Relative to the grid file's directory.
  std::string dir = seeds.path.parent_path().string();
  Grid g = parse_grid_json(
      R"({"seed": {"file": ")" + seeds.path.filename().string() + R"("}})",
      "g.json", dir);
  CHECK(g.size() == 4);
  TempFile empty("empty.txt", "\n \n");
  CHECK_THROWS_WITH_AS(load_values_file(empty.path.string(), "-p s"),
                       doctest::Contains("the values file has no values"),
                       GridError);
  CHECK_THROWS_WITH_AS(
      parse_param_spec("@/no/such/seeds.txt", "-p s=@/no/such/seeds.txt"),
      doctest::Contains("-p s=@/no/such/seeds.txt: /no/such/seeds.txt: "
                        "cannot read values file"),
      GridError);
  CHECK(texts(*parse_param_spec("\\@home,x", "-p")) == Strings{"@home", "x"});
}

TEST_CASE("zip axes vary together") {
  Grid g = parse_grid_json(
      R"({"schedule": {"zip": {"lr": [0.1, 0.01], "warmup": [100, 1000]}},
          "depth": [1, 2]})",
      "g");
  CHECK(g.size() == 4);
  CHECK(all_points(g) == Strings{R"({"lr":0.1,"warmup":100,"depth":1})",
                                 R"({"lr":0.1,"warmup":100,"depth":2})",
                                 R"({"lr":0.01,"warmup":1000,"depth":1})",
                                 R"({"lr":0.01,"warmup":1000,"depth":2})"});
  CHECK(g.names() == Strings{"lr", "warmup", "depth"});
  CHECK_THROWS_WITH_AS(
      parse_grid_json(
          R"({"s": {"zip": {"lr": [0.1, 0.01], "warmup": [1, 2, 3]}}})",
          "g.json"),
      "g.json: zip 's': 'lr' has 2 values but 'warmup' has 3", GridError);
  // Any axis form inside a zip.
  Grid r = parse_grid_json(
      R"({"s": {"zip": {"a": {"from": 1, "to": 3}, "b": {"linspace": [0, 1, 3]}}}})",
      "g");
  CHECK(all_points(r) == Strings{R"({"a":1,"b":0.0})", R"({"a":2,"b":0.5})",
                                 R"({"a":3,"b":1.0})"});
}

TEST_CASE("--link zips existing axes in place, like GNU parallel's --link") {
  Grid g;
  apply_param_flags(g, {"a=1,2,3", "d=x,y", "b=4,5,6"});
  apply_link_flags(g, {"a,b"});
  CHECK(g.size() == 6);
  CHECK(params(g, 0) == R"({"a":1,"b":4,"d":"x"})");
  CHECK(params(g, 5) == R"({"a":3,"b":6,"d":"y"})");
  Grid bad;
  apply_param_flags(bad, {"a=1,2", "b=1,2,3"});
  CHECK_THROWS_WITH_AS(apply_link_flags(bad, {"a,b"}),
                       "--link a,b: 'a' has 2 values but 'b' has 3", GridError);
  CHECK_THROWS_WITH_AS(apply_link_flags(bad, {"a,zz"}),
                       "--link a,zz: unknown parameter 'zz'", GridError);
  CHECK_THROWS_WITH_AS(apply_link_flags(bad, {"a"}),
                       "--link a: name at least two parameters", GridError);
}

TEST_CASE("unions enumerate one product after another") {
  Grid g = parse_grid_json(
      R"([{"kernel": "linear", "C": [1, 10]},
          {"kernel": "rbf", "C": [1], "gamma": [0.1, 0.01]}])",
      "g.json");
  CHECK(g.size() == 4);
  CHECK(all_points(g) == Strings{R"({"kernel":"linear","C":1})",
                                 R"({"kernel":"linear","C":10})",
                                 R"({"kernel":"rbf","C":1,"gamma":0.1})",
                                 R"({"kernel":"rbf","C":1,"gamma":0.01})"});
  // A placeholder for a parameter some member lacks needs a default.
  CHECK_THROWS_WITH_AS(
      CommandTemplate({"svm", "<gamma>"}, g),
      doctest::Contains("'gamma' is missing from some grid members; give a "
                        "default: <gamma:DEFAULT>"),
      Error);
  CommandTemplate t({"svm", "--gamma=<gamma:auto>", "<kernel>", "<gamma:>"}, g);
  CHECK(t.render(g.point(0)) == Strings{"svm", "--gamma=auto", "linear", ""});
  CHECK(t.render(g.point(3)) == Strings{"svm", "--gamma=0.01", "rbf", "0.01"});
  // -p applies to every member.
  apply_param_flags(g, {"C=5"});
  CHECK(g.size() == 3);
  CHECK_THROWS_WITH_AS(parse_grid_json("[]", "g.json"),
                       "g.json: an empty union has no points", GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"([{"a": 1}, 3])", "g.json"),
      doctest::Contains("g.json[1]: the grid must be a JSON object"),
      GridError);
}

TEST_CASE("built-in placeholders") {
  Grid g = parse_grid_json(R"({"a": [1]})", "g");
  CommandTemplate t({"run", "<@job>/<@rep>/<@slot>", "<a>"}, g);
  CHECK(t.render(g.point(0), JobContext{7, 2, 3}) ==
        Strings{"run", "7/2/3", "1"});
  CHECK_THROWS_WITH_AS(
      CommandTemplate({"x", "<@nope>"}, g),
      doctest::Contains("unknown built-in placeholder <@nope>"), Error);
}

TEST_CASE("exclusions skip matching points, counted without enumerating") {
  Grid g = parse_grid_json(
      R"({"depth": [1, 2, 3], "impurity": ["gini", "entropy"],
          "exclude": [{"depth": 2, "impurity": "entropy"}]})",
      "g");
  CHECK(g.size() == 5);
  CHECK(all_points(g) == Strings{R"({"depth":1,"impurity":"gini"})",
                                 R"({"depth":1,"impurity":"entropy"})",
                                 R"({"depth":2,"impurity":"gini"})",
                                 R"({"depth":3,"impurity":"gini"})",
                                 R"({"depth":3,"impurity":"entropy"})"});
  apply_exclude_flags(g, {R"({"depth": 1})", R"({"depth": 2.0})"});
  CHECK(all_points(g) == Strings{R"({"depth":3,"impurity":"gini"})",
                                 R"({"depth":3,"impurity":"entropy"})"});
  // Lazy on a huge grid: 10^12 points minus a 10^9 block and 10^6 more.
  Grid big;
  apply_param_flags(big, {"a=1..1000", "b=1..1000", "c=1..1000", "d=1..1000"});
  apply_exclude_flags(big, {R"({"a": 1})", R"({"c": 5, "d": 7})"});
  CHECK(big.size() == 1000000000000ULL - 1000000000ULL - 999000ULL);
  CHECK(params(big, 0) == R"({"a":2,"b":1,"c":1,"d":1})");
  CHECK(params(big, big.size() - 1) ==
        R"({"a":1000,"b":1000,"c":1000,"d":1000})");
  CHECK_THROWS_WITH_AS(apply_exclude_flags(g, {R"({"dpth": 1})"}),
                       doctest::Contains("unknown parameter 'dpth'"),
                       GridError);
  CHECK_THROWS_WITH_AS(
      apply_exclude_flags(g, {"[1]"}),
      doctest::Contains("an exclusion is a non-empty JSON object"), GridError);
  CHECK_THROWS_WITH_AS(apply_exclude_flags(g, {"{bad"}),
                       doctest::Contains("--exclude:1:2: invalid JSON"),
                       GridError);
  CHECK_THROWS_WITH_AS(parse_grid_json(R"({"a": [1], "exclude": 3})", "g.json"),
                       doctest::Contains("'exclude' is reserved"), GridError);
}

TEST_CASE(
    "property: exclusions match a brute-force filter, by index and by cursor") {
  std::mt19937_64 rng(12345);  // test data only; the product never uses it
  for (int round = 0; round < 300; ++round) {
    int axes = 1 + rng() % 4;
    Grid g;
    std::vector<std::string> flags;
    std::vector<int> sizes;
    for (int a = 0; a < axes; ++a) {
      int n = 1 + rng() % 4;
      sizes.push_back(n);
      std::string spec;
      // Lists with repeated values exercise multi-index matches.
      for (int v = 0; v < n; ++v)
        spec += (v ? "," : "") + std::to_string(rng() % 3);
      flags.push_back("p" + std::to_string(a) + "=" + spec);
    }
    apply_param_flags(g, flags);
    bool link = axes >= 2 && sizes[0] == sizes[1] && rng() % 2;
    if (link) apply_link_flags(g, {"p0,p1"});
    int nex = rng() % 5;
    std::vector<std::vector<std::pair<int, int>>> exs;
    std::vector<std::string> ex_flags;
    for (int e = 0; e < nex; ++e) {
      std::vector<std::pair<int, int>> ex;
      std::string json = "{";
      for (int a = 0; a < axes; ++a)
        if (rng() % 2) {
          int v = rng() % 3;
          ex.emplace_back(a, v);
          json += std::string(json.size() > 1 ? "," : "") + "\"p" +
                  std::to_string(a) + "\":" + std::to_string(v);
        }
      if (ex.empty()) continue;
      exs.push_back(ex);
      ex_flags.push_back(json + "}");
    }
    apply_exclude_flags(g, ex_flags);
    // Brute force: the same grid without exclusions, filtered by hand.
    std::vector<std::string> expect;
    Grid plain;
    apply_param_flags(plain, flags);
    if (link) apply_link_flags(plain, {"p0,p1"});
    for (std::uint64_t i = 0; i < plain.size(); ++i) {
      Point p = plain.point(i);
      bool excluded = false;
      for (const auto& ex : exs) {
        bool all = true;
        for (auto [a, v] : ex)
          all = all && values_equal(*p.get(a), Value{std::int64_t{v}});
        excluded = excluded || all;
      }
      if (!excluded) {
        std::string s;
        append_params_json(s, plain, p);
        expect.push_back(s);
      }
    }
    CAPTURE(round);
    REQUIRE(g.size() == expect.size());
    CHECK(all_points(g) == expect);
    PointCursor cursor(g);
    for (std::uint64_t i = 0; i < g.size(); ++i) {
      std::string s;
      append_params_json(s, g, cursor.point(i));
      CHECK(s == expect[i]);
    }
  }
}

TEST_CASE("describe shows axes, sizes and the total") {
  Grid g = parse_grid_json(
      R"({"s": {"zip": {"lr": [0.1, 0.01], "w": [1, 2]}}, "depth": {"from": 2, "to": 30},
          "foo": "bar", "exclude": [{"depth": 2}]})",
      "g");
  std::string d = describe_grid(g);
  CHECK(d.find("  s: zip, 2 values\n    lr: list, 2 values\n    w: list, 2 "
               "values\n") != std::string::npos);
  CHECK(d.find("  depth: range 2..30:1, 29 values\n") != std::string::npos);
  CHECK(d.find("  foo: fixed, 1 value\n") != std::string::npos);
  CHECK(d.find("  exclusions: 1, skipping 2 of 58 points\n") !=
        std::string::npos);
  CHECK(d.find("total: 56 points\n") != std::string::npos);
}

TEST_CASE("integers beyond 64 bits in a range are errors that name them") {
  const std::string beyond =
      " is beyond the 64-bit integers (-9223372036854775808 to "
      "9223372036854775807)";
  // Read as a float, 2^64-1 used to make a range "from 0 to -1".
  CHECK_THROWS_WITH_AS(
      parse_param_spec("0..18446744073709551615",
                       "-p x=0..18446744073709551615"),
      ("-p x=0..18446744073709551615: 18446744073709551615" + beyond).c_str(),
      GridError);
  CHECK_THROWS_WITH_AS(parse_param_spec("-9223372036854775809..0", "-p"),
                       ("-p: -9223372036854775809" + beyond).c_str(),
                       GridError);
  CHECK_THROWS_WITH_AS(parse_param_spec("0..10:99999999999999999999", "-p"),
                       ("-p: 99999999999999999999" + beyond).c_str(),
                       GridError);
  CHECK_THROWS_WITH_AS(
      parse_param_spec("linspace:0,1,99999999999999999999", "-p"),
      ("-p: 99999999999999999999" + beyond).c_str(), GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"x": {"from": 0, "to": 18446744073709551615}})",
                      "g.json"),
      ("g.json: parameter 'x': range 'to': 18446744073709551615" + beyond)
          .c_str(),
      GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"x": {"linspace": [0, 1, 9223372036854775808]}})",
                      "g.json"),
      ("g.json: parameter 'x': linspace N: 9223372036854775808" + beyond)
          .c_str(),
      GridError);
  // The 64-bit extremes themselves are fine, and so are floats and strings.
  CHECK(parse_param_spec("-9223372036854775808..9223372036854775807:2", "-p")
            ->size() == 1ULL << 63);
  CHECK(parse_param_spec("0..1e19:1e18", "-p")->size() == 11);
  CHECK(texts(*parse_param_spec("99999999999999999999", "-p")) ==
        Strings{"1e+20"});
  CHECK_THROWS_WITH_AS(parse_param_spec("007..9", "-p"),
                       doctest::Contains("is not a numeric range"), GridError);
  CHECK_THROWS_WITH_AS(
      parse_param_spec("-9223372036854775808..9223372036854775807", "-p x"),
      doctest::Contains("-p x: the range has 2^64 values or more"), GridError);
}

TEST_CASE("a number beyond a double in JSON is an error with its place") {
  CHECK_THROWS_WITH_AS(parse_grid_json(R"({"x": [1e999]})", "g.json"),
                       "g.json:1:8: the number 1e999 is beyond the range of "
                       "a double",
                       GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json("{\n  \"x\": {\"from\": 0, \"to\": -2.5E+400}\n}",
                      "g.json"),
      "g.json:2:26: the number -2.5E+400 is beyond the range of a double",
      GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"x": {"logspace": [0, 1e400, 3]}})", "<stdin>"),
      doctest::Contains("<stdin>:1:24: the number 1e400"), GridError);
  Grid g = parse_grid_json(R"({"x": [1, 2]})", "g.json");
  CHECK_THROWS_WITH_AS(
      apply_exclude_flags(g, {R"({"x":1e999})"}),
      "--exclude:1:6: the number 1e999 is beyond the range of a double",
      GridError);
  CHECK_THROWS_WITH_AS(apply_exclude_flags(g, {"1e999"}),
                       doctest::Contains("--exclude:1:1: the number 1e999"),
                       GridError);
}

TEST_CASE("a key given twice in a JSON object is an error with its place") {
  auto fails = [](const std::string& json, const std::string& message) {
    CAPTURE(json);
    CHECK_THROWS_WITH_AS(parse_grid_json(json, "g.json"), message.c_str(),
                         GridError);
  };
  // nlohmann keeps the last of the two, silently.
  fails(R"({"x": [1, 2], "x": [3]})", "g.json:1:15: key 'x' is given twice");
  fails("{\"s\": {\"zip\": {\"a\": [1], \"b\": [2]}},\n \"s\": [3]}",
        "g.json:2:2: key 's' is given twice");
  fails(R"({"s": {"zip": {"a": [1], "a": [2]}}})",
        "g.json:1:26: key 'a' is given twice");
  fails(R"([{"a": 1}, {"b": 1, "b": 2}])",
        "g.json:1:21: key 'b' is given twice");
  fails(R"({"x": {"from": 1, "to": 2, "to": 3}})",
        "g.json:1:28: key 'to' is given twice");
  fails(R"({"x": [1], "exclude": [{"x": 1, "x": 2}]})",
        "g.json:1:33: key 'x' is given twice");
  // Keys are compared as JSON reads them, escapes and all.
  fails(R"({"x": 1, "\u0078": 2})", "g.json:1:10: key 'x' is given twice");
  fails(R"({"a\"\\": 1, "a\"\\": 2})",
        R"(g.json:1:14: key 'a"\' is given twice)");
  Grid g = parse_grid_json(R"({"x": [1, 2]})", "g.json");
  CHECK_THROWS_WITH_AS(apply_exclude_flags(g, {R"({"x": 1, "x": 2})"}),
                       "--exclude:1:10: key 'x' is given twice", GridError);
  // The same key in different objects is fine.
  Grid u = parse_grid_json(
      R"([{"a": 1, "s": {"zip": {"b": [1], "c": [2]}}}, {"a": 2, "b": 3}])",
      "g.json");
  CHECK(u.size() == 2);
}
