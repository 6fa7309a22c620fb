#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/job.hpp"

namespace sweep {

/// How one collected file was read: one JSON object per record.
struct CollectedFile {
  std::vector<std::string> objects;  ///< Compact JSON objects, in order.
};

/// Reads a file's values: a JSON object (one record), JSON Lines (a record
/// per object line) or `key=value` / `key: value` text (one record; values
/// typed as JSON reads them, else strings). Empty when it holds no values.
CollectedFile parse_collected(std::string_view text);

/// Checks a --collect pattern: relative, and never above the job's directory
/// (no `..`). Throws Error naming it.
void check_collect_pattern(const std::string& pattern);

/// After each attempt of a job, reads the files of its directory that match
/// the --collect patterns (globs, relative to the directory) and passes
/// their values on as file records, before the attempt's end. A pattern
/// that matches nothing is listed in the end record (`collect_missing`); a
/// file over kMaxBytes, or not a regular file (a link is not followed), is
/// refused with a warning and listed (`collect_refused`).
class CollectSink : public EventSink {
 public:
  /// The largest file read: 16 MiB. Read in sweep's event loop, so bounded.
  static constexpr std::uint64_t kMaxBytes = std::uint64_t{16} << 20;

  CollectSink(EventSink& next, std::vector<std::string> patterns,
              std::function<void(const std::string&)> warn,
              std::uint64_t max_bytes = kMaxBytes);
  void on_start(const Job& job) override { next_.on_start(job); }
  void on_line(const Job& job, Stream s, std::string_view line) override {
    next_.on_line(job, s, line);
  }
  void on_lines(const Job& job, Stream s, std::string_view lines) override {
    next_.on_lines(job, s, lines);
  }
  void on_file_record(const Job& job, std::string_view file,
                      std::string_view data) override {
    next_.on_file_record(job, file, data);
  }
  void on_finish(const Job& job, const JobResult& result) override;
  bool wants_stop() const override { return next_.wants_stop(); }
  void flush() override { next_.flush(); }
  void on_tick() override { next_.on_tick(); }
  void on_held(std::string_view why) override { next_.on_held(why); }

 private:
  /// Reads one matched file (name relative to the job's directory).
  void collect_file(const Job& job, const std::string& name, JobResult& r);
  EventSink& next_;
  std::vector<std::string> patterns_;
  std::function<void(const std::string&)> warn_;
  std::uint64_t max_bytes_;
};

}  // namespace sweep
