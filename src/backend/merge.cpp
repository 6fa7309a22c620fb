// sweep merge: each job's records once, from the stream holding its best
// outcome; two passes over the streams through the one record reader.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backend/backend.hpp"
#include "sweep/error.hpp"
#include "sweep/record.hpp"

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

void JobOwners::reserve(std::uint64_t jobs) {
  std::uint64_t want = jobs + jobs / 3 + 16;  // a load of at most 3/4
  if (want <= keys_.size()) return;
  std::vector<std::uint64_t> keys(want);
  std::vector<std::uint32_t> vals(want, 0);
  keys.swap(keys_);
  vals.swap(vals_);
  for (size_t i = 0; i < keys.size(); ++i)
    if (vals[i]) {
      Slot s = slot(keys[i]);
      s.key = keys[i];
      s.val = vals[i];
    }
}

JobOwners::Slot JobOwners::slot(std::uint64_t job) {
  // Fibonacci hashing onto [0, size) by a 64x64->128 multiply (Lemire).
  std::uint64_t h = job * 0x9e3779b97f4a7c15ULL;
  size_t n = keys_.size();
  size_t i = static_cast<size_t>((static_cast<unsigned __int128>(h) * n) >> 64);
  while (vals_[i] && keys_[i] != job) i = i + 1 == n ? 0 : i + 1;
  return Slot{keys_[i], vals_[i]};
}

std::uint32_t JobOwners::get(std::uint64_t job) const {
  return const_cast<JobOwners*>(this)->slot(job).val;
}

void JobOwners::set(std::uint64_t job, std::uint32_t val) {
  if ((size_ + 1) * 4 > keys_.size() * 3) reserve(size_ * 2 + 16);
  Slot s = slot(job);
  if (!s.val) ++size_;
  s.key = job;
  s.val = val;
}

namespace {

// Calls f(line) for each line of a file, read in large blocks; a last line
// without its newline is passed with torn = true.
template <class F>
void for_each_line(const std::string& file, F&& f) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(file + ": cannot read: " + std::strerror(errno));
  std::vector<char> buf(1 << 20);
  size_t have = 0;
  std::uint64_t number = 0;
  while (true) {
    if (have == buf.size()) buf.resize(buf.size() * 2);  // a very long line
    ssize_t n = ::read(fd, buf.data() + have, buf.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      throw Error(file + ": cannot read: " + std::strerror(e));
    }
    if (n == 0) break;
    size_t end = have + static_cast<size_t>(n), start = 0;
    for (const char* nl; (nl = static_cast<const char*>(std::memchr(
                              buf.data() + start, '\n', end - start)));) {
      size_t len = static_cast<size_t>(nl - (buf.data() + start));
      f(std::string_view(buf.data() + start, len), ++number, false);
      start += len + 1;
    }
    std::memmove(buf.data(), buf.data() + start, end - start);
    have = end - start;
  }
  ::close(fd);
  if (have) f(std::string_view(buf.data(), have), ++number, true);
}

// Each record of a stream with its line; skips blank lines and a torn last
// line (a shard killed mid-write); throws on any other line.
template <class F>
void for_each_record(const std::string& file, RecordReader& reader, F&& f) {
  Record r;
  for_each_line(file,
                [&](std::string_view line, std::uint64_t number, bool torn) {
                  if (line.empty()) return;
                  if (!reader.parse(line, r)) {
                    if (torn) return;
                    throw Error(file + ":" + std::to_string(number) +
                                ": not a sweep record (" + reader.why() + ")");
                  }
                  f(r, line);
                });
}

// How good an outcome is: a success, else a failure, else a death by a stop
// signal from outside (a cancelled cluster task; a resume reruns those), else
// a record of being stopped by sweep.
std::uint32_t rank(const JobResult& r) {
  if (r.stopped) return 0;
  if (r.killed_from_outside()) return 1;
  return r.ok() ? 3 : 2;
}

}  // namespace

MergeResult merge_streams(const std::vector<std::string>& files,
                          OutputStream& out, const MergeOptions& options) {
  if (files.size() >= (1u << 29)) throw Error("too many streams to merge");
  // First pass: which stream to take each job from, so a job run twice is
  // written once. The best outcome wins, then the earliest stream.
  JobOwners owners;
  owners.reserve(options.jobs);
  MergeResult result;
  RecordReader ends(kFieldResult);
  for (std::uint32_t f = 0; f < files.size(); ++f) {
    for_each_record(files[f], ends, [&](const Record& r, std::string_view) {
      if (r.kind != RecordKind::kEnd || r.result.will_retry) return;
      std::uint32_t val = (f << 2 | rank(r.result)) + 1,
                    old = owners.get(r.job);
      if (!old) return owners.set(r.job, val);
      std::uint32_t old_file = (old - 1) >> 2, old_rank = (old - 1) & 3;
      if (old_file != f && rank(r.result) >= 1 && old_rank >= 1)
        ++result.duplicates;
      if (rank(r.result) > old_rank) owners.set(r.job, val);
    });
  }
  // Second pass: write each job's records from its stream; count as a run
  // would, from the end records.
  Stats stats(options.points, options.jobs ? options.jobs : owners.size(),
              options.threads);
  for (std::uint32_t f = 0; f < files.size(); ++f) {
    for_each_record(files[f], ends,
                    [&](const Record& r, std::string_view line) {
                      std::uint32_t val = owners.get(r.job);
                      if (!val || (val - 1) >> 2 != f) return;
                      out.buffer().append(line).push_back('\n');
                      out.commit();
                      ++result.records;
                      if (r.kind == RecordKind::kEnd)
                        stats.add_end_record(r.result, r.attempt);
                    });
  }
  out.flush();
  StatsSummary s = stats.summary(options.wall_s.value_or(0));
  s.wall_known = options.wall_s.has_value();
  if (!options.points) s.points = owners.size();
  result.stats = s;
  return result;
}

std::optional<ShardTimes> shard_times(const std::vector<std::string>& files) {
  std::optional<ShardTimes> t;
  for (const auto& file : files) {
    std::string stats = file.substr(0, file.size() - 6) + ".stats.json";
    if (file.size() < 6 || file.substr(file.size() - 6) != ".jsonl") continue;
    std::ifstream in(stats);
    if (!in) continue;
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || !j.contains("wall_s") || !j["wall_s"].is_number())
      continue;
    if (!t) t.emplace();
    t->wall_s = std::max(t->wall_s, j["wall_s"].get<double>());
    t->threads += j.value("threads", std::size_t{1});
  }
  return t;
}

}  // namespace sweep
