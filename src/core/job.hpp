#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_writer.hpp"
#include "sweep/record.hpp"

namespace sweep {

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
  /// Attempts sweep stopped for want of memory (--memfree): they do not count
  /// against --retries.
  unsigned requeues = 0;
  JobKey key;                     ///< Identity across runs, for the journal.
  std::vector<std::string> argv;  ///< Never empty.
  std::vector<std::string>
      env;                  ///< NAME=VALUE entries added to the environment.
  std::string params_json;  ///< The point as a JSON object, serialized once.
  /// The exact bytes of string values that are not UTF-8, base64, as a JSON
  /// object; empty when every value is UTF-8 (almost always).
  std::string params_b64_json;
  /// The job's own directory (absolute; --run-dir, --results), or empty.
  std::string dir;
  /// The job's working directory, or empty for sweep's (--chdir).
  std::string cwd;
  /// Devices its slot owns (--gpus), as CUDA_VISIBLE_DEVICES lists them.
  std::vector<std::string> gpus;
  /// Cores its slot owns (--cpus-per-job); empty: not pinned.
  std::vector<int> cpus;
  /// Its rung (--halving: which budget it runs at), or -1.
  int rung = -1;
};

/// The head of every record of this job: job, params, and rep and attempt
/// when the run repeats or retries.
RecordHead record_head(const Job& job);

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
  /// Values read from one of the job's files after it ended (--collect): a
  /// JSON object, before the job's on_finish.
  virtual void on_file_record(const Job&, std::string_view /*file*/,
                              std::string_view /*data_json*/) {}
  /// The job has exited and its output is fully read.
  virtual void on_finish(const Job& job, const JobResult& result) = 0;
  /// True when the sink can take no more (e.g. its reader closed the pipe).
  virtual bool wants_stop() const { return false; }
  /// Called before the scheduler blocks: write out anything buffered.
  virtual void flush() {}
  /// Called about every tick while jobs run (for live progress).
  virtual void on_tick() {}
  /// Why no job may start now (--memfree, --load), or "" once jobs may start
  /// again; called when that changes.
  virtual void on_held(std::string_view /*why*/) {}
};

/// Decisions a run takes from what its jobs print (--stop-when, --prune): the
/// scheduler asks after each wait; the side that reads metrics lives in the
/// report layer, above the scheduler, and sees the jobs' events as a sink.
class JobController {
 public:
  virtual ~JobController() = default;
  /// Why the sweep should start no new job (a target was reached), or "".
  virtual std::string stop_reason() const = 0;
  /// A running job to stop early, and the step it was judged at.
  struct Prune {
    std::uint64_t job = 0;  ///< Job::index.
    double step = 0;
  };
  /// The jobs to prune decided since the last call, each once.
  virtual std::vector<Prune> take_prunes() { return {}; }
  /// The last value of the metric a running job printed (--halving judges
  /// a trial by it), or nothing.
  virtual std::optional<double> last_value(std::uint64_t /*job*/) const {
    return std::nullopt;
  }
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
  /// A job's final outcome (no retry follows; not stopped by sweep), so that
  /// what runs next may depend on it (--halving).
  virtual void finished(const Job&, const JobResult&) {}
};

}  // namespace sweep
