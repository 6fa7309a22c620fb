#pragma once

#include <cstdint>
#include <vector>

namespace sweep {

/// SplitMix64 (Steele, Lea, Flood 2014): a specified generator, so the same
/// seed gives the same numbers with every compiler and standard library.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  /// The next 64 random bits.
  std::uint64_t next();
  /// A uniform integer in [0, n), n > 0, by Lemire's multiply-and-reject.
  std::uint64_t below(std::uint64_t n);

 private:
  std::uint64_t state_;
};

/// The SplitMix64 output function, as a 64-bit hash.
std::uint64_t mix64(std::uint64_t x);

/// A random bijection of [0, n) computed per element in O(1) memory: a
/// 6-round balanced Feistel network over the smallest even power of two
/// >= n, cycle-walking until the result falls inside [0, n).
class Permutation {
 public:
  Permutation(std::uint64_t n, std::uint64_t seed);
  /// The image of i (i < n).
  std::uint64_t operator()(std::uint64_t i) const;

 private:
  std::uint64_t n_;
  unsigned half_bits_;
  std::uint64_t mask_;
  std::uint64_t keys_[6];
};

/// K distinct values drawn uniformly from [0, n) without replacement (Floyd's
/// algorithm, O(K) memory), in ascending order.
std::vector<std::uint64_t> sample_indices(std::uint64_t n, std::uint64_t k,
                                          std::uint64_t seed);

}  // namespace sweep
