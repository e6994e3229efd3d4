#include "support/run_memo.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.hpp"

extern char** environ;

namespace memo::testing {

namespace {

pid_t spawn(const std::vector<std::string>& argv_words, const std::filesystem::path& cwd,
            const std::vector<std::string>& env_words, const std::string& out_file,
            const std::string& err_file, bool own_group = false) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> argv, envp;
  for (const auto& word : argv_words) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  for (const auto& word : env_words) envp.push_back(const_cast<char*>(word.c_str()));
  envp.push_back(nullptr);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (own_group) {
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  }
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0)
    throw std::runtime_error(std::string("spawn failed: ") + std::strerror(spawned));
  return pid;
}

// The exit code of `pid` once it exits, or kTimedOut (and `pid` killed, with its group when
// it leads one) after `timeout`.
int wait_at_most(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      if (getpgid(pid) == pid) kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return kTimedOut;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A run that hangs (memo blocked on a FIFO, say) fails its test instead of the whole suite.
int spawn_and_wait(const std::vector<std::string>& argv_words, const std::filesystem::path& cwd,
                   const std::vector<std::string>& env_words, const std::string& out_file,
                   const std::string& err_file) {
  return wait_at_most(spawn(argv_words, cwd, env_words, out_file, err_file), kRunTimeout);
}

std::vector<std::string> hermetic_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> words;
  for (char** var = environ; *var; ++var) {
    std::string word = *var;
    std::string name = word.substr(0, word.find('='));
    // CI is dropped too: a test must see the same thing on a laptop and in a CI run.
    bool memo_setting = name.starts_with("BACKFILL_") || name.starts_with("MEMO_") ||
                        name.starts_with("LAGE_") || name.starts_with("TURBO_") ||
                        name.starts_with("AWS_") || name.starts_with("AZURE_");
    if (memo_setting || name == "CI" || extra.count(name)) continue;
    words.push_back(word);
  }
  for (const auto& [name, value] : extra) words.push_back(name + "=" + value);
  return words;
}

}  // namespace

MemoRun run_memo(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                 const std::map<std::string, std::string>& env) {
  TempDir capture;
  std::vector<std::string> argv{MEMO_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  MemoRun run;
  auto out = capture / "out";
  auto err = capture / "err";
  run.exit_code = spawn_and_wait(argv, cwd, hermetic_environment(env), out, err);
  run.out = read_file(out);
  run.err = read_file(err);
  return run;
}

MemoRun run_memo_with_open_files(int open_files, const std::vector<std::string>& args,
                                 const std::filesystem::path& cwd) {
  TempDir capture;
  std::vector<std::string> argv{
      "/bin/sh", "-c", "ulimit -n " + std::to_string(open_files) + " && exec \"$0\" \"$@\"",
      MEMO_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  MemoRun run;
  auto out = capture / "out";
  auto err = capture / "err";
  run.exit_code = spawn_and_wait(argv, cwd, hermetic_environment({}), out, err);
  run.out = read_file(out);
  run.err = read_file(err);
  return run;
}

BackgroundMemo::BackgroundMemo(const std::vector<std::string>& args,
                               const std::filesystem::path& cwd,
                               const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{MEMO_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = spawn(argv, cwd, hermetic_environment(env), capture_ / "out", capture_ / "err",
               /*own_group=*/true);
}

BackgroundMemo::~BackgroundMemo() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void BackgroundMemo::signal(int signal_number) const {
  kill(pid_, signal_number);
}
void BackgroundMemo::signal_group(int signal_number) const {
  kill(-pid_, signal_number);
}

MemoRun BackgroundMemo::wait(std::chrono::milliseconds timeout) {
  MemoRun run;
  run.exit_code = wait_at_most(pid_, timeout);
  pid_ = -1;
  run.out = read_file(capture_ / "out");
  run.err = read_file(capture_ / "err");
  return run;
}

int run_shell(const std::string& script, const std::filesystem::path& cwd) {
  TempDir capture;
  return spawn_and_wait({"/bin/sh", "-c", script}, cwd, hermetic_environment({}), capture / "out",
                        capture / "err");
}

}  // namespace memo::testing
