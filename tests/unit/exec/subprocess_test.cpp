#include "memo/exec/subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace memo::exec {
namespace {

using memo::testing::TempDir;
using namespace std::chrono_literals;

// Whether process `pid` is gone (or a zombie waiting for init), waiting up to two seconds.
bool process_ends(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line) || line.find(") Z") != std::string::npos) return true;
    ::usleep(20000);
  }
  return false;
}

// What this process writes on its stderr while `action` runs.
template <typename Action>
std::string stderr_during(const TempDir& dir, Action action) {
  const std::string path = (dir / "stderr.txt").string();
  int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(file, STDERR_FILENO);
  action();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(file);
  return dir.read("stderr.txt");
}

TEST(Subprocess, CaptureCollectsBothStreamsAndTheExitCode) {
  TempDir dir;
  auto result = capture_output({"sh", "-c", "echo out; echo err >&2; exit 3"}, dir.path());
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->stdout_text, "out\n");
  EXPECT_EQ(result->stderr_text, "err\n");
}

TEST(Subprocess, CaptureRunsInTheGivenFolderAndHandlesLargeOutput) {
  TempDir dir;
  auto result =
      capture_output({"sh", "-c", "pwd; head -c 300000 /dev/zero | tr '\\0' x >&2"}, dir.path());
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->stdout_text, dir.path().string() + "\n");
  EXPECT_EQ(result->stderr_text.size(), 300000u) << "no deadlock on a full pipe";
}

TEST(Subprocess, CaptureOfAMissingProgramIsAnError) {
  TempDir dir;
  auto result = capture_output({"memo-no-such-program-xyz"}, dir.path());
  EXPECT_FALSE(result);
}

TEST(Subprocess, ShellCommandExitCodesAndSignals) {
  TempDir dir;
  EXPECT_EQ(run_shell_command("exit 0", dir.path()).value(), 0);
  EXPECT_EQ(run_shell_command("exit 42", dir.path()).value(), 42);
  EXPECT_EQ(run_shell_command("kill -TERM $$", dir.path()).value(), 128 + 15);
  EXPECT_EQ(run_shell_command("touch made-here", dir.path()).value(), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "made-here"));
}

TEST(Subprocess, ShellCommandOutputIsHandedOnInTheOrderItCame) {
  TempDir dir;
  std::vector<std::pair<OutputStream, std::string>> chunks;
  ShellOptions options;
  options.output = [&](OutputStream stream, std::string_view bytes) {
    chunks.emplace_back(stream, std::string(bytes));
  };
  // A pause between the writes, so that each is a chunk of its own.
  auto exit_code = run_shell_command(
      "echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three; exit 3", dir.path(), options);
  EXPECT_EQ(exit_code.value(), 3);
  std::vector<std::pair<OutputStream, std::string>> expected{{OutputStream::Stdout, "one\n"},
                                                             {OutputStream::Stderr, "two\n"},
                                                             {OutputStream::Stdout, "three\n"}};
  EXPECT_EQ(chunks, expected);
}

TEST(Subprocess, ShellCommandRunsInTheEnvironmentItIsGiven) {
  TempDir dir;
  const std::vector<std::string> environment{"PATH=/usr/bin:/bin", "MEMO_TEST_GIVEN=yes"};
  std::string out;
  ShellOptions options{.environment = &environment,
                       .output = [&](OutputStream, std::string_view bytes) { out += bytes; }};
  ASSERT_EQ(
      run_shell_command("echo \"$MEMO_TEST_GIVEN:${HOME:-none}\"", dir.path(), options).value(), 0);
  EXPECT_EQ(out, "yes:none\n");
}

TEST(Subprocess, CaptureReadsTheResultChannelApartFromStdout) {
  TempDir dir;
  auto result = capture_output({"sh", "-c", "echo out; echo answer >&3; echo more >&3"}, dir.path(),
                               {.result_channel = true});
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->stdout_text, "out\n");
  EXPECT_EQ(result->channel_text, "answer\nmore\n");
}

TEST(Subprocess, CaptureCanSendTheChildsOutputToStderr) {
  TempDir dir;
  std::expected<CapturedOutput, std::string> result;
  std::string printed = stderr_during(dir, [&] {
    result = capture_output({"sh", "-c", "echo out; echo err >&2; echo answer >&3"}, dir.path(),
                            {.output_to_stderr = true, .result_channel = true});
  });
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(printed, "out\nerr\n");
  EXPECT_EQ(result->stdout_text, "");
  EXPECT_EQ(result->channel_text, "answer\n");
}

TEST(Subprocess, CaptureStopsTheWholeProcessGroupAtTheTimeout) {
  TempDir dir;
  auto started = std::chrono::steady_clock::now();
  auto result = capture_output({"sh", "-c", "sleep 30 & echo $! >&3; sleep 30"}, dir.path(),
                               {.result_channel = true, .timeout = 200ms});
  ASSERT_TRUE(result) << result.error();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->exit_code, 128 + SIGKILL);
  ASSERT_FALSE(result->channel_text.empty());
  EXPECT_TRUE(process_ends(std::stoi(result->channel_text))) << "what the child started survived";
}

TEST(Subprocess, CaptureEndsWhenTheChildExitsEvenIfWhatItStartedKeepsTheStreams) {
  TempDir dir;
  auto started = std::chrono::steady_clock::now();
  auto result = capture_output({"sh", "-c", "sleep 3 & echo done"}, dir.path(),
                               {.result_channel = true, .timeout = 20s});
  ASSERT_TRUE(result) << result.error();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stdout_text, "done\n");
}

}  // namespace
}  // namespace memo::exec
