// sweep run --backend slurm: one array job, one shard per task, then merge.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "backend/backend.hpp"
#include "commands.hpp"
#include "exec/scheduler.hpp"
#include "exec/signals.hpp"
#include "output/journal.hpp"
#include "output/status_line.hpp"
#include "sweep/error.hpp"

namespace sweep::cli {

namespace fs = std::filesystem;

namespace {

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
  if (!o.timeout.empty()) a.insert(a.end(), {"--timeout", o.timeout});
  a.insert(a.end(), {"--kill-after", o.kill_after});
  if (o.retries) a.insert(a.end(), {"--retries", std::to_string(o.retries)});
  if (o.halt_on_failure) a.push_back("--halt-on-failure");
  if (o.max_failures)
    a.insert(a.end(), {"--max-failures", std::to_string(o.max_failures)});
  if (o.halt_now) a.push_back("--halt-now");
  if (o.keep_order) a.push_back("--keep-order");
  a.insert(a.end(), {"--stderr", o.stderr_mode});
  return a;
}

// Sleeps up to ms, waking early for an interrupt; returns the signal or 0.
int nap(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  ppoll(nullptr, 0, &ts, &SignalGuard::original_mask());
  return SignalGuard::take_interrupt();
}

}  // namespace

int run_on_slurm(const RunOptions& o, const Grid& grid, const Plan& plan) {
  if (o.run_dir.empty())
    throw Error("--backend slurm needs --run-dir DIR (on a shared filesystem)");
  if (!o.journal.empty() || !o.results.empty() || !o.batchify.empty() ||
      !o.grid.shard.empty())
    throw Error(
        "--backend slurm keeps its own journals and shards in --run-dir: drop "
        "--journal, "
        "--results, --batchify and --shard");
  if (o.format != "jsonl")
    throw Error("--backend slurm merges JSON Lines: drop --format");
  std::uint64_t jobs = plan.size();
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

  SlurmRun run;
  run.run_dir = fs::absolute(o.run_dir).string();
  run.cwd = fs::current_path().string();
  run.task_argv = task_arguments(o, plan);
  run.command = o.command;
  run.shards = shards;
  run.throttle = o.throttle;
  run.sbatch_options = o.slurm_opts;
  run.points = plan.points();
  run.jobs = jobs;
  // Which shards to submit: all, or with --resume those with work left.
  CommandTemplate command(o.command, grid);
  for (std::uint64_t s = 0; s < shards; ++s) {
    PlanOptions po = plan.options();
    po.shard_index = s;
    po.shard_count = shards;
    Plan shard_plan(grid, po);
    run.shard_jobs.push_back(shard_plan.size());
    bool left = shard_plan.size() > 0;
    if (left && (o.resume || o.resume_failed)) {
      auto done = JournalIndex::load(
          run.run_dir + "/shard-" + std::to_string(s) + ".journal",
          [](const std::string& w) { spdlog::warn("{}", w); });
      GridJobSource source(grid, shard_plan, command);
      bool rerun_failed = o.resume_failed;
      source.set_skip([&](const JobKey& k) {
        return done.succeeded(k) || (!rerun_failed && done.failed(k));
      });
      left = source.next(0).has_value();
    }
    if (left) run.tasks.push_back(s);
  }
  write_slurm_run_dir(run);
  auto begin = std::chrono::steady_clock::now();
  std::string job_id;
  if (!run.tasks.empty()) {
    job_id = submit_slurm_array(run);
    spdlog::info("submitted Slurm job {} ({} of {} shards, array {})", job_id,
                 run.tasks.size(), shards,
                 slurm_array_spec(run.tasks, run.throttle));
    OutputStream log =
        OutputStream(::open((run.run_dir + "/submissions.jsonl").c_str(),
                            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644),
                     true);
    log.write("{\"job_id\":\"" + job_id + "\",\"array\":\"" +
              slurm_array_spec(run.tasks, run.throttle) + "\",\"time\":\"" +
              utc_timestamp() + "\"}\n");
    log.flush();
  } else {
    spdlog::info("every shard is done according to the journals in {}",
                 run.run_dir);
  }
  if (o.detach) {
    if (!job_id.empty())
      std::printf("%s\nfollow: sweep status %s\ncollect: sweep merge %s\n",
                  job_id.c_str(), run.run_dir.c_str(), run.run_dir.c_str());
    return kExitOk;
  }

  // Wait for the array, showing progress from the shards' journals.
  SignalGuard signals;
  bool progress = !o.no_progress && !o.log.quiet &&
                  (o.progress || StatusLine::is_smart_terminal(STDERR_FILENO));
  StatusLine status(STDERR_FILENO, progress);
  set_log_status_line(&status);
  int delay = 200;
  while (!job_id.empty()) {
    if (slurm_tasks_alive(job_id).empty()) break;
    if (progress) {
      ProgressCounts c;
      c.total = jobs;
      for (auto [done, failed] : shard_journal_counts(run.run_dir, shards)) {
        c.done += done;
        c.failed += failed;
      }
      c.elapsed_s = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - begin)
                        .count();
      status.set(format_progress(c));
    }
    if (int sig = nap(delay)) {
      status.clear();
      slurm_cancel(job_id);
      spdlog::warn(
          "interrupted: cancelled Slurm job {}; the journals in {} are kept "
          "for --resume",
          job_id, run.run_dir);
      set_log_status_line(nullptr);
      return 128 + sig;
    }
    delay = std::min(delay * 2, 2000);
  }
  status.clear();
  set_log_status_line(nullptr);

  // Shards that ended without their statistics did not finish.
  int missing = 0;
  for (std::uint64_t t : run.tasks)
    if (!job_id.empty() &&
        !fs::exists(run.run_dir + "/shard-" + std::to_string(t) + "-" + job_id +
                    ".stats.json")) {
      spdlog::error("shard {} ended without finishing: see {}/slurm-{}_{}.out",
                    t, run.run_dir, job_id, t);
      ++missing;
    }
  OutputStream out = o.output.empty() ? OutputStream(STDOUT_FILENO)
                                      : OutputStream::open_file(o.output);
  MergeOptions mo;
  mo.points = run.points;
  mo.jobs = jobs;
  mo.threads = run.tasks.empty() ? 1 : run.tasks.size();
  mo.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  MergeResult merged = merge_streams(stream_files(run.run_dir), out, mo);
  int exit_status = report_merge(merged, o.stats_json, o.log.quiet);
  return missing ? kExitJobFailed : exit_status;
}

}  // namespace sweep::cli
