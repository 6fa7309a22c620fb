#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "commands.hpp"
#include "sweep/command_template.hpp"
#include "sweep/error.hpp"
#include "sweep/output_stream.hpp"
#include "sweep/result_writer.hpp"
#include "sweep/runner.hpp"
#include "sweep/scheduler.hpp"
#include "sweep/signals.hpp"
#include "sweep/stats.hpp"

namespace sweep::cli {

CLI::App* setup_run(CLI::App& app, RunOptions& o) {
  auto* sub = app.add_subcommand(
      "run", "Run a command once per grid point, in parallel, as JSON Lines");
  add_grid_options(*sub, o.grid);
  sub->add_option("-j,--threads", o.threads,
                  "Jobs at once (default: the number of online CPUs)")
      ->check(CLI::PositiveNumber)
      ->type_name("N");
  sub->add_option("-o,--output", o.output,
                  "Write the result stream to FILE instead of stdout")
      ->type_name("FILE");
  sub->add_option("--stats-json", o.stats_json,
                  "Also write the statistics as a JSON object to FILE")
      ->type_name("FILE");
  sub->add_flag("--dry-run", o.dry_run,
                "Print each point's command line (shell-quoted), run nothing");
  add_log_options(*sub, o.log);
  sub->footer(
      "Full form: sweep run [OPTIONS] [GRID] [-p NAME=SPEC]... -- COMMAND "
      "[ARG]...\n\n"
      "COMMAND and ARGs may contain <name> placeholders, replaced by the\n"
      "point's values; the command runs directly, never through a shell.\n\n"
      "Examples:\n"
      "  sweep run -j 4 grid.json -- ./train --depth=<depth> <impurity>\n"
      "  sweep run -p depth=2..30 -p impurity=gini,entropy -- ./train <depth> "
      "<impurity>\n"
      "  sweep run -p lr=0.1,0.01 --dry-run -- python train.py --lr <lr>");
  return sub;
}

namespace {

size_t default_threads() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<size_t>(n) : 1;
}

int dry_run(const Grid& grid, const Plan& plan,
            const CommandTemplate& command) {
  OutputStream out(STDOUT_FILENO);
  GridJobSource source(grid, plan, command);
  while (!out.closed()) {
    std::optional<Job> job = source.next(0);
    if (!job) break;
    out.buffer() += shell_join(job->argv);
    out.buffer() += '\n';
    out.commit();
  }
  out.flush();
  return kExitOk;
}

}  // namespace

int run_run(const RunOptions& o) {
  if (o.command.empty())
    throw Error(
        "missing command: write it after '--', e.g. "
        "sweep run -p x=1,2 -- echo <x>");
  Grid grid = build_grid(o.grid);
  CommandTemplate command(o.command, grid);
  Plan plan = build_plan(grid, o.grid);
  std::uint64_t jobs = plan.size();
  if (o.dry_run) return dry_run(grid, plan, command);
  if (!command.program_has_placeholder()) resolve_executable(o.command[0]);

  // Open every output before the first job, so a bad path costs no work.
  OutputStream out = o.output.empty() ? OutputStream(STDOUT_FILENO)
                                      : OutputStream::open_file(o.output);
  std::optional<OutputStream> stats_out;
  if (!o.stats_json.empty())
    stats_out.emplace(OutputStream::open_file(o.stats_json));
  OutputStream err(STDERR_FILENO);

  size_t threads =
      o.threads > 0 ? static_cast<size_t>(o.threads) : default_threads();
  size_t busy_threads = static_cast<size_t>(
      std::min<std::uint64_t>(threads, std::max<std::uint64_t>(jobs, 1)));
  spdlog::debug("{} jobs, {} at once", jobs, threads);

  SignalGuard signals;
  JsonlWriter writer(out);
  StderrRelay relay(err);
  Stats stats(plan.points(), jobs, busy_threads);
  FanoutSink sink({&writer, &relay, &stats});
  GridJobSource source(grid, plan, command);
  LocalRunner runner;
  Scheduler scheduler(source, runner, sink, SchedulerOptions{threads});
  RunOutcome outcome = scheduler.run();
  out.flush();
  err.flush();

  StatsSummary summary = stats.summary(outcome.wall_s, outcome.interrupted_by);
  if (stats_out) {
    stats_out->write(stats_json(summary));
    stats_out->flush();
  }
  if (!o.log.quiet) {
    err.write(format_report(summary));
    err.flush();
  }
  if (outcome.interrupted_by) {
    spdlog::warn("interrupted by {}: running jobs were stopped",
                 signal_name(outcome.interrupted_by));
    return 128 + outcome.interrupted_by;
  }
  if (outcome.sink_stopped) {
    spdlog::error(
        "the result stream was closed by its reader; the sweep was stopped");
    return kExitBrokenPipe;
  }
  return summary.failed > 0 ? kExitJobFailed : kExitOk;
}

}  // namespace sweep::cli
