#pragma once

// The jobs whose end the collector has seen, to notice a job that ends
// twice in one stream (a resumed run appending to its -o file). Jobs end
// nearly in order, so the set is kept as 64-job words of bits, sorted: a
// million jobs cost 16,000 words.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sweep::report {

/// A set of job numbers, stored as sorted words of 64 bits.
class JobSet {
 public:
  /// Adds job; false if it was already in the set.
  bool insert(std::uint64_t job);
  /// Whether job is in the set.
  bool contains(std::uint64_t job) const;
  /// The number of words (for tests of the bound on memory).
  std::size_t words() const { return words_.size(); }

 private:
  struct Word {
    std::uint64_t base;  ///< Holds jobs base * 64 to base * 64 + 63.
    std::uint64_t bits;  ///< Bit i: job base * 64 + i is in the set.
  };
  std::vector<Word> words_;
};

}  // namespace sweep::report
