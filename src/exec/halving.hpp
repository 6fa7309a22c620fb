#pragma once

// --halving, --hyperband: asynchronous successive halving (ASHA; Li et al.,
// "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020) over
// the configurations of a plan, deciding from the metric each trial reports.

#include <cstdint>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sweep {

/// One run of a configuration at one rung (budget).
struct Trial {
  std::uint64_t config = 0;  ///< The configuration: its plan position.
  unsigned rung = 0;         ///< 0-based rung: budget index.
  auto operator<=>(const Trial&) const = default;
};

/// What a Halving runs over.
struct HalvingShape {
  std::uint64_t configs = 0;  ///< Configurations (the plan's points).
  unsigned rungs = 1;         ///< Budgets, lowest first.
  unsigned eta = 3;           ///< Each rung keeps the top 1/eta.
  bool hyperband = false;     ///< Hyperband's brackets, not one.
  bool maximize = true;       ///< Which way the metric is better.
};

/// ASHA's bookkeeping: which trial to run next, from the values of those
/// that ended. A configuration starts at its bracket's lowest rung; whenever
/// a trial is asked for, the highest rung with an unpromoted configuration in
/// its top 1/eta promotes its best one, else the next configuration starts.
/// Slots never wait for a rung to fill. Without Hyperband there is one
/// bracket, starting at rung 0; with it, bracket b starts at rung b and gets
/// configurations in Hyperband's proportions (n_h = ceil(R eta^h / (h + 1))
/// for h = R - 1 - b halvings, R rungs), interleaved.
class Halving {
 public:
  explicit Halving(HalvingShape shape);
  /// The trial to run now, or nothing: every configuration has started and
  /// no rung has one to promote (until a running trial ends).
  std::optional<Trial> next();
  /// A trial ended with this value of the metric (nothing: it failed or
  /// reported none, and is never promoted).
  void finished(Trial t, std::optional<double> value);
  /// A trial that ended in an earlier run (--resume): as finished, and its
  /// configuration counts as started, promoted below its rung.
  void restored(Trial t, std::optional<double> value);
  /// The rung a configuration starts at (its bracket).
  unsigned first_rung(std::uint64_t config) const;
  /// Trials synchronous halving takes when every trial reports a value:
  /// the fewest a whole run takes then (ASHA may promote more).
  std::uint64_t planned() const;
  /// The highest rung a trial was started at (for the progress line).
  unsigned highest_started() const { return highest_; }

 private:
  /// One rung of one bracket: its ended trials, best first, and which of
  /// them went up. Deciding a promotion is O(log n): the best trial not
  /// promoted yet is promotable when its rank among all is in the top 1/eta
  /// (every trial above it was promoted).
  struct Rung {
    struct Entry {
      double key = 0;  ///< The value, negated when minimizing; -inf: none.
      std::uint64_t config = 0;
      bool operator<(const Entry& o) const {
        return key != o.key ? key > o.key : config < o.config;
      }
    };
    /// Every ended trial, with ranks (a GNU order-statistics tree).
    __gnu_pbds::tree<Entry, __gnu_pbds::null_type, std::less<Entry>,
                     __gnu_pbds::rb_tree_tag,
                     __gnu_pbds::tree_order_statistics_node_update>
        ended;
    std::set<Entry> waiting;  ///< Ended with a value, not promoted.
    std::unordered_map<std::uint64_t, double> key_of;  ///< Ended: its key.
    std::unordered_set<std::uint64_t> promoted;        ///< Went up.
    void promote(std::uint64_t config);
  };
  Rung& rung(unsigned bracket, unsigned r) { return rungs_[{bracket, r}]; }
  std::optional<std::uint64_t> promotable(const Rung& r) const;

  HalvingShape shape_;
  std::vector<unsigned> cycle_;  ///< Bracket of config c: cycle_[c % size].
  std::map<std::pair<unsigned, unsigned>, Rung> rungs_;
  std::unordered_set<std::uint64_t> started_;  ///< Restored configurations.
  std::uint64_t next_config_ = 0;  ///< The next configuration to start.
  unsigned highest_ = 0;           ///< The highest rung started.
};

}  // namespace sweep
