#include "common.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <mutex>
#include <random>

#include "backend/backend.hpp"
#include "sweep/grid_parse.hpp"
#include "validators.hpp"

namespace sweep::cli {

void add_grid_options(CLI::App& app, GridOptions& o) {
  app.add_option("GRID", o.grid_file,
                 "Grid file: a JSON object of parameters, or an array of them "
                 "(a union); "
                 "- for stdin")
      ->type_name("FILE");
  app.add_option("-p,--param", o.params,
                 "Add or replace a parameter: NAME=a,b,c | A..B | A..B:STEP | "
                 "linspace:A,B,N | logspace:A,B,N | @FILE (repeatable)")
      ->type_name("NAME=SPEC")
      ->allow_extra_args(false);
  app.add_option("--link", o.links,
                 "Vary these parameters together instead of multiplying them "
                 "(repeatable)")
      ->type_name("A,B,...")
      ->allow_extra_args(false);
  app.add_option(
         "--exclude", o.excludes,
         "Skip every point matching this JSON object, e.g. '{\"depth\": 2}' "
         "(repeatable)")
      ->type_name("JSON")
      ->allow_extra_args(false);
  app.add_option("--sample", o.sample, "Take K distinct points at random")
      ->type_name("K")
      ->transform(at_least(1));
  app.add_flag("--shuffle", o.shuffle, "Take the points in random order");
  app.add_option("--seed", o.seed,
                 "Seed for --sample and --shuffle (default: random, printed)")
      ->type_name("S")
      ->transform(at_least(0));
  app.add_option(
         "--shard", o.shard,
         "Take only shard I of N (every N-th point from the I-th); auto: from "
         "SLURM_ARRAY_TASK_ID, CI_NODE_INDEX or SWEEP_SHARD")
      ->type_name("I/N");
  app.add_option("--repeat", o.repeat,
                 "Run every point R times (<@rep> tells them apart)")
      ->type_name("R")
      ->transform(at_least(1));
}

Grid build_grid(const GridOptions& o) {
  Grid grid;
  if (!o.grid_file.empty()) grid = load_grid_file(o.grid_file);
  apply_param_flags(grid, o.params);
  apply_link_flags(grid, o.links);
  apply_exclude_flags(grid, o.excludes);
  grid.size();  // reports an oversized grid or uncountable exclusions now
  return grid;
}

Plan build_plan(const Grid& grid, const GridOptions& o) {
  PlanOptions p;
  p.sample = o.sample;
  p.shuffle = o.shuffle;
  p.repeat = o.repeat;
  if (o.shard == "auto")
    shard_from_environment(p.shard_index, p.shard_count,
                           [](const char* name) { return std::getenv(name); });
  else if (!o.shard.empty())
    parse_shard(o.shard, p.shard_index, p.shard_count);
  bool chosen = !o.seed && (o.sample || o.shuffle);
  if (o.seed) {
    p.seed = *o.seed;
  } else if (chosen) {
    std::random_device rd;
    p.seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  Plan plan(grid, p);
  if (chosen)
    spdlog::info(
        "random selection with --seed {} (pass it to get the same points "
        "again)",
        p.seed);
  if (plan.sample_truncated())
    spdlog::warn(
        "--sample {} is more than the grid's {} points: taking every point",
        *o.sample, grid.size());
  return plan;
}

void add_log_options(CLI::App& app, LogOptions& o) {
  app.add_flag("-v,--verbose", o.verbose, "More diagnostics on stderr");
  app.add_flag("-q,--quiet", o.quiet,
               "Only errors on stderr (no statistics report)");
}

namespace {

StatusLine* g_status = nullptr;

// Writes log lines to stderr above the live status line, if one is shown.
class StatusAwareSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StatusAwareSink(bool color) : color_(color) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string text(buf.data(), buf.size());
    if (color_ && msg.level >= spdlog::level::warn) {
      // Colour only the level name: "sweep: warning: ..." -> yellow/red.
      const char* code =
          msg.level == spdlog::level::warn ? "\x1b[33m" : "\x1b[31m";
      size_t a = text.find(": ") + 2, b = text.find(": ", a);
      if (b != std::string::npos)
        text = text.substr(0, a) + code + text.substr(a, b - a) + "\x1b[0m" +
               text.substr(b);
    }
    if (g_status) {
      g_status->print_above(text);
    } else {
      std::fwrite(text.data(), 1, text.size(), stderr);
      std::fflush(stderr);
    }
  }
  void flush_() override { std::fflush(stderr); }

 private:
  bool color_;
};

}  // namespace

void set_log_status_line(StatusLine* status) { g_status = status; }

void init_logging(const LogOptions& o) {
  bool color = isatty(STDERR_FILENO) && !std::getenv("NO_COLOR");
  auto sink = std::make_shared<StatusAwareSink>(color);
  auto logger = std::make_shared<spdlog::logger>("sweep", sink);
  logger->set_pattern("sweep: %l: %v");
  if (o.quiet)
    logger->set_level(spdlog::level::err);
  else if (o.verbose > 0)
    logger->set_level(spdlog::level::debug);
  else
    logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace sweep::cli
