#pragma once

namespace memo::cli {

// memo's entry point: parses the command line, loads the config and dispatches. Returns the
// process exit code: the command's own on a run, 2 when the user must fix the invocation or a
// config, before anything ran.
int main_command(int argc, const char* const* argv);

}  // namespace memo::cli
