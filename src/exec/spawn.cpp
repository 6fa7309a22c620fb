#include "exec/spawn.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "exec/subprocess.hpp"
#include "exec/supervisor.hpp"
#include "sweep/error.hpp"

namespace sweep {
namespace {

// Everything the child reads and writes. From clone to exec the child shares
// the parent's memory (CLONE_VM) while the parent waits (CLONE_VFORK), so it
// allocates nothing and calls only async-signal-safe functions.
struct Child {
  char* const* argv;
  char* const* envp;
  const char* path;  ///< The directories to search, as in PATH.
  int out, err, watch;
  const char* cwd;        ///< Changed to before exec, unless nullptr.
  const cpu_set_t* cpus;  ///< Pinned to before exec, unless nullptr.
  sigset_t mask;
  int error = 0;  ///< errno of the step that failed, set by the child.
};

// The child's stack: its own mapping, as glibc's posix_spawn has. The child
// needs little: one path buffer and the system calls' frames.
class Stack {
 public:
  static constexpr size_t kSize = 64 * 1024;
  Stack() {
    base_ = mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base_ == MAP_FAILED) throw_system_error("mmap", errno);
  }
  ~Stack() { munmap(base_, kSize); }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  void* top() const { return static_cast<char*>(base_) + kSize; }

 private:
  void* base_;
};

// The parent's handlers must not run in the child, which shares its memory:
// every handled signal goes back to SIG_DFL (exec would reset it anyway),
// and so do the ones sweep handles or ignores, which a job expects at their
// defaults. Other ignored signals stay ignored, as across any exec.
void reset_signals() {
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction old;
    if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, nullptr, &old) != 0)
      continue;  // glibc's own signals answer EINVAL: it keeps them
    bool handled = (old.sa_flags & SA_SIGINFO) ||
                   (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN);
    bool ours = sig == SIGINT || sig == SIGTERM || sig == SIGHUP ||
                sig == SIGCHLD || sig == SIGPIPE;
    if (handled || ours) sigaction(sig, &dfl, nullptr);
  }
}

// fd becomes target; a descriptor already in place only loses close-on-exec.
bool move_fd(int fd, int target) {
  if (fd == target) return fcntl(fd, F_SETFD, 0) == 0;
  return dup2(fd, target) == target;
}

// stdin on /dev/null, stdout and stderr on the pipes.
bool redirect(const Child& c) {
  close(0);
  int null = open("/dev/null", O_RDONLY);
  if (null < 0 || (null != 0 && !move_fd(null, 0))) return false;
  return move_fd(c.out, 1) && move_fd(c.err, 2);
}

// execvp's search, without its fallback of running a file without #! as a
// shell script (posix_spawnp has none either): a missing file or directory
// tries the next entry, EACCES is reported if nothing else ran.
void exec_program(const Child& c) {
  const char* name = c.argv[0];
  if (std::strchr(name, '/')) {
    execve(name, c.argv, c.envp);
    return;
  }
  size_t name_len = std::strlen(name);
  bool denied = false;
  char buf[PATH_MAX];
  for (const char* dir = c.path;; ++dir) {
    const char* end = strchrnul(dir, ':');
    size_t dir_len = end - dir;  // empty: the current directory
    if (name_len > 0 && dir_len + 1 + name_len < sizeof buf) {
      std::memcpy(buf, dir, dir_len);
      buf[dir_len] = '/';
      std::memcpy(buf + dir_len + 1, name, name_len + 1);
      execve(dir_len ? buf : name, c.argv, c.envp);
      if (errno == EACCES)
        denied = true;
      else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE &&
               errno != ENODEV && errno != ETIMEDOUT)
        return;
    }
    if (*end == '\0') break;
    dir = end;
  }
  errno = denied ? EACCES : ENOENT;
}

