// sweep run --backend slurm: one array job, one shard per task, then merge.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backend/backend.hpp"
#include "commands.hpp"
#include "core/clock.hpp"
#include "exec/job_source.hpp"
#include "exec/scheduler.hpp"
#include "exec/signals.hpp"
#include "output/journal.hpp"
#include "output/output_stream.hpp"
#include "output/run_dir.hpp"
#include "output/status_line.hpp"
#include "sweep/error.hpp"

namespace sweep::cli {

namespace fs = std::filesystem;

namespace {

// What each task's jobs own: the devices and cores of the task's allocation,
// shared out as locally.
void append_resource_arguments(const RunOptions& o,
                               std::vector<std::string>& a) {
  if (!o.gpus.empty() || o.gpus_per_job)
    a.insert(a.end(),
             {"--gpus", "auto", "--gpus-per-job",
              std::to_string(std::max<std::uint64_t>(1, o.gpus_per_job))});
  if (o.cpus_per_job)
    a.insert(a.end(), {"--cpus-per-job", std::to_string(o.cpus_per_job)});
  for (const auto& e : o.slot_envs) a.insert(a.end(), {"--slot-env", e});
  if (!o.memfree.empty()) a.insert(a.end(), {"--memfree", o.memfree});
  if (o.max_load) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", *o.max_load);
    a.insert(a.end(), {"--load", buf});
  }
}

// The options every task repeats: the grid and the job policies. Outputs,
// shard and threads are the task's own; the seed is fixed so every task
// draws the same sample.
std::vector<std::string> task_arguments(const RunOptions& o, const Plan& plan) {
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> a = {self, "run"};
  const GridOptions& g = o.grid;
  if (!g.grid_file.empty()) {
    if (g.grid_file == "-")
      throw Error("--backend slurm needs a grid file, not standard input");
    a.push_back(fs::absolute(g.grid_file).string());
  }
  for (const auto& p : g.params) a.insert(a.end(), {"-p", p});
  for (const auto& l : g.links) a.insert(a.end(), {"--link", l});
  for (const auto& e : g.excludes) a.insert(a.end(), {"--exclude", e});
  if (g.sample) a.insert(a.end(), {"--sample", std::to_string(*g.sample)});
  if (g.shuffle) a.push_back("--shuffle");
  if (g.sample || g.shuffle)
    a.insert(a.end(), {"--seed", std::to_string(plan.options().seed)});
  if (g.repeat > 1) a.insert(a.end(), {"--repeat", std::to_string(g.repeat)});
  if (o.timeout) a.insert(a.end(), {"--timeout", *o.timeout});
  a.insert(a.end(), {"--kill-after", o.kill_after});
  if (o.retries) a.insert(a.end(), {"--retries", std::to_string(o.retries)});
  if (o.halt_on_failure) a.push_back("--halt-on-failure");
  if (o.max_failures)
    a.insert(a.end(), {"--max-failures", std::to_string(o.max_failures)});
  if (o.halt_now) a.push_back("--halt-now");
  if (o.keep_order) a.push_back("--keep-order");
  a.insert(a.end(), {"--stderr",
                     o.stderr_mode == StderrMode::kStream ? "stream" : "pass"});
  if (o.chdir) a.push_back("--chdir");
  for (const auto& c : o.collect) a.insert(a.end(), {"--collect", c});
  append_resource_arguments(o, a);
  return a;
}

// Sleeps up to ms, waking early for an interrupt; returns the signal or 0.
int nap(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  ppoll(nullptr, 0, &ts, &SignalGuard::original_mask());
  return SignalGuard::take_interrupt();
}

}  // namespace

