#include "common.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>

#include "sweep/grid_parse.hpp"

namespace sweep::cli {

void add_grid_options(CLI::App& app, GridOptions& o) {
  app.add_option("GRID", o.grid_file,
                 "Grid file (JSON object of parameters), or - for stdin")
      ->type_name("FILE");
  app.add_option("-p,--param", o.params,
                 "Add or replace a parameter: NAME=a,b,c | NAME=A..B | "
                 "NAME=A..B:STEP (repeatable)")
      ->type_name("NAME=SPEC")
      ->allow_extra_args(false);
}

Grid build_grid(const GridOptions& o) {
  Grid grid;
  if (!o.grid_file.empty()) grid = load_grid_file(o.grid_file);
  apply_param_flags(grid, o.params);
  return grid;
}

void add_log_options(CLI::App& app, LogOptions& o) {
  app.add_flag("-v,--verbose", o.verbose, "More diagnostics on stderr");
  app.add_flag("-q,--quiet", o.quiet,
               "Only errors on stderr (no statistics report)");
}

void init_logging(const LogOptions& o) {
  bool color = isatty(STDERR_FILENO) && !std::getenv("NO_COLOR");
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(
      color ? spdlog::color_mode::automatic : spdlog::color_mode::never);
  auto logger = std::make_shared<spdlog::logger>("sweep", sink);
  logger->set_pattern("sweep: %^%l%$: %v");
  if (o.quiet)
    logger->set_level(spdlog::level::err);
  else if (o.verbose > 0)
    logger->set_level(spdlog::level::debug);
  else
    logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace sweep::cli