// The child, from clone to exec; any failure is left in c.error.
int child_main(void* arg) {
  Child& c = *static_cast<Child*>(arg);
  reset_signals();
  // Its own process group, so a timeout or Ctrl-C reaches grandchildren.
  // Pinned before exec, so every thread the job ever starts inherits it.
  if (setpgid(0, 0) == 0 && redirect(c) && (!c.cwd || chdir(c.cwd) == 0) &&
      (!c.cpus || sched_setaffinity(0, sizeof(cpu_set_t), c.cpus) == 0)) {
    if (c.watch >= 0) {
      // Before exec: the supervisor knows the group before the job can
      // start anything, even if sweep is killed this very moment.
      Supervisor::Message m = Supervisor::watch_message(getpid());
      send(c.watch, &m, sizeof m, Supervisor::kSendFlags);  // best effort
    }
    if (sigprocmask(SIG_SETMASK, &c.mask, nullptr) == 0) exec_program(c);
  }
  c.error = errno ? errno : ECHILD;
  _exit(127);
}

// ENOENT, EACCES, ENOEXEC and the like are the program's; a child that
// fails before its exec has sweep's descriptor table, so its EMFILE is
// sweep's.
[[noreturn]] void throw_spawn_error(const std::string& program, int error) {
  if (is_resource_errno(error)) throw ResourceError("spawn", error);
  throw Error("cannot execute " + program + ": " + std::strerror(error),
              kExitCommandNotFound);
}

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer cannot follow a CLONE_VM child: the child's libc calls go
// through TSan's interceptors on the parent's thread state and rewrite the
// parent's signal and descriptor tables in TSan's books. Under TSan (`make
// tsan`: the library's threaded tests, which never start a supervisor) the
// same steps run inside glibc's posix_spawnp, whose calls are not
// intercepted.
// posix_spawn has no affinity attribute, but a child inherits the affinity
// of the thread that spawns it: the calling thread takes the job's cores for
// the one call and gets its own back, so the job is pinned before it runs.
int posix_spawnp_pinned(pid_t* pid, char* const* argv,
                        const posix_spawn_file_actions_t* fa,
                        const posix_spawnattr_t* attr, const SpawnRequest& r) {
  cpu_set_t own;
  if (r.cpus) {
    if (sched_getaffinity(0, sizeof own, &own) != 0) return errno;
    if (sched_setaffinity(0, sizeof(cpu_set_t), r.cpus) != 0) return errno;
  }
  int e = posix_spawnp(pid, argv[0], fa, attr, argv, r.envp);
  if (r.cpus && sched_setaffinity(0, sizeof own, &own) != 0)
    throw SystemError("sched_setaffinity", errno);
  return e;
}

pid_t spawn_under_tsan(const SpawnRequest& r, char* const* argv) {
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction old;
    if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, nullptr, &old) != 0)
      continue;
    if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_IGN ||
        sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGCHLD ||
        sig == SIGPIPE)
      sigaddset(&defaults, sig);
  }
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, r.mask);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, r.stdout_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, r.stderr_fd, 2);
  if (r.cwd) posix_spawn_file_actions_addchdir_np(&fa, r.cwd);
  pid_t pid = -1;
  int e = posix_spawnp_pinned(&pid, argv, &fa, &attr, r);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (e != 0) throw_spawn_error(r.argv->front(), e);
  return pid;
}
#endif

}  // namespace

pid_t spawn(const SpawnRequest& r) {
  std::vector<char*> argv;
  argv.reserve(r.argv->size() + 1);
  for (const auto& a : *r.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
#if defined(__SANITIZE_THREAD__)
  if (r.watch_fd < 0) return spawn_under_tsan(r, argv.data());
#endif
  const char* path = std::getenv("PATH");
  Child c{.argv = argv.data(),
          .envp = r.envp,
          .path = path ? path : "/bin:/usr/bin",
          .out = r.stdout_fd,
          .err = r.stderr_fd,
          .watch = r.watch_fd,
          .cwd = r.cwd,
          .cpus = r.cpus,
          .mask = *r.mask};
  Stack stack;
  // No handler may run in the child before it resets them, nor in the parent
  // while the child borrows its memory.
  sigset_t all, old;
  sigfillset(&all);
  if (int e = pthread_sigmask(SIG_SETMASK, &all, &old))
    throw SystemError("pthread_sigmask", e);
  pid_t pid =
      clone(child_main, stack.top(), CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
  int clone_error = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) throw_system_error("clone", clone_error);
  if (c.error == 0) return pid;
  // The child failed before or at exec and has exited: reap it, and tell
  // the supervisor if it had registered.
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (r.watch_fd >= 0) Supervisor::forget(pid);
  throw_spawn_error(r.argv->front(), c.error);
}

}  // namespace sweep
