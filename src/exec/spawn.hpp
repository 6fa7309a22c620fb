#pragma once

// Starting a child as posix_spawn does (clone with CLONE_VM | CLONE_VFORK,
// then exec), with the one step posix_spawn cannot take: telling the
// supervisor the child's process group before the program runs, so no
// process of a job can exist that the supervisor does not know of.

#include <sched.h>
#include <signal.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace sweep {

/// How to start one child.
struct SpawnRequest {
  const std::vector<std::string>* argv = nullptr;  ///< Never empty.
  char* const* envp = nullptr;
  int stdout_fd = -1;  ///< Becomes the child's fd 1.
  int stderr_fd = -1;  ///< Becomes the child's fd 2; fd 0 is /dev/null.
  const sigset_t* mask = nullptr;  ///< The child's signal mask.
  /// If >= 0, the child sends Supervisor::watch_message(its pid) here before
  /// it execs (the supervisor's socket; see supervisor.hpp).
  int watch_fd = -1;
  /// The child's working directory, or nullptr for sweep's (--chdir).
  const char* cwd = nullptr;
  /// The cores the child may run on (--cpus-per-job), or nullptr: sweep's.
  const cpu_set_t* cpus = nullptr;
};

/// Starts argv[0] (searched in PATH unless it has a slash; no shell) in a new
/// process group of its own, pinned to request.cpus if given, with SIGINT,
/// SIGTERM, SIGHUP, SIGCHLD and SIGPIPE at their defaults and no handler of the
/// parent's left. Returns its pid. Throws ResourceError when sweep lacks
/// descriptors, processes or memory, and Error (exit 127) naming the program
/// when it cannot be executed.
pid_t spawn(const SpawnRequest& request);

}  // namespace sweep
