// memo hash with memo's own record of each package's files (node_modules/.cache/memo/
// file-digests): an unchanged package is not walked again, and whatever changes gives the key
// a run without any record gives.
#include <chrono>
#include <string>
#include <thread>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

class DigestRecords : public MonorepoTest {
 protected:
  MemoRun hash() const {
    auto run = memo({"hash", "--log-level", "verbose", "--", "x"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.err.find("warning"), std::string::npos) << run.err;
    return run;
  }
  static bool reused(const MemoRun& run) {
    return run.err.find("file digests reused for 1 of 1 packages") != std::string::npos;
  }
  // The key of the same tree with no record at all: a copy of the repo without memo's cache.
  std::string fresh_key() const {
    TempDir copy;
    fs::copy(repo(), copy.path(), fs::copy_options::recursive);
    fs::remove_all(copy.path() / "node_modules");
    auto run = run_memo({"hash", "--", "x"}, copy.path() / "packages/a");
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.out;
  }
  // Lets what was written so far grow older than memo's trust margin (3 s): memo believes a
  // record only for files that had not changed for a while when it was made.
  static void age() { std::this_thread::sleep_for(std::chrono::milliseconds(3100)); }
};

TEST_F(DigestRecords, UnchangedPackageIsNotWalkedAgainAndAChangedFileIsSeen) {
  age();
  auto first = hash();
  EXPECT_FALSE(reused(first)) << first.err;
  auto second = hash();
  EXPECT_TRUE(reused(second)) << second.err;
  EXPECT_EQ(second.out, first.out);

  // Same size, same folder listing: only the file's own signature tells.
  write("packages/a/src/index.ts", "export const a = 7;\n");
  auto changed = hash();
  EXPECT_TRUE(reused(changed)) << changed.err;
  EXPECT_NE(changed.out, first.out);
  EXPECT_EQ(changed.out, fresh_key());
  EXPECT_EQ(hash().out, changed.out);
}

TEST_F(DigestRecords, NewFilesAndIgnoreRulesAreSeen) {
  age();
  const std::string before = hash().out;
  write("packages/a/src/new.ts", "export const n = 3;\n");
  auto added = hash();
  EXPECT_FALSE(reused(added)) << added.err;
  EXPECT_NE(added.out, before);
  EXPECT_EQ(added.out, fresh_key());

  age();
  hash();  // a record made long enough after the last change to be believed
  write("packages/a/.gitignore", "new.ts\n");
  auto ignored = hash();
  EXPECT_EQ(ignored.out, fresh_key());
  EXPECT_NE(ignored.out, added.out);

  age();
  hash();
  write(".gitignore", "util.ts\n");  // above the package
  auto above = hash();
  EXPECT_FALSE(reused(above)) << above.err;
  EXPECT_EQ(above.out, fresh_key());
  EXPECT_NE(above.out, ignored.out);
}

TEST_F(DigestRecords, OutputsComingAndGoingCostNoWalk) {
  age();
  const std::string key = hash().out;
  // The build creates lib/ in the package folder, then lib/ is deleted and restored: the
  // package's listing changes, but not in what the key reads.
  auto run = memo_run(kBuild);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto after_build = hash();
  EXPECT_TRUE(reused(after_build)) << after_build.err;
  EXPECT_EQ(after_build.out, key);
  fs::remove_all(package() / "lib");
  auto after_delete = hash();
  EXPECT_TRUE(reused(after_delete)) << after_delete.err;
  EXPECT_EQ(after_delete.out, key);
  write("packages/a/lib.ts", "a new source beside the outputs\n");
  auto added = hash();
  EXPECT_FALSE(reused(added)) << added.err;
  EXPECT_EQ(added.out, fresh_key());
}

TEST_F(DigestRecords, DamagedRecordsAreIgnoredQuietly) {
  age();
  const std::string key = hash().out;
  ASSERT_TRUE(reused(hash()));
  int damaged = 0;
  for (const auto& entry : fs::directory_iterator(store() / "file-digests")) {
    std::string text = read(fs::relative(entry.path(), repo()).string());
    text[text.size() / 2] ^= 1;
    write(fs::relative(entry.path(), repo()).string(), text);
    ++damaged;
  }
  ASSERT_EQ(damaged, 1);
  auto run = hash();
  EXPECT_FALSE(reused(run)) << run.err;
  EXPECT_EQ(run.out, key);
}

}  // namespace
}  // namespace memo::testing
