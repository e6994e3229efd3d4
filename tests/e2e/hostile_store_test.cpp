// Damaged and hostile stores: a restore never escapes the package nor writes what is not an
// output, a damaged store heals, and nothing in it can make memo hang.
#include <sys/stat.h>

#include <fstream>

#include "e2e/monorepo_fixture.hpp"
#include "memo/util/digest.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

class HostileStoreTest : public MonorepoTest {
 protected:
  // An entry's line for a file `path` holding `content` (its blob planted too).
  std::string file_line(const std::string& path, const std::string& content) const {
    return "f \"" + path + "\" \"644\" \"" + std::to_string(content.size()) + "\" \"" +
           plant_blob(content) + "\"\n";
  }
  static std::string link_line(const std::string& path, const std::string& target) {
    return "l \"" + path + "\" \"" + target + "\"\n";
  }
  // Plants an entry under today's key of kSmallBuild and runs kSmallBuild with lib/ gone.
  MemoRun run_with_entry(const std::string& output_lines) const {
    plant_entry(key_of(kSmallBuild), output_lines);
    fs::remove_all(package() / "lib");
    return memo_run(kSmallBuild);
  }
  static int warnings(const MemoRun& run) {
    int count = 0;
    for (std::size_t at = run.err.find("warning:"); at != std::string::npos;
         at = run.err.find("warning:", at + 1)) {
      ++count;
    }
    return count;
  }
  // A pid no process has: one past the largest the kernel hands out.
  static long dead_pid() {
    long max = 4194304;
    std::ifstream("/proc/sys/kernel/pid_max") >> max;
    return max + 1;
  }
  void replace_with_fifo(const fs::path& file) const {
    fs::remove_all(file);
    ASSERT_EQ(::mkfifo(file.c_str(), 0644), 0) << file;
  }
};

TEST_F(HostileStoreTest, ASymlinkChainLeavingThePackageIsNotStored) {
  // lib/s is the package root itself, so lib/t climbs one folder above it, though its text
  // never climbs above the package when read without following links.
  const char* build =
      "echo run >> ../../runs.log && mkdir -p lib && echo x > lib/index.js && ln -s .. lib/s && "
      "ln -s s/lib/s/../../../outside lib/t";
  auto first = memo_run(build);
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("lib/t"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("outside the package"), std::string::npos) << first.err;
  fs::remove_all(package() / "lib");
  memo_run(build);
  EXPECT_EQ(runs(), 2) << "nothing was stored";
}

TEST_F(HostileStoreTest, ASymlinkChainInAnEntryIsNeverRestored) {
  fs::create_directories(repo() / "outside");
  auto run = run_with_entry(file_line("lib/index.js", "evil") + link_line("lib/s", "..") +
                            link_line("lib/t", "s/lib/s/../../../outside"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("lib/t"), std::string::npos) << run.err;
  EXPECT_FALSE(exists("packages/a/lib/t"));
  EXPECT_FALSE(exists("packages/a/lib/s"));
  EXPECT_EQ(read("packages/a/lib/index.js"), "built\n") << "the command ran instead";
  EXPECT_EQ(runs(), 1);
}

TEST_F(HostileStoreTest, AnEntryLinkThroughAPackageSymlinkIsNeverRestored) {
  fs::create_symlink("../..", package() / "src/up");  // a source link to packages/
  auto run =
      run_with_entry(file_line("lib/index.js", "evil") + link_line("lib/x", "../src/up/../secret"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("lib/x"), std::string::npos) << run.err;
  EXPECT_FALSE(exists("packages/a/lib/x"));
  EXPECT_EQ(runs(), 1);
}

TEST_F(HostileStoreTest, ALinkWithinThePackageThroughOtherLinksIsRestored) {
  const char* build =
      "echo run >> ../../runs.log && mkdir -p lib/deep && echo x > lib/deep/index.js && "
      "ln -s deep lib/d && ln -s d/../d/index.js lib/main.js && ln -s ../src lib/sources";
  ASSERT_EQ(memo_run(build).exit_code, 0);
  fs::remove_all(package() / "lib");
  auto hit = memo_run(build);
  EXPECT_NE(hit.err.find("hit"), std::string::npos) << hit.err;
  EXPECT_EQ(read("packages/a/lib/main.js"), "x\n");
  EXPECT_EQ(fs::read_symlink(package() / "lib/sources"), "../src");
  EXPECT_EQ(runs(), 1);
}

TEST_F(HostileStoreTest, AnEntryWritesOnlyPathsItsOutputGlobMatches) {
  for (const std::string path : {".git/hooks/pre-commit", "src/index.ts", "backfill.config.js",
                                 "lib/node_modules/x/index.js"}) {
    auto run = run_with_entry(file_line("lib/index.js", "evil") + file_line(path, "evil"));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.err.find(path), std::string::npos) << run.err;
    EXPECT_EQ(read("packages/a/src/index.ts"), "export const a = 1;\n");
    EXPECT_FALSE(exists("packages/a/.git"));
    EXPECT_FALSE(exists("packages/a/backfill.config.js"));
    EXPECT_FALSE(exists("packages/a/lib/node_modules"));
    EXPECT_EQ(read("packages/a/lib/index.js"), "built\n") << "nothing of the entry was written";
  }
  EXPECT_EQ(runs(), 4);
}

TEST_F(HostileStoreTest, StagingFilesAreNeverStoredAndStaleOnesAreRemoved) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  // What a restore killed mid-way leaves, and what a restore running right now has.
  const std::string stale = "lib/.memo-index.js." + std::to_string(dead_pid()) + ".0.tmp";
  const std::string live = "lib/.memo-index.js." + std::to_string(::getpid()) + ".0.tmp";
  write("packages/a/" + stale, "half");
  write("packages/a/" + live, "half");
  write("packages/a/src/new.ts", "a change: the next run is a miss");
  auto miss = memo_run(kSmallBuild);
  EXPECT_EQ(miss.exit_code, 0) << miss.err;
  EXPECT_NE(miss.err.find("stored 1 file"), std::string::npos) << miss.err;
  EXPECT_FALSE(exists("packages/a/" + stale)) << "swept";
  EXPECT_TRUE(exists("packages/a/" + live)) << "another process's staging file is its own";
  fs::remove_all(package() / "lib");
  auto hit = memo_run(kSmallBuild);
  EXPECT_NE(hit.err.find("restored 1 file"), std::string::npos) << hit.err;
  EXPECT_EQ(fs::directory_entry(package() / "lib").exists(), true);
  EXPECT_EQ(std::distance(fs::directory_iterator(package() / "lib"), fs::directory_iterator()), 1);
}

