// JobSet: the collector's record of ended jobs, as words of 64 bits.
#include "report/job_set.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <vector>

using sweep::report::JobSet;

TEST_CASE("JobSet says when a job is already in, one word per 64 jobs") {
  JobSet s;
  CHECK(s.insert(5));
  CHECK(s.insert(7));
  CHECK(s.words() == 1);
  CHECK(s.insert(64));  // the next word
  CHECK(s.words() == 2);
  CHECK_FALSE(s.insert(5));
  CHECK_FALSE(s.insert(7));
  CHECK_FALSE(s.insert(64));
  CHECK(s.insert(63));
  CHECK(s.insert(0));
  CHECK(s.words() == 2);
  CHECK(s.contains(63));
  CHECK_FALSE(s.contains(6));
  CHECK_FALSE(s.contains(65));
  CHECK(s.insert(UINT64_MAX));
  CHECK_FALSE(s.insert(UINT64_MAX));
  CHECK(s.contains(UINT64_MAX));
  CHECK(s.insert(1000));  // between two words
  CHECK(s.words() == 4);
  CHECK(s.contains(1000));
}

TEST_CASE("JobSet agrees with std::set on jobs ending out of order") {
  // Jobs 0..9999 ending as from -j 8: each within 8 places of its turn, some
  // twice. The words stay one per 64 jobs, and insert says what std::set
  // says.
  std::vector<std::uint64_t> order(10000);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(42);
  for (size_t i = 0; i + 8 < order.size(); i += 8)
    std::shuffle(order.begin() + static_cast<long>(i),
                 order.begin() + static_cast<long>(i + 8), rng);
  for (size_t i = 0; i < order.size(); i += 97) order.push_back(order[i]);
  JobSet s;
  std::set<std::uint64_t> want;
  for (auto job : order) CHECK(s.insert(job) == want.insert(job).second);
  CHECK(s.words() == (10000 + 63) / 64);
  // Random jobs, sparse and dense, against std::set again.
  JobSet r;
  std::set<std::uint64_t> rwant;
  std::uniform_int_distribution<std::uint64_t> near(0, 5000), far;
  for (int i = 0; i < 20000; ++i) {
    std::uint64_t job = i % 3 ? near(rng) : far(rng);
    CHECK(r.insert(job) == rwant.insert(job).second);
    std::uint64_t probe = i % 2 ? near(rng) : job;
    CHECK(r.contains(probe) == rwant.contains(probe));
  }
}

TEST_CASE("jobs ending out of order in pairs still cost a word per 64") {
  JobSet even;
  for (std::uint64_t j = 0; j < 1000; j += 2) even.insert(j);
  CHECK(even.words() == 16);  // not one range per job
  for (std::uint64_t j = 1; j < 1000; j += 2) CHECK(even.insert(j));
  CHECK(even.words() == 16);
  CHECK_FALSE(even.insert(999));
}
