// Artifact validation: with an unchanged key, intact outputs mean nothing to do, and only the
// outputs that changed or went missing are restored.
#include <sys/stat.h>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

struct timespec mtime_of(const fs::path& path) {
  struct stat info {};
  stat(path.c_str(), &info);
  return info.st_mtim;
}

bool same_time(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

TEST_F(MonorepoTest, IntactOutputsMeanNothingToDo) {
  ASSERT_EQ(memo_run(kBuild).exit_code, 0);
  auto before = mtime_of(package() / "lib/index.js");
  auto run = memo_run(kBuild);
  EXPECT_NE(run.err.find("outputs intact, nothing to restore"), std::string::npos) << run.err;
  EXPECT_EQ(runs(), 1);
  EXPECT_TRUE(same_time(mtime_of(package() / "lib/index.js"), before)) << "not rewritten";
}

TEST_F(MonorepoTest, OnlyChangedOrDeletedOutputsAreRestored) {
  ASSERT_EQ(memo_run(kBuild).exit_code, 0);
  auto untouched = mtime_of(package() / "lib/nested/deep.js");
  write("packages/a/lib/index.js", "edited by hand");
  fs::remove(package() / "lib/empty.js");
  auto run = memo_run(kBuild);
  EXPECT_NE(run.err.find("restored 2 files of 5"), std::string::npos) << run.err;
  EXPECT_EQ(runs(), 1);
  EXPECT_EQ(read("packages/a/lib/index.js"), "export const a = 1;\n");
  EXPECT_TRUE(exists("packages/a/lib/empty.js"));
  EXPECT_TRUE(same_time(mtime_of(package() / "lib/nested/deep.js"), untouched))
      << "untouched files keep their timestamps";
}

TEST_F(MonorepoTest, TouchedButUnchangedOutputsAreNotRestored) {
  ASSERT_EQ(memo_run(kBuild).exit_code, 0);
  ASSERT_EQ(run_shell("touch lib/index.js", package()), 0);
  auto touched = mtime_of(package() / "lib/index.js");
  auto run = memo_run(kBuild);
  EXPECT_NE(run.err.find("outputs intact"), std::string::npos) << run.err;
  EXPECT_TRUE(same_time(mtime_of(package() / "lib/index.js"), touched));
}

TEST_F(MonorepoTest, SwitchingBackToAnotherKeyRewritesOnlyTheOutputsThatDiffer) {
  ASSERT_EQ(memo_run(kBuild).exit_code, 0);  // entry A
  const std::string original = read("packages/a/src/index.ts");
  write("packages/a/src/index.ts", "export const a = 2;\n");
  ASSERT_EQ(memo_run(kBuild).exit_code, 0);  // entry B, whose outputs are now on disk
  auto deep = mtime_of(package() / "lib/nested/deep.js");
  write("packages/a/lib/empty.js", "edited by hand");
  write("packages/a/src/index.ts", original);  // back to A's key
  auto run = memo_run(kBuild);
  EXPECT_EQ(runs(), 2);
  // index.js differs between A and B, empty.js was edited; the 3 others are A's already.
  EXPECT_NE(run.err.find("hit"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("restored 2 files of 5"), std::string::npos) << run.err;
  EXPECT_EQ(read("packages/a/lib/index.js"), original);
  EXPECT_EQ(read("packages/a/lib/empty.js"), "");
  EXPECT_TRUE(same_time(mtime_of(package() / "lib/nested/deep.js"), deep))
      << "outputs the two entries share keep their timestamps";
  // And the state now says A: the next run has nothing to do.
  EXPECT_NE(memo_run(kBuild).err.find("outputs intact"), std::string::npos);
}

TEST_F(MonorepoTest, ForceRunsTheCommandAndStores) {
  ASSERT_EQ(memo_run(kBuild).exit_code, 0);
  auto forced = memo({"--force", "--", kBuild});
  EXPECT_EQ(forced.exit_code, 0);
  EXPECT_EQ(runs(), 2);
  EXPECT_NE(forced.err.find("forced"), std::string::npos) << forced.err;
  auto read_only = memo({"--force", "--mode", "READ_ONLY", "--", kBuild});
  EXPECT_EQ(runs(), 3);
  EXPECT_NE(read_only.err.find("not stored"), std::string::npos) << read_only.err;
}

}  // namespace
}  // namespace memo::testing
