// --halving, --hyperband: ASHA's decisions, each worked out by hand, and
// Hyperband's bracket sizes against the table in Li et al., "Hyperband: A
// Novel Bandit-Based Approach to Hyperparameter Optimization" (JMLR 18,
// 2018), Table 1 (R = 81, eta = 3).
#include "exec/halving.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <vector>

using namespace sweep;

namespace {

HalvingShape shape(std::uint64_t configs, unsigned rungs, unsigned eta = 3,
                   bool hyperband = false, bool maximize = true) {
  return HalvingShape{configs, rungs, eta, hyperband, maximize};
}

// Runs a whole sweep with `workers` trials at once, the oldest running trial
// ending first, each with value(config, rung). Returns every trial run.
template <class F>
std::vector<Trial> simulate(Halving& h, unsigned workers, F value) {
  std::vector<Trial> ran;
  std::deque<Trial> running;
  while (true) {
    while (running.size() < workers) {
      auto t = h.next();
      if (!t) break;
      ran.push_back(*t);
      running.push_back(*t);
    }
    if (running.empty()) return ran;
    Trial t = running.front();
    running.pop_front();
    h.finished(t, value(t.config, t.rung));
  }
}

std::uint64_t count_at(const std::vector<Trial>& ran, unsigned rung) {
  return std::count_if(ran.begin(), ran.end(),
                       [&](const Trial& t) { return t.rung == rung; });
}

}  // namespace

TEST_CASE("halving starts every configuration at rung 0 in plan order") {
  Halving h(shape(4, 3));
  for (std::uint64_t c = 0; c < 4; ++c) {
    auto t = h.next();
    REQUIRE(t);
    CHECK(*t == Trial{c, 0});
  }
  CHECK_FALSE(h.next());  // all started, nothing ended: nothing to promote
}

TEST_CASE("halving promotes the best of a rung once its top third has room") {
  Halving h(shape(9, 3));
  for (int i = 0; i < 9; ++i) h.next();
  h.finished({0, 0}, 0.5);
  h.finished({1, 0}, 0.9);
  CHECK_FALSE(h.next());  // 2 ended: the top 1/3 holds floor(2/3) = 0
  h.finished({2, 0}, 0.7);
  CHECK(h.next() == Trial{1, 1});  // 3 ended: the best, 1, goes up
  CHECK_FALSE(h.next());           // the top third (1) is promoted
  h.finished({3, 0}, 0.95);
  h.finished({4, 0}, 0.1);
  h.finished({5, 0}, 0.2);
  // 6 ended: top 2 are 3 (0.95) and 1 (promoted): 3 goes up.
  CHECK(h.next() == Trial{3, 1});
  CHECK_FALSE(h.next());
  CHECK(h.highest_started() == 1);
}

TEST_CASE("halving promotes from the highest rung first") {
  Halving h(shape(9, 3));
  for (int i = 0; i < 9; ++i) h.next();
  for (std::uint64_t c = 0; c < 9; ++c) h.finished({c, 0}, double(c));
  // Rung 0's top third: 8, 7, 6, promoted best first.
  CHECK(h.next() == Trial{8, 1});
  CHECK(h.next() == Trial{7, 1});
  h.finished({8, 1}, 1.0);
  h.finished({7, 1}, 2.0);
  CHECK(h.next() == Trial{6, 1});  // rung 1 holds 2: its top third is empty
  h.finished({6, 1}, 0.5);
  CHECK(h.next() == Trial{7, 2});  // rung 1 full: 7 is its best
  CHECK_FALSE(h.next());
  CHECK(h.highest_started() == 2);
}

TEST_CASE("halving never promotes a trial that reported no value") {
  Halving h(shape(3, 2));
  for (int i = 0; i < 3; ++i) h.next();
  h.finished({0, 0}, std::nullopt);
  h.finished({1, 0}, std::nullopt);
  h.finished({2, 0}, std::nan(""));
  CHECK_FALSE(h.next());
}

TEST_CASE("halving ranks a minimized metric lowest first") {
  Halving h(shape(3, 2, 3, false, /*maximize=*/false));
  for (int i = 0; i < 3; ++i) h.next();
  h.finished({0, 0}, 0.3);
  h.finished({1, 0}, 0.1);
  h.finished({2, 0}, 0.2);
  CHECK(h.next() == Trial{1, 1});
}

TEST_CASE("halving breaks ties by plan order") {
  Halving h(shape(3, 2));
  for (int i = 0; i < 3; ++i) h.next();
  h.finished({2, 0}, 1.0);
  h.finished({1, 0}, 1.0);
  h.finished({0, 0}, 0.0);
  CHECK(h.next() == Trial{1, 1});
}

