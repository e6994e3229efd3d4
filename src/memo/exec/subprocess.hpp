#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace memo::exec {

struct CapturedOutput {
  int exit_code = 0;
  std::string stdout_text;
  std::string stderr_text;
};

// Runs argv[0] (looked up on PATH) in `working_directory` and collects both output streams.
std::expected<CapturedOutput, std::string> capture_output(const std::vector<std::string>& argv,
                                                          const std::filesystem::path& working_directory);

// Runs `command` with /bin/sh -c in `working_directory`, sharing memo's stdin, stdout and stderr,
// as backfill does. Returns the exit code; a command killed by signal N gives 128 + N, like a
// shell. While it runs memo ignores SIGINT and SIGQUIT (the terminal sends them to the command
// too), so memo outlives the command and reports on it.
std::expected<int, std::string> run_shell_command(const std::string& command,
                                                  const std::filesystem::path& working_directory);

}  // namespace memo::exec
