#include "report/job_set.hpp"

#include <algorithm>

namespace sweep::report {

namespace {

// The first word not before base.
template <class It>
It word_at(It begin, It end, std::uint64_t base) {
  return std::lower_bound(begin, end, base, [](const auto& w, std::uint64_t b) {
    return w.base < b;
  });
}

}  // namespace

bool JobSet::insert(std::uint64_t job) {
  std::uint64_t base = job >> 6, bit = std::uint64_t{1} << (job & 63);
  // Jobs end nearly in order: the last word, or one past it, needs no search.
  auto w = !words_.empty() && words_.back().base <= base
               ? words_.end() - (words_.back().base == base)
               : word_at(words_.begin(), words_.end(), base);
  if (w == words_.end() || w->base != base) {
    words_.insert(w, Word{base, bit});
    return true;
  }
  if (w->bits & bit) return false;
  w->bits |= bit;
  return true;
}

bool JobSet::contains(std::uint64_t job) const {
  auto w = word_at(words_.begin(), words_.end(), job >> 6);
  return w != words_.end() && w->base == job >> 6 &&
         (w->bits >> (job & 63) & 1);
}

}  // namespace sweep::report
