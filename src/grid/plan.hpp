#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "sweep/grid.hpp"

namespace sweep {

/// Which points of a grid a run takes, in which order, how many times.
struct PlanOptions {
  std::optional<std::uint64_t> sample;  ///< Take K distinct points at random.
  bool shuffle = false;                 ///< Take the points in random order.
  std::uint64_t seed = 0;               ///< For sample and shuffle.
  std::uint64_t shard_index = 0;        ///< This run's shard, < shard_count.
  std::uint64_t shard_count = 1;        ///< Shards the points are split into.
  std::uint64_t repeat = 1;             ///< Runs of every point.
};

/// One job of a plan: a grid point and which repeat of it.
struct PlannedJob {
  std::uint64_t point = 0;  ///< Index of the point in the grid.
  std::uint64_t rep = 0;    ///< 0-based repeat.
  std::uint64_t job = 0;    ///< point * repeat + rep: unique across shards.
};

/// The lazily computed sequence of jobs: the grid's points, sampled or
/// shuffled (sample first), then the shard's share (every N-th, so shards
/// are disjoint, cover the selection and differ by at most one point), each
/// point repeated. Memory is O(sample size), else O(1).
class Plan {
 public:
  /// Throws GridError for a zero sample, zero repeat or a bad shard.
  Plan(const Grid& grid, PlanOptions options);
  /// Number of jobs.
  std::uint64_t size() const { return points_ * options_.repeat; }
  /// Number of distinct points.
  std::uint64_t points() const { return points_; }
  /// The job at a position (< size()).
  PlannedJob at(std::uint64_t pos) const;
  const PlanOptions& options() const { return options_; }
  /// True if the sample asked for more points than the grid has.
  bool sample_truncated() const { return truncated_; }

 private:
  PlanOptions options_;
  std::uint64_t selected_ = 0;  ///< Points after sampling, before sharding.
  std::uint64_t points_ = 0;    ///< Points in this shard.
  std::vector<std::uint64_t> sample_;
  std::optional<Permutation> perm_;
  bool truncated_ = false;
};

/// Parses "I/N" for --shard; throws GridError naming the flag.
void parse_shard(const std::string& text, std::uint64_t& index,
                 std::uint64_t& count);

}  // namespace sweep
