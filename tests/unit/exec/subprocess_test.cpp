#include "memo/exec/subprocess.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace memo::exec {
namespace {

using memo::testing::TempDir;

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
  auto result = capture_output({"sh", "-c", "pwd; head -c 300000 /dev/zero | tr '\\0' x >&2"},
                               dir.path());
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

}  // namespace
}  // namespace memo::exec
