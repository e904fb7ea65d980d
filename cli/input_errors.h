// Bad input, said the same way by every command: one line on stderr,
// "mirrorsim <command>: <what>", and the caller exits 2 (kExitBadInput).
#pragma once

#include <functional>
#include <string_view>

#include "scenarios/scenario.h"

namespace mirrorsim::cli {

// Runs `read`, the part of a command that reads what the user gave
// (scenario and sweep files, the traces they name, --set values, a scenario
// the run cannot build). Scenario and trace errors name their file and line
// themselves; any other std::invalid_argument is put after `file` when one is
// given. True when `read` finished; false, with the line printed, on bad input.
bool read_user_input(std::string_view command, std::string_view file,
                     const std::function<void()>& read);

// Inside `read` of qemu-replay and qemu-diff: QEMU runs only its own mirror
// job, so another algorithm's scenario is bad input (std::invalid_argument).
void require_qemu_algorithm(const scenarios::Scenario& scenario);

}  // namespace mirrorsim::cli
