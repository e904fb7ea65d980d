// SIGINT and SIGTERM during a campaign: the handler only records the signal;
// the campaign loop sees it (its poll() returns early), stops its workers,
// and writes what it has. Worker processes ignore SIGINT, so a Ctrl-C on the
// terminal reaches the campaign once, not every worker as a "crash".
#pragma once

namespace mirrorsim::properties {

// Installs the handlers (without SA_RESTART, so a blocked poll() returns),
// and ignores SIGPIPE and SIGXFSZ so that a closed pipe or a file-size limit
// is an error code (EPIPE, EFBIG) the writer reports, not a silent death.
void install_interrupt_handlers();

// The signal that asked the campaign to stop, or 0.
int interrupt_signal();
inline bool interrupted() {
  return interrupt_signal() != 0;
}

// For tests: forget a recorded signal.
void clear_interrupt();

// In a freshly forked worker: ignore SIGINT, restore SIGTERM, and die with
// the parent (PR_SET_PDEATHSIG), so no worker outlives a killed campaign.
// `parent_pid` is getpid() read before fork().
void prepare_worker_signals(int parent_pid);

}  // namespace mirrorsim::properties
