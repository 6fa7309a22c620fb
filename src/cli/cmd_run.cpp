#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "batchify/batchify.hpp"
#include "command/command_template.hpp"
#include "commands.hpp"
#include "core/clock.hpp"
#include "exec/duration.hpp"
#include "exec/job_source.hpp"
#include "exec/runner.hpp"
#include "exec/scheduler.hpp"
#include "exec/signals.hpp"
#include "help_format.hpp"
#include "output/atomic_file.hpp"
#include "output/collect.hpp"
#include "output/distinct_outputs.hpp"
#include "output/journal.hpp"
#include "output/live_status.hpp"
#include "output/ordered_sink.hpp"
#include "output/output_stream.hpp"
#include "output/result_writer.hpp"
#include "output/results_dir.hpp"
#include "output/run_dir.hpp"
#include "output/stats_sink.hpp"
#include "output/status_line.hpp"
#include "report/collector_sink.hpp"
#include "report/metric_watch.hpp"
#include "sweep/error.hpp"
#include "sweep/stats.hpp"
#include "validators.hpp"

namespace sweep::cli {

namespace {

void add_failure_options(CLI::App& sub, RunOptions& o) {
  auto* failures = "Failures";
  sub.add_option("--timeout", o.timeout,
                 "Terminate a job running longer than this (90, 30s, 5m, 2h)")
      ->type_name("DURATION")
      ->group(failures);
  sub.add_option("--kill-after", o.kill_after,
                 "After SIGTERM, SIGKILL a job still running this much later "
                 "(default 5s)")
      ->type_name("DURATION")
      ->group(failures);
  sub.add_option("--retries", o.retries,
                 "Run a failed job again up to N more times")
      ->transform(at_least(0))
      ->type_name("N")
      ->group(failures);
  sub.add_flag(
         "--halt-on-failure", o.halt_on_failure,
         "Start no new job after the first failure (same as --max-failures 1)")
      ->group(failures);
  sub.add_option("--max-failures", o.max_failures,
                 "Start no new job after N failures")
      ->type_name("N")
      ->transform(at_least(1))
      ->group(failures);
  sub.add_flag("--halt-now", o.halt_now,
               "When halting (or at a --stop-when target), also terminate "
               "the running jobs")
      ->group(failures);
}

void add_metric_options(CLI::App& sub, RunOptions& o) {
  auto* metrics = "Metric-driven";
  sub.add_option("--stop-when", o.stop_when,
                 "Start no new job once a job prints a value meeting COND, "
                 "e.g. 'acc>=0.99' (repeatable: any of them)")
      ->type_name("COND")
      ->allow_extra_args(false)
      ->group(metrics);
  auto* prune =
      sub.add_option(
             "--prune", o.prune,
             "Stop a running job whose best --metric so far is worse than "
             "the other jobs' median at the same step (median), or "
             "outside their top P% (percentile:P)")
          ->type_name("RULE")
          ->group(metrics);

  sub.add_option("--prune-min-jobs", o.prune_min_jobs,
                 "With --prune: judge at a step only once M other jobs "
                 "reported it (default 5)")
      ->type_name("M")
      ->transform(at_least(1))
      ->needs(prune)
      ->group(metrics);
  sub.add_option("--prune-warmup", o.prune_warmup,
                 "With --prune: judge no job before step S (default 0)")
      ->type_name("S")
      ->needs(prune)
      ->group(metrics);

  sub.add_option("--halving", o.halving,
                 "Successive halving (ASHA) over budget parameter NAME: "
                 "each point runs at MIN, the best 1/N of each rung runs "
                 "again at N times the budget, up to MAX")
      ->type_name("NAME=MIN..MAX")
      ->excludes(prune)
      ->group(metrics);
  sub.add_option("--eta", o.eta,
                 "With --halving: keep the best 1/N of each rung (default 3)")
      ->type_name("N")
      ->transform(at_least(2))
      ->group(metrics);
  // Not ->needs(halving): a resumed run directory supplies --halving.
  sub.add_flag("--hyperband", o.hyperband,
               "With --halving: Hyperband's brackets, some points starting "
               "at higher budgets")
      ->group(metrics);
}

void add_persistence_options(CLI::App& sub, RunOptions& o) {
  auto* persistence = "Journal and results";
  sub.add_option("--journal", o.journal,
                 "Append one JSON record per finished job to FILE (durable)")
      ->type_name("FILE")
      ->group(persistence);
  auto* resume = sub.add_flag("--resume", o.resume,
                              "With --journal or --run-dir: skip jobs "
                              "recorded as finished")
                     ->group(persistence);
  sub.add_flag("--resume-failed", o.resume_failed,
               "With --journal or --run-dir: skip jobs that succeeded, run "
               "failed ones again")
      ->group(persistence)
      ->excludes(resume);
  sub.add_flag("--resume-pruned", o.resume_pruned,
               "With --journal or --run-dir: as --resume, but run the jobs "
               "--prune stopped again")
      ->group(persistence)
      ->excludes(resume);
  sub.add_option(
         "--results", o.results,
         "Write DIR/<job>/{params.json,stdout,stderr,status.json} per job")
      ->type_name("DIR")
      ->group(persistence);
  sub.add_option("--run-dir", o.run_dir,
                 "Keep the whole sweep in DIR: definition, journal, a stream "
                 "per run, a directory per job (resume with --resume alone)")
      ->type_name("DIR")
      ->group(persistence);
  sub.add_option("--run-id", o.run_id)->group("");  // Slurm array tasks
  sub.add_flag("--chdir", o.chdir,
               "Run each job in its own directory (with --run-dir or "
               "--results)")
      ->group(persistence);
  sub.add_option("--collect", o.collect,
                 "After a job, read its dir's files matching PATTERN "
                 "(metrics.json, *.jsonl, eval.txt) into records (repeatable)")
      ->type_name("PATTERN")
      ->allow_extra_args(false)
      ->group(persistence);
}

void add_output_options(CLI::App& sub, RunOptions& o) {
  auto* output = "Output";
  add_choice<OutputFormat>(
      sub, "--format", o.format,
      {{"jsonl", OutputFormat::kJsonl}, {"text", OutputFormat::kText}},
      "jsonl: a JSON record per line and per job end (default); "
      "text: the jobs' stdout lines as they are, nothing added")
      ->type_name("FORMAT")
      ->group(output);
  sub.add_flag("--keep-order", o.keep_order,
               "Write records in job order (later jobs' output waits)")
      ->group(output);
  add_choice<StderrMode>(
      sub, "--stderr", o.stderr_mode,
      {{"pass", StderrMode::kPass}, {"stream", StderrMode::kStream}},
      "pass: relay job stderr to sweep's stderr, prefixed [job] (default); "
      "stream: record it in the result stream")
      ->type_name("MODE")
      ->group(output);
  auto* progress =
      sub.add_flag("--progress", o.progress,
                   "Show the live progress line even if stderr is not a "
                   "terminal")
          ->group(output);
  sub.add_flag("--no-progress", o.no_progress,
               "Never show the live progress line")
      ->group(output)
      ->excludes(progress);
}

void add_cluster_options(CLI::App& sub, RunOptions& o) {
  auto* cluster = "Cluster";
  add_choice<Backend>(sub, "--backend", o.backend,
                      {{"local", Backend::kLocal}, {"slurm", Backend::kSlurm}},
                      "local (default) or slurm: one Slurm job array")
      ->type_name("NAME")
      ->group(cluster);
  sub.add_option("--shards", o.shards,
                 "With slurm: array tasks (default: about 10 jobs each)")
      ->type_name("N")
      ->transform(at_least(1))
      ->group(cluster);
  sub.add_option("--slurm-opt", o.slurm_opts,
                 "With slurm: an option passed to sbatch, e.g. "
                 "--slurm-opt=--partition=gpu (repeatable)")
      ->type_name("OPT")
      ->allow_extra_args(false)
      ->group(cluster);
  sub.add_option("--max-running", o.throttle,
                 "With slurm: at most M array tasks at once (%M)")
      ->type_name("M")
      ->transform(at_least(1))
      ->group(cluster);
  sub.add_flag("--detach", o.detach,
               "With slurm: return after submitting; follow with sweep "
               "status, collect with sweep merge")
      ->group(cluster);
}

void add_batch_options(CLI::App& sub, RunOptions& o) {
  sub.add_option(
         "--batchify", o.batchify,
         "Split FILE into N batches first and run one job per batch per point, "
         "the batch's path in <batch>")
      ->expected(2)
      ->option_text("N FILE")  // CLI11's own would add "x 2"
      ->allow_extra_args(false);
  sub.add_option("--batch-dir", o.batch_dir,
                 "Keep --batchify's parts in DIR (default: a temporary "
                 "directory, removed after)")
      ->type_name("DIR");
}

}  // namespace

CLI::App* setup_run(CLI::App& app, RunOptions& o) {
  auto* sub = app.add_subcommand(
      "run", "Run a command once per grid point, in parallel, as JSON Lines");
  add_grid_options(*sub, o.grid);
  sub->add_option("-j,--threads", o.threads,
                  "Jobs at once (default: the number of online CPUs, or what "
                  "--gpus, --cpus-per-job, --slot-env allow)")
      ->transform(at_least(1))
      ->type_name("N");
  sub->add_option("-o,--output", o.output,
                  "Write the result stream to FILE instead of stdout")
      ->type_name("FILE");
  sub->add_option("--stats-json", o.stats_json,
                  "Also write the statistics as a JSON object to FILE")
      ->type_name("FILE");
  sub->add_flag("--dry-run", o.dry_run,
                "Print each job's command line (shell-quoted), run nothing");
  add_failure_options(*sub, o);
  add_metric_options(*sub, o);
  add_resource_options(*sub, o);
  add_persistence_options(*sub, o);
  add_output_options(*sub, o);
  add_batch_options(*sub, o);
  add_cluster_options(*sub, o);
  add_log_options(*sub, o.log);
  add_run_report_options(*sub, o);
  set_usage_tail(*sub, "-- COMMAND [ARG]...");
  sub->footer(
      "COMMAND and ARGs may contain <name> placeholders, replaced by the\n"
      "point's values; the command runs directly, never through a shell.\n"
      "Quote placeholders ('<name>') so that the shell passes them on\n"
      "instead of reading < and > as redirections.\n\n"
      "Examples:\n"
      "  sweep run -j 4 grid.json -- ./train --depth='<depth>' "
      "--impurity='<impurity>'\n"
      "  sweep run -p depth=2..30 -p impurity=gini,entropy -- ./train "
      "'<depth>' '<impurity>'\n"
      "  sweep run -p lr=0.1,0.01 --dry-run -- python3 train.py --lr '<lr>'\n"
      "  sweep run grid.json --journal runs.jsonl --resume --timeout 2h "
      "--retries 1 -- ./train --depth='<depth>'");
  return sub;
}

namespace {

// The --metric that --prune or --halving (`flag`) judges by, with its goal.
report::MetricSpec judged_metric(const RunOptions& o, std::string_view flag) {
  std::optional<report::MetricSpec> metric;
  if (!o.report_flags.metrics.empty())
    metric = report::MetricSpec::parse(o.report_flags.metrics[0], "--metric");
  if (!metric || metric->goal == report::Goal::kNone)
    throw Error(std::string(flag) +
                " needs --metric NAME:max or NAME:min first: the metric it "
                "judges, and which way is better");
  return *metric;
}

std::optional<report::WatchOptions> watch_options(const RunOptions& o) {
  if (o.stop_when.empty() && o.prune.empty() && o.halving.empty())
    return std::nullopt;
  if (o.backend == Backend::kSlurm)
    throw Error(std::string(!o.halving.empty() ? "--halving"
                            : o.prune.empty()  ? "--stop-when"
                                               : "--prune") +
                ": not with --backend slurm (its array tasks run apart and "
                "cannot see each other's metrics)");
  report::WatchOptions w;
  w.targets = report::parse_targets(o.stop_when);
  w.metric_regex = o.report_flags.metric_regex;
  if (!o.halving.empty()) {
    w.metric = judged_metric(o, "--halving").name;
    w.last_values = true;
  }
  if (o.prune.empty()) return w;
  report::PruneRule rule;
  rule.percentile = report::PruneRule::parse_percentile(o.prune);
  rule.min_jobs = o.prune_min_jobs;
  rule.warmup = o.prune_warmup;
  report::MetricSpec metric = judged_metric(o, "--prune");
  rule.goal = metric.goal;
  w.prune = rule;
  w.metric = metric.name;
  return w;
}

std::optional<HalvingBudget> halving_budget(const RunOptions& o) {
  if (o.halving.empty()) return std::nullopt;
  HalvingBudget b = parse_halving(o.halving, o.eta.value_or(3));
  b.hyperband = o.hyperband;
  b.maximize = judged_metric(o, "--halving").goal == report::Goal::kMax;
  if (o.grid.repeat > 1)
    throw Error(
        "--halving runs each point once per rung: drop --repeat (make the "
        "seed a parameter to rank each seed apart)");
  return b;
}

// Where the jobs' own directories go, or "" for none.
std::string job_dirs_root(const RunOptions& o) {
  if (!o.run_dir.empty()) return RunDirLayout(o.run_dir).jobs();
  if (!o.results.empty()) return o.results + "/jobs";
  return "";
}

}  // namespace

std::uint64_t planned_jobs(const RunOptions& o, const Plan& plan) {
  std::optional<HalvingBudget> h = halving_budget(o);
  if (!h) return plan.size();
  return Halving(HalvingShape{plan.size(),
                              static_cast<unsigned>(h->budgets.size()), h->eta,
                              h->hyperband, h->maximize})
      .planned();
}

namespace {

// The run's jobs: the plan's in order, or --halving's trials.
class RunSource {
 public:
  RunSource(const RunOptions& o, const Grid& grid, const Plan& plan,
            const CommandTemplate& command) {
    if (auto h = halving_budget(o)) {
      budgeted_.emplace(grid_with_budget(grid, *h));
      halving_.emplace(grid, *budgeted_, plan, command, std::move(*h));
    } else {
      plain_.emplace(grid, plan, command);
    }
    planned_ = halving_ ? halving_->planned() : plan.size();
  }
  // The halving source points into budgeted_: never copied or moved.
  RunSource(const RunSource&) = delete;
  RunSource& operator=(const RunSource&) = delete;
  JobSource& source() {
    return halving_ ? static_cast<JobSource&>(*halving_) : *plain_;
  }
  JobBuilder& builder() {
    return halving_ ? halving_->builder() : plain_->builder();
  }
  bool halving() const { return halving_.has_value(); }
  /// Jobs the run takes (--halving: the fewest, if every trial reports a
  /// value).
  std::uint64_t planned() const { return planned_; }
  /// Skips what the journal says is done; returns how many of the planned
  /// jobs that is (counted only if `count`: a pass over the plan).
  std::uint64_t skip_done(const JournalIndex& done, bool rerun_failed,
                          bool rerun_pruned, bool count) {
    if (halving_)
      return restored_ = halving_->restore([&](const JobKey& key, bool& ok,
                                               std::optional<double>& value) {
        if (!done.skips(key, rerun_failed, rerun_pruned)) return false;
        ok = done.succeeded(key);
        value = done.rung_value(key);
        return true;
      });
    // By reference: the predicate is called as the run goes.
    plain_->set_skip([&done, rerun_failed, rerun_pruned](const JobKey& key) {
      return done.skips(key, rerun_failed, rerun_pruned);
    });
    return count ? plain_->count_skips() : 0;
  }
  /// --halving: jobs that succeeded without printing the metric.
  std::uint64_t unranked() const { return halving_ ? halving_->unranked() : 0; }
  /// --halving: jobs that succeeded and printed a value of it.
  std::uint64_t ranked() const { return halving_ ? halving_->ranked() : 0; }
  /// --halving: jobs the journal has as done without a value.
  std::uint64_t restored_unranked() const {
    return halving_ ? halving_->restored_unranked() : 0;
  }
  /// Jobs skipped as done.
  std::uint64_t skipped() const {
    return halving_ ? restored_ : plain_->skipped();
  }

