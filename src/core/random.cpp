#include "core/random.hpp"

#include <algorithm>
#include <unordered_set>

namespace sweep {

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t SplitMix64::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return mix64(state_);
}

std::uint64_t SplitMix64::below(std::uint64_t n) {
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
  std::uint64_t low = static_cast<std::uint64_t>(m);
  if (low < n) {
    std::uint64_t threshold = -n % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

Permutation::Permutation(std::uint64_t n, std::uint64_t seed) : n_(n) {
  unsigned bits = 2;
  while (bits < 64 && (std::uint64_t{1} << bits) < n) bits += 2;
  half_bits_ = bits / 2;
  mask_ = (std::uint64_t{1} << half_bits_) - 1;
  SplitMix64 rng(seed);
  for (auto& k : keys_) k = rng.next();
}

std::uint64_t Permutation::operator()(std::uint64_t i) const {
  std::uint64_t x = i;
  do {
    std::uint64_t left = x >> half_bits_, right = x & mask_;
    for (std::uint64_t key : keys_) {
      std::uint64_t f = mix64(right ^ key) & mask_;
      std::uint64_t next_right = left ^ f;
      left = right;
      right = next_right;
    }
    x = (left << half_bits_) | right;
  } while (x >= n_);  // cycle-walk back into [0, n)
  return x;
}

std::vector<std::uint64_t> sample_indices(std::uint64_t n, std::uint64_t k,
                                          std::uint64_t seed) {
  SplitMix64 rng(seed);
  std::unordered_set<std::uint64_t> chosen;
  chosen.reserve(k * 2);
  for (std::uint64_t j = n - k; j < n; ++j) {
    std::uint64_t t = rng.below(j + 1);
    if (!chosen.insert(t).second) chosen.insert(j);
  }
  std::vector<std::uint64_t> out(chosen.begin(), chosen.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sweep
