#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sweep/record.hpp"

namespace sweep {

/// The figures of a finished run, as reported at its end.
struct StatsSummary {
  std::uint64_t points = 0;     ///< Distinct points the run was to run.
  std::uint64_t jobs = 0;       ///< Jobs the run was to run (points x repeats).
  std::uint64_t skipped = 0;    ///< Jobs skipped as already done (--resume).
  std::uint64_t started = 0;    ///< Jobs started (including failed starts).
  std::uint64_t succeeded = 0;  ///< Jobs whose last attempt exited 0.
  std::uint64_t failed = 0;     ///< Jobs whose last attempt failed.
  std::uint64_t timed_out = 0;  ///< Failed jobs whose last attempt timed out.
  std::uint64_t stopped = 0;    ///< Jobs killed by sweep (interrupt, halt).
  std::uint64_t pruned = 0;     ///< Jobs stopped early by --prune.
  std::uint64_t retries = 0;    ///< Attempts that were run again.
  double wall_s = 0;            ///< Wall time of the run.
  bool wall_known = true;       ///< False: merged streams that did not say.
  std::size_t threads = 1;      ///< Jobs allowed at once.
  /// Duration of finished attempts.
  double min_s = 0, median_s = 0, p95_s = 0, max_s = 0, mean_s = 0;
  double total_job_s = 0;  ///< Sum of attempt durations.
  double jobs_per_s = 0;   ///< Finished attempts per second of wall time.
  double utilisation = 0;  ///< total_job_s / (wall_s * threads).
  double cpu_user_s = 0;   ///< Sum over attempts.
  double cpu_sys_s = 0;    ///< Sum over attempts.
  long max_rss_kb = 0;     ///< Largest peak RSS of any attempt.
  int interrupted_by = 0;  ///< Signal that stopped the run, or 0.
  bool halted = false;     ///< --max-failures was reached.
  std::string target;      ///< The --stop-when target met, or "".
  /// Jobs never started.
  std::uint64_t not_run() const {
    return jobs > skipped + started ? jobs - skipped - started : 0;
  }
};

/// What the progress line shows (and evaluate's on_progress receives).
struct ProgressCounts {
  std::uint64_t done = 0, total = 0, running = 0, failed = 0;
  std::uint64_t skipped = 0;  ///< Of total, already done before the run.
  std::uint64_t pruned = 0;   ///< Of done, stopped early by --prune.
  int rung = -1;  ///< --halving: the highest rung started so far, or -1.
  double elapsed_s = 0;
  std::string held;  ///< Why no job starts now (--memfree, --load), or "".
};

/// Collects the statistics of a run from how its jobs ended.
class Stats {
 public:
  Stats(std::uint64_t points, std::uint64_t jobs, std::size_t threads)
      : points_(points), jobs_(jobs), threads_(threads) {}
  /// A job's first attempt was started.
  void started() { ++started_; }
  /// An attempt ended.
  void finished(const JobResult& result);
  /// An end record of a stream: an attempt that ended (the job's start is
  /// counted with its first attempt).
  void add_end_record(const JobResult& result, unsigned attempt) {
    if (attempt == 1) started();
    finished(result);
  }
  /// Records jobs skipped before the run (already done).
  void add_skipped(std::uint64_t n) { skipped_ += n; }
  /// The number of jobs the run takes turned out to be `n` (--halving: it
  /// depends on the values the jobs print).
  void set_jobs(std::uint64_t n) { jobs_ = n; }
  /// Jobs started or skipped so far.
  std::uint64_t jobs_seen() const { return started_ + skipped_; }
  /// The summary for a run that took wall_s seconds.
  StatsSummary summary(double wall_s, int interrupted_by = 0,
                       bool halted = false) const;

 private:
  std::uint64_t points_, jobs_;
  std::size_t threads_;
  std::uint64_t skipped_ = 0, started_ = 0, succeeded_ = 0, failed_ = 0,
                timed_out_ = 0, stopped_ = 0, pruned_ = 0, retries_ = 0;
  double cpu_user_s_ = 0, cpu_sys_s_ = 0;
  double total_job_s_ = 0, min_s_ = 0, max_s_ = 0;
  long max_rss_kb_ = 0;
  /// Each attempt's duration, for the median and p95 only (reordered by
  /// summary()). Floats in blocks: a merge of 10^6 jobs keeps 4 bytes a job
  /// and never copies them to grow; sums, min and max are kept in doubles.
  mutable std::deque<float> durations_;
};

/// Linear-interpolated quantile (numpy's default) of unsorted values; q in
/// [0,1].
double quantile(std::vector<double> values, double q);
/// The same, reordering values instead of copying them.
double quantile_in_place(std::vector<double>& values, double q);

/// A duration for people: "850 us", "12.30 ms", "4.210 s", "2m 05.0s".
std::string format_duration(double seconds);

/// The statistics report printed at the end of a run (several lines).
std::string format_report(const StatsSummary& s);

/// The same figures as one JSON object (for --stats-json).
std::string stats_json(const StatsSummary& s);

}  // namespace sweep