 private:
  std::optional<Grid> budgeted_;
  std::optional<GridJobSource> plain_;
  std::optional<HalvingJobSource> halving_;
  std::uint64_t planned_ = 0;
  std::uint64_t restored_ = 0;
};

int dry_run(const RunOptions& o, const Grid& grid, const Plan& plan,
            const CommandTemplate& command) {
  OutputStream out(STDOUT_FILENO, false,
                   4096);  // a listing: lines go out early
  // --halving lists each point's first trial.
  RunSource source(o, grid, plan, command);
  // Every line shows slot 0's share (<@gpus>).
  SlotResources slots = slot_resources(o, grid);
  source.builder().set_slot_resources(&slots);
  // <@dir> shows where each job would run; nothing is created.
  if (std::string root = job_dirs_root(o); !root.empty()) {
    root = std::filesystem::absolute(root).string();
    source.builder().set_job_dirs(JobDirOptions{
        [root](const JobKey& k) { return root + "/" + job_dir_name(k); },
        nullptr, o.chdir});
  }
  while (!out.closed()) {
    std::optional<Job> job = source.source().next(0);
    if (!job) break;
    out.buffer() += shell_join(job->argv);
    out.buffer() += '\n';
    out.commit();
  }
  out.flush();
  return kExitOk;
}

// Removes a temporary directory and what is in it.
struct TempDirGuard {
  std::string path;
  ~TempDirGuard() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// --batchify N FILE: split first, then one axis `batch` of the part paths.
void add_batch_axis(Grid& grid, const RunOptions& o,
                    std::optional<TempDirGuard>& tmp) {
  BatchifyCommandOptions b;
  std::uint64_t n = 0;
  auto r = std::from_chars(o.batchify[0].data(),
                           o.batchify[0].data() + o.batchify[0].size(), n);
  if (r.ec != std::errc() ||
      r.ptr != o.batchify[0].data() + o.batchify[0].size() || n == 0)
    throw Error("--batchify " + o.batchify[0] + " " + o.batchify[1] +
                ": N must be a positive integer");
  if (grid.find_param("batch") >= 0)
    throw Error(
        "--batchify adds the parameter 'batch', which the grid already has");
  b.parts = n;
  b.input = o.batchify[1];
  if (o.batch_dir.empty()) {
    char tmpl[] = "/tmp/sweep-batches-XXXXXX";
    if (!mkdtemp(tmpl)) throw SystemError("mkdtemp", errno);
    tmp.emplace(TempDirGuard{tmpl});
    b.out_dir = tmpl;
  } else {
    b.out_dir = o.batch_dir;
  }
  std::vector<std::string> parts = batchify_to_parts(b);
  std::vector<Value> values(parts.begin(), parts.end());
  Grid with_batch;
  with_batch.set_axis(
      "batch", std::make_shared<ValueList>(std::move(values), "batches"));
  // The batch axis goes first: each batch meets every point of the grid.
  for (size_t m = 0; m < grid.members().size(); ++m)
    grid.prepend_axis(m, with_batch.members()[0].axes[0], "batch");
}

SchedulerOptions scheduler_options(const RunOptions& o, size_t threads,
                                   bool progress) {
  SchedulerOptions s;
  s.threads = threads;
  s.kill_after = parse_duration(o.kill_after, "--kill-after");
  if (o.timeout) s.timeout = parse_duration(*o.timeout, "--timeout");
  s.retries = o.retries;
  s.max_failures = o.halt_on_failure ? 1 : o.max_failures;
  s.halt_now = o.halt_now;
  if (progress) s.tick = std::chrono::milliseconds(100);
  s.warn = [](const std::string& w) { spdlog::warn("{}", w); };
  return s;
}

}  // namespace

namespace {

// --stop-when and --prune, checked; nothing if neither is given.
// Flag combinations CLI11 cannot express (a flag's value, one of several).
void check_run_options(const RunOptions& o) {
  if (o.command.empty())
    throw Error(
        "missing command: write it after '--', e.g. sweep run -p x=1,2 -- echo "
        "'<x>'");
  if (o.resuming() && o.journal.empty() && o.run_dir.empty())
    throw Error(
        "--resume needs --journal FILE or --run-dir DIR to know what is done");
  if (o.halt_now && !o.halt_on_failure && o.max_failures == 0 &&
      o.stop_when.empty())
    throw Error(
        "--halt-now needs --halt-on-failure, --max-failures N or --stop-when");
  watch_options(o);   // a bad target or rule fails before any job
  halving_budget(o);  // so does a bad --halving
  if (o.halving.empty() && (o.eta || o.hyperband))
    throw Error(std::string(o.eta ? "--eta" : "--hyperband") +
                " needs --halving NAME=MIN..MAX");
  if (o.backend != Backend::kSlurm &&
      (o.shards || !o.slurm_opts.empty() || o.throttle || o.detach))
    throw Error(
        "--shards, --slurm-opt, --max-running and --detach need --backend "
        "slurm");
  if (o.gpus.empty() && o.gpus_per_job && o.backend != Backend::kSlurm)
    throw Error("--gpus-per-job needs --gpus LIST or --gpus auto");
  if ((o.chdir || !o.collect.empty()) && o.run_dir.empty() && o.results.empty())
    throw Error(
        "--chdir and --collect need job directories: --run-dir DIR or "
        "--results DIR");
  for (const auto& pattern : o.collect) check_collect_pattern(pattern);
}

// Every output of a local run, opened before the first job so that a bad
// path costs no work.
struct RunOutputs {
  explicit RunOutputs(const RunOptions& o) : out(open_stream(o)) {
    if (!o.stats_json.empty())
      stats_out.emplace(OutputStream::open_file(o.stats_json));
    if (!o.journal.empty()) journal.emplace(o.journal);
    if (!o.results.empty()) results.emplace(o.results);
    const ReportFlags& r = o.report_flags;
    if (!r.output.empty())
      report_out.emplace(OutputStream::open_file(r.output));
    if (!r.html.empty()) page.emplace(r.html);
  }
  // The result stream, opened first; before it, outputs that are one file
  // are refused, so that a refusal truncates nothing (-o onto the journal).
  static OutputStream open_stream(const RunOptions& o) {
    std::vector<NamedOutput> named;
    if (!o.output.empty()) named.push_back({"-o", o.output});
    if (!o.journal.empty()) named.push_back({"--journal", o.journal});
    if (!o.stats_json.empty()) named.push_back({"--stats-json", o.stats_json});
    if (!o.report_flags.output.empty())
      named.push_back({"--report-output", o.report_flags.output});
    if (!o.report_flags.html.empty())
      named.push_back({"--report-html", o.report_flags.html});
    check_distinct_outputs(named, o.results);
    // A resumed sweep continues its stream: truncating it would lose the
    // records of the jobs it skips.
    if (o.output.empty()) return OutputStream(STDOUT_FILENO);
    return o.resuming() ? OutputStream::open_append(o.output)
                        : OutputStream::open_file(o.output);
  }
  OutputStream out;
  std::optional<OutputStream> stats_out;
  std::optional<OutputStream> report_out;  ///< --report-output
  std::optional<AtomicFile> page;          ///< --report-html
  std::optional<JournalWriter> journal;
  std::optional<ResultsDirWriter> results;
};

// The sinks of a local run, in the order events reach them.
struct RunSinks {
  RunSinks(const RunOptions& o, RunOutputs& outs, StatusLine& status,
           Stats& stats, std::uint64_t jobs, bool progress, EventSink* report,
           EventSink* live, EventSink* watch)
      : jsonl(outs.out, o.stderr_mode == StderrMode::kStream),
        text(outs.out),
        writer(o.format == OutputFormat::kText
                   ? static_cast<ResultWriter&>(text)
                   : jsonl),
        ordered(writer),
        relay(status),
        stats_sink(stats),
        progress_sink(status, jobs) {
    std::vector<EventSink*> sinks;
    if (outs.journal) sinks.push_back(&*outs.journal);
    if (outs.results) sinks.push_back(&*outs.results);
    sinks.push_back(o.keep_order ? static_cast<EventSink*>(&ordered) : &writer);
    if (o.stderr_mode == StderrMode::kPass) sinks.push_back(&relay);
    sinks.push_back(&stats_sink);
    if (report) sinks.push_back(report);
    if (progress) sinks.push_back(&progress_sink);
    if (live) sinks.push_back(live);
    if (watch) sinks.push_back(watch);
    fanout.emplace(std::move(sinks));
  }
  JsonlWriter jsonl;
  TextWriter text;
  ResultWriter& writer;
  OrderedSink ordered;
  StderrRelay relay;
  StatsSink stats_sink;
  ProgressSink progress_sink;
  std::optional<FanoutSink> fanout;
};

// What the journal already holds, before the run appends to it.
std::optional<JournalIndex> load_done(const RunOptions& o) {
  if (!o.resuming()) return std::nullopt;
  auto done = JournalIndex::load(
      o.journal, [](const std::string& w) { spdlog::warn("{}", w); });
  spdlog::debug("{}: {} records", o.journal, done.records());
  return done;
}

// The header of --report-html's page: what the run swept, its points and
// wall time.
report::PageInfo run_page_info(const RunOptions& o,
                               const StatsSummary& summary) {
  report::PageInfo info;
  if (!o.grid.grid_file.empty()) info.inputs.push_back(o.grid.grid_file);
  for (const auto& p : o.grid.params) info.inputs.push_back("-p " + p);
  info.date = utc_timestamp();
  if (summary.wall_known) info.wall_s = summary.wall_s;
  info.points = summary.points;
  return info;
}

// Prints the statistics and maps the outcome to the exit status.
int finish_run(const RunOptions& o, const StatsSummary& summary,
               const RunOutcome& outcome, RunOutputs& outs, StatusLine& status,
               report::Collector* report, bool print_stats) {
  if (outs.stats_out) {
    outs.stats_out->write(stats_json(summary));
    outs.stats_out->flush();
  }
  if (!o.log.quiet && print_stats) status.print_above(format_report(summary));
  if (report) {
    OutputStream err(STDERR_FILENO);
    OutputStream* text = !o.report_text()  ? nullptr
                         : outs.report_out ? &*outs.report_out
                                           : &err;
    report_collected(*report, o.report_flags, text, outs.page,
                     run_page_info(o, summary));
  }
  if (outcome.interrupted_by) return 128 + outcome.interrupted_by;
  if (outcome.sink_stopped) {
    spdlog::error(
        "the result stream was closed by its reader; the sweep was stopped");
    return kExitBrokenPipe;
  }
  if (outcome.halted) spdlog::warn("halted after {} failures", summary.failed);
  return summary.failed > 0 ? kExitJobFailed : kExitOk;
}

// Creates the jobs' own directories (DIR/jobs/<key> of --run-dir or
// --results) in dirs and hands them to the source.
void open_job_dirs(const RunOptions& o, JobBuilder& builder,
                   const CommandTemplate& command,
                   std::optional<JobDirs>& dirs) {
  std::string root = job_dirs_root(o);
  if (root.empty()) {
    if (command.uses_dir())
      throw Error(
          "<@dir> needs job directories: --run-dir DIR or --results DIR");
    return;
  }
  JobDirs& d = dirs.emplace(root);
  builder.set_job_dirs(
      JobDirOptions{[&d](const JobKey& k) { return d.path(k); },
                    [&d](const JobKey& k) { d.create(k); }, o.chdir});
}

}  // namespace

namespace {

// --resume: the source skips (or, for --halving, restores) what the journal
// has as done; the progress line counts only the jobs left to run.
void skip_done(const RunOptions& o, const JournalIndex& done, RunSource& source,
               RunSinks& sinks, LiveStatusSink* live, bool count) {
  std::uint64_t skips =
      source.skip_done(done, o.resume_failed, o.resume_pruned, count);
  sinks.progress_sink.set_skipped(skips);
  if (live) live->set_skipped(skips);
  if (source.restored_unranked())
    spdlog::warn(
        "--halving: {} jobs the journal has as done carry no rung_value "
        "(not from a --halving run, or no value of the metric printed): "
        "none of them is promoted",
        source.restored_unranked());
}

// After a --halving run: the jobs it took (ASHA's count depends on the
// values: a run that ended by itself ran every job there was, one stopped
// early has at least one more) and what printed no value. True if not one
// job did: a misspelt --metric, and a run that decided nothing.
bool settle_halving(const RunOptions& o, const RunSource& source,
                    const RunOutcome& outcome, Stats& stats,
                    std::uint64_t planned, const RunDirShard* shard) {
  if (source.unranked())
    spdlog::warn(
        "--halving: {} jobs printed no value of {}, so none of them was "
        "promoted",
        source.unranked(), judged_metric(o, "--halving").name);
  bool ended = !outcome.interrupted_by && !outcome.halted &&
               !outcome.sink_stopped && outcome.target.empty();
  std::uint64_t seen = stats.jobs_seen();
  std::uint64_t jobs = ended ? seen : std::max(planned, seen + 1);
  stats.set_jobs(jobs);
  if (shard && shard->halving_jobs) *shard->halving_jobs = jobs;
  return source.unranked() > 0 && source.ranked() == 0;
}

}  // namespace

int run_locally(const RunOptions& o, const Grid& grid, const Plan& plan,
                const CommandTemplate& command, const RunDirShard* shard) {
  SlotResources slots = slot_resources(o, grid);
  size_t threads = jobs_at_once(o, slots);
  bool progress = !o.no_progress && !o.log.quiet &&
                  (o.progress || StatusLine::is_smart_terminal(STDERR_FILENO));
  SchedulerOptions sched = scheduler_options(o, threads, progress);
  // The live file is rewritten at most once a second, on this tick.
  if (shard && !sched.tick) sched.tick = std::chrono::seconds(1);
  ProcProbe machine;
  set_machine_limits(o, sched, machine);
  std::optional<JournalIndex> done = load_done(o);
  RunOutputs outs(o);
  RunSource source(o, grid, plan, command);
  std::uint64_t jobs = source.planned();
  std::optional<LiveStatusSink> live;
  if (shard) live.emplace(shard->live, shard->id, jobs);
  spdlog::debug("{} jobs, {} at once", jobs, threads);

  SignalGuard signals;
  StatusLine status(STDERR_FILENO, progress);
  set_log_status_line(&status);
  Stats stats(plan.points(), jobs,
              static_cast<size_t>(std::min<std::uint64_t>(
                  threads, std::max<std::uint64_t>(jobs, 1))));
  // --report: the records the stream gets, collected as they are written.
  std::optional<report::Collector> collector;
  std::optional<report::CollectorSink> collector_sink;
  if (o.report_text() || !o.report_flags.html.empty()) {
    collector.emplace(collect_options(o.report_flags));
    collector_sink.emplace(*collector);
  }
  // --stop-when, --prune, --halving: the metrics jobs print, read as the
  // report reads them.
  std::optional<report::MetricWatch> watch;
  if (auto w = watch_options(o)) {
    watch.emplace(std::move(*w));
    sched.controller = &*watch;
  }
  RunSinks sinks(o, outs, status, stats, jobs, progress,
                 collector_sink ? &*collector_sink : nullptr,
                 live ? &*live : nullptr, watch ? &*watch : nullptr);
  source.builder().set_slot_resources(&slots);
  std::optional<JobDirs> job_dirs;
  open_job_dirs(o, source.builder(), command, job_dirs);
  if (done)
    skip_done(o, *done, source, sinks, live ? &*live : nullptr,
              progress || live);
  // Collected files become records before each job's end record.
  std::optional<CollectSink> collect;
  if (!o.collect.empty())
    collect.emplace(*sinks.fanout, o.collect,
                    [](const std::string& w) { spdlog::warn("{}", w); });
  EventSink& sink = collect ? static_cast<EventSink&>(*collect) : *sinks.fanout;
  LocalRunner runner;
  RunOutcome outcome = Scheduler(source.source(), runner, sink, sched).run();
  sinks.progress_sink.finish();
  set_log_status_line(nullptr);
  outs.out.flush();
  stats.add_skipped(source.skipped());
  if (source.skipped())
    spdlog::info("skipped {} jobs already done according to {}",
                 source.skipped(), o.journal);
  bool blind = source.halving() &&
               settle_halving(o, source, outcome, stats, jobs, shard);
  StatsSummary summary =
      stats.summary(outcome.wall_s, outcome.interrupted_by, outcome.halted);
  summary.target = outcome.target;
  if (shard && shard->target_met) *shard->target_met = !outcome.target.empty();
  if (live) live->finish(outcome.interrupted_by);
  int exit =
      finish_run(o, summary, outcome, outs, status,
                 collector ? &*collector : nullptr, !shard || shard->report);
  if (blind && exit == kExitOk) {
    spdlog::error(
        "--halving: no job printed a value of {} (is --metric spelt as the "
        "program prints it?); nothing was promoted",
        judged_metric(o, "--halving").name);
    exit = kExitJobFailed;
  }
  return exit;
}

int run_run(const RunOptions& given) {
  RunOptions o = given;
  complete_from_run_dir(o);
  check_run_options(o);
  // With --chdir, a program named by a relative path is still sweep's.
  if (o.chdir && o.command[0].find('/') != std::string::npos &&
      o.command[0][0] != '/')
    o.command[0] = std::filesystem::absolute(o.command[0]).string();
  Grid grid = build_grid(o.grid);
  check_no_nul(grid);
  std::optional<TempDirGuard> batch_tmp;
  if (!o.batchify.empty()) add_batch_axis(grid, o, batch_tmp);
  // --halving: the command names the budget parameter, which the grid
  // lacks; each trial sets it.
  std::optional<HalvingBudget> halving = halving_budget(o);
  Grid budgeted = halving ? grid_with_budget(grid, *halving) : Grid();
  CommandTemplate command(o.command, halving ? budgeted : grid);
  if (halving && !command.uses_param(budgeted.find_param(halving->name)))
    throw Error("--halving " + halving->name + ": the command never uses <" +
                halving->name + ">, so every rung would run the same job");
  if (command.uses_gpus() && o.gpus.empty() && !o.gpus_per_job)
    throw Error("<@gpus> needs --gpus LIST or --gpus auto");
  Plan plan = build_plan(grid, o.grid);
  if (o.dry_run) return dry_run(o, grid, plan, command);
  collect_options(o.report_flags);  // a bad --metric fails before any job
  bool reporting = o.report_text() || !o.report_flags.html.empty();
  if (reporting)
    check_report_flags(o.report_flags,
                       halving ? budgeted.names() : grid.names());
  if (reporting && o.backend == Backend::kSlurm)
    throw Error(
        "--report: not with --backend slurm (report the run directory when "
        "it is done: sweep report DIR)");
  if (o.backend == Backend::kSlurm) return run_on_slurm(o, grid, plan);
  if (!command.program_has_placeholder()) resolve_executable(o.command[0]);
  if (!o.run_dir.empty()) return run_in_run_dir(o, grid, plan, command);
  return run_locally(o, grid, plan, command);
}

}  // namespace sweep::cli
