// sweep merge: each job's records once, from the stream holding its best
// outcome; two passes over the streams through the one record reader.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "backend/backend.hpp"
#include "output/run_dir.hpp"
#include "sweep/error.hpp"
#include "sweep/record.hpp"

namespace sweep {

namespace fs = std::filesystem;

std::vector<std::string> stream_files(const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": no such file or directory");
  if (!fs::is_directory(path, ec)) return {path};
  // A run directory's streams, in the order they were written, so that a
  // tie between two outcomes keeps the earlier.
  RunDirLayout layout(path);
  if (layout.exists()) return layout.streams();
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
  if (job < dense_.size()) return dense_[job];
  return const_cast<JobOwners*>(this)->slot(job).val;
}

void JobOwners::set(std::uint64_t job, std::uint32_t val) {
  // Job indexes are mostly 0..jobs-1 in stream order: a plain array keeps
  // them in cache order at 4 bytes a job; the table takes sparse ones.
  // The array never grows over a job already in the table.
  if (job >= dense_.size() && job < 4 * (size_ + 1024) && job < min_hashed_)
    dense_.resize(std::min<std::uint64_t>(
                      min_hashed_,
                      std::max<std::uint64_t>(job + 1, dense_.size() * 3 / 2)),
                  0);
  if (job < dense_.size()) {
    size_ += dense_[job] == 0;
    dense_[job] = val;
    return;
  }
  if ((size_ + 1) * 4 > keys_.size() * 3) reserve(size_ * 2 + 16);
  Slot s = slot(job);
  if (!s.val) ++size_;
  min_hashed_ = std::min(min_hashed_, job);
  s.key = job;
  s.val = val;
}

namespace {

// How good an outcome is: a success, else a failure, else a death by a stop
// signal from outside (a cancelled cluster task; a resume reruns those), else
// a record of being stopped by sweep.
std::uint32_t rank(const JobResult& r) {
  if (r.stopped) return 0;
  if (r.killed_from_outside()) return 1;
  return r.ok() ? 3 : 2;
}

// Where each job's records are, read in order: they fall into runs of the
// job ("segments"), each ending with a final end record. A segment also ends
// where the job's records move to another stream, so that the lines of a run
// cut short in one stream never join a later run's records. Two streams of
// one run (a resume's) and one stream appended to by a resume (-o with
// --resume) look alike: a job run twice has two segments.
class Segments {
 public:
  explicit Segments(std::uint64_t jobs) {
    seg_.expect(jobs);
    state_.expect(jobs);
  }
  /// The segment (from 1) a record of job in file belongs to; `end` if it is
  /// the job's final end record, which closes the segment.
  std::uint32_t of(std::uint64_t job, std::uint32_t file, bool end) {
    std::uint32_t st = state_.get(job);  // (file << 1 | open) + 1, 0: none
    std::uint32_t seg = seg_.get(job);
    bool open = st && ((st - 1) & 1);
    if (!open || (st - 1) >> 1 != file) seg_.set(job, ++seg);
    state_.set(job, (file << 1 | (end ? 0 : 1)) + 1);
    return seg;
  }

 private:
  JobOwners seg_, state_;
};

// The segment chosen for each job as JobOwners keeps it: its number, whether
// it has the job's end, and the rank of that end.
struct Owner {
  std::uint32_t seg, has_end, rank;
  static Owner of(std::uint32_t v) {
    --v;
    return {v >> 3, (v >> 2) & 1, v & 3};
  }
  std::uint32_t packed() const { return (seg << 3 | has_end << 2 | rank) + 1; }
};

// What the first pass found.
struct FirstPass {
  explicit FirstPass(std::uint64_t jobs) : segments(jobs) {
    owners.expect(jobs);
  }
  JobOwners owners;
  Segments segments;
  std::uint64_t ended = 0;  ///< Jobs with an end record.
  std::uint64_t duplicates = 0;
  bool plain = true;  ///< Each job in one segment, with its end; no skips.
};

// First pass: which segment to take each job from, so a job run twice is
// written once. The best outcome wins, then the earliest segment. Every end
// record is counted into `all`, which is the answer when the pass finds
// each job in one segment only.
void first_pass(const std::vector<std::string>& files, FirstPass& p,
                Stats& all) {
  for (std::uint32_t f = 0; f < files.size(); ++f) {
    ReadSummary skipped = read_records(
        files[f], kFieldResult, [&](const Record& r, std::string_view) {
          bool end = r.kind == RecordKind::kEnd && !r.result.will_retry;
          if (r.kind == RecordKind::kEnd)
            all.add_end_record(r.result, r.attempt);
          std::uint32_t seg = p.segments.of(r.job, f, end);
          if (seg >= (1u << 28)) throw Error("a job run too many times");
          if (seg > 1) p.plain = false;
          Owner now{seg, end, end ? rank(r.result) : 0};
          std::uint32_t old = p.owners.get(r.job);
          if (!old) {
            p.ended += end;
            return p.owners.set(r.job, now.packed());
          }
          if (!end) return;
          Owner o = Owner::of(old);
          if (o.has_end && o.seg != seg && now.rank >= 1 && o.rank >= 1)
            ++p.duplicates;
          p.ended += !o.has_end;
          if (!o.has_end || now.rank > o.rank)
            p.owners.set(r.job, now.packed());
        });
    if (skipped.blank || skipped.torn) p.plain = false;
  }
  if (p.ended != p.owners.size()) p.plain = false;  // records without an end
}

// The common case: every stream is kept whole, so the merge is a copy.
std::uint64_t copy_streams(const std::vector<std::string>& files,
                           OutputStream& out) {
  std::uint64_t lines = 0;
  std::vector<char> buf(1 << 20);
  for (const auto& file : files) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(file + ": cannot read: " + std::strerror(errno));
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int e = errno;
        ::close(fd);
        throw Error(file + ": cannot read: " + std::strerror(e));
      }
      lines += static_cast<std::uint64_t>(
          std::count(buf.data(), buf.data() + n, '\n'));
      out.write_direct(std::string_view(buf.data(), static_cast<size_t>(n)));
    }
    ::close(fd);
  }
  return lines;
}

