#include "sweep/journal.hpp"

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

#include "sweep/error.hpp"
#include "sweep/json_text.hpp"
#include "sweep/random.hpp"
#include "sweep/result_writer.hpp"

namespace sweep {

std::string JobKey::hex() const {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx",
                static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

bool JobKey::from_hex(std::string_view text, JobKey& out) {
  if (text.size() != 32) return false;
  static const auto kDigit = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<signed char>(c);
    for (int c = 0; c < 6; ++c) t['a' + c] = static_cast<signed char>(10 + c);
    return t;
  }();
  std::uint64_t v[2] = {0, 0};
  int bad = 0;
  for (int i = 0; i < 32; ++i) {
    signed char d = kDigit[static_cast<unsigned char>(text[i])];
    bad |= d;  // a -1 sets the sign bit
    v[i >> 4] = v[i >> 4] << 4 | static_cast<std::uint64_t>(d & 15);
  }
  if (bad < 0) return false;
  out.hi = v[0];
  out.lo = v[1];
  return true;
}

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

void KeySet::grow() { reserve(std::max<size_t>(32, slots_.size())); }

namespace {

// A stable 128-bit hash (two SplitMix64-mixed lanes over 8-byte words). Keys
// are stored in journals, so this must never change.
JobKey hash128(std::string_view s) {
  std::uint64_t a = 0x736f6d6570736575ULL ^ s.size(), b = 0x646f72616e646f6dULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    a = mix64(a ^ w);
    b = mix64(b + w * 0x9e3779b97f4a7c15ULL);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  a = mix64(a ^ tail ^ 0xff);
  b = mix64(b + tail * 0xc2b2ae3d27d4eb4fULL + 1);
  return JobKey{mix64(a ^ b), mix64(b + a)};
}

}  // namespace

JobKey job_key(std::vector<std::pair<std::string_view, const Value*>> params,
               std::uint64_t rep) {
  std::sort(params.begin(), params.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string canonical = "{";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) canonical += ',';
    append_json_string(canonical, params[i].first);
    canonical += ':';
    append_json(canonical, *params[i].second);
  }
  canonical += "}#" + std::to_string(rep);
  return hash128(canonical);
}

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                now.time_since_epoch())
                .count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm;
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

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
  if (!result.final() || result.stopped) return;
  // Killed from outside by a stop signal (a cluster cancelling the job, a
  // user's kill): not a verdict on the job, so it stays to be run again.
  if (!result.timeout && (result.signal == SIGTERM || result.signal == SIGINT ||
                          result.signal == SIGHUP))
    return;
  std::string& b = out_.buffer();
  b += "{\"key\":\"";
  b += job.key.hex();
  b += "\",\"ok\":";
  b += result.ok() ? "true" : "false";
  b += ",\"job\":" + std::to_string(job.index);
  b += ",\"params\":";
  b += job.params_json;
  b += ",\"rep\":" + std::to_string(job.rep);
  b += ",\"attempts\":" + std::to_string(job.attempt);
  append_end_fields(b, result);
  b += ",\"time\":\"" + utc_timestamp() + "\"}\n";
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
bool parse_slow(std::string_view line, JobKey& key, bool& ok) {
  Json j = Json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("params") || !j["params"].is_object())
    return false;
  std::vector<std::pair<std::string, Value>> values;
  for (const auto& [name, v] : j["params"].items()) {
    auto value = value_from_json(v);
    if (!value) return false;
    values.emplace_back(name, std::move(*value));
  }
  std::vector<std::pair<std::string_view, const Value*>> params;
  for (const auto& [name, v] : values) params.emplace_back(name, &v);
  std::uint64_t rep = j.contains("rep") && j["rep"].is_number_unsigned()
                          ? j["rep"].get<std::uint64_t>()
                          : 0;
  key = job_key(params, rep);
  if (j.contains("ok") && j["ok"].is_boolean())
    ok = j["ok"].get<bool>();
  else
    ok = j.contains("exit") && j["exit"] == 0;
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
  // Records are about 200 bytes: size the table once for the file.
  std::error_code ec;
  auto bytes = std::filesystem::file_size(path, ec);
  if (!ec) idx.ok_.reserve(bytes / 160);
  constexpr std::string_view kPrefix = "{\"key\":\"";
  std::string line;
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
    bool ok = false;
    // Fast path for sweep's own records: key and outcome at fixed places.
    std::string_view v(line);
    if (v.substr(0, kPrefix.size()) == kPrefix &&
        v.size() > kPrefix.size() + 40 &&
        JobKey::from_hex(v.substr(kPrefix.size(), 32), key) &&
        v.substr(kPrefix.size() + 32, 7) == "\",\"ok\":") {
      ok = v.substr(kPrefix.size() + 39, 4) == "true";
    } else if (!parse_slow(v, key, ok)) {
      if (++bad <= 3)
        warn(path + ":" + std::to_string(number) +
             ": ignoring a line that is not a journal record");
      continue;
    }
    (ok ? idx.ok_ : idx.failed_).insert(key);
    ++idx.records_;
  }
  if (bad > 3)
    warn(path + ": ignored " + std::to_string(bad) + " lines in all");
  return idx;
}

bool JournalIndex::succeeded(const JobKey& key) const {
  return ok_.contains(key);
}

bool JournalIndex::failed(const JobKey& key) const {
  return failed_.contains(key);
}

}  // namespace sweep
