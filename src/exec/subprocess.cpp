#include "exec/subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "exec/signals.hpp"
#include "exec/spawn.hpp"
#include "exec/supervisor.hpp"
#include "sweep/error.hpp"

namespace sweep {
namespace {

// Lines this long or longer are freed after use instead of keeping capacity,
// so one huge line does not pin memory for the rest of a job.
constexpr size_t kKeepLineCapacity = 1 << 20;
constexpr size_t kReadBufferSize = 1 << 16;

// The mask children start with: the one sweep's CLI had before it blocked
// signals, or, in a host program that installed no SignalGuard, the calling
// thread's own.
const sigset_t& child_mask() {
  if (SignalGuard::active()) return SignalGuard::original_mask();
  thread_local sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return mask;
}

}  // namespace

bool is_resource_errno(int err) {
  // Descriptors, processes (RLIMIT_NPROC, threads-max) or memory: sweep's to
  // run short of, whatever the job. A child that fails before its exec has
  // sweep's descriptor table, so its EMFILE is sweep's too.
  return err == EMFILE || err == ENFILE || err == EAGAIN || err == ENOMEM;
}

void throw_system_error(const char* call, int err) {
  if (is_resource_errno(err)) throw ResourceError(call, err);
  throw SystemError(call, err);
}

Subprocess::Subprocess(std::uint64_t id, const std::vector<std::string>& argv,
                       char* const* envp, const char* cwd,
                       const cpu_set_t* cpus)
    : id_(id) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw_system_error("pipe2", errno);
  if (pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    close(out[0]);
    close(out[1]);
    throw_system_error("pipe2", e);
  }
  fds_[0] = out[0];
  fds_[1] = err[0];
  SpawnRequest request;
  request.argv = &argv;
  request.envp = envp;
  request.stdout_fd = out[1];
  request.stderr_fd = err[1];
  request.mask = &child_mask();
  request.cwd = cwd;
  request.cpus = cpus;
  try {
    request.watch_fd = Supervisor::watch_fd();
    // A job's time includes its own exec, which can be most of a short one.
    start_ = Clock::now();
    pid_ = spawn(request);
  } catch (...) {
    close(out[1]);
    close(err[1]);
    close_stream(0);
    close_stream(1);
    throw;
  }
  close(out[1]);
  close(err[1]);
  watched_ = request.watch_fd >= 0;
  // A pidfd tells of this child's exit without a SIGCHLD handler (Linux 5.3
  // and later); without one, the set asks the child itself after each wake.
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
}

Subprocess::~Subprocess() {
  close_stream(0);
  close_stream(1);
  if (pidfd_ >= 0) close(pidfd_);
  // Done or killed and reaped: the group is no longer the supervisor's to
  // stop, and its number may be reused.
  if (watched_) Supervisor::forget(pid_);
}

bool Subprocess::try_reap() {
  int status;
  struct rusage usage;
  while (true) {
    pid_t r = wait4(pid_, &status, WNOHANG, &usage);
    if (r == pid_) {
      set_reaped(status, usage);
      if (pidfd_ >= 0) close(pidfd_);
      pidfd_ = -1;
      return true;
    }
    if (r == 0) return false;
    if (errno != EINTR) throw SystemError("wait4", errno);
  }
}

void Subprocess::close_stream(int i) {
  if (fds_[i] >= 0) close(fds_[i]);
  fds_[i] = -1;
}

double Subprocess::duration_s() const {
  return std::chrono::duration<double>(end_ - start_).count();
}

void Subprocess::on_readable(Stream s, char* buf, size_t cap,
                             const LinesFn& on_lines) {
  int i = static_cast<int>(s);
  ssize_t n = read(fds_[i], buf, cap);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    n = 0;  // a broken pipe reads as its end
  }
  std::string& partial = partial_[i];
  if (n == 0) {
    if (!partial.empty()) on_lines(s, partial);  // a final line without newline
    std::string().swap(partial);
    close_stream(i);
    return;
  }
  const char* p = buf;
  const char* end = buf + n;
  if (!partial.empty()) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (!nl) {
      partial.append(p, end);
      return;
    }
    partial.append(p, nl);
    on_lines(s, partial);
    if (partial.capacity() >= kKeepLineCapacity)
      std::string().swap(partial);
    else
      partial.clear();
    p = nl + 1;
  }
  // Every complete line of this read in one call, straight from the buffer.
  const char* last = static_cast<const char*>(memrchr(p, '\n', end - p));
  if (last) {
    on_lines(s, std::string_view(p, last - p));
    p = last + 1;
  }
  partial.append(p, end);
}

void Subprocess::set_reaped(int status, const struct rusage& usage) {
  end_ = Clock::now();
  reaped_ = true;
  wait_status_ = status;
  usage_ = usage;
}

