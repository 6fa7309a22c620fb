// sweep merge: one stream and one report from shard streams; sweep status.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "backend/backend.hpp"
#include "commands.hpp"
#include "output/distinct_outputs.hpp"
#include "output/live_status.hpp"
#include "output/run_dir.hpp"
#include "output/status_line.hpp"
#include "sweep/error.hpp"

namespace sweep::cli {

namespace fs = std::filesystem;

CLI::App* setup_merge(CLI::App& app, MergeCommandOptions& o) {
  auto* sub = app.add_subcommand("merge",
                                 "Merge the result streams of shards (a Slurm "
                                 "run directory or CI artifacts)");
  sub->add_option("INPUT", o.inputs, "Run directories or .jsonl streams")
      ->type_name("DIR|FILE")
      ->required();
  sub->add_option("-o,--output", o.output, "Write the merged stream to FILE")
      ->type_name("FILE");
  sub->add_option("--stats-json", o.stats_json,
                  "Also write the statistics to FILE")
      ->type_name("FILE");
  add_log_options(*sub, o.log);
  sub->footer(
      "Examples:\n"
      "  sweep merge runs/exp1 > results.jsonl\n"
      "  sweep merge artifacts/shard-*.jsonl -o all.jsonl   # from a CI "
      "matrix");
  return sub;
}

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  return nlohmann::json::parse(in, nullptr, false);
}

}  // namespace

int run_merge(const MergeCommandOptions& o) {
  std::vector<std::string> files;
  MergeOptions mo;
  for (const auto& in : o.inputs) {
    auto f = stream_files(in);
    files.insert(files.end(), f.begin(), f.end());
    auto def = read_json(in + "/sweep.json");
    if (o.inputs.size() == 1 && def.is_object()) {
      mo.points = def.value("points", 0ull);
      mo.jobs = def.value("jobs", 0ull);
    }
  }
  if (files.empty())
    throw Error("no result streams (.jsonl) found in " + o.inputs[0]);
  if (auto times = shard_times(files)) {
    mo.wall_s = times->wall_s;
    mo.threads = std::max<std::size_t>(times->threads, 1);
  }
  OutputStream out = open_merge_output(o.output, o.stats_json, files);
  MergeResult r = merge_streams(files, out, mo);
  return report_merge(r, o.stats_json, o.log.quiet);
}

OutputStream open_merge_output(const std::string& output,
                               const std::string& stats_json,
                               const std::vector<std::string>& files) {
  std::vector<NamedOutput> outputs;
  if (!output.empty()) outputs.push_back({"-o", output});
  if (!stats_json.empty()) outputs.push_back({"--stats-json", stats_json});
  check_outputs_not_inputs(outputs, files);
  return output.empty() ? OutputStream(STDOUT_FILENO)
                        : OutputStream::open_file(output);
}

int report_merge(const MergeResult& r, const std::string& stats_json_path,
                 bool quiet) {
  if (r.duplicates)
    spdlog::info(
        "{} jobs appear in more than one stream (rerun); each is counted once",
        r.duplicates);
  if (!stats_json_path.empty()) {
    OutputStream s = OutputStream::open_file(stats_json_path);
    s.write(stats_json(r.stats));
    s.flush();
  }
  if (!quiet) {
    std::string report = format_report(r.stats);
    (void)!::write(STDERR_FILENO, report.data(), report.size());
  }
  return r.stats.failed > 0 || r.stats.not_run() > 0 ? kExitJobFailed : kExitOk;
}

CLI::App* setup_status(CLI::App& app, StatusCommandOptions& o) {
  auto* sub = app.add_subcommand(
      "status", "Show what a run directory holds, per shard (local or Slurm)");
  sub->add_option("DIR", o.run_dir, "The --run-dir of a sweep")
      ->type_name("")  // the name says it, CLI11's "TEXT" would not
      ->required();
  add_log_options(*sub, o.log);
  return sub;
}

namespace {

// The latest invocation: its id and backend, from submissions.jsonl.
std::pair<std::string, std::string> last_invocation(
    const RunDirLayout& layout) {
  auto line = layout.last_submission();
  if (!line) return {"", ""};
  auto j = nlohmann::json::parse(*line, nullptr, false);
  if (!j.is_object()) return {"", ""};
  // Before 0.2 a Slurm submission had only job_id.
  return {j.value("id", j.value("job_id", "")), j.value("backend", "slurm")};
}

// One shard's state: in the queue, running here, or what its journal says.
std::string shard_state(const RunDirLayout& layout, std::uint64_t s,
                        const std::map<std::uint64_t, std::string>& alive,
                        std::uint64_t done, std::uint64_t failed,
                        std::uint64_t plan, bool submitted) {
  if (auto it = alive.find(s); it != alive.end()) return it->second;
  if (RunLock::held(layout.lock(s))) return "running";
  if (done >= plan) return failed ? "failed" : "done";
  return submitted ? "incomplete" : "not submitted";
}

}  // namespace

int run_status(const StatusCommandOptions& o) {
  RunDirLayout layout(o.run_dir);
  auto def = read_json(layout.definition());
  if (!def.is_object())
    throw Error(o.run_dir + ": not a sweep run directory (no sweep.json)");
  std::uint64_t shards = def.value("shards", 1ull);
  std::uint64_t jobs = def.value("jobs", 0ull);
  std::vector<std::uint64_t> planned =
      def.value("shard_jobs", std::vector<std::uint64_t>{});
  auto [id, backend] = last_invocation(layout);
  // What the queue still holds of the latest Slurm submission.
  std::map<std::uint64_t, std::string> alive;
  if (backend == "slurm" && !id.empty())
    for (auto& [task, state] : slurm_tasks_alive(id)) alive[task] = state;
  auto counts = shard_journal_counts(o.run_dir, shards);
  std::printf("run %s: %llu shards, %llu jobs, %s %s\n", o.run_dir.c_str(),
              static_cast<unsigned long long>(shards),
              static_cast<unsigned long long>(jobs),
              backend == "local" ? "local run" : "Slurm job",
              id.empty() ? "none" : id.c_str());
  std::printf("%-6s %-10s %10s %10s %8s\n", "shard", "state", "done", "planned",
              "failed");
  std::uint64_t done_all = 0, failed_all = 0, running = 0;
  std::vector<std::string> live_lines;
  for (std::uint64_t s = 0; s < shards; ++s) {
    std::uint64_t plan = s < planned.size() ? planned[s] : 0;
    auto [done, failed] = counts[s];
    done_all += done;
    failed_all += failed;
    std::string state =
        shard_state(layout, s, alive, done, failed, plan, !id.empty());
    std::printf("%-6llu %-10s %10llu %10llu %8llu\n",
                static_cast<unsigned long long>(s), state.c_str(),
                static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(plan),
                static_cast<unsigned long long>(failed));
    // A running shard's own counts, as its progress line shows them.
    auto live = read_live_status(layout.live(s));
    if (state == "running" && live && !live->finished) {
      running += live->counts.running;
      live_lines.push_back("shard " + std::to_string(s) + " (" + live->id +
                           "): " + format_progress(live->counts));
    }
  }
  std::printf(
      "total: %llu of %llu done, %llu failed, %llu running, %zu tasks in the "
      "queue\n",
      static_cast<unsigned long long>(done_all),
      static_cast<unsigned long long>(jobs),
      static_cast<unsigned long long>(failed_all),
      static_cast<unsigned long long>(running), alive.size());
  for (const auto& l : live_lines) std::printf("%s\n", l.c_str());
  return 0;
}

}  // namespace sweep::cli
