// JobTable: the collector's running jobs, against std::unordered_map.
#include "report/job_table.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <unordered_map>

using sweep::report::JobTable;

TEST_CASE("JobTable agrees with std::unordered_map through growth and erase") {
  // Jobs start and end as a -j 8 stream has them, plus random numbers that
  // collide in the table (multiples of a power of two), so erasing shifts
  // runs that wrap around the table's end.
  JobTable t;
  std::unordered_map<std::uint64_t, std::uint32_t> want;
  std::mt19937_64 rng(7);
  for (std::uint32_t step = 0; step < 200000; ++step) {
    std::uint64_t job = step % 3 == 0   ? rng() % 64
                        : step % 3 == 1 ? (rng() % 4096) << 20
                                        : UINT64_MAX - rng() % 16;
    if (rng() % 2) {
      auto [value, fresh] = t.try_emplace(job, step);
      auto [it, inserted] = want.try_emplace(job, step);
      REQUIRE(fresh == inserted);
      REQUIRE(*value == it->second);
    } else {
      t.erase(job);
      want.erase(job);
    }
    REQUIRE(t.size() == want.size());
  }
  for (const auto& [job, value] : want) {
    REQUIRE(t.find(job));
    CHECK(*t.find(job) == value);
  }
  CHECK_FALSE(t.contains(12345));
}
