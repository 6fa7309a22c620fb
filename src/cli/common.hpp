#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "sweep/grid.hpp"

namespace sweep::cli {

/// Options shared by every subcommand that reads a grid.
struct GridOptions {
  std::string grid_file;            ///< Empty for none; "-" for stdin.
  std::vector<std::string> params;  ///< -p NAME=SPEC, in order.
};

/// Declares GRID and -p on a subcommand.
void add_grid_options(CLI::App& app, GridOptions& o);

/// The grid from a file and -p flags (either may be absent).
Grid build_grid(const GridOptions& o);

/// Verbosity flags: -v raises, -q lowers the log level.
struct LogOptions {
  int verbose = 0;
  bool quiet = false;
};

/// Declares -v/--verbose and -q/--quiet on a subcommand.
void add_log_options(CLI::App& app, LogOptions& o);

/// Sets up spdlog on stderr ("sweep: <level>: message") at the chosen level.
void init_logging(const LogOptions& o);

}  // namespace sweep::cli
