#include <sys/wait.h>
#include <unistd.h>

#include "exec/runner.hpp"
#include "exec/supervisor.hpp"
#include "sweep/error.hpp"

extern char** environ;

namespace sweep {
namespace {

std::string_view env_name(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

}  // namespace

LocalRunner::LocalRunner() {
  for (char** e = environ; e && *e; ++e) base_env_.emplace_back(*e);
}

void LocalRunner::start(Job&& job, EventSink& sink) {
  // The job's own variables come first and replace inherited ones.
  std::vector<char*> envp;
  envp.reserve(job.env.size() + base_env_.size() + 1);
  for (auto& e : job.env) envp.push_back(e.data());
  for (auto& e : base_env_) {
    std::string_view name = env_name(e);
    bool overridden = false;
    for (const auto& j : job.env)
      if (env_name(j) == name) overridden = true;
    if (!overridden) envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  for (int c : job.cpus) CPU_SET(c, &cpus);
  try {
    procs_.add(job.index, job.argv, envp.data(),
               job.cwd.empty() ? nullptr : job.cwd.c_str(),
               job.cpus.empty() ? nullptr : &cpus);
  } catch (const SystemError&) {
    // sweep's own, not the job's: a shortage (ResourceError: the scheduler
    // starts the job later) or a failure it cannot recover from (say, its
    // supervisor cannot start). No event; the job is intact.
    throw;
  } catch (const Error& e) {
    sink.on_start(job);
    JobResult r;
    r.exit_code = kExitCommandNotFound;
    r.error = e.what();
    failed_to_start_.emplace_back(std::move(job), std::move(r));
    return;
  }
  sink.on_start(job);
  jobs_.emplace(job.index, std::move(job));
}

void LocalRunner::set_kill_after(std::chrono::milliseconds grace) {
  Supervisor::set_kill_after(grace);
}

JobResult result_of(const Subprocess& proc) {
  JobResult r;
  int status = proc.wait_status();
  if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
    r.exit_code = 128 + r.signal;
  } else {
    r.exit_code = WEXITSTATUS(status);
  }
  r.duration_s = proc.duration_s();
  r.leftover_killed = proc.leftover_killed();
  const struct rusage& ru = proc.usage();
  r.cpu_user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  r.cpu_sys_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  r.max_rss_kb = ru.ru_maxrss;
  return r;
}

int LocalRunner::wait(EventSink& sink,
                      std::optional<std::chrono::milliseconds> timeout) {
  if (!failed_to_start_.empty()) {
    for (auto& [job, result] : failed_to_start_) sink.on_finish(job, result);
    failed_to_start_.clear();
    return 0;
  }
  auto wake = procs_.do_work(
      timeout, [&](std::uint64_t id, Stream s, std::string_view line) {
        sink.on_lines(jobs_.at(id), s, line);
      });
  // An interrupt is answered before any job's end is reported, so jobs that
  // died with it (a cluster signals them too) count as stopped, not failed.
  if (wake == SubprocessSet::Wake::kInterrupted) return procs_.interrupt();
  while (auto proc = procs_.next_finished()) {
    auto it = jobs_.find(proc->id());
    sink.on_finish(it->second, result_of(*proc));
    jobs_.erase(it);
  }
  return wake == SubprocessSet::Wake::kInterrupted ? procs_.interrupt() : 0;
}

}  // namespace sweep
