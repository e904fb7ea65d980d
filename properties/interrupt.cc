#include "properties/interrupt.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

namespace mirrorsim::properties {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void record_signal(int signal_number) {
  g_signal = signal_number;
}

void set_handler(int signal_number, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: poll() and read() return EINTR
  sigaction(signal_number, &action, nullptr);
}

}  // namespace

void install_interrupt_handlers() {
  set_handler(SIGINT, record_signal);
  set_handler(SIGTERM, record_signal);
  set_handler(SIGPIPE, SIG_IGN);
  set_handler(SIGXFSZ, SIG_IGN);
}

int interrupt_signal() {
  return g_signal;
}

void clear_interrupt() {
  g_signal = 0;
}

void prepare_worker_signals(int parent_pid) {
  set_handler(SIGINT, SIG_IGN);
  set_handler(SIGTERM, SIG_DFL);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died between fork() and prctl().
  if (::getppid() != parent_pid) ::_exit(1);
}

}  // namespace mirrorsim::properties