void Subprocess::kill_group(int sig) {
  // A child that has exited is reaped first: its own status stands, and
  // what the signal reaches are only the processes it left behind.
  if (!reaped_ && !try_reap()) {
    ::kill(-pid_, sig);
    killed_running_ = true;
    return;
  }
  // The group outlives a reaped leader while processes it left hold its
  // pipes; once they are closed the group may be gone and its id reused.
  if (fds_[0] < 0 && fds_[1] < 0) return;
  if (::kill(-pid_, sig) == 0 && !killed_running_) leftover_killed_ = true;
}

void raise_fd_limit() {
  // Each child holds two pipes and a pidfd; let -j go past 1024 fds.
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

SubprocessSet::SubprocessSet() : buf_(kReadBufferSize) {}

SubprocessSet::~SubprocessSet() {
  // Never leave children behind: kill what remains, the leftovers of exited
  // children included, and reap it.
  for (auto& p : procs_) {
    if (!p->done()) p->kill_group(SIGKILL);
    if (!p->reaped()) {
      int status;
      while (waitpid(p->pid(), &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
}

Subprocess& SubprocessSet::add(std::uint64_t id,
                               const std::vector<std::string>& argv,
                               char* const* envp, const char* cwd,
                               const cpu_set_t* cpus) {
  procs_.push_back(std::make_unique<Subprocess>(id, argv, envp, cwd, cpus));
  return *procs_.back();
}

void SubprocessSet::collect_pollfds() {
  pollfds_.clear();
  owners_.clear();
  for (auto& p : procs_) {
    for (Stream s : {Stream::kStdout, Stream::kStderr}) {
      if (p->fd(s) < 0) continue;
      pollfds_.push_back({p->fd(s), POLLIN, 0});
      owners_.push_back({p.get(), static_cast<int>(s)});
    }
    if (p->pidfd() >= 0) {
      pollfds_.push_back({p->pidfd(), POLLIN, 0});
      owners_.push_back({p.get(), kExitEvent});
    }
  }
}

SubprocessSet::Wake SubprocessSet::do_work(
    std::optional<std::chrono::milliseconds> timeout,
    const std::function<void(std::uint64_t, Stream, std::string_view)>&
        on_line) {
  interrupt_ = 0;
  collect_pollfds();
  struct timespec ts, *tsp = nullptr;
  if (timeout) {
    ts.tv_sec = timeout->count() / 1000;
    ts.tv_nsec = (timeout->count() % 1000) * 1000000;
    tsp = &ts;
  }
  // Without a SignalGuard (a host program) the thread's mask is left as is,
  // and the guard's flags are not touched: no handler of sweep's sets them,
  // and sweeps in other threads would race on them.
  bool guarded = SignalGuard::active();
  const sigset_t* mask = guarded ? &SignalGuard::original_mask() : nullptr;
  int ret = ppoll(pollfds_.data(), pollfds_.size(), tsp, mask);
  if (ret < 0 && errno != EINTR) throw SystemError("ppoll", errno);
  bool child_event = guarded && SignalGuard::take_child_event();
  for (size_t i = 0; ret > 0 && i < pollfds_.size(); ++i) {
    if (!pollfds_[i].revents) continue;
    auto [proc, what] = owners_[i];
    if (what == kExitEvent) {
      proc->try_reap();
      continue;
    }
    std::uint64_t id = proc->id();
    proc->on_readable(
        static_cast<Stream>(what), buf_.data(), buf_.size(),
        [&](Stream s, std::string_view line) { on_line(id, s, line); });
  }
  reap_without_pidfd(child_event);
  interrupt_ = guarded ? SignalGuard::take_interrupt() : 0;
  if (interrupt_) return Wake::kInterrupted;
  return ret == 0 ? Wake::kTimeout : Wake::kProgress;
}

void SubprocessSet::reap_without_pidfd(bool child_event) {
  // Only sweep's own children, by pid: a host's other children are its own.
  for (auto& p : procs_)
    if (!p->reaped() && p->pidfd() < 0 &&
        (child_event || !SignalGuard::active()))
      p->try_reap();
}

std::unique_ptr<Subprocess> SubprocessSet::next_finished() {
  auto it = std::find_if(procs_.begin(), procs_.end(),
                         [](const auto& p) { return p->done(); });
  if (it == procs_.end()) return nullptr;
  std::unique_ptr<Subprocess> p = std::move(*it);
  procs_.erase(it);
  return p;
}

void SubprocessSet::kill_all(int sig) {
  for (auto& p : procs_) p->kill_group(sig);
}

void SubprocessSet::kill(std::uint64_t id, int sig) {
  for (auto& p : procs_)
    if (p->id() == id) p->kill_group(sig);
}

}  // namespace sweep