// Second pass: each job's records from its chosen segment; counts as a run
// would.
std::uint64_t filter_streams(const std::vector<std::string>& files,
                             const JobOwners& owners, std::uint64_t jobs,
                             OutputStream& out, Stats& stats) {
  std::uint64_t records = 0;
  Segments segments(jobs);
  for (std::uint32_t f = 0; f < files.size(); ++f)
    read_records(
        files[f], kFieldResult, [&](const Record& r, std::string_view line) {
          bool end = r.kind == RecordKind::kEnd && !r.result.will_retry;
          std::uint32_t seg = segments.of(r.job, f, end);
          std::uint32_t val = owners.get(r.job);
          if (!val) return;
          Owner o = Owner::of(val);
          if (o.seg != seg || !o.has_end) return;
          out.buffer().append(line).push_back('\n');
          out.commit();
          ++records;
          if (r.kind == RecordKind::kEnd)
            stats.add_end_record(r.result, r.attempt);
        });
  return records;
}

}  // namespace

MergeResult merge_streams(const std::vector<std::string>& files,
                          OutputStream& out, const MergeOptions& options) {
  if (files.size() >= (1u << 28)) throw Error("too many streams to merge");
  FirstPass p(options.jobs);
  Stats all(options.points, options.jobs, options.threads);
  first_pass(files, p, all);
  std::uint64_t jobs = options.jobs ? options.jobs : p.ended;
  Stats stats(options.points, jobs, options.threads);
  MergeResult result;
  result.duplicates = p.duplicates;
  if (p.plain) {
    result.records = copy_streams(files, out);
    stats = std::move(all);
  } else {
    all = Stats(0, 0, 1);      // unused: free its durations before the pass
    p.segments = Segments(0);  // the second pass counts segments afresh
    result.records = filter_streams(files, p.owners, options.jobs, out, stats);
  }
  out.flush();
  StatsSummary s = stats.summary(options.wall_s.value_or(0));
  s.wall_known = options.wall_s.has_value();
  s.jobs = jobs;
  if (!options.points) s.points = p.ended;
  result.stats = s;
  return result;
}

std::optional<ShardTimes> shard_times(const std::vector<std::string>& files) {
  // The invocations of one shard of a run directory ran one after another
  // (its lock sees to it): their wall times add up and their threads were
  // the same slots. Shards, and streams of no run directory, ran side by
  // side: the longest wall time, every shard's threads.
  std::map<std::string, ShardTimes> shards;
  for (const auto& file : files) {
    if (file.size() < 6 || file.substr(file.size() - 6) != ".jsonl") continue;
    std::string stats = file.substr(0, file.size() - 6) + ".stats.json";
    std::ifstream in(stats);
    if (!in) continue;
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || !j.contains("wall_s") || !j["wall_s"].is_number())
      continue;
    std::uint64_t shard = 0;
    std::string id;
    std::string key =
        parse_stream_name(fs::path(file).filename().string(), shard, id)
            ? std::to_string(shard)
            : file;
    ShardTimes& s = shards[key];
    s.wall_s += j["wall_s"].get<double>();
    s.threads = std::max(s.threads, j.value("threads", std::size_t{1}));
  }
  if (shards.empty()) return std::nullopt;
  ShardTimes t;
  for (const auto& [key, s] : shards) {
    t.wall_s = std::max(t.wall_s, s.wall_s);
    t.threads += s.threads;
  }
  return t;
}

}  // namespace sweep