TEST_CASE(
    "halving arriving best first promotes what synchronous halving would") {
  // 27 configurations, rungs 1, 3, 9, 27 of eta 3, config 0 best, one at a
  // time: each rung keeps exactly its top third, 27 + 9 + 3 + 1 = 40.
  Halving h(shape(27, 4));
  CHECK(h.planned() == 40);
  auto ran =
      simulate(h, 1, [](std::uint64_t c, unsigned r) { return r - double(c); });
  CHECK(ran.size() == 40);
  CHECK(count_at(ran, 1) == 9);
  CHECK(count_at(ran, 2) == 3);
  REQUIRE(count_at(ran, 3) == 1);
  CHECK(ran.back() == Trial{0, 3});
}

TEST_CASE("halving promotes more when better points arrive late") {
  // ASHA's price for never waiting: a promotion that a later, better point
  // would have taken stays made. At least SH's count, at most all.
  for (unsigned workers : {1u, 2u, 5u}) {
    CAPTURE(workers);
    Halving h(shape(27, 4));
    auto ran = simulate(h, workers, [](std::uint64_t c, unsigned r) {
      return -std::abs(double(c) - 13) + r;
    });
    CHECK(count_at(ran, 0) == 27);
    for (unsigned r = 1; r < 4; ++r) {
      CHECK(count_at(ran, r) >= count_at(ran, r - 1) / 3);
      CHECK(count_at(ran, r) <= count_at(ran, r - 1));
    }
    // The best point, 13, reaches the top rung.
    CHECK(std::find(ran.begin(), ran.end(), Trial{13, 3}) != ran.end());
    // No trial runs twice.
    auto sorted = ran;
    std::sort(sorted.begin(), sorted.end());
    CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  }
}

TEST_CASE("hyperband brackets have the sizes of the Hyperband paper") {
  // Table 1 of Li et al. (2018), R = 81, eta = 3: brackets s = 4..0 start
  // 81, 34, 15, 8 and 5 configurations at budgets 1, 3, 9, 27 and 81.
  Halving h(shape(81 + 34 + 15 + 8 + 5, 5, 3, /*hyperband=*/true));
  std::map<unsigned, std::uint64_t> per_first;
  for (std::uint64_t c = 0; c < 143; ++c) ++per_first[h.first_rung(c)];
  CHECK(per_first[0] == 81);
  CHECK(per_first[1] == 34);
  CHECK(per_first[2] == 15);
  CHECK(per_first[3] == 8);
  CHECK(per_first[4] == 5);
  // Trials: the table's n_i summed over each bracket's rounds.
  // s=4: 81+27+9+3+1, s=3: 34+11+3+1, s=2: 15+5+1, s=1: 8+2, s=0: 5.
  CHECK(h.planned() == 121 + 49 + 21 + 10 + 5);
}

TEST_CASE("hyperband interleaves its brackets") {
  Halving h(shape(1000, 4, 3, true));
  // The first dozen configurations already reach three brackets.
  std::map<unsigned, int> first;
  for (std::uint64_t c = 0; c < 12; ++c) ++first[h.first_rung(c)];
  CHECK(first.size() >= 3);
  auto ran = simulate(h, 3, [](std::uint64_t c, unsigned r) {
    return double((c * 7919) % 1000) + r;
  });
  CHECK(ran.size() >= h.planned());
  for (const Trial& t : ran) CHECK(t.rung >= h.first_rung(t.config));
  // Every configuration starts once, at its bracket's rung.
  CHECK(std::count_if(ran.begin(), ran.end(), [&](const Trial& t) {
          return t.rung == h.first_rung(t.config);
        }) == 1000);
}

TEST_CASE("halving resumes from restored trials without running them again") {
  Halving first(shape(9, 3));
  auto all =
      simulate(first, 2, [](std::uint64_t c, unsigned) { return double(c); });
  // A second run that knows the first half of those trials ran.
  Halving h(shape(9, 3));
  std::vector<Trial> done(all.begin(), all.begin() + all.size() / 2);
  for (const Trial& t : done) h.restored(t, double(t.config));
  auto rest =
      simulate(h, 2, [](std::uint64_t c, unsigned) { return double(c); });
  for (const Trial& t : rest)
    CHECK(std::find(done.begin(), done.end(), t) == done.end());
  // Each configuration started once over both runs; the best went to the top.
  for (std::uint64_t c = 0; c < 9; ++c) {
    CAPTURE(c);
    CHECK(std::count(done.begin(), done.end(), Trial{c, 0}) +
              std::count(rest.begin(), rest.end(), Trial{c, 0}) ==
          1);
  }
  CHECK(std::find(rest.begin(), rest.end(), Trial{8, 2}) != rest.end());
}
