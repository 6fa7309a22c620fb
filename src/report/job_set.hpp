#pragma once

// The jobs whose end the collector has seen, to notice a job that ends
// twice in one stream (a resumed run appending to its -o file). Jobs end
// nearly in order, so the set is kept as ranges of consecutive numbers: a
// million jobs run with -j 8 cost a few ranges, not a million entries.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace sweep::report {

/// A set of job numbers, stored as sorted disjoint ranges [first, last].
class JobSet {
 public:
  /// Adds job; false if it was already in the set.
  bool insert(std::uint64_t job);
  /// Whether job is in the set.
  bool contains(std::uint64_t job) const;
  /// A job in both sets, if any.
  std::optional<std::uint64_t> common(const JobSet& other) const;
  /// The number of ranges (for tests of the bound on memory).
  std::size_t ranges() const { return ranges_.size(); }

 private:
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges_;
};

}  // namespace sweep::report
