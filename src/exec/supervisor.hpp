#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace sweep {

/// A small process that outlives sweep to stop its jobs: when sweep dies,
/// even by SIGKILL, the supervisor sees its socket close and sends SIGTERM
/// to the process group of every job still running, then SIGKILL
/// --kill-after later. Each child registers its own group before it execs
/// (see spawn.hpp), so no job can start anything the supervisor misses.
///
/// Process-wide and only for the CLI, which enables it: a host program's
/// children, and what happens to them when it dies, are its own business.
class Supervisor {
 public:
  /// What travels on the socket: a job's process group, or the grace period.
  struct Message {
    enum Op : std::int32_t { kWatch = 1, kForget = 2, kKillAfterMs = 3 };
    std::int32_t op;
    std::int32_t value;
  };
  static Message watch_message(pid_t pgid) { return {Message::kWatch, pgid}; }
  /// How messages are sent: no SIGPIPE, and no wait on a full socket.
  static constexpr int kSendFlags = MSG_NOSIGNAL | MSG_DONTWAIT;

  /// Lets the first job start the supervisor, as `exe __supervise` with its
  /// end of the socket on fd 3. Called once, by main.
  static void enable(const std::string& exe);
  /// The socket a child registers on before it execs, starting the
  /// supervisor first if needed; -1 when not enabled. Throws ResourceError
  /// or SystemError if it cannot be started.
  static int watch_fd();
  /// A job is done (reaped, its pipes closed): its group is no longer ours
  /// to stop, and its number may be reused.
  static void forget(pid_t pgid);
  /// How long jobs get after SIGTERM before SIGKILL, from --kill-after.
  static void set_kill_after(std::chrono::milliseconds grace);

  /// The supervisor's own loop, run by `sweep __supervise` on fd 3: returns
  /// its exit status once sweep is gone and every group it knew is stopped.
  static int serve(int fd);
};

}  // namespace sweep
