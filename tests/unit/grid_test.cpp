#include "sweep/grid.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "grid_helpers.hpp"
#include "sweep/error.hpp"
#include "sweep/grid_parse.hpp"

using namespace sweep;

using test::params;
using test::texts;

TEST_CASE("integer ranges are inclusive and checked") {
  IntRange r(2, 30, 1, "t");
  CHECK(r.size() == 29);
  CHECK(std::get<std::int64_t>(r.at(0)) == 2);
  CHECK(std::get<std::int64_t>(r.at(28)) == 30);
  CHECK(IntRange(10, 1050, 10, "t").size() == 105);
  CHECK(IntRange(1, 10, 4, "t").size() == 3);  // 1, 5, 9
  CHECK(IntRange(5, 5, 1, "t").size() == 1);
  CHECK(IntRange(10, 0, -5, "t").size() == 3);  // 10, 5, 0
  CHECK_THROWS_WITH_AS(IntRange(1, 5, 0, "-p x=1..5:0"),
                       "-p x=1..5:0: range step must not be zero", GridError);
  CHECK_THROWS_AS(IntRange(5, 1, 1, "t"), GridError);
  CHECK_THROWS_AS(IntRange(1, 5, -1, "t"), GridError);
  // Extreme bounds do not overflow.
  CHECK(IntRange(INT64_MIN, INT64_MAX, INT64_MAX, "t").size() == 3);
}

TEST_CASE("float ranges include the end within rounding and round values") {
  FloatRange r = FloatRange::inclusive(0, 1, 0.1, "t");
  CHECK(r.size() == 11);
  CHECK(texts(r) == std::vector<std::string>{"0", "0.1", "0.2", "0.3", "0.4",
                                             "0.5", "0.6", "0.7", "0.8", "0.9",
                                             "1"});
  CHECK(FloatRange::inclusive(0.5, 2, 0.5, "t").size() == 4);
  CHECK(FloatRange::inclusive(0, 1, 0.3, "t").size() == 4);  // 0, 0.3, 0.6, 0.9
  CHECK(texts(FloatRange::inclusive(1, 0, -0.25, "t")) ==
        std::vector<std::string>{"1", "0.75", "0.5", "0.25", "0"});
  CHECK_THROWS_AS(FloatRange::inclusive(0, 1, 0.0, "t"), GridError);
  CHECK_THROWS_AS(FloatRange::inclusive(1, 0, 0.1, "t"), GridError);
}

TEST_CASE("a range of 2^64 values or more is an error, not an empty range") {
  // 2^64 values used to wrap to a size of 0: a grid with no points.
  CHECK_THROWS_WITH_AS(
      IntRange(INT64_MIN, INT64_MAX, 1, "-p x"),
      "-p x: the range has 2^64 values or more, which does not fit in 64 bits",
      GridError);
  CHECK_THROWS_AS(IntRange(INT64_MAX, INT64_MIN, -1, "t"), GridError);
  CHECK(IntRange(INT64_MIN + 1, INT64_MAX, 1, "t").size() == UINT64_MAX);
  CHECK(IntRange(INT64_MIN, INT64_MAX, 2, "t").size() == 1ULL << 63);
  CHECK(std::get<std::int64_t>(IntRange(INT64_MAX, INT64_MIN, -3, "t").at(1)) ==
        INT64_MAX - 3);
  // The builder took unsigned bounds as they wrapped: 0..UINT64_MAX was
  // "reversed (from 0 to -1)".
  Grid g;
  CHECK_THROWS_WITH_AS(g.range<std::uint64_t>("x", 0, UINT64_MAX),
                       "parameter 'x': 18446744073709551615 is beyond the "
                       "64-bit integers (-9223372036854775808 to "
                       "9223372036854775807)",
                       GridError);
  CHECK(g.range<std::uint64_t>("x", 0, INT64_MAX, 1ULL << 62).size() == 2);
  CHECK(g.range<unsigned>("y", 1, 3).size() == 6);
  // Float steps so small that the count overflows, or is infinite.
  CHECK_THROWS_WITH_AS(FloatRange::inclusive(0, 1, 1e-20, "t"),
                       doctest::Contains("2^64 values or more"), GridError);
  CHECK_THROWS_WITH_AS(FloatRange::inclusive(0, 1, 5e-324, "t"),
                       doctest::Contains("2^64 values or more"), GridError);
  CHECK_THROWS_WITH_AS(FloatRange::inclusive(0, -1, 5e-324, "t"),
                       doctest::Contains("range is reversed"), GridError);
  CHECK_THROWS_WITH_AS(FloatRange::inclusive(-1e308, 1e308, 1e308, "t"),
                       "t: range -1e+308..1e+308:1e+308: the distance from "
                       "start to end overflows a double",
                       GridError);
}

