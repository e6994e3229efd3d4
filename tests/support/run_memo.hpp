#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

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

// A memo started in the background, in a process group of its own (so a test can send a
// signal to memo alone, or to the group as a terminal's Ctrl-C does); killed, group and all,
// if the test ends before it does.
class BackgroundMemo {
 public:
  BackgroundMemo(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                 const std::map<std::string, std::string>& env = {});
  ~BackgroundMemo();
  BackgroundMemo(const BackgroundMemo&) = delete;
  BackgroundMemo& operator=(const BackgroundMemo&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;        // memo alone
  void signal_group(int signal_number) const;  // memo and whatever shares its group
  // Waits at most `timeout` for memo to exit: its exit code (128 + N when signal N killed it)
  // and output, or kTimedOut.
  MemoRun wait(std::chrono::milliseconds timeout);

 private:
  TempDir capture_;  // memo's stdout and stderr
  pid_t pid_ = -1;
};

// Runs /bin/sh -c `script` in `cwd`; returns its exit code (for git and fixture set-up).
int run_shell(const std::string& script, const std::filesystem::path& cwd);

}  // namespace memo::testing
