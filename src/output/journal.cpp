#include "output/journal.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/job_key.hpp"
#include "core/json_text.hpp"
#include "core/record_writer.hpp"
#include "output/result_writer.hpp"
#include "sweep/error.hpp"

namespace sweep {

void KeySet::insert(const JobKey& key) {
  if (key.hi == 0 && key.lo == 0) {
    size_ += !has_zero_;
    has_zero_ = true;
    return;
  }
  if ((size_ + 1) * 2 > slots_.size()) grow();
  size_t mask = slots_.size() - 1;
  for (size_t i = key.lo & mask;; i = (i + 1) & mask) {
    if (slots_[i] == key) return;
    if (slots_[i].hi == 0 && slots_[i].lo == 0) {
      slots_[i] = key;
      ++size_;
      return;
    }
  }
}

bool KeySet::contains(const JobKey& key) const {
  if (key.hi == 0 && key.lo == 0) return has_zero_;
  if (slots_.empty()) return false;
  size_t mask = slots_.size() - 1;
  for (size_t i = key.lo & mask;; i = (i + 1) & mask) {
    if (slots_[i] == key) return true;
    if (slots_[i].hi == 0 && slots_[i].lo == 0) return false;
  }
}

void KeySet::reserve(size_t n) {
  size_t want = 64;
  while (want < n * 2) want *= 2;
  if (want <= slots_.size()) return;
  std::vector<JobKey> old;
  old.swap(slots_);
  slots_.assign(want, JobKey{});
  bool zero = has_zero_;
  size_ = 0;
  has_zero_ = false;
  for (const auto& k : old)
    if (k.hi || k.lo) insert(k);
  if (zero) insert(JobKey{});
}

void KeySet::insert_all(const std::vector<JobKey>& keys) {
  reserve(size_ + keys.size());
  // Each insert is a cache miss into a table of many MB: ask for the slot a
  // few keys ahead so the misses overlap.
  constexpr size_t kAhead = 8;
  size_t mask = slots_.size() - 1;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i + kAhead < keys.size())
      __builtin_prefetch(&slots_[keys[i + kAhead].lo & mask], 1);
    insert(keys[i]);
  }
}

void KeySet::grow() { reserve(std::max<size_t>(32, slots_.size())); }

namespace {

int open_journal(const std::string& path) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(path + ": cannot open journal: " + std::strerror(errno));
  // Isolate a torn last line left by a crash, so the next record starts clean.
  int rfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (rfd >= 0) {
    off_t size = lseek(rfd, 0, SEEK_END);
    char last = '\n';
    if (size > 0 && pread(rfd, &last, 1, size - 1) == 1 && last != '\n')
      if (::write(fd, "\n", 1) != 1) {
        int e = errno;
        ::close(rfd);
        ::close(fd);
        throw Error(path + ": cannot write journal: " + std::strerror(e));
      }
    ::close(rfd);
  }
  return fd;
}

}  // namespace

JournalWriter::JournalWriter(const std::string& path)
    : out_(open_journal(path), true) {}

void JournalWriter::on_finish(const Job& job, const JobResult& result) {
  // Killed from outside by a stop signal (a cluster cancelling the job, a
  // user's kill): not a verdict on the job, so it stays to be run again.
  if (!result.final() || result.stopped || result.killed_from_outside()) return;
  append_journal_record(out_.buffer(), job.key,
                        RecordHead{job.index, job.params_json, job.rep,
                                   job.attempt, job.params_b64_json},
                        result, utc_timestamp());
  // Written at once: a kill -9 of sweep must not lose a finished job.
  out_.flush();
  dirty_ = true;
}

void JournalWriter::flush() {
  out_.flush();
  if (dirty_) {
    out_.sync();
    dirty_ = false;
  }
}

