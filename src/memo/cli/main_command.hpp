#pragma once

#include <string>

namespace memo::cli {

// The exit code of a mistake the user must fix, found before anything ran.
inline constexpr int kUsageError = 2;

// Says `message` as memo's one error line and returns kUsageError.
int usage_error(const std::string& message);

// memo's entry point: parses the command line, loads the config and dispatches. Returns the
// process exit code: the command's own on a run, 2 when the user must fix the invocation or a
// config, before anything ran.
int main_command(int argc, const char* const* argv);

}  // namespace memo::cli
