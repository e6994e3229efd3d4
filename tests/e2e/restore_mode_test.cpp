// restoreMode: how a hit puts the stored files back. copy writes them anew; clone shares blocks
// where the file system has reflinks (else copies); hardlink links the store's files into the
// package, read-only, and never trusts one that was written through its link since.
#include <sys/stat.h>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct stat stat_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info;
}

class RestoreModeTest : public MonorepoTest {
 protected:
  // The build, stored, and its outputs deleted: the next run restores them all.
  std::string built_then_deleted(const std::map<std::string, std::string>& env = {}) {
    auto miss = memo_run(kBuild, env);
    EXPECT_EQ(miss.exit_code, 0) << miss.err;
    std::string built = read("packages/a/lib/index.js");
    fs::remove_all(package() / "lib");
    return built;
  }
  const std::map<std::string, std::string> hardlink_{{"MEMO_RESTORE_MODE", "hardlink"}};
};

TEST_F(RestoreModeTest, HardlinkModeLinksTheStoresFilesReadOnlyAndCopiesExecutables) {
  const std::string built = built_then_deleted();
  auto hit = memo_run(kBuild, hardlink_);
  ASSERT_EQ(hit.exit_code, 0) << hit.err;
  EXPECT_TRUE(contains(hit.err, "hit ")) << hit.err;
  EXPECT_TRUE(contains(hit.err, "3 hardlinked")) << hit.err;  // index, deep, empty; not cli
  EXPECT_EQ(runs(), 1);
  EXPECT_EQ(read("packages/a/lib/index.js"), built);

  struct stat index = stat_of(package() / "lib/index.js");
  EXPECT_EQ(index.st_nlink, 2u) << "the store's file and the package's are one";
  EXPECT_EQ(index.st_mode & 0777, 0444u);
  struct stat cli = stat_of(package() / "lib/cli.js");
  EXPECT_EQ(cli.st_nlink, 1u);
  EXPECT_EQ(cli.st_mode & 0777, 0755u);
  EXPECT_EQ(fs::read_symlink(package() / "lib/alias.js"), "index.js");

  // Untouched, the linked outputs are intact on the next run.
  auto intact = memo_run(kBuild, hardlink_);
  EXPECT_TRUE(contains(intact.err, "outputs intact")) << intact.err;
}

// A tool that rewrites an output in place (root ignores the read-only mode) writes the store's
// file through the link: memo sees the output changed, finds the stored bytes wrong, restores
// nothing from them and runs the command.
TEST_F(RestoreModeTest, AStoredFileWrittenThroughItsLinkIsNeverTrusted) {
  const std::string built = built_then_deleted();
  ASSERT_EQ(memo_run(kBuild, hardlink_).exit_code, 0);
  fs::permissions(package() / "lib/index.js", fs::perms::owner_write, fs::perm_options::add);
  write("packages/a/lib/index.js", "tampered\n");  // opens the file in place: the link's too

  auto run = memo_run(kBuild, hardlink_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(contains(run.err, "stored bytes do not match")) << run.err;
  EXPECT_EQ(runs(), 2) << "the command ran instead";
  EXPECT_EQ(read("packages/a/lib/index.js"), built);

  // What the run stored again is whole: a copy-mode restore gives the build's bytes.
  fs::remove_all(package() / "lib");
  auto hit = memo_run(kBuild);
  EXPECT_TRUE(contains(hit.err, "hit ")) << hit.err;
  EXPECT_EQ(read("packages/a/lib/index.js"), built);
  EXPECT_EQ(runs(), 2);
}

TEST_F(RestoreModeTest, CloneModeRestoresTheOutputsWhateverTheFileSystem) {
  const std::string built = built_then_deleted();
  auto hit = memo_run(kBuild, {{"MEMO_RESTORE_MODE", "clone"}});
  ASSERT_EQ(hit.exit_code, 0) << hit.err;
  EXPECT_TRUE(contains(hit.err, "hit ")) << hit.err;
  EXPECT_FALSE(contains(hit.err, "warning")) << "no reflinks is no warning: " << hit.err;
  EXPECT_EQ(read("packages/a/lib/index.js"), built);
  EXPECT_EQ(stat_of(package() / "lib/index.js").st_mode & 0777, 0644u);
  EXPECT_EQ(stat_of(package() / "lib/cli.js").st_mode & 0777, 0755u);
}

TEST_F(RestoreModeTest, TheFlagAndMemoJsonSetTheModeAndABadOneStopsMemo) {
  built_then_deleted();
  auto flagged = memo({"--restore-mode", "hardlink", "--", kBuild});
  EXPECT_TRUE(contains(flagged.err, "hardlinked")) << flagged.err;

  fs::remove_all(package() / "lib");
  write("memo.json", R"({"restoreMode": "hardlink"})");
  auto configured = memo_run(kBuild);
  EXPECT_TRUE(contains(configured.err, "hardlinked")) << configured.err;

  auto bad = memo_run(kBuild, {{"MEMO_RESTORE_MODE", "symlink"}});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_TRUE(contains(bad.err, "MEMO_RESTORE_MODE")) << bad.err;
  EXPECT_TRUE(contains(bad.err, "copy, clone, hardlink")) << bad.err;
  EXPECT_EQ(runs(), 1);
}

}  // namespace
}  // namespace memo::testing
