#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// Identity of a job across runs: a 128-bit hash of its parameters as
/// canonical JSON (names sorted) and its repeat. Matching by parameters, not
/// by index, keeps resume right when the grid changes.
struct JobKey {
  std::uint64_t hi = 0, lo = 0;
  auto operator<=>(const JobKey&) const = default;
  /// 32 lowercase hex digits.
  std::string hex() const;
  /// Parses 32 hex digits; false if malformed.
  static bool from_hex(std::string_view text, JobKey& out);
};

/// One command to run: a grid point rendered into argv and environment.
struct Job {
  std::uint64_t index = 0;  ///< The job's index (point x repeats + rep).
  std::uint64_t point = 0;  ///< The point's index in the grid.
  std::uint64_t rep = 0;    ///< 0-based repeat of the point.
  bool repeated = false;    ///< The run repeats points: records show rep.
  std::size_t slot = 0;     ///< 0-based slot of the running job.
  std::uint64_t pos = 0;    ///< Position in the job source's order.
  std::uint64_t seq = 0;    ///< Start order, from 0; kept across retries.
  unsigned attempt = 1;     ///< 1-based attempt.
  bool retrying = false;    ///< The run allows retries: records show attempt.
  JobKey key;               ///< Identity across runs, for the journal.
  std::vector<std::string> argv;  ///< Never empty.
  std::vector<std::string>
      env;                  ///< NAME=VALUE entries added to the environment.
  std::string params_json;  ///< The point as a JSON object, serialized once.
};

/// Which output stream of a job a line came from.
enum class Stream { kStdout = 0, kStderr = 1 };

/// How a job ended.
struct JobResult {
  int exit_code = 0;      ///< Meaningful when signal == 0.
  int signal = 0;         ///< The signal that ended the job, or 0.
  double duration_s = 0;  ///< From spawn to exit.
  std::string error;      ///< Set when the job could not be started.
  bool timeout = false;   ///< Killed for running past --timeout.
  bool stopped = false;   ///< Killed by sweep (interrupt or halt), not failed.
  bool will_retry = false;  ///< A failed attempt that will be run again.
  double cpu_user_s =
      0;  ///< User CPU time of the job and its waited-for children.
  double cpu_sys_s = 0;  ///< System CPU time, likewise.
  long max_rss_kb = 0;   ///< Peak resident set size, in KiB.
  /// True if the job exited with status 0 in time.
  bool ok() const {
    return signal == 0 && exit_code == 0 && error.empty() && !timeout;
  }
  /// True if this result decides the job's outcome (no retry follows).
  bool final() const { return !will_retry; }
};

/// Receives what happens to jobs, in order per job: start, lines, finish.
class EventSink {
 public:
  virtual ~EventSink() = default;
  /// A job was started (or failed to start; on_finish follows).
  virtual void on_start(const Job&) {}
  /// One line of a job's output, without its newline.
  virtual void on_line(const Job& job, Stream stream,
                       std::string_view line) = 0;
  /// One or more complete lines, joined by '\n', without the last newline:
  /// what one read of a pipe completed. The default calls on_line per line;
  /// sinks on the hot path override it to handle the block at once.
  virtual void on_lines(const Job& job, Stream stream, std::string_view lines);
  /// The job has exited and its output is fully read.
  virtual void on_finish(const Job& job, const JobResult& result) = 0;
  /// True when the sink can take no more (e.g. its reader closed the pipe).
  virtual bool wants_stop() const { return false; }
  /// Called before the scheduler blocks: write out anything buffered.
  virtual void flush() {}
  /// Called about every tick while jobs run (for live progress).
  virtual void on_tick() {}
};

/// Produces jobs one at a time, lazily.
class JobSource {
 public:
  virtual ~JobSource() = default;
  /// The next job, to run in the given slot, or nothing when all have been
  /// handed out.
  virtual std::optional<Job> next(std::size_t slot) = 0;
  /// The same job again for another attempt, to run in the given slot.
  virtual Job again(const Job& job, std::size_t slot) {
    Job j = job;
    j.slot = slot;
    return j;
  }
};

/// The conventional name of a signal ("SIGKILL"), or "SIG<n>".
std::string signal_name(int sig);

}  // namespace sweep
