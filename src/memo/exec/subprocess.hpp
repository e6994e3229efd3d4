#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "memo/exec/output_log.hpp"

namespace memo::exec {

struct CaptureOptions {
  // The child's stdout and stderr are memo's stderr instead of being collected, so what it
  // prints reaches the user and never memo's stdout.
  bool output_to_stderr = false;
  // The child gets a pipe as descriptor 3, and what it writes there is collected in
  // CapturedOutput::channel_text: an answer that its own output cannot corrupt.
  bool result_channel = false;
  // With a timeout, the child runs in a process group of its own, and the whole group (the
  // child and whatever it started) is killed once the time is up.
  std::optional<std::chrono::milliseconds> timeout;
};

struct CapturedOutput {
  int exit_code = 0;  // 128 + N when a signal N killed it
  std::string stdout_text;
  std::string stderr_text;
  std::string channel_text;
  bool timed_out = false;
};

// Runs argv[0] (looked up on PATH) in `working_directory`, stdin from /dev/null, and collects
// its output until it exits: what it wrote by then, even if something it started still holds
// its streams open.
std::expected<CapturedOutput, std::string> capture_output(
    const std::vector<std::string>& argv, const std::filesystem::path& working_directory,
    const CaptureOptions& options = {});

struct ShellOptions {
  // The command's environment, "NAME=value" each (nullptr: memo's own).
  const std::vector<std::string>* environment = nullptr;
  // The command's stdin is /dev/null instead of memo's.
  bool no_stdin = false;
  // When set, the command's stdout and stderr are pipes to memo, and each chunk it writes is
  // handed to `output` as it comes (to pass on and to record), in the order it came. When
  // not, they are memo's own.
  OutputChunk output;
};

// Runs `command` with /bin/sh -c in `working_directory`, sharing memo's stdin and process group
// (so it keeps the terminal, and gets its Ctrl-C), as backfill does. Returns the exit code; a
// command killed by signal N gives 128 + N, like a shell. memo outlives a SIGINT, SIGTERM,
// SIGHUP or SIGQUIT while it runs, and passes one sent to memo alone on to the command
// (signals.hpp): the caller then sees exec::interrupting_signal().
std::expected<int, std::string> run_shell_command(const std::string& command,
                                                  const std::filesystem::path& working_directory,
                                                  const ShellOptions& options = {});

}  // namespace memo::exec
