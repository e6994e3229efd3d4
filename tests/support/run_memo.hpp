#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace memo::testing {

// The exit code of a run killed because it took longer than kRunTimeout.
inline constexpr int kTimedOut = -2;
inline constexpr std::chrono::seconds kRunTimeout{60};

struct MemoRun {
  int exit_code = -1;  // kTimedOut when it hung
  std::string out;     // stdout
  std::string err;     // stderr: memo's own lines
};

// Runs build/memo with `args` in `cwd`. The child gets this process's environment without any
// BACKFILL_*, MEMO_*, LAGE_*, TURBO_*, AWS_* or AZURE_* variable (so the tests are hermetic),
// plus `env`.
MemoRun run_memo(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                 const std::map<std::string, std::string>& env = {});

// The same under `ulimit -n open_files` (set by /bin/sh, which then execs memo).
MemoRun run_memo_with_open_files(int open_files, const std::vector<std::string>& args,
                                 const std::filesystem::path& cwd);

// Runs /bin/sh -c `script` in `cwd`; returns its exit code (for git and fixture set-up).
int run_shell(const std::string& script, const std::filesystem::path& cwd);

}  // namespace memo::testing
