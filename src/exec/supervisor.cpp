#include "exec/supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "exec/subprocess.hpp"

extern char** environ;

namespace sweep {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// sweep's side: one supervisor per process, started with the first job.
struct State {
  std::mutex mu;
  std::string exe;  ///< Empty: not enabled.
  int fd = -1;      ///< sweep's end of the socket, close-on-exec.
  milliseconds kill_after{5000};
};

State& state() {
  static State s;
  return s;
}

std::int32_t as_ms(milliseconds grace) {
  return static_cast<std::int32_t>(
      std::clamp<milliseconds::rep>(grace.count(), 0, INT32_MAX));
}

void send_message(int fd, Supervisor::Message m) {
  // Best effort, never blocking: a supervisor that is gone or stopped
  // (its socket full) must not stop sweep.
  while (send(fd, &m, sizeof m, Supervisor::kSendFlags) < 0 && errno == EINTR) {
  }
}

// Owns a posix_spawn attribute/file-action object for the one spawn call.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    if (int e = posix_spawnattr_init(&attr))
      throw_system_error("posix_spawnattr_init", e);
    if (int e = posix_spawn_file_actions_init(&actions)) {
      posix_spawnattr_destroy(&attr);
      throw_system_error("posix_spawn_file_actions_init", e);
    }
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

void check(int err, const char* call) {
  if (err) throw_system_error(call, err);
}

// `exe __supervise 3` with `theirs` on fd 3 and /dev/null for 0-2 (holding
// sweep's stdout would keep its reader waiting), in a process group of its
// own: a signal or SIGKILL to sweep's group (Ctrl-C, a CI runner) leaves it
// to do its work.
void spawn_supervisor(const std::string& exe, int theirs) {
  SpawnSetup s;
  sigset_t none;
  sigemptyset(&none);
  check(posix_spawnattr_setsigmask(&s.attr, &none),
        "posix_spawnattr_setsigmask");
  check(posix_spawnattr_setpgroup(&s.attr, 0), "posix_spawnattr_setpgroup");
  check(posix_spawnattr_setflags(
            &s.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP),
        "posix_spawnattr_setflags");
  for (int fd : {0, 1, 2})
    check(posix_spawn_file_actions_addopen(&s.actions, fd, "/dev/null",
                                           fd ? O_WRONLY : O_RDONLY, 0),
          "posix_spawn_file_actions_addopen");
  check(posix_spawn_file_actions_adddup2(&s.actions, theirs, 3),
        "posix_spawn_file_actions_adddup2");
  char arg0[] = "sweep", arg1[] = "__supervise", arg2[] = "3";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  pid_t pid;
  check(posix_spawn(&pid, exe.c_str(), &s.actions, &s.attr, argv, environ),
        "posix_spawn (the supervisor)");
}

int start(State& s) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw_system_error("socketpair", errno);
  try {
    spawn_supervisor(s.exe, sv[1]);
  } catch (...) {
    close(sv[0]);
    close(sv[1]);
    throw;
  }
  close(sv[1]);
  send_message(sv[0], {Supervisor::Message::kKillAfterMs, as_ms(s.kill_after)});
  return sv[0];
}

// The supervisor's side: the groups of running jobs and the grace period.
struct Watch {
  std::unordered_set<pid_t> groups;
  milliseconds kill_after{5000};
  void apply(const Supervisor::Message& m) {
    if (m.op == Supervisor::Message::kWatch) groups.insert(m.value);
    if (m.op == Supervisor::Message::kForget) groups.erase(m.value);
    if (m.op == Supervisor::Message::kKillAfterMs)
      kill_after = milliseconds(m.value);
  }
};

// Applies messages until sweep's end of the socket closes: it exited, or
// it was killed.
void read_until_closed(int fd, Watch& w) {
  char buf[4096];
  size_t have = 0;
  while (true) {
    ssize_t n = read(fd, buf + have, sizeof buf - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // an error is as final as the end
    have += n;
    size_t used = 0;
    for (; have - used >= sizeof(Supervisor::Message);
         used += sizeof(Supervisor::Message)) {
      Supervisor::Message m;
      std::memcpy(&m, buf + used, sizeof m);
      w.apply(m);
    }
    std::memmove(buf, buf + used, have - used);
    have -= used;
  }
}

// SIGTERM to every group, then SIGKILL to those that still have a member
// when the grace period ends; returns as soon as none has.
void stop_groups(Watch& w) {
  for (pid_t g : w.groups) kill(-g, SIGTERM);
  auto deadline = SteadyClock::now() + w.kill_after;
  while (!w.groups.empty() && SteadyClock::now() < deadline) {
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, nullptr);
    std::erase_if(w.groups,
                  [](pid_t g) { return kill(-g, 0) != 0 && errno == ESRCH; });
  }
  for (pid_t g : w.groups) kill(-g, SIGKILL);
}

}  // namespace

void Supervisor::enable(const std::string& exe) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.exe = exe;
}

int Supervisor::watch_fd() {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.fd < 0 && !s.exe.empty()) s.fd = start(s);
  return s.fd;
}

void Supervisor::forget(pid_t pgid) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.fd >= 0) send_message(s.fd, {Message::kForget, pgid});
}

void Supervisor::set_kill_after(milliseconds grace) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.kill_after = grace;
  if (s.fd >= 0) send_message(s.fd, {Message::kKillAfterMs, as_ms(grace)});
}

int Supervisor::serve(int fd) {
  // Its life is sweep's: signals meant for sweep (Ctrl-C, a hangup, a
  // `kill` of everything named sweep) must not end it before sweep's end.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
    if (signal(sig, SIG_IGN) == SIG_ERR) return 1;
  Watch w;
  read_until_closed(fd, w);
  stop_groups(w);
  return 0;
}

}  // namespace sweep