namespace {

void check_slurm_options(const RunOptions& o) {
  if (o.run_dir.empty())
    throw Error("--backend slurm needs --run-dir DIR (on a shared filesystem)");
  if (!o.journal.empty() || !o.results.empty() || !o.batchify.empty() ||
      !o.grid.shard.empty())
    throw Error(
        "--backend slurm keeps its own journals and shards in --run-dir: drop "
        "--journal, --results, --batchify and --shard");
  if (o.format != OutputFormat::kJsonl)
    throw Error("--backend slurm merges JSON Lines: drop --format");
  if (!o.run_id.empty())
    throw Error("--run-id is for the tasks of --backend slurm");
  if (!o.gpus.empty() && o.gpus != "auto")
    throw Error("--backend slurm: --gpus " + o.gpus +
                ": each task's allocation names its devices; give "
                "--gpus-per-job K alone");
}

// Each task runs -j jobs at once (default 1 when they own resources) and
// asks Slurm for what they need together.
void plan_task_resources(const RunOptions& o, SlurmRun& run) {
  bool gpus = !o.gpus.empty() || o.gpus_per_job;
  if (!gpus && !o.cpus_per_job) return;  // -j from SLURM_CPUS_PER_TASK
  run.task_jobs = o.threads > 0 ? static_cast<std::uint64_t>(o.threads) : 1;
  if (gpus)
    run.task_gpus = run.task_jobs * std::max<std::uint64_t>(1, o.gpus_per_job);
  run.task_cpus = run.task_jobs * o.cpus_per_job;
}

// A run directory belongs to one backend: its journals are split the way
// that backend split them.
void check_slurm_run_dir(const std::string& dir) {
  std::ifstream in(RunDirLayout(dir).definition());
  if (!in) return;
  auto def = nlohmann::json::parse(in, nullptr, false);
  if (def.is_object() && def.value("backend", "slurm") != "slurm")
    throw Error(dir + " is a run directory of --backend " +
                def.value("backend", "") +
                ": run it again without --backend "
                "slurm");
}

// --shards, or about ten jobs a task, within the cluster's MaxArraySize.
std::uint64_t choose_shards(const RunOptions& o, std::uint64_t jobs) {
  if (jobs == 0) throw Error("the grid has no jobs to run");
  std::uint64_t cap = slurm_max_array_size();
  std::uint64_t shards = o.shards;
  if (shards == 0)
    shards = std::min<std::uint64_t>(
        {jobs, cap, std::max<std::uint64_t>(1, (jobs + 9) / 10)});
  if (shards > cap)
    throw Error("--shards " + std::to_string(shards) +
                " is more than the cluster's MaxArraySize (" +
                std::to_string(cap) + ")");
  return shards;
}

// True if shard s of the run has a job its journal does not record as done.
bool shard_has_work(const RunOptions& o, const SlurmRun& run, const Grid& grid,
                    const Plan& shard_plan, std::uint64_t s) {
  if (shard_plan.size() == 0) return false;
  if (!o.resuming()) return true;
  auto done =
      JournalIndex::load(RunDirLayout(run.run_dir).journal(s),
                         [](const std::string& w) { spdlog::warn("{}", w); });
  CommandTemplate command(o.command, grid);
  GridJobSource source(grid, shard_plan, command);
  source.set_skip([&](const JobKey& k) {
    return done.skips(k, o.resume_failed, o.resume_pruned);
  });
  return source.next(0).has_value();
}

SlurmRun plan_slurm_run(const RunOptions& o, const Grid& grid,
                        const Plan& plan) {
  SlurmRun run;
  run.run_dir = fs::absolute(o.run_dir).string();
  run.cwd = fs::current_path().string();
  run.task_argv = task_arguments(o, plan);
  run.command = o.command;
  run.shards = choose_shards(o, plan.size());
  run.throttle = o.throttle;
  run.sbatch_options = o.slurm_opts;
  plan_task_resources(o, run);
  run.points = plan.points();
  run.jobs = plan.size();
  run.definition = run_definition(o, plan, "slurm");
  // Which shards to submit: all, or with --resume those with work left.
  for (std::uint64_t s = 0; s < run.shards; ++s) {
    PlanOptions po = plan.options();
    po.shard_index = s;
    po.shard_count = run.shards;
    Plan shard_plan(grid, po);
    run.shard_jobs.push_back(shard_plan.size());
    if (shard_has_work(o, run, grid, shard_plan, s)) run.tasks.push_back(s);
  }
  return run;
}

// Appends the submission to DIR/submissions.jsonl (sweep status reads it).
void record_submission(const SlurmRun& run, const std::string& job_id) {
  nlohmann::ordered_json j;
  j["job_id"] = job_id;
  j["array"] = slurm_array_spec(run.tasks, run.throttle);
  std::string extra = j.dump();
  RunDirLayout(run.run_dir)
      .record_submission(job_id, "slurm", extra.substr(1, extra.size() - 2));
}

// Waits for the array, showing progress from the shards' journals. Returns
// 128 + the signal if interrupted (the array is then cancelled), else 0.
int wait_for_array(const RunOptions& o, const SlurmRun& run,
                   const std::string& job_id, Clock::time_point begin) {
  SignalGuard signals;
  bool progress = !o.no_progress && !o.log.quiet &&
                  (o.progress || StatusLine::is_smart_terminal(STDERR_FILENO));
  StatusLine status(STDERR_FILENO, progress);
  set_log_status_line(&status);
  int delay = 200, interrupted = 0;
  while (!slurm_tasks_alive(job_id).empty()) {
    if (progress) {
      ProgressCounts c;
      c.total = run.jobs;
      for (auto [done, failed] :
           shard_journal_counts(run.run_dir, run.shards)) {
        c.done += done;
        c.failed += failed;
      }
      c.elapsed_s = std::chrono::duration<double>(Clock::now() - begin).count();
      status.set(format_progress(c));
    }
    if (int sig = nap(delay)) {
      status.clear();
      slurm_cancel(job_id);
      spdlog::warn(
          "interrupted: cancelled Slurm job {}; the journals in {} are kept "
          "for --resume",
          job_id, run.run_dir);
      interrupted = 128 + sig;
      break;
    }
    delay = std::min(delay * 2, 2000);
  }
  status.clear();
  set_log_status_line(nullptr);
  return interrupted;
}

// Merges the shards' streams into one, as a local run would have written it.
int collect_results(const RunOptions& o, const SlurmRun& run,
                    const std::string& job_id, Clock::time_point begin) {
  // Shards that ended without their statistics did not finish.
  int missing = 0;
  for (std::uint64_t t : run.tasks)
    if (!job_id.empty() &&
        !fs::exists(
            RunDirLayout(run.run_dir).stats(std::to_string(t), job_id))) {
      spdlog::error("shard {} ended without finishing: see {}/slurm-{}_{}.out",
                    t, run.run_dir, job_id, t);
      ++missing;
    }
  std::vector<std::string> files = stream_files(run.run_dir);
  OutputStream out = open_merge_output(o.output, o.stats_json, files);
  MergeOptions mo;
  mo.points = run.points;
  mo.jobs = run.jobs;
  mo.threads = run.tasks.empty() ? 1 : run.tasks.size();
  mo.wall_s = std::chrono::duration<double>(Clock::now() - begin).count();
  MergeResult merged = merge_streams(files, out, mo);
  int exit_status = report_merge(merged, o.stats_json, o.log.quiet);
  return missing ? kExitJobFailed : exit_status;
}

}  // namespace

int run_on_slurm(const RunOptions& o, const Grid& grid, const Plan& plan) {
  check_slurm_options(o);
  check_slurm_run_dir(o.run_dir);
  SlurmRun run = plan_slurm_run(o, grid, plan);
  write_slurm_run_dir(run);
  auto begin = Clock::now();
  std::string job_id;
  if (run.tasks.empty()) {
    spdlog::info("every shard is done according to the journals in {}",
                 run.run_dir);
  } else {
    job_id = submit_slurm_array(run);
    spdlog::info("submitted Slurm job {} ({} of {} shards, array {})", job_id,
                 run.tasks.size(), run.shards,
                 slurm_array_spec(run.tasks, run.throttle));
    record_submission(run, job_id);
  }
  if (o.detach) {
    if (!job_id.empty())
      std::printf("%s\nfollow: sweep status %s\ncollect: sweep merge %s\n",
                  job_id.c_str(), run.run_dir.c_str(), run.run_dir.c_str());
    return kExitOk;
  }
  if (!job_id.empty())
    if (int interrupted = wait_for_array(o, run, job_id, begin))
      return interrupted;
  return collect_results(o, run, job_id, begin);
}

}  // namespace sweep::cli
