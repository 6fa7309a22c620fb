#include "output/run_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "output/output_stream.hpp"
#include "sweep/error.hpp"

namespace sweep {

namespace fs = std::filesystem;

namespace {

std::string shard_name(std::string_view shard) {
  return "shard-" + std::string(shard);
}

// Invocation ids in the order they were made: Slurm job ids and local-N
// numbers compare as numbers (9 before 10), then as text.
bool id_before(const std::string& a, const std::string& b) {
  auto number = [](const std::string& s) {
    size_t i = s.find_first_of("0123456789");
    std::uint64_t n = 0;
    if (i != std::string::npos)
      std::from_chars(s.data() + i, s.data() + s.size(), n);
    return std::pair{s.substr(0, i == std::string::npos ? s.size() : i), n};
  };
  auto [pa, na] = number(a);
  auto [pb, nb] = number(b);
  if (pa != pb) return pa < pb;
  if (na != nb) return na < nb;
  return a < b;
}

}  // namespace

std::string RunDirLayout::journal(std::string_view shard) const {
  return dir_ + "/" + shard_name(shard) + ".journal";
}
std::string RunDirLayout::stream(std::string_view shard,
                                 std::string_view id) const {
  return dir_ + "/" + shard_name(shard) + "-" + std::string(id) + ".jsonl";
}
std::string RunDirLayout::stats(std::string_view shard,
                                std::string_view id) const {
  return dir_ + "/" + shard_name(shard) + "-" + std::string(id) + ".stats.json";
}
std::string RunDirLayout::live(std::string_view shard) const {
  return dir_ + "/" + shard_name(shard) + ".live.json";
}
std::string RunDirLayout::lock(std::string_view shard) const {
  return dir_ + "/" + shard_name(shard) + ".lock";
}
std::string RunDirLayout::journal(std::uint64_t shard) const {
  return journal(std::to_string(shard));
}
std::string RunDirLayout::live(std::uint64_t shard) const {
  return live(std::to_string(shard));
}
std::string RunDirLayout::lock(std::uint64_t shard) const {
  return lock(std::to_string(shard));
}

std::vector<std::string> RunDirLayout::streams() const {
  struct Found {
    std::uint64_t shard;
    std::string id, path;
  };
  std::vector<Found> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    Found f;
    if (parse_stream_name(e.path().filename().string(), f.shard, f.id)) {
      f.path = e.path().string();
      found.push_back(std::move(f));
    }
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.shard != b.shard ? a.shard < b.shard : id_before(a.id, b.id);
  });
  std::vector<std::string> paths;
  for (auto& f : found) paths.push_back(std::move(f.path));
  return paths;
}

bool RunDirLayout::exists() const {
  std::error_code ec;
  return fs::is_regular_file(definition(), ec);
}

std::string RunDirLayout::next_local_id() const {
  std::uint64_t n = 0;
  std::ifstream in(submissions());
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("backend", "") == "local") ++n;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "local-%04llu",
                static_cast<unsigned long long>(n + 1));
  return buf;
}

void RunDirLayout::record_submission(std::string_view id,
                                     std::string_view backend,
                                     std::string_view extra) const {
  std::string path = submissions();
  int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
  nlohmann::ordered_json j;
  j["id"] = id;
  j["backend"] = backend;
  j["time"] = utc_timestamp();
  std::string line = j.dump();
  line.pop_back();  // '}'
  if (!extra.empty()) line += "," + std::string(extra);
  line += "}\n";
  OutputStream log(fd, true);
  log.write(line);
  log.flush();
}

std::optional<std::string> RunDirLayout::last_submission() const {
  std::optional<std::string> last;
  std::ifstream in(submissions());
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) last = line;
  return last;
}

bool parse_stream_name(const std::string& name, std::uint64_t& shard,
                       std::string& id) {
  const std::string_view prefix = "shard-", suffix = ".jsonl";
  if (name.size() <= prefix.size() + suffix.size() ||
      name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  const char* p = name.data() + prefix.size();
  const char* end = name.data() + name.size() - suffix.size();
  auto r = std::from_chars(p, end, shard);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != '-') return false;
  id.assign(r.ptr + 1, end);
  return !id.empty();
}

std::string job_dir_name(const JobKey& key) { return key.hex(); }

JobDirs::JobDirs(std::string root) : root_(fs::absolute(root).string()) {
  fs::path parent = fs::path(root_).parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec)
    throw Error(parent.string() + ": cannot create directory: " + ec.message());
  int parent_fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent_fd < 0)
    throw Error(parent.string() +
                ": cannot open directory: " + std::strerror(errno));
  std::string name = fs::path(root_).filename().string();
  if (::mkdirat(parent_fd, name.c_str(), 0755) != 0 && errno != EEXIST) {
    int e = errno;
    ::close(parent_fd);
    throw Error(root_ + ": cannot create directory: " + std::strerror(e));
  }
  fd_ = ::openat(parent_fd, name.c_str(),
                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int e = errno;
  ::close(parent_fd);
  if (fd_ < 0)
    throw Error(root_ + ": cannot open directory" +
                (e == ELOOP || e == ENOTDIR
                     ? std::string(": not a directory, or a symbolic link")
                     : ": " + std::string(std::strerror(e))));
}

JobDirs::~JobDirs() {
  if (fd_ >= 0) ::close(fd_);
}

std::string JobDirs::path(const JobKey& key) const {
  return root_ + "/" + job_dir_name(key);
}

void JobDirs::create(const JobKey& key) const {
  std::string name = job_dir_name(key);
  if (::mkdirat(fd_, name.c_str(), 0755) != 0 && errno != EEXIST)
    throw Error(path(key) +
                ": cannot create directory: " + std::strerror(errno));
  // An existing entry must be a real directory: a link planted there would
  // send the job's files wherever it points.
  struct stat st;
  if (::fstatat(fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    throw Error(path(key) + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode))
    throw Error(path(key) +
                ": is not a directory (a symbolic link?); job directories are "
                "never followed through links");
}

RunLock::RunLock(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    if (e == EWOULDBLOCK)
      throw Error(path +
                  ": another sweep is running this shard of the run "
                  "directory; wait for it or stop it first");
    throw Error(path + ": cannot lock: " + std::strerror(e));
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

bool RunLock::held(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

void write_file_atomically(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  {
    int fd =
        ::open(tmp.c_str(),
               O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(tmp + ": cannot open: " + std::strerror(errno));
    OutputStream out(fd, true);
    out.write(content);
    out.flush();
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    throw SystemError("rename " + tmp, errno);
}

}  // namespace sweep
