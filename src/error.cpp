#include "sweep/error.hpp"

#include <signal.h>

#include <cstring>

#include "sweep/job.hpp"

namespace sweep {

SystemError::SystemError(const std::string& call, int err)
    : Error(call + ": " + std::strerror(err), 1) {}

std::string signal_name(int sig) {
  // sigabbrev_np is glibc 2.32+, which Debian 12 has.
  std::string out = "SIG";
  const char* abbrev = sigabbrev_np(sig);
  out += abbrev ? std::string(abbrev) : std::to_string(sig);
  return out;
}

}  // namespace sweep
