// JobSet: the collector's record of ended jobs, as ranges.
#include "report/job_set.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <vector>

using sweep::report::JobSet;

TEST_CASE("JobSet says when a job is already in, and keeps ranges joined") {
  JobSet s;
  CHECK(s.insert(5));
  CHECK(s.insert(7));
  CHECK(s.ranges() == 2);
  CHECK(s.insert(6));  // joins [5,5] and [7,7]
  CHECK(s.ranges() == 1);
  CHECK_FALSE(s.insert(5));
  CHECK_FALSE(s.insert(6));
  CHECK_FALSE(s.insert(7));
  CHECK(s.insert(4));
  CHECK(s.insert(8));
  CHECK(s.insert(0));
  CHECK(s.ranges() == 2);
  CHECK_FALSE(s.insert(0));
  CHECK(s.insert(UINT64_MAX));
  CHECK_FALSE(s.insert(UINT64_MAX));
}

TEST_CASE("JobSet agrees with std::set on jobs ending out of order") {
  // Jobs 0..9999 ending as from -j 8: each within 8 places of its turn, some
  // twice. The ranges stay few, and insert says what std::set says.
  std::vector<std::uint64_t> order(10000);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(42);
  for (size_t i = 0; i + 8 < order.size(); i += 8)
    std::shuffle(order.begin() + static_cast<long>(i),
                 order.begin() + static_cast<long>(i + 8), rng);
  for (size_t i = 0; i < order.size(); i += 97) order.push_back(order[i]);
  JobSet s;
  std::set<std::uint64_t> want;
  size_t most = 0;
  for (auto job : order) {
    CHECK(s.insert(job) == want.insert(job).second);
    most = std::max(most, s.ranges());
  }
  CHECK(s.ranges() == 1);
  CHECK(most <= 8);
}
