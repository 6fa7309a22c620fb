#pragma once

// A run directory (--run-dir): one layout for both backends, so that merge,
// status and resume read a local run and a Slurm run alike (README.md, "The
// run directory").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/job.hpp"
#include "sweep/record.hpp"

namespace sweep {

/// The names of a run directory's files. A run is split into shards (one
/// for a local run, one per array task on Slurm); each invocation of a shard
/// (a submission, a resume) has an id and writes a stream of its own.
///
///     sweep.json                 the definition: grid, command, plan size
///     submissions.jsonl          one line per invocation: its id, when
///     shard-I.journal            shard I's journal (what is done)
///     shard-I-ID.jsonl           shard I's result stream of invocation ID
///     shard-I-ID.stats.json      its statistics, written at its end
///     shard-I.live.json          shard I's live counts (while it runs)
///     shard-I.lock               held (flock) while shard I runs
///     jobs/KEY/                  each job's own directory
///     job.sh, slurm-A_I.out      Slurm only: the array script, task logs
class RunDirLayout {
 public:
  explicit RunDirLayout(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  std::string definition() const { return dir_ + "/sweep.json"; }
  std::string submissions() const { return dir_ + "/submissions.jsonl"; }
  std::string slurm_script() const { return dir_ + "/job.sh"; }
  std::string jobs() const { return dir_ + "/jobs"; }
  /// Names with a shell variable or a number for the shard and the id, so
  /// the Slurm script and sweep itself spell them the same way.
  std::string journal(std::string_view shard) const;
  std::string stream(std::string_view shard, std::string_view id) const;
  std::string stats(std::string_view shard, std::string_view id) const;
  std::string live(std::string_view shard) const;
  std::string lock(std::string_view shard) const;
  std::string journal(std::uint64_t shard) const;
  std::string live(std::uint64_t shard) const;
  std::string lock(std::uint64_t shard) const;

  /// The result streams (shard-*-*.jsonl), sorted by shard, then by
  /// invocation in the order they were made.
  std::vector<std::string> streams() const;
  /// True if this directory holds a definition.
  bool exists() const;
  /// The id of the next local invocation: `local-N`, N one more than the
  /// local invocations recorded (zero-padded so the streams sort in order).
  std::string next_local_id() const;
  /// Appends one line to submissions.jsonl: {"id":..,"backend":..,"time":..}
  /// plus `extra` members (a JSON object's text without braces, or empty).
  void record_submission(std::string_view id, std::string_view backend,
                         std::string_view extra) const;
  /// The last recorded invocation's line, as JSON text, if any.
  std::optional<std::string> last_submission() const;

 private:
  std::string dir_;
};

/// True if name is a run directory's stream, `shard-I-ID.jsonl`; sets the
/// shard and the invocation's id.
bool parse_stream_name(const std::string& name, std::uint64_t& shard,
                       std::string& id);

/// A job's directory name: its key in hex. Keys are hashes, so no parameter
/// value can put a path separator or `..` in it, and a job keeps its
/// directory across resumes, retries and grid changes.
std::string job_dir_name(const JobKey& key);

/// Creates DIR/jobs/KEY for jobs before they start, relative to DIR's
/// descriptor and without following links: a symbolic link at `jobs` or at
/// a job's directory is refused (Error, exit 2).
class JobDirs {
 public:
  /// Creates root (DIR/jobs) if needed; root's parent may be a link (the
  /// user named it), root itself may not.
  explicit JobDirs(std::string root);
  ~JobDirs();
  JobDirs(const JobDirs&) = delete;
  JobDirs& operator=(const JobDirs&) = delete;
  /// The absolute path of a job's directory (created or not).
  std::string path(const JobKey& key) const;
  /// Creates the job's directory if needed (an existing one is reused).
  void create(const JobKey& key) const;

 private:
  std::string root_;
  int fd_ = -1;
};

/// Holds shard-I.lock (flock) while a shard runs: a second run of the same
/// shard is refused, and `sweep status` sees that the shard is running.
class RunLock {
 public:
  /// Takes the lock; throws Error (exit 2) if another sweep holds it.
  explicit RunLock(const std::string& path);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  /// True if some process holds the lock at path now.
  static bool held(const std::string& path);

 private:
  int fd_ = -1;
};

/// Writes a small file whole: under a temporary name, then renamed, so a
/// reader sees the old or the new content, never a part.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace sweep
