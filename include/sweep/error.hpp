#pragma once

#include <stdexcept>
#include <string>

namespace sweep {

/// Exit statuses sweep documents in README.md.
enum ExitStatus : int {
  kExitOk = 0,
  kExitJobFailed = 1,
  kExitUsage = 2,
  kExitCommandNotFound = 127,
  kExitInterrupted = 130,
  kExitBrokenPipe = 141,
};

/// A user error: bad flags, a bad grid, a bad template. Caught once in main.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, int exit_status = kExitUsage)
      : std::runtime_error(what), exit_status_(exit_status) {}
  /// The process exit status this error maps to.
  int exit_status() const { return exit_status_; }

 private:
  int exit_status_;
};

/// A malformed grid file or -p spec (exit 2).
class GridError : public Error {
 public:
  using Error::Error;
};

/// A failed system call that sweep cannot recover from; carries errno text.
class SystemError : public Error {
 public:
  SystemError(const std::string& call, int err);
};

}  // namespace sweep
