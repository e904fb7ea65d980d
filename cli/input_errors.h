// Bad input, said the same way by every command: one line on stderr,
// "mirrorsim <command>: <what>", and the caller exits 2 (kExitBadInput).
#pragma once

#include <functional>
#include <string_view>

namespace mirrorsim::cli {

// Runs `read`, the part of a command that reads what the user gave
// (scenario and sweep files, the traces they name, --set values, a scenario
// the run cannot build). Scenario and trace errors name their file and line
// themselves; any other std::invalid_argument is put after `file` when one is
// given. True when `read` finished; false, with the line printed, on bad input.
bool read_user_input(std::string_view command, std::string_view file,
                     const std::function<void()>& read);

}  // namespace mirrorsim::cli
