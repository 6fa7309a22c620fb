#pragma once

// sweep run --stop-when, --prune: the metrics a running sweep's jobs print,
// read as `sweep report` reads them (the records the stream gets,
// line_metrics), and the decisions taken from them, which the scheduler asks
// for.

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/job.hpp"
#include "report/collector_sink.hpp"
#include "report/condition.hpp"
#include "report/metrics.hpp"
#include "report/pruner.hpp"

namespace sweep::report {

/// Parses --stop-when values: one numeric condition each (NAME OP NUMBER);
/// throws Error naming the flag and the value at fault.
std::vector<Condition> parse_targets(const std::vector<std::string>& texts);

/// What a MetricWatch decides on.
struct WatchOptions {
  std::vector<Condition> targets;  ///< --stop-when: any of them.
  std::optional<PruneRule> prune;  ///< --prune, on `metric`.
  std::string metric;              ///< The metric --prune judges.
  std::string metric_regex;        ///< Replaces the plain-line rule.
  /// Keep each running job's last value of `metric` (--halving).
  bool last_values = false;
};

/// Watches the jobs' stdout metrics for the first value that meets any of
/// the targets, and for jobs to prune.
class MetricWatch : public EventSink, public JobController {
 public:
  explicit MetricWatch(WatchOptions options);
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_finish(const Job& job, const JobResult&) override {
    last_.erase(job.index);
  }
  /// "acc=0.995 met --stop-when acc>=0.99 (job 3)", once one was met.
  std::string stop_reason() const override { return reason_; }
  std::vector<Prune> take_prunes() override;
  std::optional<double> last_value(std::uint64_t job) const override;

 private:
  void check_targets(const Job& job);
  std::vector<Condition> targets_;
  std::string metric_;
  std::optional<Pruner> pruner_;
  std::vector<Prune> prunes_;                 ///< Decided, not yet taken.
  std::unordered_set<std::uint64_t> pruned_;  ///< Decided: judged no more.
  bool keep_last_ = false;
  std::unordered_map<std::uint64_t, double> last_;  ///< Running jobs' last.
  LineScanner scanner_;
  EventRecords records_;
  LinePairs pairs_;     ///< The last line's metrics, reused.
  std::string reason_;  ///< Set by the first target met.
};

}  // namespace sweep::report
