// sweep run --run-dir DIR on this machine: the run directory the Slurm
// backend keeps, for a local run (README.md, "The run directory").
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "output/run_dir.hpp"
#include "sweep/error.hpp"

namespace sweep::cli {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

Json read_definition(const RunDirLayout& layout) {
  std::ifstream in(layout.definition());
  if (!in) return nullptr;
  Json def = Json::parse(in, nullptr, false);
  if (!def.is_object())
    throw Error(layout.definition() + ": not a sweep definition");
  return def;
}

// The grid options as the definition keeps them: the grid file absolute,
// and the seed sweep chose, so a resume selects the same points.
Json grid_definition(const GridOptions& g, const Plan& plan) {
  Json grid;
  grid["file"] = g.grid_file.empty() ? Json(nullptr)
                                     : Json(fs::absolute(g.grid_file).string());
  grid["params"] = g.params;
  grid["links"] = g.links;
  grid["excludes"] = g.excludes;
  grid["sample"] = g.sample ? Json(*g.sample) : Json(nullptr);
  grid["shuffle"] = g.shuffle;
  grid["seed"] =
      g.sample || g.shuffle ? Json(plan.options().seed) : Json(nullptr);
  grid["repeat"] = g.repeat;
  return grid;
}

GridOptions grid_from_definition(const Json& grid) {
  GridOptions g;
  if (grid.at("file").is_string()) g.grid_file = grid.at("file");
  g.params = grid.at("params").get<std::vector<std::string>>();
  g.links = grid.at("links").get<std::vector<std::string>>();
  g.excludes = grid.at("excludes").get<std::vector<std::string>>();
  if (grid.at("sample").is_number()) g.sample = grid.at("sample");
  g.shuffle = grid.at("shuffle");
  if (grid.at("seed").is_number()) g.seed = grid.at("seed");
  g.repeat = grid.at("repeat");
  return g;
}

// --halving and what goes with it, for a resume: what the flags do not
// give comes from DIR, and what they give must agree with it: the journal's
// keys hold the rungs' budgets and its values are the metric's.
void halving_from_definition(const Json& h, RunOptions& o,
                             const std::string& file) {
  std::string budget = h.at("budget"), metric = h.at("metric");
  auto eta = h.at("eta").get<std::uint64_t>();
  bool hyperband = h.at("hyperband");
  auto& metrics = o.report_flags.metrics;
  auto differs = [&](const std::string& flag, const std::string& was) {
    throw Error(flag + ": this halving run has " + was + " (" + file +
                "); resume it with the same, or start a new run directory");
  };
  if (!o.halving.empty() && o.halving != budget)
    differs("--halving " + o.halving, "--halving " + budget);
  if (o.eta && *o.eta != eta)
    differs("--eta " + std::to_string(*o.eta), "--eta " + std::to_string(eta));
  if (o.hyperband && !hyperband) differs("--hyperband", "no --hyperband");
  if (!metrics.empty() && metrics[0] != metric)
    differs("--metric " + metrics[0], "--metric " + metric);
  o.halving = budget;
  o.eta = eta;
  o.hyperband = hyperband;
  if (metrics.empty()) metrics = {metric};
}

// A run directory belongs to one backend: its shards and journals are split
// the way that backend split them.
void check_backend(const RunDirLayout& layout, std::string_view backend) {
  Json def = read_definition(layout);
  if (def.is_null()) return;
  std::string was = def.value("backend", "slurm");
  if (was != backend)
    throw Error(layout.dir() + " is a run directory of --backend " + was +
                ": run it again with --backend " + was);
}

void check_local_options(const RunOptions& o) {
  if (!o.journal.empty())
    throw Error(
        "--run-dir keeps its journal in DIR: drop --journal (or --run-dir)");
  if (o.format != OutputFormat::kJsonl)
    throw Error("--run-dir keeps JSON Lines streams: drop --format");
  if (!o.grid.shard.empty() && o.run_id.empty())
    throw Error(
        "--run-dir runs the whole sweep: drop --shard (or use --backend "
        "slurm)");
  if (o.grid.grid_file == "-")
    throw Error("--run-dir needs a grid file, not standard input");
  if (!o.batchify.empty() && o.batch_dir.empty())
    throw Error(
        "--run-dir with --batchify needs --batch-dir DIR, so that a resume "
        "finds the same batches");
}

// The whole sweep, every invocation's stream merged, as `sweep merge DIR`
// (and the Slurm backend at its end) gives it.
int merge_run_dir(const RunOptions& o, const RunDirLayout& layout) {
  MergeCommandOptions m;
  m.inputs = {layout.dir()};
  m.output = o.output;
  m.stats_json = o.stats_json;
  m.log = o.log;
  return run_merge(m);
}

}  // namespace

