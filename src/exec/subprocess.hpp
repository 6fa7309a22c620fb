#pragma once

#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/job.hpp"
#include "sweep/error.hpp"

namespace sweep {

/// Starting a child failed because sweep itself ran short of file
/// descriptors, processes or memory (EMFILE, ENFILE, EAGAIN, ENOMEM): no
/// verdict on the job, which can start once something is freed.
class ResourceError : public SystemError {
 public:
  using SystemError::SystemError;
};

/// True for the errno values that mean sweep ran short of something.
bool is_resource_errno(int err);
/// Throws ResourceError for those values, SystemError for any other.
[[noreturn]] void throw_system_error(const char* call, int err);

/// Raises the soft limit on open files to the hard limit: each running job
/// holds three fds. Process-wide, so only the CLI calls it.
void raise_fd_limit();

/// One child process: its pid, its stdout and stderr pipes and their partial
/// lines. Passive: it reads when told its fd is ready and is reaped by the
/// SubprocessSet that owns it.
class Subprocess {
 public:
  /// Spawns argv (PATH lookup, no shell) with the given environment, stdin on
  /// /dev/null, in its own process group, which the supervisor (if the CLI
  /// enabled it) learns before the program runs. Throws ResourceError when
  /// sweep lacks the means to start it now, and Error naming the program (exit
  /// 127) when the program itself cannot be executed. With cpus, the child
  /// runs only on those cores.
  Subprocess(std::uint64_t id, const std::vector<std::string>& argv,
             char* const* envp, const char* cwd = nullptr,
             const cpu_set_t* cpus = nullptr);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  /// Caller's tag for this child.
  std::uint64_t id() const { return id_; }
  /// PID of the child; also its process group id.
  pid_t pid() const { return pid_; }
  /// The read end of a stream's pipe, or -1 once it reached EOF.
  int fd(Stream s) const { return fds_[static_cast<int>(s)]; }
  /// True once the child was reaped and both pipes reached EOF.
  bool done() const { return reaped_ && fds_[0] < 0 && fds_[1] < 0; }
  /// True once the child was reaped.
  bool reaped() const { return reaped_; }
  /// Raw wait status, valid once reaped.
  int wait_status() const { return wait_status_; }
  /// Seconds from spawn to reaping: the child's own run, whatever it left.
  double duration_s() const;
  /// True if sweep signalled the group only after the child had exited:
  /// processes it left behind held its pipes until then.
  bool leftover_killed() const { return leftover_killed_; }
  /// Resource usage from wait4, valid once reaped.
  const struct rusage& usage() const { return usage_; }

  /// Receives complete lines joined by '\n', without the last newline.
  using LinesFn = std::function<void(Stream, std::string_view)>;
  /// Reads once from a ready stream into buf and passes on every line it
  /// completes, in one call; at EOF the last unterminated line is delivered
  /// and the fd closed.
  void on_readable(Stream s, char* buf, size_t cap, const LinesFn& on_lines);
  /// Records the exit status and resources reported by wait4.
  void set_reaped(int status, const struct rusage& usage);
  /// Reaps the child if it has exited (wait4 on its own pid); true if so.
  bool try_reap();
  /// A pidfd that becomes readable when the child exits, or -1.
  int pidfd() const { return pidfd_; }
  /// Sends sig to the child's whole process group, if it may still exist.
  void kill_group(int sig);

 private:
  void close_stream(int i);

  std::uint64_t id_;
  pid_t pid_ = -1;
  int fds_[2] = {-1, -1};
  int pidfd_ = -1;
  std::string partial_[2];  ///< Bytes after the last newline seen, per stream.
  bool reaped_ = false;
  bool watched_ = false;          ///< The supervisor knows its group.
  bool killed_running_ = false;   ///< Signalled while the child ran.
  bool leftover_killed_ = false;  ///< First signalled after its exit.
  int wait_status_ = 0;
  struct rusage usage_ {};
  Clock::time_point start_, end_;
};

/// Owns running children and is the only place that waits: one ppoll over
/// every child's pipes and pidfds, woken by their exits and, with a
/// SignalGuard, by interrupts. Reaps only its own children, by pid.
class SubprocessSet {
 public:
  SubprocessSet();
  ~SubprocessSet();

  /// Spawns a child; see Subprocess.
  Subprocess& add(std::uint64_t id, const std::vector<std::string>& argv,
                  char* const* envp, const char* cwd = nullptr,
                  const cpu_set_t* cpus = nullptr);
  /// Number of children not yet finished.
  size_t size() const { return procs_.size(); }

  /// What ended one round of waiting.
  enum class Wake { kProgress, kInterrupted, kTimeout };
  /// Waits (up to timeout, if given) for output, exits or an interrupt,
  /// handling every ready fd. Lines go to on_lines with the child's id.
  Wake do_work(std::optional<std::chrono::milliseconds> timeout,
               const std::function<void(std::uint64_t, Stream,
                                        std::string_view)>& on_line);
  /// Removes and returns one finished child, or nullptr.
  std::unique_ptr<Subprocess> next_finished();
  /// Sends sig to every child's process group.
  void kill_all(int sig);
  /// Sends sig to the process group of the child with this id.
  void kill(std::uint64_t id, int sig);
  /// The interrupting signal seen by the last do_work, or 0.
  int interrupt() const { return interrupt_; }

 private:
  /// Marks a pollfd that is a child's pidfd, not one of its streams.
  static constexpr int kExitEvent = -1;
  void collect_pollfds();
  void reap_without_pidfd(bool child_event);

  std::vector<std::unique_ptr<Subprocess>> procs_;
  std::vector<struct pollfd> pollfds_;
  struct Owner {
    Subprocess* proc;
    int what;  ///< A Stream, or kExitEvent.
  };
  std::vector<Owner> owners_;  ///< Whose fd each pollfd is.
  std::vector<char> buf_;
  int interrupt_ = 0;
};

}  // namespace sweep
