#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "sweep/backend.hpp"
#include "sweep/error.hpp"

namespace sweep {

namespace fs = std::filesystem;

std::vector<std::string> stream_files(const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": no such file or directory");
  if (!fs::is_directory(path, ec)) return {path};
  std::vector<std::string> shards, all;
  for (const auto& e : fs::directory_iterator(path)) {
    std::string name = e.path().filename().string();
    if (e.path().extension() != ".jsonl" ||
        name.find(".journal") != std::string::npos)
      continue;
    (name.rfind("shard-", 0) == 0 ? shards : all).push_back(e.path().string());
  }
  files = shards.empty() ? all : shards;
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

using Json = nlohmann::json;

bool is_end_record(const Json& j) { return !j.contains("line"); }

template <class F>
void for_each_record(const std::string& file, F&& f) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file + ": cannot read");
  std::string line;
  std::uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("job")) {
      if (in.eof()) break;  // a torn last line: the shard was killed mid-write
      throw Error(file + ":" + std::to_string(number) + ": not a sweep record");
    }
    f(j, line);
  }
}

}  // namespace

MergeResult merge_streams(const std::vector<std::string>& files,
                          OutputStream& out, const MergeOptions& options) {
  // First pass: which stream to take each job from, so a job run twice is
  // written once. The best outcome wins, then the earliest stream: a success,
  // else a failure, else a death by a stop signal from outside (a cancelled
  // cluster task; a resume reruns those), else a record of being stopped.
  struct Choice {
    int rank;
    std::uint32_t file;
  };
  std::unordered_map<std::uint64_t, Choice> best;
  MergeResult result;
  for (std::uint32_t f = 0; f < files.size(); ++f) {
    for_each_record(files[f], [&](const Json& j, const std::string&) {
      if (!is_end_record(j) || j.value("retrying", false)) return;
      std::uint64_t job = j["job"].get<std::uint64_t>();
      std::string sig = j.value("signal", "");
      int rank =
          j.value("stopped", false) ? 0
          : !j.value("timeout", false) &&
                  (sig == "SIGTERM" || sig == "SIGINT" || sig == "SIGHUP")
              ? 1
          : j.value("exit", 1) == 0 && sig.empty() && !j.value("timeout", false)
              ? 3
              : 2;
      auto [it, fresh] = best.emplace(job, Choice{rank, f});
      if (fresh) return;
      if (it->second.file != f && rank >= 1 && it->second.rank >= 1)
        ++result.duplicates;
      if (rank > it->second.rank) it->second = Choice{rank, f};
    });
  }
  std::unordered_map<std::uint64_t, std::uint32_t> owner;
  for (const auto& [job, c] : best) owner.emplace(job, c.file);
  // Second pass: write each job's records from its stream; count as a run
  // would.
  Stats stats(options.points, options.jobs ? options.jobs : owner.size(),
              options.threads);
  for (std::uint32_t f = 0; f < files.size(); ++f) {
    for_each_record(files[f], [&](const Json& j, const std::string& line) {
      std::uint64_t job = j["job"].get<std::uint64_t>();
      auto it = owner.find(job);
      if (it == owner.end() || it->second != f) return;
      out.write(line);
      out.write("\n");
      ++result.records;
      if (!is_end_record(j)) return;
      Job jb;
      jb.index = job;
      jb.attempt = j.value("attempt", 1u);
      JobResult r;
      if (j.contains("signal")) r.signal = 15;  // any signal: not a success
      r.exit_code = j.value("exit", 0);
      r.timeout = j.value("timeout", false);
      r.stopped = j.value("stopped", false);
      r.will_retry = j.value("retrying", false);
      r.duration_s = j.value("duration_s", 0.0);
      r.cpu_user_s = j.value("cpu_user_s", 0.0);
      r.cpu_sys_s = j.value("cpu_sys_s", 0.0);
      r.max_rss_kb = j.value("max_rss_kb", 0L);
      stats.on_start(jb);  // counts a job once: only its first attempt
      stats.on_finish(jb, r);
    });
  }
  out.flush();
  StatsSummary s = stats.summary(options.wall_s);
  if (!options.points) s.points = owner.size();
  result.stats = s;
  return result;
}

}  // namespace sweep
