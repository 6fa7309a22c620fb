#include "sweep/error.hpp"

#include <signal.h>

#include <cstdio>
#include <cstring>

#include "sweep/job.hpp"

namespace sweep {

SystemError::SystemError(const std::string& call, int err)
    : Error(call + ": " + std::strerror(err), 1) {}

void EventSink::on_lines(const Job& job, Stream stream, std::string_view lines) {
  while (true) {
    size_t nl = lines.find('\n');
    on_line(job, stream, lines.substr(0, nl));
    if (nl == std::string_view::npos) return;
    lines.remove_prefix(nl + 1);
  }
}

std::string signal_name(int sig) {
  // sigabbrev_np is glibc 2.32+, which Debian 12 has.
  char buf[32];
  if (const char* abbrev = sigabbrev_np(sig))
    std::snprintf(buf, sizeof buf, "SIG%s", abbrev);
  else
    std::snprintf(buf, sizeof buf, "SIG%d", sig);
  return buf;
}

}  // namespace sweep
