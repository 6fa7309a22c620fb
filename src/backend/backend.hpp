#pragma once

// Beyond one machine: shards from the environment, Slurm job arrays, and
// merging the shards' result streams.

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "output/output_stream.hpp"
#include "sweep/stats.hpp"

namespace sweep {

/// The shard a CI or cluster task should run, from its environment: Slurm
/// arrays (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT or _MIN/_MAX),
/// GitLab CI (CI_NODE_INDEX/CI_NODE_TOTAL, 1-based) or SWEEP_SHARD=I/N.
/// Throws Error when none is set or a value is malformed.
void shard_from_environment(
    std::uint64_t& index, std::uint64_t& count,
    const std::function<const char*(const char*)>& getenv);

/// What a finished command printed.
struct CommandOutput {
  int exit = -1;
  std::string out, err;
};

/// Runs a short command (no shell) and waits for it. Throws Error if it
/// cannot be started.
CommandOutput run_command(const std::vector<std::string>& argv);

/// How merge_streams treats the shards' records.
struct MergeOptions {
  std::uint64_t points = 0;  ///< Planned points, if known (else: jobs seen).
  std::uint64_t jobs = 0;    ///< Planned jobs, if known.
  std::size_t threads = 1;   ///< For the utilisation figure.
  std::optional<double> wall_s;  ///< Wall time to report, if known.
};

/// Which stream holds each job's chosen records, as (file << 2 | rank) + 1:
/// an array indexed by job while indexes are dense (4 bytes a job), else
/// open addressing on the job index (at most 16 bytes a job).
class JobOwners {
 public:
  JobOwners() { reserve(0); }
  /// Makes room in the table for this many sparse jobs at once.
  void reserve(std::uint64_t jobs);
  /// Expects jobs 0..jobs-1 (dense), when the plan is known.
  void expect(std::uint64_t jobs) { dense_.reserve(jobs); }
  /// The value for job, or 0.
  std::uint32_t get(std::uint64_t job) const;
  /// Sets job's value (never 0).
  void set(std::uint64_t job, std::uint32_t val);
  std::uint64_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t& key;
    std::uint32_t& val;
  };
  Slot slot(std::uint64_t job);
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> vals_;   ///< 0 marks an empty slot.
  std::vector<std::uint32_t> dense_;  ///< By job index while dense; 0: none.
  std::uint64_t min_hashed_ = UINT64_MAX;  ///< The lowest job in the table.
  std::uint64_t size_ = 0;
};

/// What the shards' statistics files (X.stats.json beside X.jsonl) say.
struct ShardTimes {
  double wall_s = 0;        ///< The longest shard's wall time.
  std::size_t threads = 0;  ///< Jobs at once, over all shards.
};

/// The shards' times from their statistics files, if any has one.
std::optional<ShardTimes> shard_times(const std::vector<std::string>& files);

/// What merging found.
struct MergeResult {
  StatsSummary stats;            ///< As a local run would report it.
  std::uint64_t records = 0;     ///< Records written.
  std::uint64_t duplicates = 0;  ///< Jobs finished in more than one stream.
};

/// Writes the records of several result streams (JSON Lines) to out, each
/// job's records once: a job that finished in several streams (rerun by a
/// resume, or in two shards) is taken from the first stream where it
/// finished and reported as a duplicate, not counted twice. A job that only
/// has records of being stopped counts as stopped. Statistics come from the
/// end records. Throws Error naming a file and line that is not a record.
MergeResult merge_streams(const std::vector<std::string>& files,
                          OutputStream& out, const MergeOptions& options);

/// The result streams of a run directory (shard-*.jsonl), or the .jsonl
/// files a path names (a directory: every .jsonl in it), sorted.
std::vector<std::string> stream_files(const std::string& path);

}  // namespace sweep

namespace sweep {

/// A sweep to run as one Slurm job array, one shard per array task.
struct SlurmRun {
  std::string run_dir;  ///< Absolute; on a filesystem every node sees.
  std::string cwd;      ///< Where tasks run (also shared).
  std::vector<std::string>
      task_argv;  ///< `sweep run OPTIONS`, without shard and outputs.
  std::vector<std::string> command;  ///< What follows `--`.
  std::uint64_t shards = 1;          ///< N: array tasks 0..N-1.
  std::vector<std::uint64_t>
      tasks;                   ///< Task ids to submit (all, or those left).
  std::uint64_t throttle = 0;  ///< At most this many tasks at once (%M).
  std::vector<std::string> sbatch_options;  ///< Passed through to sbatch.
  /// Jobs at once in each task; 0: SLURM_CPUS_PER_TASK (or 1).
  std::uint64_t task_jobs = 0;
  /// GPUs each task asks for (--gres=gpu:N), shared out by its jobs.
  std::uint64_t task_gpus = 0;
  /// Cores each task asks for (--cpus-per-task=N), likewise; 0: Slurm's.
  std::uint64_t task_cpus = 0;
  std::uint64_t points = 0, jobs = 0;     ///< Planned, for progress and merge.
  std::vector<std::uint64_t> shard_jobs;  ///< Planned jobs per shard.
  /// What every run directory's sweep.json holds (grid, command, ...); the
  /// Slurm fields are added to it.
  nlohmann::ordered_json definition;
};

/// Writes DIR/sweep.json (the definition) and DIR/job.sh (the array script).
void write_slurm_run_dir(const SlurmRun& run);

/// Submits DIR/job.sh as one array job; returns the job id.
std::string submit_slurm_array(const SlurmRun& run);

/// The cluster's MaxArraySize (1001 if it cannot be read).
std::uint64_t slurm_max_array_size();

/// Array task ids of a job still pending or running, with their states.
std::vector<std::pair<std::uint64_t, std::string>> slurm_tasks_alive(
    const std::string& job_id);

/// Cancels a job (scancel).
void slurm_cancel(const std::string& job_id);

/// The array expression for task ids: "0-9" or "1,4,7" (with "%M").
std::string slurm_array_spec(const std::vector<std::uint64_t>& tasks,
                             std::uint64_t throttle);

/// Counts the jobs a run directory's journals record: (done, failed) per
/// shard, each job once, failed if none of its runs succeeded.
std::vector<std::pair<std::uint64_t, std::uint64_t>> shard_journal_counts(
    const std::string& dir, std::uint64_t shards);

}  // namespace sweep
