#include "output/collect.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "sweep/error.hpp"

namespace sweep {

namespace {

using Json = nlohmann::ordered_json;

std::string compact(const Json& j) {
  // Bytes that are not UTF-8 become U+FFFD, as in every record.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!trim(line).empty()) lines.push_back(trim(line));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

// `3`, `0.5`, `true`, `null` as JSON reads them; anything else a string.
Json typed_value(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    Json quoted = Json::parse(text, nullptr, false);
    if (quoted.is_string()) return quoted;
  }
  Json j = Json::parse(text, nullptr, false);
  if (j.is_number() || j.is_boolean() || j.is_null()) return j;
  return std::string(text);
}

// key=value or key: value lines; other lines (comments, prose) are skipped.
std::optional<std::string> parse_key_values(
    const std::vector<std::string_view>& lines) {
  Json data = Json::object();
  for (std::string_view line : lines) {
    if (line.front() == '#') continue;
    size_t sep = line.find_first_of("=:");
    if (sep == std::string_view::npos || sep == 0) continue;
    std::string_view key = trim(line.substr(0, sep));
    if (key.empty()) continue;
    data[std::string(key)] = typed_value(trim(line.substr(sep + 1)));
  }
  if (data.empty()) return std::nullopt;
  return compact(data);
}

}  // namespace

CollectedFile parse_collected(std::string_view text) {
  CollectedFile f;
  Json whole = Json::parse(text, nullptr, false);
  if (whole.is_object()) {
    f.objects.push_back(compact(whole));
    return f;
  }
  std::vector<std::string_view> lines = split_lines(text);
  bool json_lines = !lines.empty();
  for (std::string_view line : lines) {
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_object()) {
      json_lines = false;
      break;
    }
    f.objects.push_back(compact(j));
  }
  if (json_lines) return f;
  f.objects.clear();
  if (auto kv = parse_key_values(lines)) f.objects.push_back(std::move(*kv));
  return f;
}

void check_collect_pattern(const std::string& pattern) {
  if (pattern.empty() || pattern.front() == '/')
    throw Error("--collect " + pattern +
                ": must be a path relative to the job's directory");
  for (size_t i = 0; i <= pattern.size();) {
    size_t slash = pattern.find('/', i);
    if (slash == std::string::npos) slash = pattern.size();
    if (pattern.compare(i, slash - i, "..") == 0)
      throw Error("--collect " + pattern +
                  ": must stay inside the job's directory (no '..')");
    i = slash + 1;
  }
}

CollectSink::CollectSink(EventSink& next, std::vector<std::string> patterns,
                         std::function<void(const std::string&)> warn,
                         std::uint64_t max_bytes)
    : next_(next),
      patterns_(std::move(patterns)),
      warn_(std::move(warn)),
      max_bytes_(max_bytes) {}

namespace {

// The job's directory with glob's special characters escaped, so only the
// pattern's own are special.
std::string glob_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

void CollectSink::on_finish(const Job& job, const JobResult& result) {
  if (job.dir.empty() || patterns_.empty()) return next_.on_finish(job, result);
  JobResult r = result;
  std::string base = glob_escape(job.dir) + "/";
  for (const auto& pattern : patterns_) {
    glob_t g{};
    int rc = ::glob((base + pattern).c_str(), GLOB_ERR, nullptr, &g);
    if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
      r.collect_missing.push_back(pattern);
    } else if (rc != 0) {
      warn_(job.dir + "/" + pattern + ": cannot list: " +
            (rc == GLOB_NOSPACE ? "out of memory" : "read error"));
      r.collect_missing.push_back(pattern);
    } else {
      for (size_t i = 0; i < g.gl_pathc; ++i)
        collect_file(job, g.gl_pathv[i] + job.dir.size() + 1, r);
    }
    ::globfree(&g);
  }
  next_.on_finish(job, r);
}

namespace {

// A job's file, whole, or why it was not read: never through a link (the
// job's directory is the job's, what a link points at need not be), only a
// regular file, at most max_bytes.
std::string read_job_file(const std::string& path, std::uint64_t max_bytes,
                          std::string& why) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    why = errno == ELOOP ? "a symbolic link" : std::strerror(errno);
    return {};
  }
  struct stat st;
  if (::fstat(fd, &st) != 0)
    why = std::strerror(errno);
  else if (!S_ISREG(st.st_mode))
    why = "not a regular file";
  else if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    why = "larger than the bound of " + std::to_string(max_bytes) + " bytes";
  std::string text;
  if (why.empty()) text.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (why.empty() && got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) why = std::strerror(errno);
    if (n <= 0) break;  // a file that shrank: what was read counts
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  return text;
}

}  // namespace

void CollectSink::collect_file(const Job& job, const std::string& name,
                               JobResult& r) {
  std::string path = job.dir + "/" + name, why;
  std::string text = read_job_file(path, max_bytes_, why);
  if (!why.empty()) {
    warn_("job " + std::to_string(job.index) + ": --collect: " + path +
          ": not read: " + why);
    r.collect_refused.push_back(name);
    return;
  }
  for (const auto& object : parse_collected(text).objects)
    next_.on_file_record(job, name, object);
}

}  // namespace sweep