TEST_CASE("a long float range ends at its end") {
  // A tolerance relative to the count once added ten values past 1e10.
  FloatRange r = FloatRange::inclusive(0, 1e10, 1.0, "t");
  CHECK(r.size() == 10000000001ULL);
  CHECK(std::get<double>(r.at(r.size() - 1)) == 1e10);
  CHECK(FloatRange::inclusive(0, 1e12, 0.5, "t").size() == 2000000000001ULL);
}

TEST_CASE("a float range of more than 2^53 values is an error") {
  // Found by fuzz_param_spec: the count, rounded to a double, gave
  // 18000000000000200 values, the last 10000000000000104, past its end.
  CHECK_THROWS_WITH_AS(
      FloatRange::inclusive(1000000000000003, 10000000000000102, 0.5, "-p x"),
      "-p x: range 1000000000000003..10000000000000102:0.5: more than 2^53 "
      "values, past what a double counts exactly (a float step too small "
      "for its span)",
      GridError);
  // 2^53 + 1 values, whose count rounds to 2^53 as a double (the last
  // value, 2^53, was lost); 2^53 values are fine.
  CHECK_THROWS_WITH_AS(FloatRange::inclusive(0, 0x1p53, 1.0, "t"),
                       doctest::Contains("more than 2^53 values"), GridError);
  CHECK(FloatRange::inclusive(0, 0x1p53 - 1, 1.0, "t").size() == 1ULL << 53);
  // Just under 2^53 values still ends at its end, and finds its values.
  FloatRange r = FloatRange::inclusive(0.5, 4503599627370495.5, 0.5, "t");
  CHECK(r.size() == 9007199254740991ULL);  // 2^53 - 1
  CHECK(std::get<double>(r.at(r.size() - 1)) == 4503599627370495.5);
  for (std::uint64_t i : {std::uint64_t{0}, r.size() / 2, r.size() - 1})
    CHECK(r.indices_of(r.at(i)) == std::vector<std::uint64_t>{i});
}

TEST_CASE("indices_of finds a run of equal floats going down and in logspace") {
  // 1e16 + 4 down to 1e16 by -0.5: a double holds 1e16, 1e16 + 2 and
  // 1e16 + 4 only (their spacing is 2), so at(i) rounds i/2 to even.
  FloatRange down = FloatRange::inclusive(1e16 + 4, 1e16, -0.5, "t");
  REQUIRE(down.size() == 9);
  CHECK(down.indices_of(Value{1e16 + 2}) ==
        std::vector<std::uint64_t>{3, 4, 5});
  CHECK(down.indices_of(Value{1e16 - 2}).empty());
  FloatRange log = FloatRange::linspace(-3, 3, 7, true, "t");
  CHECK(log.indices_of(Value{0.01}) == std::vector<std::uint64_t>{1});
  CHECK(log.indices_of(Value{std::int64_t{1000}}) ==
        std::vector<std::uint64_t>{6});
  CHECK(log.indices_of(Value{0.02}).empty());
}

