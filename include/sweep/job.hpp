#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// One command to run: a grid point rendered into argv and environment.
struct Job {
  std::uint64_t index = 0;        ///< The job's index (point x repeats + rep).
  std::uint64_t point = 0;        ///< The point's index in the grid.
  std::uint64_t rep = 0;          ///< 0-based repeat of the point.
  bool repeated = false;          ///< The run repeats points: records show rep.
  std::size_t slot = 0;           ///< 0-based slot of the running job.
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
  /// True if the job exited with status 0.
  bool ok() const { return signal == 0 && exit_code == 0 && error.empty(); }
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
  /// The job has exited and its output is fully read.
  virtual void on_finish(const Job& job, const JobResult& result) = 0;
  /// True when the sink can take no more (e.g. its reader closed the pipe).
  virtual bool wants_stop() const { return false; }
  /// Called before the scheduler blocks: write out anything buffered.
  virtual void flush() {}
};

/// Produces jobs one at a time, lazily.
class JobSource {
 public:
  virtual ~JobSource() = default;
  /// The next job, to run in the given slot, or nothing when all have been
  /// handed out.
  virtual std::optional<Job> next(std::size_t slot) = 0;
};

/// The conventional name of a signal ("SIGKILL"), or "SIG<n>".
std::string signal_name(int sig);

}  // namespace sweep
