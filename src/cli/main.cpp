// sweep: wiring only. Parse options, hand them to a subcommand, and report
// any user error once, here.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstring>

#include "commands.hpp"
#include "exec/subprocess.hpp"
#include "sweep/error.hpp"

int main(int argc, char** argv) {
  // A closed stdout is seen as EPIPE by the writers, never as a signal.
  signal(SIGPIPE, SIG_IGN);
  // Process-wide, so the CLI's choice, never the library's.
  sweep::raise_fd_limit();
  sweep::cli::init_logging({});

  // Everything after the first `--` is the command, untouched by CLI11.
  int split = argc;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      split = i;
      break;
    }

  CLI::App app{"sweep: run a command over a grid of parameters, in parallel"};
  app.set_version_flag("--version", "sweep " SWEEP_VERSION);
  app.require_subcommand(1);
  sweep::cli::RunOptions run;
  sweep::cli::GridCommandOptions grid;
  sweep::cli::BatchifyCommandOptions batchify;
  CLI::App* run_app = sweep::cli::setup_run(app, run);
  CLI::App* grid_app = sweep::cli::setup_grid(app, grid);
  CLI::App* batchify_app = sweep::cli::setup_batchify(app, batchify);
  sweep::cli::MergeCommandOptions merge;
  sweep::cli::StatusCommandOptions status;
  CLI::App* merge_app = sweep::cli::setup_merge(app, merge);
  CLI::App* status_app = sweep::cli::setup_status(app, status);
  try {
    app.parse(split, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    spdlog::error("{} (see sweep --help)", e.what());
    return sweep::kExitUsage;
  }

  try {
    if (run_app->parsed()) {
      sweep::cli::init_logging(run.log);
      run.command.assign(argv + std::min(split + 1, argc), argv + argc);
      return sweep::cli::run_run(run);
    }
    if (merge_app->parsed() || status_app->parsed()) {
      sweep::cli::init_logging(merge_app->parsed() ? merge.log : status.log);
      if (split < argc)
        throw sweep::Error("this subcommand takes no command (found '--')");
      return merge_app->parsed() ? sweep::cli::run_merge(merge)
                                 : sweep::cli::run_status(status);
    }
    if (batchify_app->parsed()) {
      sweep::cli::init_logging(batchify.log);
      if (split < argc)
        throw sweep::Error("sweep batchify takes no command (found '--')");
      return sweep::cli::run_batchify(batchify);
    }
    sweep::cli::init_logging(grid.log);
    if (split < argc)
      throw sweep::Error("sweep grid takes no command (found '--')");
    (void)grid_app;
    return sweep::cli::run_grid(grid);
  } catch (const sweep::Error& e) {
    spdlog::error("{}", e.what());
    return e.exit_status();
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    return 1;
  }
}