TEST_CASE("values beyond a double are errors, not inf in jobs") {
  CHECK_THROWS_WITH_AS(
      FloatRange::linspace(0, 400, 3, true, "-p x=logspace:0,400,3"),
      "-p x=logspace:0,400,3: logspace(0, 400, 3) gives 10^400, beyond the "
      "range of a double",
      GridError);
  CHECK_THROWS_WITH_AS(FloatRange::linspace(400, 0, 3, true, "t"),
                       doctest::Contains("gives 10^400"), GridError);
  CHECK_THROWS_WITH_AS(FloatRange::linspace(-400, 0, 2, true, "t"),
                       doctest::Contains("gives 10^-400, too small"),
                       GridError);
  CHECK_THROWS_WITH_AS(FloatRange::linspace(-1e308, 1e308, 3, false, "t"),
                       doctest::Contains("overflows a double"), GridError);
  CHECK_THROWS_WITH_AS(FloatRange::linspace(0, INFINITY, 3, false, "t"),
                       doctest::Contains("bounds must be finite"), GridError);
  CHECK_THROWS_WITH_AS(FloatRange::inclusive(0, NAN, 1, "t"),
                       doctest::Contains("bounds must be finite"), GridError);
  // The largest powers of ten that fit are fine.
  CHECK(texts(FloatRange::linspace(-300, 308, 2, true, "t")) ==
        std::vector<std::string>{"1e-300", "1e+308"});
  FloatRange top = FloatRange::inclusive(1.7e308, 1.79e308, 0.05e308, "t");
  CHECK(top.size() == 2);
  CHECK(std::isfinite(std::get<double>(top.at(1))));
}

TEST_CASE("points are the cartesian product, last axis fastest") {
  Grid g;
  g.set_axis("a", std::make_shared<ValueList>(
                      std::vector<Value>{std::int64_t{1}, std::int64_t{2}}));
  g.set_axis("b", std::make_shared<ValueList>(std::vector<Value>{
                      std::string("x"), std::string("y"), std::string("z")}));
  CHECK(g.size() == 6);
  CHECK(params(g, 0) == R"({"a":1,"b":"x"})");
  CHECK(params(g, 1) == R"({"a":1,"b":"y"})");
  CHECK(params(g, 3) == R"({"a":2,"b":"x"})");
  CHECK(params(g, 5) == R"({"a":2,"b":"z"})");
}

TEST_CASE("a grid with no axes has one empty point") {
  Grid g;
  CHECK(g.size() == 1);
  CHECK(params(g, 0) == "{}");
}

TEST_CASE("huge grids are decoded lazily and overflow is an error") {
  Grid g;
  for (const char* n : {"a", "b", "c", "d"})
    g.set_axis(n, std::make_shared<IntRange>(0, 999, 1, n));
  CHECK(g.size() == 1000000000000ULL);
  CHECK(params(g, 999999999999ULL) == R"({"a":999,"b":999,"c":999,"d":999})");
  CHECK(params(g, 123456789012ULL) == R"({"a":123,"b":456,"c":789,"d":12})");
  for (const char* n : {"e", "f", "g"})
    g.set_axis(n, std::make_shared<IntRange>(0, 999, 1, n));
  CHECK_THROWS_WITH_AS(g.size(), "the grid has more than 2^64 points",
                       GridError);
}

TEST_CASE("grid files: lists, fixed values and ranges in file order") {
  Grid g = parse_grid_json(
      R"({"impurity": ["gini", "entropy"], "depth": {"from": 2, "to": 30},
          "bins": {"from": 10, "to": 1050, "step": 10}, "foo": "bar"})",
      "g.json");
  CHECK(g.names() ==
        std::vector<std::string>{"impurity", "depth", "bins", "foo"});
  CHECK(g.size() == 6090);
  CHECK(params(g, 0) ==
        R"({"impurity":"gini","depth":2,"bins":10,"foo":"bar"})");
  CHECK(params(g, 6089) ==
        R"({"impurity":"entropy","depth":30,"bins":1050,"foo":"bar"})");
  Grid f = parse_grid_json(
      R"({"lr": {"from": 0.1, "to": 0.3, "step": 0.1}, "x": [1.5, true]})",
      "f");
  CHECK(f.size() == 6);
  CHECK(params(f, 5) == R"({"lr":0.3,"x":true})");
}

