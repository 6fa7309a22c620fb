#include "exec/machine_probe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "sweep/error.hpp"

namespace sweep {
namespace {

// The start of a small file (these are a few KiB); nothing if unreadable.
std::optional<std::string> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text(16384, '\0');
  size_t have = 0;
  while (have < text.size()) {
    ssize_t n = ::read(fd, text.data() + have, text.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(have);
  return text;
}

}  // namespace

std::optional<std::uint64_t> ProcProbe::mem_available() {
  auto text = read_small_file(meminfo_);
  if (!text) return std::nullopt;
  // "MemAvailable:   12345678 kB": the kernel's estimate of what new work
  // can use without swapping, page cache included.
  size_t at = text->find("MemAvailable:");
  if (at == std::string::npos) return std::nullopt;
  const char* p = text->data() + at + 13;
  const char* end = text->data() + text->size();
  while (p < end && *p == ' ') ++p;
  std::uint64_t kib = 0;
  auto r = std::from_chars(p, end, kib);
  if (r.ec != std::errc()) return std::nullopt;
  return kib * 1024;
}

std::optional<double> ProcProbe::load_1min() {
  auto text = read_small_file(loadavg_);
  if (!text) return std::nullopt;
  char* end = nullptr;
  double load = std::strtod(text->c_str(), &end);
  if (end == text->c_str()) return std::nullopt;
  return load;
}

std::uint64_t parse_size(const std::string& text, const std::string& flag) {
  double n = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto r = std::from_chars(b, e, n);
  std::string unit(r.ptr, e);
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b'))
    unit.pop_back();
  static const std::string kUnits = "kmgtp";
  int power = 0;
  if (unit.size() == 1) {
    size_t i = kUnits.find(static_cast<char>(std::tolower(unit[0])));
    power = i == std::string::npos ? -1 : static_cast<int>(i) + 1;
  } else if (!unit.empty()) {
    power = -1;
  }
  if (r.ec != std::errc() || r.ptr == b || power < 0 || n < 0 ||
      !std::isfinite(n))
    throw Error(flag + " " + text +
                ": not a size (bytes, or with k, M, G, T: 512M, 4G)");
  double bytes = n * std::pow(1024.0, power);
  if (bytes >= 18446744073709551616.0)  // 2^64: it would wrap to a small one
    throw Error(flag + " " + text + ": too large (at most 16 EiB)");
  return static_cast<std::uint64_t>(bytes);
}

std::string format_size(std::uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, kUnits[u]);
  return buf;
}

}  // namespace sweep
