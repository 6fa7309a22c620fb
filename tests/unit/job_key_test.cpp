// Golden job keys. Journals store keys, and --resume matches jobs by them, so
// a change to the canonical form or the hash silently reruns (or skips) every
// job of every existing journal.
//
// The expected keys below were pinned from the implementation at the commit
// that added this file (sweep's own 128-bit hash over the canonical JSON of
// the parameters, names sorted, then "#rep"). There is no independent source
// for them: the hash is sweep's own. (The journal example in README.md, for
// {"x":2} and rep 0, was written earlier and agrees.) If one of these checks
// fails, the key of existing journals changed: that needs a journal
// migration, not a new literal here.
#include "core/job_key.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "command/command_template.hpp"
#include "exec/job_source.hpp"
#include "exec/scheduler.hpp"
#include "grid/plan.hpp"
#include "sweep/grid.hpp"
#include "sweep/grid_parse.hpp"

using namespace sweep;

namespace {

using Params = std::vector<std::pair<std::string, Value>>;

JobKey key(const Params& params, std::uint64_t rep = 0) {
  std::vector<std::pair<std::string_view, const Value*>> view;
  for (const auto& [name, value] : params) view.emplace_back(name, &value);
  return job_key(std::move(view), rep);
}

std::string hex(const Params& params, std::uint64_t rep = 0) {
  return key(params, rep).hex();
}

// The key GridJobSource gives the job at plan position pos (what the journal
// stores for it).
JobKey grid_key(const Grid& g, std::uint64_t pos) {
  CommandTemplate tmpl({"true"}, g);
  Plan plan(g, PlanOptions{});
  GridJobSource source(g, plan, tmpl);
  return source.make_job(pos, 0).key;
}

}  // namespace

TEST_CASE("job keys of integers, floats, booleans and strings are pinned") {
  CHECK(hex({}) == "0cb8017c3047578ba0669ad597a991cd");
  CHECK(hex({{"x", std::int64_t{1}}}) == "bcc4e00f0e00c4c562674a025d5703f6");
  CHECK(hex({{"x", std::int64_t{2}}}) == "44e68c5303e0a4342fc3141eb195c980");
  CHECK(hex({{"x", std::int64_t{-7}}}) == "c384b1472c1dfd47aeb77247a91c32c5");
  CHECK(hex({{"x", INT64_MIN}}) == "709d1af8abdd0c0b010295c0c2e5bec5");
  CHECK(hex({{"x", 0.1}}) == "60bd7de5594d274e52dbb1f7a9f2b1d5");
  CHECK(hex({{"x", 1e-300}}) == "c0bfd409baaf32b23ba18a01f09f84fa");
  CHECK(hex({{"x", 2.0}}) == "4e8d21494b967bb45710315dc5788e0d");
  CHECK(hex({{"flag", true}}) == "535ebbb29a4bf6f8657318775c53267f");
  CHECK(hex({{"flag", false}}) == "afa2db196312a927cd270d50ed3b17cc");
  // Quote, backslash, newline and a control character, escaped in the
  // canonical JSON; UTF-8 kept as it is.
  CHECK(hex({{"s", std::string("q\"b\\n\nc\x01")}}) ==
        "172c0abf1aba056a9c2c030e77100898");
  CHECK(hex({{"s", std::string("\xC3\xA9")}}) ==
        "908724ed5307ca911ce40da3ba9b9546");  // "é"
}

TEST_CASE("values that differ only in bytes that are not UTF-8 are two jobs") {
  // Both would read "a\uFFFDb" in JSON; the key hashes the exact bytes.
  CHECK(key({{"x", std::string("a\xff"
                               "b")}}) != key({{"x", std::string("a\xfe"
                                                                 "b")}}));
  CHECK(key({{"x", std::string("a\xff"
                               "b")}}) != key({{"x", std::string("a\xEF\xBF\xBD"
                                                                 "b")}}));
}