TEST_F(HostileStoreTest, ABlobWithWrongBytesIsWrittenAgainByTheNextStore) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  fs::path blob = blob_file(util::sha256_hex("built\n"));
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  write_file(blob, "tampered");
  fs::remove_all(package() / "lib");
  auto damaged = memo_run(kSmallBuild);
  EXPECT_EQ(damaged.exit_code, 0);
  EXPECT_EQ(warnings(damaged), 1) << "one problem, one warning: " << damaged.err;
  fs::remove_all(package() / "lib");
  auto healed = memo_run(kSmallBuild);
  EXPECT_NE(healed.err.find("hit"), std::string::npos) << healed.err;
  EXPECT_EQ(warnings(healed), 0) << healed.err;
  EXPECT_EQ(read("packages/a/lib/index.js"), "built\n");
  EXPECT_EQ(runs(), 2);
}

TEST_F(HostileStoreTest, AFolderWhereABlobShouldBeIsReplacedByTheNextStore) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  fs::path blob = blob_file(util::sha256_hex("built\n"));
  fs::remove(blob);
  fs::create_directories(blob / "inner");
  fs::remove_all(package() / "lib");
  auto damaged = memo_run(kSmallBuild);
  EXPECT_EQ(damaged.exit_code, 0);
  EXPECT_EQ(warnings(damaged), 1) << damaged.err;
  fs::remove_all(package() / "lib");
  auto healed = memo_run(kSmallBuild);
  EXPECT_NE(healed.err.find("hit"), std::string::npos) << healed.err;
  EXPECT_EQ(runs(), 2);
}

TEST_F(HostileStoreTest, AFifoAnywhereInTheStoreNeverHangsMemo) {
  for (const char* folder : {"entries", "blobs", "state", "file-digests", "latest"}) {
    fs::remove_all(store());
    fs::remove_all(package() / "lib");
    ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0) << folder;
    ASSERT_TRUE(fs::is_directory(store() / folder)) << folder;
    for (const auto& item : fs::recursive_directory_iterator(store() / folder)) {
      if (item.is_regular_file()) replace_with_fifo(item.path());
    }
    fs::remove_all(package() / "lib");
    auto run = memo_run(kSmallBuild);
    EXPECT_EQ(run.exit_code, 0) << folder << ": " << run.err;
    EXPECT_EQ(read("packages/a/lib/index.js"), "built\n") << folder;
    auto explain = memo({"explain", "--", kSmallBuild});
    EXPECT_EQ(explain.exit_code, 0) << folder << ": " << explain.err;
  }
}

TEST_F(HostileStoreTest, AFifoAsDotEnvOrGitignoreNeverHangsMemo) {
  replace_with_fifo(repo() / ".env");
  replace_with_fifo(package() / ".gitignore");
  replace_with_fifo(repo() / ".gitignore");
  auto run = memo_run(kSmallBuild);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  auto again = memo_run(kSmallBuild);
  EXPECT_NE(again.err.find("hit"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace memo::testing
