#pragma once

// The one pass over a result stream: each record once, kept only as what
// the report needs (per group of replicates, per metric, one value a job),
// so memory grows with groups x metrics, never with lines.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "report/curve.hpp"
#include "report/metrics.hpp"
#include "sweep/record.hpp"
#include "sweep/value.hpp"

namespace sweep::report {

/// What to collect from the records.
struct CollectOptions {
  std::vector<MetricSpec> metrics;  ///< Empty: every metric of the output.
  Reduce reduce = Reduce::kLast;    ///< How a job's values become one.
  std::vector<std::string> over;    ///< Parameters replicates differ by.
  std::string metric_regex;         ///< Replaces the plain-line rule.
};

/// The end-record metrics every job has.
inline const std::vector<std::string>& builtin_metrics() {
  static const std::vector<std::string> names = {
      "duration_s", "cpu_user_s", "cpu_sys_s", "max_rss_kb", "exit"};
  return names;
}

/// Jobs that differ only by their repeat or the --over parameters.
struct Group {
  /// The grouping parameters with their values, in grid order.
  std::vector<std::pair<std::string, Value>> params;
  std::uint64_t first_job = 0;  ///< Orders groups as the grid does.
  std::uint64_t runs = 0;       ///< Jobs that ended (not stopped by sweep).
  std::uint64_t failed = 0;     ///< Of those, failed.
  /// Per metric (Dataset::metrics), one value per job that reported it.
  std::vector<std::vector<double>> values;
  /// The primary metric against step/epoch, over the jobs that succeeded.
  GroupCurve curve;
  /// --halving: the highest rung a job of the group succeeded at, or -1.
  int rung = -1;
};

/// A failed job, as much as the stream tells of it.
struct FailedJob {
  std::uint64_t job = 0;
  std::string params;   ///< As JSON.
  std::string outcome;  ///< "exit 3", "SIGKILL", "timeout", "not started".
  std::string last_stdout, last_stderr;  ///< Its last lines, if any.
};

/// How jobs failed.
struct Failures {
  std::map<std::string, std::uint64_t> by_outcome;  ///< "exit 1" -> jobs.
  std::uint64_t timeouts = 0;
  std::uint64_t stopped = 0;     ///< Stopped by sweep: not run to the end.
  std::uint64_t pruned = 0;      ///< Stopped early by --prune.
  std::uint64_t unfinished = 0;  ///< Jobs without an end record.
  std::vector<FailedJob> jobs;   ///< The first kListed failed jobs.
  static constexpr size_t kListed = 20;
};

/// Everything the report is computed from.
struct Dataset {
  std::vector<std::string> params;  ///< Grouping parameters, grid order.
  std::vector<MetricSpec> metrics;  ///< Collected metrics, in order.
  std::vector<std::string> found;   ///< Every metric name seen, in order.
  std::vector<Group> groups;        ///< In grid order (by first job).
  bool rungs = false;               ///< Some job ran at a --halving rung.
  Failures failures;
  std::uint64_t records = 0, jobs = 0;
};

/// The metrics of a stdout line record, as the report reads them: the
/// numbers of a JSON line, else what the scanner finds in plain text (into
/// pairs, replaced; names point into the record). Returns the line's step
/// or epoch, if it has one.
std::optional<double> line_metrics(const Record& r, const LineScanner& scanner,
                                   LinePairs& pairs);

/// Thrown by Collector::add for a job that ends a second time: the stream
/// holds reruns (a resumed run appended to it), which only a merge, keeping
/// each job's best outcome, can count right.
struct JobEndedTwice {
  std::uint64_t job;
};

/// Reads records one at a time (in stream order) into a Dataset.
class Collector {
 public:
  /// The fields of a record the collector reads.
  static constexpr unsigned kFields =
      kFieldParamValues | kFieldLine | kFieldResult | kFieldData;
  /// Throws Error for a bad --metric-regex.
  explicit Collector(const CollectOptions& options);
  ~Collector();
  Collector(Collector&&) noexcept;
  /// Takes one record; throws JobEndedTwice (see there).
  void add(const Record& record);
  /// The dataset, after the last record; throws Error naming --metric or
  /// --over when what they name is not in the stream, or for no jobs.
  Dataset finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

/// Every record of a result stream (a regular file) collected; with two
/// `threads`, one reads and splits the file while the caller's collects.
Dataset collect_file(const std::string& path, const CollectOptions& options,
                     unsigned threads);

/// The threads collect_file should use for a file of `bytes`: one for small
/// files or a single processor, else two.
unsigned collect_threads(std::uint64_t bytes);

}  // namespace sweep::report