namespace {

using Json = nlohmann::json;

// A record sweep did not write itself (or an older form): key from params.
bool parse_slow(RecordReader& reader, std::string_view line, JobKey& key,
                bool& ok, bool& pruned, std::optional<double>& rung_value) {
  Record r;
  if (!reader.parse(line, r) || r.params_json.empty()) return false;
  // Only records of how a job ended: a line or grid record says nothing.
  if (r.kind != RecordKind::kJournal && r.kind != RecordKind::kEnd)
    return false;
  pruned = r.result.pruned;
  rung_value = r.result.rung_value;
  if (r.has_key) {
    key = r.key;
    ok = r.ok;
    return true;
  }
  Json j = Json::parse(r.params_json, nullptr, false);
  std::vector<std::pair<std::string, Value>> values;
  for (const auto& [name, v] : j.items()) {
    auto value = value_from_json(v);
    if (!value) return false;
    values.emplace_back(name, std::move(*value));
  }
  std::vector<std::pair<std::string_view, const Value*>> params;
  for (const auto& [name, v] : values) params.emplace_back(name, &v);
  key = job_key(params, r.rep);
  ok = r.kind == RecordKind::kEnd && r.result.ok();
  return true;
}

}  // namespace

JournalIndex JournalIndex::load(
    const std::string& path,
    const std::function<void(const std::string&)>& warn) {
  JournalIndex idx;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno != ENOENT)
      throw Error(path + ": cannot read journal: " + std::strerror(errno));
    return idx;
  }
  // Keys are gathered first and inserted at the end: the sets are then
  // sized exactly and filled with their slots prefetched ahead.
  std::vector<JobKey> keys[2], pruned_keys;
  constexpr std::string_view kPrefix = "{\"key\":\"";
  std::string line;
  RecordReader reader(kFieldParams | kFieldResult | kFieldJournal);
  std::uint64_t number = 0, bad = 0;
  while (std::getline(in, line)) {
    ++number;
    if (in.eof()) {  // no newline: the write of this record was cut short
      if (!line.empty())
        warn(path + ":" + std::to_string(number) +
             ": ignoring a torn last line");
      break;
    }
    if (line.empty()) continue;
    JobKey key;
    bool ok = false, pruned = false;
    std::optional<double> rung_value;
    // Fast path for sweep's own records: key and outcome at fixed places.
    std::string_view v(line);
    bool fast = v.substr(0, kPrefix.size()) == kPrefix &&
                v.size() > kPrefix.size() + 40 &&
                JobKey::from_hex(v.substr(kPrefix.size(), 32), key) &&
                v.substr(kPrefix.size() + 32, 7) == "\",\"ok\":" &&
                (v.substr(kPrefix.size() + 39, 5) == "true," ||
                 v.substr(kPrefix.size() + 39, 6) == "false,");
    // A record cut inside its outcome ("ok":tr) takes the slow path, which
    // rejects it, rather than counting as a failure.
    if (fast) ok = v[kPrefix.size() + 39] == 't';
    // A pruned job's record (rare) is read whole: the words alone could be
    // a parameter's.
    if (fast && !ok && v.find("\"pruned\":true") != std::string_view::npos)
      fast = false;
    // So is a --halving trial's, for the value that ranked it.
    if (fast && v.find("\"rung_value\":") != std::string_view::npos)
      fast = false;
    if (!fast && !parse_slow(reader, v, key, ok, pruned, rung_value)) {
      if (++bad <= 3)
        warn(path + ":" + std::to_string(number) +
             ": ignoring a line that is not a journal record");
      continue;
    }
    (pruned ? pruned_keys : keys[ok]).push_back(key);
    // The value of the last successful run of the trial, if it had one.
    if (ok && rung_value)
      idx.rung_values_[key] = *rung_value;
    else if (ok)
      idx.rung_values_.erase(key);
  }
  if (bad > 3)
    warn(path + ": ignored " + std::to_string(bad) + " lines in all");
  idx.records_ = keys[0].size() + keys[1].size() + pruned_keys.size();
  idx.pruned_.insert_all(pruned_keys);
  idx.failed_.insert_all(keys[0]);
  idx.ok_.insert_all(keys[1]);
  return idx;
}

bool JournalIndex::succeeded(const JobKey& key) const {
  return ok_.contains(key);
}

bool JournalIndex::failed(const JobKey& key) const {
  return failed_.contains(key);
}

bool JournalIndex::pruned(const JobKey& key) const {
  return pruned_.contains(key);
}

std::optional<double> JournalIndex::rung_value(const JobKey& key) const {
  auto it = rung_values_.find(key);
  if (it == rung_values_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sweep
