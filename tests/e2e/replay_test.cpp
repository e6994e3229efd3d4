// A hit replays what the command printed when it ran: its stdout on memo's stdout, its stderr
// on memo's stderr, in the order they came.
#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChatty =
    "echo run >> ../../runs.log && echo 'compiling 2 files' && echo 'warning: unused' >&2 && "
    "mkdir -p lib && echo built > lib/index.js && printf 'done\\n'";

class ReplayTest : public MonorepoTest {
 protected:
  // The entry's log blob, from the entry file's "log" line.
  fs::path log_blob(const std::string& key) const {
    std::string entry = read_file(entry_file(key));
    std::size_t at = entry.find("\nlog \"");
    if (at == std::string::npos) return {};
    std::size_t digest = entry.find("\" \"", at) + 3;
    return blob_file(entry.substr(digest, 64));
  }
};

TEST_F(ReplayTest, AHitReplaysTheCommandsOutputOnTheSameStreams) {
  auto miss = memo_run(kChatty);
  ASSERT_EQ(miss.exit_code, 0) << miss.err;
  EXPECT_EQ(miss.out, "compiling 2 files\ndone\n");
  EXPECT_NE(miss.err.find("warning: unused\n"), std::string::npos) << miss.err;

  fs::remove_all(package() / "lib");
  auto hit = memo_run(kChatty);
  ASSERT_EQ(hit.exit_code, 0) << hit.err;
  EXPECT_NE(hit.err.find("@demo/a: hit "), std::string::npos) << hit.err;
  EXPECT_EQ(runs(), 1);
  EXPECT_EQ(hit.out, "compiling 2 files\ndone\n") << "stdout is the command's, replayed";
  EXPECT_NE(hit.err.find("warning: unused\n"), std::string::npos) << hit.err;
  EXPECT_EQ(hit.err.find("memo: warning: unused"), std::string::npos) << "not as memo's own";

  // Outputs intact: nothing to restore, and still the output.
  auto intact = memo_run(kChatty);
  EXPECT_NE(intact.err.find("outputs intact"), std::string::npos) << intact.err;
  EXPECT_EQ(intact.out, "compiling 2 files\ndone\n");
}

TEST_F(ReplayTest, ADamagedOutputLogIsNeverReplayedAndTheCommandRuns) {
  ASSERT_EQ(memo_run(kChatty).exit_code, 0);
  fs::path blob = log_blob(key_of(kChatty));
  ASSERT_FALSE(blob.empty()) << "the entry names no log";
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  std::string bytes = read_file(blob);
  bytes[bytes.size() - 3] = 'X';  // "done" becomes "doXe"
  write_file(blob, bytes);

  fs::remove_all(package() / "lib");
  auto run = memo_run(kChatty);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(runs(), 2) << "a damaged log must not make a hit";
  EXPECT_EQ(run.out, "compiling 2 files\ndone\n");
  EXPECT_NE(run.err.find("output log"), std::string::npos) << run.err;
}

TEST_F(ReplayTest, AFailedCommandsOutputStillReachesTheUser) {
  auto run = memo_run("echo 'error TS2322' && echo 'details' >&2 && exit 2");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "error TS2322\n");
  EXPECT_NE(run.err.find("details\n"), std::string::npos) << run.err;
}

TEST_F(ReplayTest, AReaderThatGoesAwayDoesNotKillMemoOrLoseTheEntry) {
  // `memo -- build | head -1`: memo's stdout closes after one line.
  const std::string command =
      "echo run >> ../../runs.log && mkdir -p lib && echo x > lib/index.js"
      " && for i in $(seq 2000); do echo line $i; done";
  const std::string script = std::string(MEMO_BINARY) + " -- '" + command + "' | head -1";
  EXPECT_EQ(run_shell(script, package()), 0);
  fs::remove_all(package() / "lib");
  auto hit = memo_run(command);
  EXPECT_NE(hit.err.find("@demo/a: hit "), std::string::npos) << hit.err;
  EXPECT_EQ(runs(), 1);
  EXPECT_TRUE(hit.out.ends_with("line 2000\n"));
}

}  // namespace
}  // namespace memo::testing
