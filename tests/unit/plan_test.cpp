// Sampling, shuffling, sharding and repeats: deterministic and lazy.
#include "grid/plan.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>

#include "core/random.hpp"
#include "sweep/error.hpp"
#include "sweep/grid_parse.hpp"

using namespace sweep;

namespace {

std::vector<std::uint64_t> points_of(const Plan& plan) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = 0; i < plan.size(); ++i)
    out.push_back(plan.at(i).point);
  return out;
}

Grid grid_of(std::uint64_t n) {
  Grid g;
  apply_param_flags(g, {"i=0.." + std::to_string(n - 1)});
  return g;
}

using U = std::vector<std::uint64_t>;

}  // namespace

TEST_CASE("SplitMix64 matches its reference output") {
  SplitMix64 r(1234567);
  // Reference values of splitmix64.c (Vigna) seeded with 1234567.
  CHECK(r.next() == 6457827717110365317ULL);
  CHECK(r.next() == 3203168211198807973ULL);
  CHECK(r.next() == 9817491932198370423ULL);
}

TEST_CASE("bounded integers are uniform-shaped and fixed by the seed") {
  SplitMix64 r(42);
  std::vector<int> counts(6);
  for (int i = 0; i < 60000; ++i) counts[r.below(6)]++;
  for (int c : counts) CHECK(std::abs(c - 10000) < 600);
  SplitMix64 a(9), b(9);
  for (int i = 0; i < 100; ++i) CHECK(a.below(1000003) == b.below(1000003));
}

TEST_CASE("permutations are bijections of 0..n-1") {
  for (std::uint64_t n : {1, 2, 3, 5, 16, 17, 100, 1000, 4097}) {
    Permutation p(n, n * 7 + 1);
    std::vector<bool> seen(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint64_t x = p(i);
      REQUIRE(x < n);
      REQUIRE_FALSE(seen[x]);
      seen[x] = true;
    }
  }
  // A 10^15-element permutation works element by element.
  Permutation huge(1000000000000000ULL, 3);
  CHECK(huge(0) < 1000000000000000ULL);
  CHECK(huge(0) != huge(1));
}

TEST_CASE("fixed seeds give fixed points (recorded)") {
  Grid g = grid_of(100);
  CHECK(points_of(Plan(g, {.sample = 5, .seed = 7})) == U{1, 37, 45, 57, 88});
  CHECK(points_of(Plan(g, {.sample = 5, .seed = 8})) != U{1, 37, 45, 57, 88});
  U shuffled = points_of(Plan(grid_of(10), {.shuffle = true, .seed = 7}));
  CHECK(shuffled == U{9, 5, 3, 8, 4, 1, 2, 0, 6, 7});
  U sorted = shuffled;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == U{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("a sample is distinct, in grid order, O(K) on 10^15 points") {
  Grid g;
  apply_param_flags(g, {"a=1..1000000", "b=1..1000000", "c=1..1000"});
  CHECK(g.size() == 1000000000000000ULL);
  Plan plan(g, {.sample = 1000, .seed = 1});
  U pts = points_of(plan);
  CHECK(pts.size() == 1000);
  CHECK(std::is_sorted(pts.begin(), pts.end()));
  CHECK(std::adjacent_find(pts.begin(), pts.end()) == pts.end());
  CHECK(pts.back() > 900000000000000ULL);  // spread over the whole grid
}

TEST_CASE("a sample larger than the grid takes the whole grid") {
  Plan plan(grid_of(5), {.sample = 9, .seed = 1});
  CHECK(plan.sample_truncated());
  CHECK(points_of(plan) == U{0, 1, 2, 3, 4});
}

TEST_CASE("repeats run every point R times with distinct job indices") {
  Plan plan(grid_of(3), {.repeat = 2});
  REQUIRE(plan.size() == 6);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> got;
  for (std::uint64_t i = 0; i < 6; ++i)
    got.emplace_back(plan.at(i).point, plan.at(i).rep);
  CHECK(got == std::vector<std::pair<std::uint64_t, std::uint64_t>>{
                   {0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}, {2, 1}});
  CHECK(plan.at(5).job == 5);
  CHECK_THROWS_AS(Plan(grid_of(3), {.repeat = 0}), GridError);
}

TEST_CASE("shards: bad specs are errors") {
  std::uint64_t i, n;
  parse_shard("2/5", i, n);
  CHECK(i == 2);
  CHECK(n == 5);
  CHECK_THROWS_WITH_AS(parse_shard("5/5", i, n),
                       "--shard 5/5: I must be less than N", GridError);
  CHECK_THROWS_WITH_AS(parse_shard("1/0", i, n),
                       "--shard 1/0: N must be at least 1", GridError);
  CHECK_THROWS_AS(parse_shard("x", i, n), GridError);
  CHECK_THROWS_AS(parse_shard("-1/3", i, n), GridError);
  CHECK_THROWS_AS(parse_shard("1/3/4", i, n), GridError);
  CHECK_THROWS_AS(Plan(grid_of(3), {.shard_index = 3, .shard_count = 3}),
                  GridError);
}

TEST_CASE(
    "property: shards are disjoint, cover the selection and balance within "
    "one") {
  std::mt19937_64 rng(99);  // test data only
  for (int round = 0; round < 200; ++round) {
    std::uint64_t n = 1 + rng() % 60;
    std::uint64_t shards = 1 + rng() % 9;
    PlanOptions base;
    int mode = rng() % 4;
    base.seed = rng();
    if (mode == 1) base.sample = 1 + rng() % n;
    if (mode == 2) base.shuffle = true;
    if (mode == 3) {
      base.sample = 1 + rng() % n;
      base.shuffle = true;
    }
    Grid g = grid_of(n);
    U whole = points_of(Plan(g, base));
    std::multiset<std::uint64_t> union_of_shards;
    std::uint64_t smallest = UINT64_MAX, largest = 0;
    for (std::uint64_t s = 0; s < shards; ++s) {
      PlanOptions o = base;
      o.shard_index = s;
      o.shard_count = shards;
      U part = points_of(Plan(g, o));
      union_of_shards.insert(part.begin(), part.end());
      smallest = std::min<std::uint64_t>(smallest, part.size());
      largest = std::max<std::uint64_t>(largest, part.size());
    }
    CAPTURE(round);
    CHECK(union_of_shards ==
          std::multiset<std::uint64_t>(whole.begin(), whole.end()));
    CHECK(largest - smallest <= 1);
    CHECK(std::set<std::uint64_t>(whole.begin(), whole.end()).size() ==
          whole.size());
  }
}
