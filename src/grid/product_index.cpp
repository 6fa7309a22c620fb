#include "grid/product_index.hpp"

#include <algorithm>

#include "sweep/error.hpp"

namespace sweep {
namespace {

// Beyond this many combined terms, counting would be slow to set up.
constexpr size_t kMaxTerms = 1 << 16;

}  // namespace

ProductIndex::ProductIndex(const Product& product) {
  size_t m = product.axes.size();
  sizes_.resize(m);
  strides_.resize(m);
  for (size_t k = 0; k < m; ++k) sizes_[k] = product.axes[k].size();
  std::uint64_t stride = 1;
  for (size_t k = m; k-- > 0;) {
    strides_[k] = stride;
    if (__builtin_mul_overflow(stride, sizes_[k], &stride))
      throw GridError("the grid has more than 2^64 points");
  }
  raw_size_ = stride;

  for (const auto& ex : product.exclusions) {
    Term t;
    if (build_term(product, ex, t) && t.count > 0)
      singles_.push_back(std::move(t));
  }
  // Inclusion-exclusion over combinations of exclusions, depth first. A
  // combination that matches nothing (conflicting values) prunes every
  // superset, so disjoint exclusions stay cheap.
  std::vector<std::pair<int, Value>> merged;
  auto dfs = [&](auto&& self, size_t from, int sign) -> void {
    for (size_t j = from; j < product.exclusions.size(); ++j) {
      size_t keep = merged.size();
      bool consistent = true;
      for (const auto& [param, value] : product.exclusions[j]) {
        bool seen = false;
        for (size_t q = 0; q < keep; ++q)
          if (merged[q].first == param) {
            seen = true;
            if (!values_equal(merged[q].second, value)) consistent = false;
          }
        if (!seen) merged.emplace_back(param, value);
      }
      Term t;
      if (consistent && build_term(product, merged, t) && t.count > 0) {
        t.sign = sign;
        terms_.push_back(std::move(t));
        if (terms_.size() > kMaxTerms)
          throw GridError(
              "the exclusions overlap in too many ways to count (more than " +
              std::to_string(kMaxTerms) + " combinations)");
        self(self, j + 1, -sign);
      }
      merged.resize(keep);
    }
  };
  dfs(dfs, 0, 1);
  __int128 excluded = 0;
  for (const auto& t : terms_)
    excluded += t.sign * static_cast<__int128>(t.count);
  size_ = static_cast<std::uint64_t>(raw_size_ - excluded);
}

bool ProductIndex::build_term(
    const Product& product,
    const std::vector<std::pair<int, Value>>& constraints, Term& t) const {
  size_t m = product.axes.size();
  t.matches.assign(m, {});
  t.constrained.assign(m, false);
  for (const auto& [param, value] : constraints) {
    int column = 0;
    int axis = product.axis_of(param, &column);
    if (axis < 0) return false;
    const auto& seq = *product.axes[axis].columns[column];
    if (!t.constrained[axis]) {
      t.constrained[axis] = true;
      t.matches[axis] = seq.indices_of(value);
    } else {
      // A second column of the same zip: keep indices matching both.
      // (`&v = value`: clang before 16 cannot capture a structured binding.)
      std::erase_if(t.matches[axis], [&seq, &v = value](std::uint64_t i) {
        return !values_equal(seq.at(i), v);
      });
    }
    t.last_axis = std::max(t.last_axis, axis);
  }
  t.suffix.assign(m, 1);
  __int128 suffix = 1;
  for (size_t k = m; k-- > 0;) {
    t.suffix[k] = static_cast<std::uint64_t>(suffix);
    suffix *= t.constrained[k] ? t.matches[k].size() : sizes_[k];
  }
  t.count = static_cast<std::uint64_t>(suffix);
  return true;
}

bool ProductIndex::matches_digit(const Term& t, size_t axis,
                                 std::uint64_t digit) {
  if (!t.constrained[axis]) return true;
  return std::binary_search(t.matches[axis].begin(), t.matches[axis].end(),
                            digit);
}

void ProductIndex::decode(std::uint64_t raw,
                          std::vector<std::uint64_t>& digits) const {
  digits.resize(sizes_.size());
  for (size_t k = sizes_.size(); k-- > 0;) {
    digits[k] = raw % sizes_[k];
    raw /= sizes_[k];
  }
}

std::uint64_t ProductIndex::included_below(std::uint64_t r) const {
  if (r >= raw_size_) return size_;
  std::vector<std::uint64_t> d;
  decode(r, d);
  __int128 excluded = 0;
  for (const auto& t : terms_) {
    // Points below r matching t: for each axis p where r's earlier digits all
    // match, the matching digits below r's digit times every match after p.
    __int128 below = 0;
    for (size_t p = 0; p < d.size(); ++p) {
      std::uint64_t less = t.constrained[p]
                               ? std::lower_bound(t.matches[p].begin(),
                                                  t.matches[p].end(), d[p]) -
                                     t.matches[p].begin()
                               : d[p];
      below += static_cast<__int128>(less) * t.suffix[p];
      if (!matches_digit(t, p, d[p])) break;
    }
    excluded += t.sign * below;
  }
  return static_cast<std::uint64_t>(r - excluded);
}

std::uint64_t ProductIndex::select(std::uint64_t i) const {
  if (terms_.empty()) return i;
  std::uint64_t lo = 0, hi = raw_size_ - 1;
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    if (included_below(mid + 1) > i)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

std::uint64_t ProductIndex::next_included(std::uint64_t raw) const {
  if (singles_.empty()) return raw;
  std::vector<std::uint64_t> d;
  while (raw < raw_size_) {
    decode(raw, d);
    const Term* hit = nullptr;
    for (const auto& t : singles_) {
      bool all = true;
      for (size_t k = 0; k < d.size() && all; ++k)
        all = matches_digit(t, k, d[k]);
      if (all) {
        hit = &t;
        break;
      }
    }
    if (!hit) return raw;
    // Every index up to the next change of the exclusion's fastest axis is
    // excluded too: skip that block at once.
    std::uint64_t stride = strides_[hit->last_axis];
    __int128 next = (static_cast<__int128>(raw / stride) + 1) * stride;
    raw = next >= raw_size_ ? raw_size_ : static_cast<std::uint64_t>(next);
  }
  return raw_size_;
}

}  // namespace sweep
