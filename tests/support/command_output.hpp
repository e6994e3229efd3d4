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

}  // namespace memo::testing