TEST_CASE("a float stays distinct from the integer of the same value") {
  CHECK(key({{"x", 2.0}}) != key({{"x", std::int64_t{2}}}));
  CHECK(key({{"x", std::string("2")}}) != key({{"x", std::int64_t{2}}}));
  CHECK(key({{"flag", true}}) != key({{"flag", std::string("true")}}));
}

TEST_CASE("parameter order does not change a key, the repeat does") {
  Params abc = {{"a", std::int64_t{1}}, {"b", std::string("x")}, {"c", 0.5}};
  Params cab = {{"c", 0.5}, {"a", std::int64_t{1}}, {"b", std::string("x")}};
  Params bca = {{"b", std::string("x")}, {"c", 0.5}, {"a", std::int64_t{1}}};
  CHECK(hex(abc) == "36e971b74371fa18110da13c856fb12e");
  CHECK(key(cab) == key(abc));
  CHECK(key(bca) == key(abc));
  CHECK(hex(abc, 1) == "53dbfd0dd60b966d4c81a8709e7b50a4");
  CHECK(key(abc, 1) != key(abc, 0));
  CHECK(key(cab, 1) == key(abc, 1));
  // A name is not a value: {"a":1} is not {"b":1}.
  CHECK(key({{"a", std::int64_t{1}}}) != key({{"b", std::int64_t{1}}}));
}

TEST_CASE("a point of a union grid is keyed like any point with its params") {
  Grid u = parse_grid_json(
      R"([{"kernel": "linear", "C": [1, 10]},
          {"kernel": "rbf", "C": [1], "gamma": [0.1, 0.01]}])",
      "g.json");
  // The same parameters in a plain grid, declared in another order.
  Grid plain = Grid{}
                   .axis("gamma", {0.1, 0.01})
                   .fixed("C", std::int64_t{1})
                   .fixed("kernel", "rbf");
  // Point 3 of the union is {"kernel":"rbf","C":1,"gamma":0.01}; point 1 of
  // the plain grid has the same parameters.
  JobKey expected = key({{"kernel", std::string("rbf")},
                         {"C", std::int64_t{1}},
                         {"gamma", 0.01}});
  CHECK(grid_key(u, 3) == expected);
  CHECK(grid_key(plain, 1) == expected);
  CHECK(expected.hex() == "15d040b76a9445d7d972fc07a60def6a");
  // A member without gamma is keyed without it.
  CHECK(grid_key(u, 1) ==
        key({{"kernel", std::string("linear")}, {"C", std::int64_t{10}}}));
}

TEST_CASE("JobKey hex round trips and rejects malformed text") {
  JobKey k = key({{"x", std::int64_t{1}}});
  std::string h = k.hex();
  REQUIRE(h.size() == 32);
  for (char c : h) CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
  JobKey back;
  REQUIRE(JobKey::from_hex(h, back));
  CHECK(back == k);

  JobKey edge{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  CHECK(edge.hex() == "0123456789abcdeffedcba9876543210");
  REQUIRE(JobKey::from_hex("0123456789abcdeffedcba9876543210", back));
  CHECK(back == edge);
  REQUIRE(JobKey::from_hex(std::string(32, '0'), back));
  CHECK(back == JobKey{});
  REQUIRE(JobKey::from_hex(std::string(32, 'f'), back));
  CHECK(back == JobKey{UINT64_MAX, UINT64_MAX});

  JobKey out;
  CHECK_FALSE(JobKey::from_hex("0123456789ABCDEFfedcba9876543210", out));
  CHECK_FALSE(JobKey::from_hex("0123456789abcdeffedcba987654321", out));
  CHECK_FALSE(JobKey::from_hex("0123456789abcdeffedcba98765432100", out));
  CHECK_FALSE(JobKey::from_hex("", out));
  CHECK_FALSE(JobKey::from_hex("0123456789abcdeffedcba987654321g", out));
  CHECK_FALSE(JobKey::from_hex("0123456789abcdef fedcba987654321", out));
  CHECK_FALSE(JobKey::from_hex("0x23456789abcdeffedcba9876543210", out));
  CHECK_FALSE(JobKey::from_hex(
      std::string("0123456789abcdef\xff") + "edcba9876543210", out));
}
