#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/job.hpp"
#include "sweep/stats.hpp"

namespace sweep {

/// Keeps a run directory's shard-I.live.json up to date, so `sweep status`
/// in another terminal can show a running shard: jobs done, running and
/// failed, elapsed time and the ETA. Counting costs nothing per job; the
/// file is rewritten (whole, by rename) at most once per `every`, on the
/// scheduler's tick, and once at the end.
class LiveStatusSink : public EventSink {
 public:
  LiveStatusSink(std::string path, std::string id, std::uint64_t total,
                 Clock::duration every = std::chrono::seconds(1));
  void on_start(const Job& job) override;
  void on_line(const Job&, Stream, std::string_view) override {}
  void on_lines(const Job&, Stream, std::string_view) override {}
  void on_finish(const Job& job, const JobResult& result) override;
  void on_tick() override;
  /// Jobs the run will skip (already done): left out of the count to run.
  void set_skipped(std::uint64_t n) { counts_.skipped = n; }
  /// Writes the final counts, marked finished (interrupted: by that signal).
  void finish(int interrupted_by);

 private:
  void write(bool finished, int interrupted_by);
  std::string path_, id_;
  ProgressCounts counts_;
  Clock::time_point begin_ = Clock::now(), next_write_ = begin_;
  Clock::duration every_;
};

/// What a live file said.
struct LiveStatus {
  std::string id;          ///< The invocation writing it.
  long pid = 0;            ///< Its sweep process.
  ProgressCounts counts;   ///< As of `updated`.
  bool finished = false;   ///< The invocation ended (normally or not).
  int interrupted_by = 0;  ///< The signal that ended it, if any.
  std::string updated;     ///< UTC time of the last write.
};

/// Reads a live file; nothing if it is missing or malformed.
std::optional<LiveStatus> read_live_status(const std::string& path);

}  // namespace sweep
