#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace memo::testing {

// Runs a shell command and returns its stdout (NULs included); fails the test on a non-zero
// exit. For tests that compare memo with git.
inline std::string command_output(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "popen failed: " << command;
    return output;
  }
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  EXPECT_EQ(::pclose(pipe), 0) << command;
  return output;
}

// `text` without its trailing line breaks.
inline std::string trim_line_breaks(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Runs `script` in `dir` with git isolated from the caller's environment and configuration
// (no GIT_DIR and the like, no system or global config, HOME in `dir`); returns its stdout.
inline std::string isolated_git_shell(const std::string& dir, const std::string& script) {
  return command_output("cd '" + dir +
                        "' && unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY "
                        "GIT_COMMON_DIR && export GIT_CONFIG_NOSYSTEM=1 "
                        "GIT_CONFIG_GLOBAL=/dev/null HOME='" +
                        dir + "' && " + script);
}

}  // namespace memo::testing
