#include "report/job_set.hpp"

#include <algorithm>

namespace sweep::report {

bool JobSet::insert(std::uint64_t job) {
  // Jobs end nearly in order: one past the last range needs no search.
  if (!ranges_.empty() && job > ranges_.back().second) {
    if (job == ranges_.back().second + 1)
      ranges_.back().second = job;
    else
      ranges_.emplace_back(job, job);
    return true;
  }
  // The first range that starts after job; the one before may hold it.
  auto next = std::upper_bound(
      ranges_.begin(), ranges_.end(), job,
      [](std::uint64_t j, const auto& r) { return j < r.first; });
  if (next != ranges_.begin()) {
    auto prev = std::prev(next);
    if (job <= prev->second) return false;
    if (job == prev->second + 1) {  // extends prev, and may join next
      prev->second = job;
      if (next != ranges_.end() && next->first == job + 1) {
        prev->second = next->second;
        ranges_.erase(next);
      }
      return true;
    }
  }
  if (next != ranges_.end() && next->first == job + 1)
    next->first = job;
  else
    ranges_.insert(next, {job, job});
  return true;
}

bool JobSet::contains(std::uint64_t job) const {
  auto next = std::upper_bound(
      ranges_.begin(), ranges_.end(), job,
      [](std::uint64_t j, const auto& r) { return j < r.first; });
  return next != ranges_.begin() && job <= std::prev(next)->second;
}

std::optional<std::uint64_t> JobSet::common(const JobSet& other) const {
  auto a = ranges_.begin(), b = other.ranges_.begin();
  while (a != ranges_.end() && b != other.ranges_.end()) {
    if (a->second < b->first) {
      ++a;
    } else if (b->second < a->first) {
      ++b;
    } else {
      return std::max(a->first, b->first);
    }
  }
  return std::nullopt;
}

}  // namespace sweep::report
