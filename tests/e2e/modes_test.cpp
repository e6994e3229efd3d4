// Modes READ_WRITE, READ_ONLY, WRITE_ONLY, PASS and the local-skip provider, as backfill has them.
#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

class ModesTest : public MonorepoTest {
 protected:
  MemoRun build(const std::string& mode) const { return memo({"--mode", mode, "--", kBuild}); }
};

TEST_F(ModesTest, ReadOnlyFetchesButNeverStores) {
  auto miss = build("READ_ONLY");
  EXPECT_EQ(miss.exit_code, 0);
  EXPECT_NE(miss.err.find("not stored"), std::string::npos) << miss.err;
  build("READ_ONLY");
  EXPECT_EQ(runs(), 2);
  ASSERT_EQ(build("READ_WRITE").exit_code, 0);
  EXPECT_EQ(runs(), 3);
  fs::remove_all(package() / "lib");
  auto hit = build("READ_ONLY");
  EXPECT_NE(hit.err.find("hit"), std::string::npos) << hit.err;
  EXPECT_EQ(runs(), 3);
  EXPECT_TRUE(exists("packages/a/lib/index.js"));
}

TEST_F(ModesTest, WriteOnlyStoresButNeverFetches) {
  ASSERT_EQ(build("WRITE_ONLY").exit_code, 0);
  ASSERT_EQ(build("WRITE_ONLY").exit_code, 0);
  EXPECT_EQ(runs(), 2);
  fs::remove_all(package() / "lib");
  ASSERT_EQ(build("READ_WRITE").exit_code, 0);
  EXPECT_EQ(runs(), 2) << "what WRITE_ONLY stored is a hit for READ_WRITE";
}

TEST_F(ModesTest, PassOnlyRunsTheCommand) {
  ASSERT_EQ(build("READ_WRITE").exit_code, 0);
  ASSERT_EQ(build("PASS").exit_code, 0);
  EXPECT_EQ(runs(), 2);
  auto failing = memo({"--mode", "PASS", "--", "exit 3"});
  EXPECT_EQ(failing.exit_code, 3);
}

TEST_F(ModesTest, ModeFromEnvironmentWithMemoTwinWinning) {
  ASSERT_EQ(memo({"--", kBuild}, {{"BACKFILL_MODE", "PASS"}}).exit_code, 0);
  ASSERT_EQ(memo({"--", kBuild}, {{"BACKFILL_MODE", "PASS"}}).exit_code, 0);
  EXPECT_EQ(runs(), 2);
  EXPECT_FALSE(exists("node_modules/.cache/memo/entries"));
  ASSERT_EQ(
      memo({"--", kBuild}, {{"BACKFILL_MODE", "PASS"}, {"MEMO_MODE", "READ_WRITE"}}).exit_code, 0);
  EXPECT_TRUE(exists("node_modules/.cache/memo/entries"));
}

TEST_F(ModesTest, LocalSkipSkipsWhenOutputsArePresentAndCopiesNothing) {
  const std::map<std::string, std::string> skip{{"BACKFILL_CACHE_PROVIDER", "local-skip"}};
  ASSERT_EQ(memo({"--", kBuild}, skip).exit_code, 0);
  EXPECT_FALSE(exists("node_modules/.cache/memo/blobs")) << "local-skip copies nothing";
  auto skipped = memo({"--", kBuild}, skip);
  EXPECT_NE(skipped.err.find("hit"), std::string::npos) << skipped.err;
  EXPECT_EQ(runs(), 1);
  fs::remove(package() / "lib/nested/deep.js");
  auto rebuilt = memo({"--", kBuild}, skip);
  EXPECT_EQ(runs(), 2) << "an output went missing, so the command runs";
  write("packages/a/src/index.ts", "changed");
  memo({"--", kBuild}, skip);
  EXPECT_EQ(runs(), 3) << "new key";
}

TEST_F(ModesTest, CacheProviderFlag) {
  ASSERT_EQ(memo({"--cache-provider", "local-skip", "--", kBuild}).exit_code, 0);
  ASSERT_EQ(memo({"--cache-provider", "local-skip", "--", kBuild}).exit_code, 0);
  EXPECT_EQ(runs(), 1);
}

}  // namespace
}  // namespace memo::testing