TEST_CASE("grid file errors name the file and what is wrong") {
  CHECK_THROWS_WITH_AS(parse_grid_json("{\n  \"a\": [1,\n  2,,]\n}", "g.json"),
                       doctest::Contains("g.json:3:5: invalid JSON"),
                       GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json("42", "g.json"),
      "g.json: the grid must be a JSON object of parameters (or an array of "
      "them), not number",
      GridError);
  CHECK_THROWS_WITH_AS(parse_grid_json(R"({"a": []})", "g.json"),
                       "g.json: parameter 'a': empty list of values",
                       GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"a": {"from": "x", "to": 3}})", "g.json"),
      doctest::Contains("range 'from' must be a number"), GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"a": {"from": 5, "to": 1}})", "g.json"),
      doctest::Contains("g.json: parameter 'a': range is reversed"), GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"a": {"from": 1, "to": 3, "step": 0}})", "g.json"),
      doctest::Contains("step must not be zero"), GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"a": {"from": 1, "to": 3, "stp": 1}})", "g.json"),
      doctest::Contains("unknown key 'stp'"), GridError);
  CHECK_THROWS_WITH_AS(
      parse_grid_json(R"({"a": [[1]]})", "g.json"),
      doctest::Contains("list items must be numbers, strings or booleans"),
      GridError);
  CHECK_THROWS_WITH_AS(parse_grid_json(R"({"a": null})", "g.json"),
                       doctest::Contains("cannot be null"), GridError);
  CHECK_THROWS_WITH_AS(parse_grid_json(R"({"a b": 1})", "g.json"),
                       doctest::Contains("invalid name"), GridError);
  CHECK_THROWS_WITH_AS(
      load_grid_file("/nonexistent/grid.json"),
      doctest::Contains("/nonexistent/grid.json: cannot read grid file"),
      GridError);
}

TEST_CASE("-p specs: lists, escapes and ranges") {
  auto spec_texts = [](std::string_view spec) {
    return texts(*parse_param_spec(spec, "-p"));
  };
  CHECK(spec_texts("a,b,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(spec_texts("1\\,5,2") == std::vector<std::string>{"1,5", "2"});
  CHECK(spec_texts("2..5") == std::vector<std::string>{"2", "3", "4", "5"});
  CHECK(spec_texts("10..30:10") == std::vector<std::string>{"10", "20", "30"});
  CHECK(spec_texts("0..0.5:0.25") ==
        std::vector<std::string>{"0", "0.25", "0.5"});
  CHECK(spec_texts("a\\.\\.b") == std::vector<std::string>{"a..b"});
  CHECK(spec_texts("x..y,z") == std::vector<std::string>{"x..y", "z"});
  auto first = parse_param_spec("7,0.5,true,gini", "-p");
  CHECK(std::holds_alternative<std::int64_t>(first->at(0)));
  CHECK(std::holds_alternative<double>(first->at(1)));
  CHECK(std::holds_alternative<bool>(first->at(2)));
  CHECK(std::holds_alternative<std::string>(first->at(3)));
  CHECK_THROWS_WITH_AS(parse_param_spec("", "-p x="),
                       "-p x=: empty list of values", GridError);
  CHECK_THROWS_WITH_AS(parse_param_spec("a..b", "-p x=a..b"),
                       doctest::Contains("is not a numeric range"), GridError);
  CHECK_THROWS_WITH_AS(parse_param_spec("5..1", "-p x=5..1"),
                       doctest::Contains("-p x=5..1: range is reversed"),
                       GridError);
  CHECK_THROWS_WITH_AS(parse_param_spec("1..5:0", "-p x=1..5:0"),
                       doctest::Contains("step must not be zero"), GridError);
  CHECK_THROWS_AS(parse_param_spec("a,,b", "-p"), GridError);
}

TEST_CASE("-p flags add axes, replace file axes in place, reject duplicates") {
  Grid g = parse_grid_json(R"({"a": [1, 2], "b": "x"})", "g");
  apply_param_flags(g, {"c=3,4", "a=9"});
  CHECK(g.names() == std::vector<std::string>{"a", "b", "c"});
  CHECK(g.size() == 2);
  CHECK(params(g, 1) == R"({"a":9,"b":"x","c":4})");
  CHECK_THROWS_WITH_AS(apply_param_flags(g, {"d=1", "d=2"}),
                       "-p d=2: parameter 'd' is given twice", GridError);
  CHECK_THROWS_WITH_AS(apply_param_flags(g, {"nodelim"}),
                       "-p nodelim: expected NAME=SPEC", GridError);
  CHECK_THROWS_AS(apply_param_flags(g, {"@x=1"}), GridError);
}
