// memo -- <command> stopped by a signal: the command stops with memo, memo ends as the signal
// says, and nothing the interrupted command left is stored.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Writes its shell's pid, then sleeps in a program of its own (exec'd: the pid is the sleep's).
constexpr const char* kSleeper = "echo $$ > ../../command.pid && exec sleep 30";

class InterruptTest : public MonorepoTest {
 protected:
  // The pid the command wrote, once it did (0 if it never did within 10 s).
  pid_t command_pid() const {
    for (int i = 0; i < 1000; ++i) {
      std::string text = exists("command.pid") ? read("command.pid") : "";
      if (text.ends_with("\n")) return static_cast<pid_t>(std::stol(text));
      std::this_thread::sleep_for(milliseconds(10));
    }
    return 0;
  }

  // Whether `pid` is gone (or a zombie nobody reaped yet) within two seconds.
  static bool gone(pid_t pid) {
    for (int i = 0; i < 200; ++i) {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string pid_field, name, state;
      if (!(stat >> pid_field >> name >> state) || state == "Z") return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
};

TEST_F(InterruptTest, SigintToMemoAloneStopsTheCommandAndMemo) {
  // `kill -INT <memo>` from a script or a supervisor: no terminal sent it to the command.
  BackgroundMemo memo({"--", kSleeper}, package());
  pid_t command = command_pid();
  ASSERT_GT(command, 0) << "the command never started";
  memo.signal(SIGINT);
  auto run = memo.wait(milliseconds(5000));
  EXPECT_EQ(run.exit_code, 128 + SIGINT) << run.err;
  EXPECT_TRUE(gone(command)) << "the command outlived memo";
  EXPECT_NE(run.err.find("@demo/a: interrupted by SIGINT"), std::string::npos) << run.err;
}

TEST_F(InterruptTest, SigtermToMemoStopsTheCommandToo) {
  BackgroundMemo memo({"--", kSleeper}, package());
  pid_t command = command_pid();
  ASSERT_GT(command, 0) << "the command never started";
  memo.signal(SIGTERM);
  auto run = memo.wait(milliseconds(5000));
  EXPECT_EQ(run.exit_code, 128 + SIGTERM) << run.err;
  EXPECT_TRUE(gone(command)) << "the command outlived memo";
}

TEST_F(InterruptTest, CommandThatExitsZeroOnCtrlCIsNotStored) {
  // A tool that catches Ctrl-C, writes what it has and exits 0: its outputs are half-made.
  const std::string command =
      "trap 'mkdir -p lib; echo partial > lib/index.js; exit 0' INT; "
      "echo $$ > ../../command.pid; while :; do sleep 0.05; done";
  const std::string key = key_of(command);
  BackgroundMemo memo({"--", command}, package());
  ASSERT_GT(command_pid(), 0) << "the command never started";
  memo.signal_group(SIGINT);  // as a terminal's Ctrl-C: memo and the command alike
  auto run = memo.wait(milliseconds(5000));
  EXPECT_EQ(run.exit_code, 128 + SIGINT) << run.err;
  EXPECT_EQ(read("packages/a/lib/index.js"), "partial\n") << "the command's trap ran";
  EXPECT_FALSE(fs::exists(entry_file(key))) << "an interrupted run was stored";
  EXPECT_NE(run.err.find("interrupted by SIGINT"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(", stored "), std::string::npos) << run.err;
}

}  // namespace
}  // namespace memo::testing
