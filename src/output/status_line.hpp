#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/job.hpp"
#include "sweep/stats.hpp"

namespace sweep {

/// One line of live status on a terminal, rewritten in place as ninja does:
/// `\r`, the text elided to the terminal width, `ESC[K`. Anything else
/// printed to the same terminal goes through print_above() so the line is
/// never broken.
class StatusLine {
 public:
  /// Draws on fd when enabled; otherwise every call is a no-op but
  /// print_above, which just writes.
  StatusLine(int fd, bool enabled);
  /// Replaces the status text and redraws it.
  void set(const std::string& text);
  /// Removes the line from the screen (until the next set or print_above).
  void clear();
  /// Writes text (whole lines) above the status line.
  void print_above(std::string_view text);
  /// True when the line is drawn.
  bool enabled() const { return enabled_; }
  /// True if fd is a terminal that understands `\r` and `ESC[K`.
  static bool is_smart_terminal(int fd);

 private:
  void draw();
  int fd_;
  bool enabled_;
  bool shown_ = false;
  std::string text_;
};

/// `[done/total] running N, failed F, 1m02s elapsed, ETA 3m10s, 12.3 jobs/s`.
std::string format_progress(const ProgressCounts& c);

/// Keeps a StatusLine up to date from job events, on each tick.
class ProgressSink : public EventSink {
 public:
  ProgressSink(StatusLine& line, std::uint64_t total) : line_(line) {
    counts_.total = total;
  }
  void on_start(const Job& job) override;
  void on_line(const Job&, Stream, std::string_view) override {}
  void on_lines(const Job&, Stream, std::string_view) override {}
  void on_finish(const Job& job, const JobResult& result) override;
  void on_tick() override;
  void on_held(std::string_view why) override { counts_.held = why; }
  /// Jobs the run will skip (already done): left out of the count to run.
  void set_skipped(std::uint64_t n) { counts_.skipped = n; }
  /// Removes the line at the end of the run.
  void finish() { line_.clear(); }

 private:
  StatusLine& line_;
  ProgressCounts counts_;
  Clock::time_point begin_ = Clock::now();
};

}  // namespace sweep
