#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "command/command_template.hpp"
#include "common.hpp"
#include "exec/job_source.hpp"
#include "exec/machine_probe.hpp"
#include "exec/scheduler.hpp"
#include "exec/slot_resources.hpp"
#include "output/atomic_file.hpp"
#include "output/output_stream.hpp"
#include "report/collect.hpp"
#include "report/format.hpp"
#include "report/html_writer.hpp"

namespace sweep::cli {

/// --format: how the result stream is written.
enum class OutputFormat { kJsonl, kText };
/// --stderr: where jobs' stderr lines go.
enum class StderrMode { kPass, kStream };
/// --backend: where jobs run.
enum class Backend { kLocal, kSlurm };

/// What a report computes and how it is written: the options of `sweep
/// report`, also on `sweep run --report`.
struct ReportFlags {
  std::vector<std::string> metrics;               ///< --metric NAME[:max|:min]
  report::Reduce reduce = report::Reduce::kLast;  ///< --reduce
  std::vector<std::string> over;                  ///< --over P,Q
  std::string metric_regex;                       ///< --metric-regex RE
  double ci = 0.95;                               ///< --ci LEVEL
  double alpha = 0.05;                            ///< --alpha LEVEL
  std::uint64_t top = 0;                          ///< --top N (0: all)
  std::vector<std::string> where;        ///< --where CONDS (repeatable)
  std::string pivot;                     ///< --pivot ROW,COL
  std::optional<report::Format> format;  ///< --format (else from -o)
  std::string output;                    ///< -o FILE (empty: stdout)
  std::vector<std::string> asserts;      ///< --assert COND (repeatable)
  std::string html;  ///< --html FILE (run: --report-html): the page too.
};

/// Options of `sweep run`.
struct RunOptions {
  GridOptions grid;
  LogOptions log;
  int threads = 0;  ///< 0: the number of online CPUs.
  std::string output;
  std::string stats_json;
  bool dry_run = false;
  std::optional<std::string> timeout;  ///< --timeout DURATION (never "")
  std::string kill_after = "5s";       ///< --kill-after DURATION
  unsigned retries = 0;                ///< --retries N
  bool halt_on_failure = false;        ///< --halt-on-failure
  std::uint64_t max_failures = 0;      ///< --max-failures N
  bool halt_now = false;               ///< --halt-now
  std::vector<std::string> stop_when;  ///< --stop-when, each a condition
  std::string prune;                   ///< --prune median|percentile:P
  std::uint64_t prune_min_jobs = 5;    ///< --prune-min-jobs M
  double prune_warmup = 0;             ///< --prune-warmup S
  std::string halving;                 ///< --halving NAME=MIN..MAX
  std::optional<std::uint64_t> eta;    ///< --eta N (default 3)
  bool hyperband = false;              ///< --hyperband
  std::string journal;                 ///< --journal FILE
  bool resume = false;                 ///< --resume
  bool resume_failed = false;          ///< --resume-failed
  bool resume_pruned = false;          ///< --resume-pruned
  /// Any of the three: skip what the journal records as done.
  bool resuming() const { return resume || resume_failed || resume_pruned; }
  std::string results;                         ///< --results DIR
  bool keep_order = false;                     ///< --keep-order
  StderrMode stderr_mode = StderrMode::kPass;  ///< --stderr pass|stream
  OutputFormat format = OutputFormat::kJsonl;  ///< --format jsonl|text
  bool progress = false;                       ///< --progress
  bool no_progress = false;                    ///< --no-progress
  Backend backend = Backend::kLocal;           ///< --backend local|slurm
  std::string run_dir;                         ///< --run-dir DIR
  /// --run-id ID (hidden): run one shard of a run directory as invocation
  /// ID, as a Slurm array task does; no definition, no final merge.
  std::string run_id;
  bool chdir = false;                   ///< --chdir: run jobs in their dir
  std::vector<std::string> collect;     ///< --collect PATTERN
  std::uint64_t shards = 0;             ///< --shards N (0: chosen)
  std::vector<std::string> slurm_opts;  ///< --slurm-opt OPT
  std::uint64_t throttle = 0;           ///< --max-running M
  bool detach = false;                  ///< --detach
  std::vector<std::string> batchify;    ///< --batchify N FILE
  std::string batch_dir;                ///< --batch-dir DIR
  std::string gpus;                     ///< --gpus LIST|auto
  std::uint64_t gpus_per_job = 0;       ///< --gpus-per-job K (0: 1)
  std::vector<std::string> slot_envs;   ///< --slot-env NAME=V1,V2,...
  std::uint64_t cpus_per_job = 0;       ///< --cpus-per-job K (0: not pinned)
  std::string memfree;                  ///< --memfree SIZE
  std::optional<double> max_load;       ///< --load MAX
  std::vector<std::string> command;     ///< Everything after `--`.
  bool report = false;                  ///< --report
  /// --metric and the report's options (--report-format, ...).
  ReportFlags report_flags;
  /// True if the text report is wanted: --report, or --report-output.
  bool report_text() const { return report || !report_flags.output.empty(); }
};

/// Declares --metric, --report and the report's options on `sweep run`.
void add_run_report_options(CLI::App& sub, RunOptions& o);

/// Declares --gpus, --gpus-per-job, --slot-env, --cpus-per-job, --memfree
/// and --load on `sweep run`.
void add_resource_options(CLI::App& sub, RunOptions& o);
/// What each slot owns, from those flags; throws Error for a bad one (no
/// device found by --gpus auto, a malformed --slot-env, a variable that a
/// parameter of the grid sets too).
SlotResources slot_resources(const RunOptions& o, const Grid& grid);
/// Jobs at once: -j if given (checked against the slots' shares), else what
/// the shares allow, else the number of online CPUs.
std::size_t jobs_at_once(const RunOptions& o, const SlotResources& slots);
/// Sets --memfree and --load on the scheduler, with probe reading them;
/// throws Error if the machine does not tell what they need.
void set_machine_limits(const RunOptions& o, SchedulerOptions& s,
                        MachineProbe& probe);

/// Declares `sweep run` on app.
CLI::App* setup_run(CLI::App& app, RunOptions& o);
/// Runs `sweep run`; returns the exit status.
int run_run(const RunOptions& o);

/// Options of `sweep grid`.
struct GridCommandOptions {
  GridOptions grid;
  LogOptions log;
  bool count = false;
  bool describe = false;
};

/// Declares `sweep grid` on app.
CLI::App* setup_grid(CLI::App& app, GridCommandOptions& o);
/// Runs `sweep grid`; returns the exit status.
int run_grid(const GridCommandOptions& o);

/// Options of `sweep batchify`.
struct BatchifyCommandOptions {
  std::string input;
  std::uint64_t parts = 0;
  std::uint64_t size = 0;
  std::string by = "records";
  std::string out_dir;
  std::string format;
  std::string manifest;
  LogOptions log;
};

/// Declares `sweep batchify` on app.
CLI::App* setup_batchify(CLI::App& app, BatchifyCommandOptions& o);
/// Runs `sweep batchify`; returns the exit status.
int run_batchify(const BatchifyCommandOptions& o);
/// Splits as `sweep batchify` does and returns the part paths (none when a
/// JSON dict's batches went to stdout).
std::vector<std::string> batchify_to_parts(const BatchifyCommandOptions& o);

/// Runs `sweep run --backend slurm` (after the grid and plan were checked).
int run_on_slurm(const RunOptions& o, const Grid& grid, const Plan& plan);

/// What a local run adds when it writes one shard of a run directory.
struct RunDirShard {
  std::string live;    ///< The shard's live status file.
  std::string id;      ///< This invocation's id.
  bool report = true;  ///< Print this invocation's statistics.
  /// Set to true when a --stop-when target ended the run early.
  bool* target_met = nullptr;
  /// --halving: set to the jobs the whole sweep takes, as far as known.
  std::uint64_t* halving_jobs = nullptr;
};
/// Runs the plan's jobs on this machine; returns the exit status.
int run_locally(const RunOptions& o, const Grid& grid, const Plan& plan,
                const CommandTemplate& command,
                const RunDirShard* shard = nullptr);
/// Runs `sweep run --run-dir DIR` on this machine: one shard of the run
/// directory, then (unless --run-id) every stream merged, as Slurm's.
int run_in_run_dir(const RunOptions& o, const Grid& grid, const Plan& plan,
                   const CommandTemplate& command);
/// Resuming with --run-dir but without a grid or a command: takes them (and
/// --chdir, --collect with the command) from DIR's definition.
void complete_from_run_dir(RunOptions& o);
/// The jobs a run of the plan takes (--halving: if every trial reports a
/// value).
std::uint64_t planned_jobs(const RunOptions& o, const Plan& plan);
/// The definition every run directory starts with (sweep.json): what a
/// resume needs to run the same sweep, and its planned size.
nlohmann::ordered_json run_definition(const RunOptions& o, const Plan& plan,
                                      std::string_view backend);

/// Options of `sweep merge`.
struct MergeCommandOptions {
  std::vector<std::string> inputs;
  std::string output, stats_json;
  LogOptions log;
};
CLI::App* setup_merge(CLI::App& app, MergeCommandOptions& o);
/// Reports a merge: duplicates, --stats-json, the report; returns the exit
/// status a local run with these results would have.
int report_merge(const MergeResult& r, const std::string& stats_json_path,
                 bool quiet);
/// The merged stream's destination (stdout if output is empty), after
/// refusing an -o or --stats-json that is one of the streams read.
OutputStream open_merge_output(const std::string& output,
                               const std::string& stats_json,
                               const std::vector<std::string>& files);
int run_merge(const MergeCommandOptions& o);

/// Options of `sweep status`.
struct StatusCommandOptions {
  std::string run_dir;
  LogOptions log;
};
CLI::App* setup_status(CLI::App& app, StatusCommandOptions& o);
int run_status(const StatusCommandOptions& o);

/// Declares the report's options on a subcommand; on `run`, --format and
/// -o are spelled --report-format and --report-output, and --metric is
/// declared by the caller.
void add_report_options(CLI::App& app, ReportFlags& o, bool on_run);

/// Options of `sweep report`.
struct ReportCommandOptions {
  std::vector<std::string> inputs;  ///< Streams, run directories, "-".
  std::vector<std::string> labels;  ///< --label NAME, one per input.
  ReportFlags report;
  LogOptions log;
};
CLI::App* setup_report(CLI::App& app, ReportCommandOptions& o);
int run_report(const ReportCommandOptions& o);

/// Reads result streams (files, "-", run directories; several are merged as
/// `sweep merge` merges them) and writes their report as the flags ask to
/// `out_fd` unless -o is given. An --assert that fails throws Error with
/// exit status 1, after the report is written.
void report_streams(const std::vector<std::string>& inputs,
                    const ReportFlags& flags, int out_fd);

/// What to collect, from the flags; throws Error for a bad --metric goal,
/// --metric-regex or --reduce best without a goal.
report::CollectOptions collect_options(const ReportFlags& flags);

/// Checks the flags that are parsed only when the report is built (--where,
/// --pivot, --assert), so a run fails on them before any job starts.
void check_report_flags(const ReportFlags& flags);
/// The same, and that --over, --where and --pivot name parameters among
/// `params` (a run's grid): before a run, not after it.
void check_report_flags(const ReportFlags& flags,
                        const std::vector<std::string>& params);

/// Writes the report of a finished run's collected records to `text` (if
/// any), and the page (if any) with `info`; --assert as in report_streams.
void report_collected(report::Collector& collector, const ReportFlags& flags,
                      OutputStream* text, std::optional<AtomicFile>& page,
                      const report::PageInfo& info);

/// `sweep completion SHELL`: which shell's script to print.
enum class CompletionShell { kBash, kZsh, kFish };

/// Options of `sweep completion`.
struct CompletionCommandOptions {
  CompletionShell shell = CompletionShell::kBash;
};
/// Declares `sweep completion` on app.
CLI::App* setup_completion(CLI::App& app, CompletionCommandOptions& o);
/// Prints the completion script of every subcommand of root.
int run_completion(const CompletionCommandOptions& o, const CLI::App& root);

}  // namespace sweep::cli
