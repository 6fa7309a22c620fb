// sweep: wiring only. Parse options, hand them to a subcommand, and report
// any user error once, here.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cstring>

#include "commands.hpp"
#include "exec/subprocess.hpp"
#include "exec/supervisor.hpp"
#include "man_page.hpp"
#include "sweep/error.hpp"
#include "sweep/version.hpp"
#include "validators.hpp"

namespace {

using namespace sweep::cli;

// Every subcommand's options, declared on one app.
struct Cli {
  // Named, so that --help shows `sweep`, not the path sweep was started as.
  CLI::App app{"sweep: run a command over a grid of parameters, in parallel",
               "sweep"};
  RunOptions run;
  GridCommandOptions grid;
  BatchifyCommandOptions batchify;
  MergeCommandOptions merge;
  StatusCommandOptions status;
  ReportCommandOptions report;
  CompletionCommandOptions completion;
  CLI::App *run_app, *grid_app, *batchify_app, *merge_app, *status_app,
      *report_app, *completion_app;
  Cli() {
    app.set_version_flag("--version", version_text(),
                         "Print the version, compiler and build type");
    app.require_subcommand(1);
    run_app = setup_run(app, run);
    grid_app = setup_grid(app, grid);
    batchify_app = setup_batchify(app, batchify);
    merge_app = setup_merge(app, merge);
    status_app = setup_status(app, status);
    report_app = setup_report(app, report);
    completion_app = setup_completion(app, completion);
    refuse_empty_paths(app);
  }
  // "sweep 0.1.0 (git ...)" and how it was built: what a bug report needs.
  static std::string version_text() {
    return "sweep " + std::string(sweep::version()) + "\nbuilt with " +
           std::string(sweep::build_info());
  }
};

// `sweep bogus`: CLI11 would only say a subcommand is required.
void check_subcommand(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return;
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    names.push_back(sub->get_name());
    if (names.back() == argv[1]) return;
  }
  std::string hint = closest_match(argv[1], names);
  throw sweep::Error("unknown subcommand '" + std::string(argv[1]) + "'" +
                     (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                     "; see sweep --help");
}

// Runs the parsed subcommand; `command` is what followed `--`, if anything.
int dispatch(Cli& c, std::vector<std::string> command, bool has_command) {
  auto no_command = [&](const char* name) {
    if (has_command)
      throw sweep::Error(std::string(name) + " takes no command (found '--')");
  };
  if (c.run_app->parsed()) {
    init_logging(c.run.log);
    c.run.command = std::move(command);
    return run_run(c.run);
  }
  if (c.merge_app->parsed()) {
    init_logging(c.merge.log);
    no_command("this subcommand");
    return run_merge(c.merge);
  }
  if (c.status_app->parsed()) {
    init_logging(c.status.log);
    no_command("this subcommand");
    return run_status(c.status);
  }
  if (c.report_app->parsed()) {
    init_logging(c.report.log);
    no_command("this subcommand");
    return run_report(c.report);
  }
  if (c.completion_app->parsed()) {
    no_command("sweep completion");
    return run_completion(c.completion, c.app);
  }
  if (c.batchify_app->parsed()) {
    init_logging(c.batchify.log);
    no_command("sweep batchify");
    return run_batchify(c.batchify);
  }
  init_logging(c.grid.log);
  no_command("sweep grid");
  return run_grid(c.grid);
}

}  // namespace

int main(int argc, char** argv) {
  // `sweep __supervise 3`: the helper that stops sweep's jobs if sweep dies
  // (exec/supervisor.hpp), started by sweep itself, never by a user.
  if (argc == 3 && std::strcmp(argv[1], "__supervise") == 0)
    return sweep::Supervisor::serve(std::atoi(argv[2]));
  // `sweep __man DOCS_DIR OUT_DIR`: the build writes the man pages from
  // the options declared here and docs/man/*.txt (man_page.hpp).
  if (argc == 4 && std::strcmp(argv[1], "__man") == 0) {
    init_logging({});
    try {
      Cli c;
      write_man_pages(c.app, argv[2], argv[3], SWEEP_VERSION);
      return sweep::kExitOk;
    } catch (const sweep::Error& e) {
      spdlog::error("{}", e.what());
      return e.exit_status();
    }
  }
  // Jobs of the CLI die with it, even by kill -9: the first job starts the
  // supervisor. Only here, never in the library; and not without /proc.
  if (access("/proc/self/exe", X_OK) == 0)
    sweep::Supervisor::enable("/proc/self/exe");
  // A closed stdout is seen as EPIPE by the writers, never as a signal.
  signal(SIGPIPE, SIG_IGN);
  // Process-wide, so the CLI's choice, never the library's.
  sweep::raise_fd_limit();
  init_logging({});

  // Everything after the first `--` is the command, untouched by CLI11.
  int split = argc;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      split = i;
      break;
    }

  Cli c;
  try {
    check_subcommand(c.app, split, argv);
    c.app.parse(split, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return c.app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::vector<std::string> args(argv + 1, argv + split);
    spdlog::error("{} (see sweep --help)", as_typed(e.what(), c.app, args));
    return sweep::kExitUsage;
  } catch (const sweep::Error& e) {
    spdlog::error("{}", e.what());
    return e.exit_status();
  }

  try {
    return dispatch(
        c,
        std::vector<std::string>(argv + std::min(split + 1, argc), argv + argc),
        split < argc);
  } catch (const sweep::Error& e) {
    spdlog::error("{}", e.what());
    return e.exit_status();
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    return 1;
  }
}
