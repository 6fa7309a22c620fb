#include "exec/signals.hpp"

#include <atomic>
#include <cstring>

#include "sweep/error.hpp"

namespace sweep {
namespace {

volatile sig_atomic_t g_interrupt = 0;
volatile sig_atomic_t g_child = 0;
sigset_t g_original_mask;
std::atomic<int> g_guards{0};

// Handlers only record; the event loop acts after ppoll returns.
void on_interrupt(int sig) {
  if (!g_interrupt) g_interrupt = sig;
}
void on_child(int) { g_child = 1; }

void install(int sig, void (*handler)(int), struct sigaction* old) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, old) != 0) throw SystemError("sigaction", errno);
}

}  // namespace

SignalGuard::SignalGuard() {
  sigset_t block;
  sigemptyset(&block);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&block, sig);
  if (sigprocmask(SIG_BLOCK, &block, &old_mask_) != 0)
    throw SystemError("sigprocmask", errno);
  g_original_mask = old_mask_;
  g_interrupt = 0;
  g_child = 0;
  install(SIGINT, on_interrupt, &old_int_);
  install(SIGTERM, on_interrupt, &old_term_);
  install(SIGHUP, on_interrupt, &old_hup_);
  install(SIGCHLD, on_child, &old_chld_);
  // A closed result stream shows up as EPIPE from write(), handled there.
  install(SIGPIPE, SIG_IGN, &old_pipe_);
  ++g_guards;
}

SignalGuard::~SignalGuard() {
  --g_guards;
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  sigaction(SIGHUP, &old_hup_, nullptr);
  sigaction(SIGCHLD, &old_chld_, nullptr);
  sigaction(SIGPIPE, &old_pipe_, nullptr);
  sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

const sigset_t& SignalGuard::original_mask() { return g_original_mask; }

bool SignalGuard::active() { return g_guards.load() > 0; }

int SignalGuard::take_interrupt() {
  int sig = g_interrupt;
  g_interrupt = 0;
  return sig;
}

bool SignalGuard::take_child_event() {
  bool c = g_child;
  g_child = 0;
  return c;
}

}  // namespace sweep
