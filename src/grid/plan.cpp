#include "grid/plan.hpp"

#include <charconv>

#include "sweep/error.hpp"

namespace sweep {

Plan::Plan(const Grid& grid, PlanOptions options) : options_(options) {
  if (options_.repeat < 1) throw GridError("--repeat must be at least 1");
  if (options_.shard_count < 1)
    throw GridError("--shard: N must be at least 1");
  if (options_.shard_index >= options_.shard_count)
    throw GridError("--shard " + std::to_string(options_.shard_index) + "/" +
                    std::to_string(options_.shard_count) +
                    ": I must be less than N");
  std::uint64_t n = grid.size();
  selected_ = n;
  if (options_.sample) {
    if (*options_.sample < 1) throw GridError("--sample must be at least 1");
    if (*options_.sample >= n) {
      truncated_ = *options_.sample > n;
      options_.sample.reset();  // the whole grid, in grid order
    } else {
      sample_ = sample_indices(n, *options_.sample, options_.seed);
      selected_ = sample_.size();
    }
  }
  if (options_.shuffle && selected_ > 0)
    perm_.emplace(selected_,
                  mix64(options_.seed ^ 0x53485546464c45ULL));  // "SHUFFLE"
  points_ =
      selected_ > options_.shard_index
          ? (selected_ - options_.shard_index - 1) / options_.shard_count + 1
          : 0;
  std::uint64_t jobs;
  if (__builtin_mul_overflow(points_, options_.repeat, &jobs))
    throw GridError("--repeat: more than 2^64 jobs");
  if (__builtin_mul_overflow(n, options_.repeat, &jobs))
    throw GridError("--repeat: more than 2^64 jobs");
}

PlannedJob Plan::at(std::uint64_t pos) const {
  PlannedJob j;
  j.rep = pos % options_.repeat;
  std::uint64_t q =
      options_.shard_index + (pos / options_.repeat) * options_.shard_count;
  if (perm_) q = (*perm_)(q);
  j.point = sample_.empty() ? q : sample_[q];
  j.job = j.point * options_.repeat + j.rep;
  return j;
}

void parse_shard(const std::string& text, std::uint64_t& index,
                 std::uint64_t& count) {
  size_t slash = text.find('/');
  auto parse = [&](std::string_view s, std::uint64_t& out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
  };
  std::string_view t(text);
  if (slash == std::string::npos || !parse(t.substr(0, slash), index) ||
      !parse(t.substr(slash + 1), count))
    throw GridError("--shard " + text +
                    ": expected I/N with 0 <= I < N, e.g. 0/4");
  if (count < 1) throw GridError("--shard " + text + ": N must be at least 1");
  if (index >= count)
    throw GridError("--shard " + text + ": I must be less than N");
}

}  // namespace sweep
