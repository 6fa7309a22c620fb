// A short helper command (sbatch, squeue, scancel, scontrol), spawned and
// drained by the same Subprocess code as every job.
#include <signal.h>
#include <sys/wait.h>

#include "backend/backend.hpp"
#include "exec/subprocess.hpp"

extern char** environ;

namespace sweep {

CommandOutput run_command(const std::vector<std::string>& argv) {
  SubprocessSet set;
  Subprocess& proc = set.add(0, argv, environ);
  CommandOutput r;
  int interrupt = 0;
  while (!proc.done()) {
    auto wake = set.do_work(std::nullopt, [&](std::uint64_t, Stream s,
                                              std::string_view lines) {
      (s == Stream::kStdout ? r.out : r.err).append(lines).push_back('\n');
    });
    // An interrupt is the caller's to answer: keep it for its next wait.
    if (wake == SubprocessSet::Wake::kInterrupted) interrupt = set.interrupt();
  }
  if (interrupt) raise(interrupt);  // blocked, so pending until that wait
  int status = proc.wait_status();
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace sweep
