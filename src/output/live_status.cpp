#include "output/live_status.hpp"

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "output/run_dir.hpp"

namespace sweep {

LiveStatusSink::LiveStatusSink(std::string path, std::string id,
                               std::uint64_t total, Clock::duration every)
    : path_(std::move(path)), id_(std::move(id)), every_(every) {
  counts_.total = total;
  write(false, 0);  // `sweep status` sees the shard from its first moment
}

void LiveStatusSink::on_start(const Job& job) {
  if (job.attempt == 1) ++counts_.running;
}

void LiveStatusSink::on_finish(const Job&, const JobResult& result) {
  if (!result.final()) return;
  --counts_.running;
  if (result.stopped) return;  // not done: a resume runs it again
  ++counts_.done;
  if (!result.ok() && !result.stopped) ++counts_.failed;
}

void LiveStatusSink::on_tick() {
  if (Clock::now() < next_write_) return;
  write(false, 0);
}

void LiveStatusSink::finish(int interrupted_by) { write(true, interrupted_by); }

void LiveStatusSink::write(bool finished, int interrupted_by) {
  auto now = Clock::now();
  next_write_ = now + every_;
  counts_.elapsed_s = std::chrono::duration<double>(now - begin_).count();
  nlohmann::ordered_json j;
  j["id"] = id_;
  j["pid"] = static_cast<long>(::getpid());
  j["total"] = counts_.total;
  j["skipped"] = counts_.skipped;
  j["done"] = counts_.done;
  j["running"] = counts_.running;
  j["failed"] = counts_.failed;
  j["elapsed_s"] = counts_.elapsed_s;
  j["finished"] = finished;
  if (interrupted_by) j["interrupted_by"] = interrupted_by;
  j["updated"] = utc_timestamp();
  write_file_atomically(path_, j.dump() + "\n");
}

std::optional<LiveStatus> read_live_status(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  LiveStatus s;
  try {
    s.id = j.value("id", "");
    s.pid = j.value("pid", 0L);
    s.counts.total = j.value("total", 0ull);
    s.counts.skipped = j.value("skipped", 0ull);
    s.counts.done = j.value("done", 0ull);
    s.counts.running = j.value("running", 0ull);
    s.counts.failed = j.value("failed", 0ull);
    s.counts.elapsed_s = j.value("elapsed_s", 0.0);
    s.finished = j.value("finished", false);
    s.interrupted_by = j.value("interrupted_by", 0);
    s.updated = j.value("updated", "");
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a field of the wrong type: not our file
  }
  return s;
}

}  // namespace sweep
