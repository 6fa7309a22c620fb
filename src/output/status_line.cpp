#include "output/status_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sweep/stats.hpp"

namespace sweep {
namespace {

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // diagnostics are best effort
    s.remove_prefix(n);
  }
}

std::string short_duration(double s) {
  char buf[32];
  long t = static_cast<long>(s + 0.5);
  if (t < 60)
    std::snprintf(buf, sizeof buf, "%lds", t);
  else if (t < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, t % 3600 / 60);
  return buf;
}

}  // namespace

bool StatusLine::is_smart_terminal(int fd) {
  const char* term = std::getenv("TERM");
  return isatty(fd) && term && std::strcmp(term, "dumb") != 0;
}

StatusLine::StatusLine(int fd, bool enabled) : fd_(fd), enabled_(enabled) {}

void StatusLine::draw() {
  std::string line = text_;
  struct winsize ws;
  if (ioctl(fd_, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 4 &&
      line.size() >= ws.ws_col)
    line = line.substr(0, ws.ws_col - 4) +
           "...";  // never wrap: \r could not undo it
  write_all(fd_, "\r" + line + "\x1b[K");
  shown_ = true;
}

void StatusLine::set(const std::string& text) {
  text_ = text;
  if (enabled_) draw();
}

void StatusLine::clear() {
  if (enabled_ && shown_) write_all(fd_, "\r\x1b[K");
  shown_ = false;
}

void StatusLine::print_above(std::string_view text) {
  bool redraw = enabled_ && shown_;
  clear();
  write_all(fd_, text);
  if (redraw) draw();
}

std::string format_progress(const ProgressCounts& c) {
  char buf[256];
  // Jobs skipped as already done are neither done by this run nor left: the
  // count and the ETA are over the jobs this run has to run.
  std::uint64_t total = c.total - std::min(c.skipped, c.total);
  // --halving plans as synchronous halving would; ASHA may run more.
  total = std::max(total, c.done + c.running);
  std::snprintf(buf, sizeof buf, "[%llu/%llu] running %llu, failed %llu",
                static_cast<unsigned long long>(c.done),
                static_cast<unsigned long long>(total),
                static_cast<unsigned long long>(c.running),
                static_cast<unsigned long long>(c.failed));
  std::string out = buf;
  if (c.pruned) out += ", pruned " + std::to_string(c.pruned);
  if (c.rung >= 0) out += ", rung " + std::to_string(c.rung);
  out += ", " + short_duration(c.elapsed_s) + " elapsed";
  if (c.done > 0 && c.elapsed_s > 0) {
    double rate = static_cast<double>(c.done) / c.elapsed_s;
    double eta = static_cast<double>(total - std::min(c.done, total)) / rate;
    std::snprintf(buf, sizeof buf, ", ETA %s, %.1f jobs/s",
                  short_duration(eta).c_str(), rate);
    out += buf;
  }
  if (c.skipped) out += ", " + std::to_string(c.skipped) + " already done";
  if (!c.held.empty()) out += ", waiting: " + c.held;
  return out;
}

void ProgressSink::on_start(const Job& job) {
  ++counts_.running;
  counts_.rung = std::max(counts_.rung, job.rung);
}

void ProgressSink::on_finish(const Job&, const JobResult& result) {
  --counts_.running;
  if (!result.final()) return;
  ++counts_.done;
  if (result.pruned)
    ++counts_.pruned;
  else if (!result.ok() && !result.stopped)
    ++counts_.failed;
}

void ProgressSink::on_tick() {
  counts_.elapsed_s =
      std::chrono::duration<double>(Clock::now() - begin_).count();
  line_.set(format_progress(counts_));
}

}  // namespace sweep
