#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "backend/backend.hpp"
#include "command/command_template.hpp"
#include "core/clock.hpp"
#include "output/journal.hpp"
#include "output/run_dir.hpp"
#include "sweep/error.hpp"
#include "sweep/record.hpp"

namespace sweep {

namespace fs = std::filesystem;

std::string slurm_array_spec(const std::vector<std::uint64_t>& tasks,
                             std::uint64_t throttle) {
  std::string spec;
  // Runs of consecutive ids as ranges: "0-3,7,9-10".
  for (size_t i = 0; i < tasks.size();) {
    size_t j = i;
    while (j + 1 < tasks.size() && tasks[j + 1] == tasks[j] + 1) ++j;
    if (!spec.empty()) spec += ',';
    spec += std::to_string(tasks[i]);
    if (j > i) spec += "-" + std::to_string(tasks[j]);
    i = j + 1;
  }
  if (throttle) spec += "%" + std::to_string(throttle);
  return spec;
}

void write_slurm_run_dir(const SlurmRun& run) {
  std::error_code ec;
  fs::create_directories(run.run_dir, ec);
  if (ec)
    throw Error(run.run_dir + ": cannot create run directory: " + ec.message());
  RunDirLayout layout(run.run_dir);
  nlohmann::ordered_json def = run.definition;
  def["backend"] = "slurm";
  def["argv"] = run.task_argv;
  def["cwd"] = run.cwd;
  def["shards"] = run.shards;
  def["points"] = run.points;
  def["jobs"] = run.jobs;
  def["shard_jobs"] = run.shard_jobs;
  def["created"] = utc_timestamp();
  write_file_atomically(layout.definition(), def.dump(2) + "\n");
  // Each task runs its shard of the run directory as a local run would
  // (journal, live file, job directories), with a stream of its own per
  // submission, so a resume never overwrites earlier records.
  std::string script =
      "#!/bin/sh\n#SBATCH --job-name=sweep\n#SBATCH --output=" + run.run_dir +
      "/slurm-%A_%a.out\n";
  // A task asks for what its jobs at once need; inside it, sweep shares the
  // allocation out by slot as on a workstation (--gpus auto reads the
  // CUDA_VISIBLE_DEVICES Slurm sets).
  if (run.task_gpus)
    script += "#SBATCH --gres=gpu:" + std::to_string(run.task_gpus) + "\n";
  if (run.task_cpus)
    script += "#SBATCH --cpus-per-task=" + std::to_string(run.task_cpus) + "\n";
  script += "cd " + shell_quote(run.cwd) + " || exit 1\n";
  script += "I=$SLURM_ARRAY_TASK_ID\n";
  std::string jobs = run.task_jobs ? std::to_string(run.task_jobs)
                                   : "\"${SLURM_CPUS_PER_TASK:-1}\"";
  script += "exec " + shell_join(run.task_argv) + " --run-dir " +
            shell_quote(run.run_dir) +
            " --run-id \"$SLURM_ARRAY_JOB_ID\" --shard \"$I/" +
            std::to_string(run.shards) + "\" -j " + jobs +
            " -q --no-progress --resume -- " + shell_join(run.command) + "\n";
  write_file_atomically(layout.slurm_script(), script);
}

std::string submit_slurm_array(const SlurmRun& run) {
  std::vector<std::string> argv = {
      "sbatch", "--parsable",
      "--array=" + slurm_array_spec(run.tasks, run.throttle)};
  argv.insert(argv.end(), run.sbatch_options.begin(), run.sbatch_options.end());
  argv.push_back(run.run_dir + "/job.sh");
  CommandOutput r = run_command(argv);
  if (r.exit != 0) {
    std::string msg = r.err.empty() ? r.out : r.err;
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r'))
      msg.pop_back();
    throw Error("sbatch failed (exit " + std::to_string(r.exit) + "): " + msg,
                1);
  }
  std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
  if (id.empty()) throw Error("sbatch printed no job id", 1);
  return id;
}

std::uint64_t slurm_max_array_size() {
  try {
    CommandOutput r = run_command({"scontrol", "show", "config"});
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("MaxArraySize", 0) == 0) {
        size_t eq = line.find('=');
        if (eq != std::string::npos) return std::stoull(line.substr(eq + 1));
      }
  } catch (...) {
    // Fall back to Slurm's default.
  }
  return 1001;
}

std::vector<std::pair<std::uint64_t, std::string>> slurm_tasks_alive(
    const std::string& job_id) {
  CommandOutput r =
      run_command({"squeue", "-h", "-r", "-j", job_id, "-o", "%K %T"});
  std::vector<std::pair<std::uint64_t, std::string>> tasks;
  if (r.exit != 0) return tasks;  // an unknown job id: it has left the queue
  std::istringstream in(r.out);
  std::string id, state;
  while (in >> id >> state) {
    try {
      tasks.emplace_back(std::stoull(id), state);
    } catch (...) {
      // "N/A" for a job that is not an array: ignore.
    }
  }
  return tasks;
}

void slurm_cancel(const std::string& job_id) {
  run_command({"scancel", job_id});
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> shard_journal_counts(
    const std::string& dir, std::uint64_t shards) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> counts(shards, {0, 0});
  for (std::uint64_t s = 0; s < shards; ++s) {
    // A job run again (--resume-failed) has a record per run: it counts
    // once, failed only if no run of it succeeded.
    KeySet all, ok;
    std::ifstream in(RunDirLayout(dir).journal(s));
    RecordReader reader(kFieldJournal);
    Record r;
    for (std::string line; std::getline(in, line);) {
      if (!reader.parse(line, r) || r.kind != RecordKind::kJournal) continue;
      all.insert(r.key);
      if (r.ok) ok.insert(r.key);
    }
    counts[s] = {all.size(), all.size() - ok.size()};
  }
  return counts;
}

}  // namespace sweep
