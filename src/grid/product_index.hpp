// Index arithmetic for one product with exclusions: counting, ranking and
// selecting included points without enumerating them.
#pragma once

#include <cstdint>
#include <vector>

#include "sweep/grid.hpp"

namespace sweep {

/// Counts and locates the included points of a Product. Exclusions are
/// counted exactly by inclusion-exclusion over their consistent combinations,
/// each term counted digit by digit in the mixed-radix index, so size,
/// rank and select cost O(terms x axes) and never enumerate the product.
class ProductIndex {
 public:
  /// Throws GridError if the product has more than 2^64 points or its
  /// exclusions combine into too many terms.
  explicit ProductIndex(const Product& product);

  /// Points before exclusions.
  std::uint64_t raw_size() const { return raw_size_; }
  /// Points after exclusions.
  std::uint64_t size() const { return size_; }
  /// The raw index of the i-th included point (i < size()).
  std::uint64_t select(std::uint64_t i) const;
  /// The smallest included raw index >= raw, or raw_size() if none.
  std::uint64_t next_included(std::uint64_t raw) const;
  /// Mixed-radix digits of a raw index, one per axis.
  void decode(std::uint64_t raw, std::vector<std::uint64_t>& digits) const;

 private:
  /// A set of exclusions combined: the matching indices on each constrained
  /// axis (empty vector pointer for unconstrained axes).
  struct Term {
    int sign = 1;
    std::vector<std::vector<std::uint64_t>>
        matches;                    ///< Per axis; empty = any.
    std::vector<bool> constrained;  ///< Per axis.
    std::vector<std::uint64_t>
        suffix;               ///< Product of matching counts after each axis.
    std::uint64_t count = 0;  ///< Matching points in the product.
    int last_axis = -1;       ///< Fastest-varying constrained axis.
  };

  bool build_term(const Product& product,
                  const std::vector<std::pair<int, Value>>& constraints,
                  Term& term) const;
  std::uint64_t included_below(std::uint64_t r) const;
  static bool matches_digit(const Term& t, size_t axis, std::uint64_t digit);

  std::vector<std::uint64_t> sizes_, strides_;
  std::uint64_t raw_size_ = 1, size_ = 1;
  std::vector<Term> singles_;  ///< One term per exclusion, for membership.
  std::vector<Term> terms_;    ///< Inclusion-exclusion terms.
};

}  // namespace sweep
