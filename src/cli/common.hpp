#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "grid/plan.hpp"
#include "output/status_line.hpp"
#include "sweep/grid.hpp"

namespace sweep::cli {

/// Options shared by every subcommand that reads a grid and plans its jobs.
struct GridOptions {
  std::string grid_file;                ///< Empty for none; "-" for stdin.
  std::vector<std::string> params;      ///< -p NAME=SPEC, in order.
  std::vector<std::string> links;       ///< --link A,B
  std::vector<std::string> excludes;    ///< --exclude JSON
  std::optional<std::uint64_t> sample;  ///< --sample K
  std::optional<std::uint64_t> seed;    ///< --seed S
  bool shuffle = false;                 ///< --shuffle
  std::string shard;                    ///< --shard I/N
  std::uint64_t repeat = 1;             ///< --repeat R
};

/// Declares GRID, -p and the selection flags on a subcommand.
void add_grid_options(CLI::App& app, GridOptions& o);

/// The grid from a file and flags (either may be absent).
Grid build_grid(const GridOptions& o);

/// The plan of jobs for a grid; logs the seed when sweep chose it.
Plan build_plan(const Grid& grid, const GridOptions& o);

/// Verbosity flags: -v raises, -q lowers the log level.
struct LogOptions {
  int verbose = 0;
  bool quiet = false;
};

/// Declares -v/--verbose and -q/--quiet on a subcommand.
void add_log_options(CLI::App& app, LogOptions& o);

/// Sets up spdlog on stderr ("sweep: <level>: message") at the chosen level.
void init_logging(const LogOptions& o);

/// Routes log messages above this status line (nullptr: none).
void set_log_status_line(StatusLine* status);

}  // namespace sweep::cli