Json run_definition(const RunOptions& o, const Plan& plan,
                    std::string_view backend) {
  Json def;
  def["version"] = 1;
  def["backend"] = backend;
  def["grid"] = grid_definition(o.grid, plan);
  if (!o.batchify.empty()) {
    def["batchify"] = {o.batchify[0], fs::absolute(o.batchify[1]).string()};
    def["batch_dir"] = fs::absolute(o.batch_dir).string();
  }
  def["command"] = o.command;
  def["chdir"] = o.chdir;
  def["collect"] = o.collect;
  def["cwd"] = fs::current_path().string();
  if (!o.halving.empty())
    def["halving"] = {{"budget", o.halving},
                      {"eta", o.eta.value_or(3)},
                      {"hyperband", o.hyperband},
                      {"metric", o.report_flags.metrics.at(0)}};
  def["points"] = plan.points();
  std::uint64_t jobs = planned_jobs(o, plan);
  def["jobs"] = jobs;
  def["shards"] = 1;
  def["shard_jobs"] = {jobs};
  return def;
}

void complete_from_run_dir(RunOptions& o) {
  if (o.run_dir.empty() || !o.run_id.empty() || !o.resuming()) return;
  bool need_grid =
      o.grid.grid_file.empty() && o.grid.params.empty() && o.batchify.empty();
  bool need_command = o.command.empty();
  RunDirLayout layout(o.run_dir);
  Json def = read_definition(layout);
  try {
    if (def.is_object() && def.contains("halving"))
      halving_from_definition(def.at("halving"), o, layout.definition());
  } catch (const nlohmann::json::exception& e) {
    throw Error(layout.definition() + ": malformed definition: " + e.what());
  }
  if (!need_grid && !need_command) return;
  if (def.is_null())
    throw Error(o.run_dir +
                ": no sweep.json to resume from; give the grid and the "
                "command");
  try {
    if (need_grid) {
      o.grid = grid_from_definition(def.at("grid"));
      if (def.contains("batchify")) {
        o.batchify = def.at("batchify").get<std::vector<std::string>>();
        o.batch_dir = def.at("batch_dir");
      }
    }
    if (need_command) {
      o.command = def.at("command").get<std::vector<std::string>>();
      o.chdir = o.chdir || def.value("chdir", false);
      if (o.collect.empty())
        o.collect = def.value("collect", std::vector<std::string>{});
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(layout.definition() + ": malformed definition: " + e.what());
  }
  std::string cwd = def.value("cwd", "");
  if (!cwd.empty() && cwd != fs::current_path().string())
    spdlog::warn(
        "{} was defined in {}: relative paths in it (values files, the "
        "command) are read from here",
        o.run_dir, cwd);
}

int run_in_run_dir(const RunOptions& o, const Grid& grid, const Plan& plan,
                   const CommandTemplate& command) {
  check_local_options(o);
  RunDirLayout layout(fs::absolute(o.run_dir).string());
  std::error_code ec;
  fs::create_directories(layout.dir(), ec);
  if (ec)
    throw Error(layout.dir() +
                ": cannot create run directory: " + ec.message());
  // One shard locally; a Slurm array task (--run-id) runs its --shard.
  bool task = !o.run_id.empty();
  std::string shard = std::to_string(plan.options().shard_index);
  RunLock lock(layout.lock(shard));
  std::string id = task ? o.run_id : layout.next_local_id();
  if (!task) {
    check_backend(layout, "local");
    write_file_atomically(layout.definition(),
                          run_definition(o, plan, "local").dump(2) + "\n");
    layout.record_submission(id, "local",
                             "\"pid\":" + std::to_string(::getpid()));
  }
  RunOptions shard_o = o;
  shard_o.journal = layout.journal(shard);
  shard_o.output = layout.stream(shard, id);
  shard_o.stats_json = layout.stats(shard, id);
  bool target_met = false;
  std::uint64_t halving_jobs = 0;
  RunDirShard s{layout.live(shard), id, task, &target_met, &halving_jobs};
  int status = run_locally(shard_o, grid, plan, command, &s);
  if (!task && halving_jobs) {
    // --halving: the definition's count was synchronous halving's estimate;
    // merge and status count against what the run found.
    Json def = run_definition(o, plan, "local");
    def["jobs"] = halving_jobs;
    def["shard_jobs"] = {halving_jobs};
    write_file_atomically(layout.definition(), def.dump(2) + "\n");
  }
  if (task || status >= 128) return status;
  int merged = merge_run_dir(o, layout);
  // Jobs a target left unstarted are no failure: this run's status holds.
  return target_met ? status : merged;
}

}  // namespace sweep::cli
