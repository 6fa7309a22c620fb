#pragma once

#include <signal.h>

namespace sweep {

/// Blocks SIGINT, SIGTERM, SIGHUP and SIGCHLD for the process lifetime of the
/// guard so they are only delivered inside ppoll; restores everything after.
/// Create it before any thread starts.
class SignalGuard {
 public:
  SignalGuard();
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

  /// The mask sweep had before blocking: children and ppoll run with it.
  static const sigset_t& original_mask();
  /// True while a guard exists (the CLI's); a host program may have none.
  static bool active();
  /// The first interrupting signal received and not yet taken, or 0.
  static int take_interrupt();
  /// True once per SIGCHLD burst: some child may be waiting to be reaped.
  static bool take_child_event();

 private:
  struct sigaction old_int_, old_term_, old_hup_, old_chld_, old_pipe_;
  sigset_t old_mask_;
};

}  // namespace sweep
