// A cache problem never breaks a build, and a restore never writes outside the package.
#include <sys/stat.h>

#include "e2e/monorepo_fixture.hpp"
#include "memo/store/entry.hpp"
#include "memo/util/digest.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

class SafetyTest : public MonorepoTest {};

TEST_F(SafetyTest, HostileEntryPathsAreNeverRestored) {
  std::string key = key_of(kSmallBuild);
  std::string digest = util::sha256_hex("evil");
  write_file(store() / "blobs" / digest.substr(0, 2) / digest.substr(2), "evil");
  for (const auto& outputs : std::vector<std::string>{
           "f \"../../evil.txt\" \"644\" \"4\" \"" + digest + "\"\n",
           "f \"" + (repo() / "evil.txt").string() + "\" \"644\" \"4\" \"" + digest + "\"\n",
           "l \"lib/link\" \"../../../evil.txt\"\n", "c \"lib/dev\"\n"}) {
    plant_entry(key, outputs);
    fs::remove_all(package() / "lib");  // so the entry is needed
    auto run = memo_run(kSmallBuild);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.err.find("warning: cache entry unreadable"), std::string::npos) << run.err;
    EXPECT_FALSE(exists("evil.txt"));
    EXPECT_FALSE(exists("packages/evil.txt"));
    EXPECT_FALSE(exists("packages/a/lib/link"));
    EXPECT_EQ(read("packages/a/lib/index.js"), "built\n");
  }
  EXPECT_EQ(runs(), 4) << "each hostile entry means a plain run";
}

TEST_F(SafetyTest, SymlinkInTheWayIsReplacedNotFollowed) {
  const char* build = "mkdir -p lib/sub && echo built > lib/sub/index.js";
  ASSERT_EQ(memo_run(build).exit_code, 0);
  fs::remove_all(package() / "lib/sub");
  fs::create_directories(repo() / "outside");
  fs::create_directory_symlink("../../../outside", package() / "lib/sub");
  auto hit = memo_run(build);
  EXPECT_NE(hit.err.find("hit"), std::string::npos) << hit.err;
  EXPECT_TRUE(fs::is_empty(repo() / "outside")) << "nothing written through the symlink";
  EXPECT_FALSE(fs::is_symlink(package() / "lib/sub"));
  EXPECT_EQ(read("packages/a/lib/sub/index.js"), "built\n");
}

TEST_F(SafetyTest, CorruptBlobIsAWarningAndTheCommandRuns) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  std::string digest = util::sha256_hex("built\n");
  fs::path blob = store() / "blobs" / digest.substr(0, 2) / digest.substr(2);
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  write_file(blob, "tampered");
  fs::remove_all(package() / "lib");
  auto run = memo_run(kSmallBuild);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.err.find("warning: cannot restore"), std::string::npos) << run.err;
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(read("packages/a/lib/index.js"), "built\n")
      << "the command's own output, not the tampered bytes";
}

// A build of many small files stores them in packs: a pack altered in the store fails the
// restore like any blob, and the command runs instead.
TEST_F(SafetyTest, ATamperedPackIsAWarningAndTheCommandRuns) {
  const char* build =
      "echo run >> ../../runs.log && mkdir -p lib && "
      "for i in $(seq 1 40); do echo \"file $i\" > lib/f$i.js; done";
  ASSERT_EQ(memo_run(build).exit_code, 0);
  auto entry = store::parse_entry(read_file(entry_file(key_of(build))));
  ASSERT_TRUE(entry.has_value()) << entry.error();
  ASSERT_EQ(entry->outputs.size(), 40u);
  const std::string pack = entry->outputs.front().pack;
  ASSERT_FALSE(pack.empty()) << "40 small files go into a pack";
  for (const auto& output : entry->outputs) EXPECT_EQ(output.pack, pack) << output.path;
  fs::remove_all(package() / "lib");
  ASSERT_NE(memo_run(build).err.find("hit"), std::string::npos);
  EXPECT_EQ(read("packages/a/lib/f17.js"), "file 17\n");

  fs::permissions(blob_file(pack), fs::perms::owner_write, fs::perm_options::add);
  std::string bytes = read_file(blob_file(pack));
  bytes[bytes.find("17")] = '7';
  write_file(blob_file(pack), bytes);
  fs::remove_all(package() / "lib");
  auto run = memo_run(build);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.err.find("warning: cannot restore"), std::string::npos) << run.err;
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(read("packages/a/lib/f17.js"), "file 17\n");
  EXPECT_FALSE(fs::exists(blob_file(pack)) && read_file(blob_file(pack)) == bytes)
      << "the altered pack is discarded";
}

TEST_F(SafetyTest, AProblemOfThePackageKeepsTheEntry) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  std::string key = key_of(kSmallBuild);
  // A folder stands where the entry has a file: the restore fails, the entry is not to blame.
  fs::remove(package() / "lib/index.js");
  write("packages/a/lib/index.js/inner.txt", "in the way");
  auto blocked = memo_run(kSmallBuild);
  EXPECT_NE(blocked.err.find("warning: cannot restore"), std::string::npos) << blocked.err;
  EXPECT_TRUE(fs::exists(entry_file(key))) << "a good entry is kept";
  fs::remove_all(package() / "lib");
  auto hit = memo_run(kSmallBuild);
  EXPECT_NE(hit.err.find("hit"), std::string::npos) << hit.err;
}

TEST_F(SafetyTest, TruncatedEntryIsAWarningAndTheCommandRuns) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  std::string key = key_of(kSmallBuild);
  std::string text = read_file(entry_file(key));
  write_file(entry_file(key), text.substr(0, text.size() / 2));
  fs::remove_all(package() / "lib");
  auto run = memo_run(kSmallBuild);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.err.find("checksum"), std::string::npos) << run.err;
  EXPECT_EQ(runs(), 2);
  fs::remove_all(package() / "lib");
  auto hit = memo_run(kSmallBuild);
  EXPECT_NE(hit.err.find("hit"), std::string::npos) << "the bad entry was replaced: " << hit.err;
}

TEST_F(SafetyTest, UnusableStoreIsAWarningAndTheBuildResultIsTheCommands) {
  write("blocked", "a file where the store folder should be");
  const std::map<std::string, std::string> env{
      {"BACKFILL_INTERNAL_CACHE_FOLDER", (repo() / "blocked/store").string()}};
  auto ok = memo({"--", kSmallBuild}, env);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_NE(ok.err.find("warning: "), std::string::npos) << ok.err;
  EXPECT_NE(ok.err.find("nothing stored"), std::string::npos) << ok.err;
  EXPECT_EQ(std::count(ok.err.begin(), ok.err.end(), '\n'), 2)
      << "one warning, one miss line: " << ok.err;
  auto failing = memo({"--", "exit 5"}, env);
  EXPECT_EQ(failing.exit_code, 5);
}

TEST_F(SafetyTest, EscapingSymlinkOutputIsNotCached) {
  auto run =
      memo_run("echo run >> ../../runs.log && mkdir -p lib && ln -sf /etc/passwd lib/passwd");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.err.find("outside the package"), std::string::npos) << run.err;
  memo_run("echo run >> ../../runs.log && mkdir -p lib && ln -sf /etc/passwd lib/passwd");
  EXPECT_EQ(runs(), 2);
}

TEST_F(SafetyTest, ClearOutputRemovesStaleOutputsOnHitAndRun) {
  const std::map<std::string, std::string> clear{{"BACKFILL_CLEAR_OUTPUT", "true"}};
  write("packages/a/lib/stale.js", "old");
  ASSERT_EQ(memo({"--", kSmallBuild}, clear).exit_code, 0);
  EXPECT_FALSE(exists("packages/a/lib/stale.js")) << "removed before the run";
  write("packages/a/lib/stale.js", "old");
  auto hit = memo({"--", kSmallBuild}, clear);
  EXPECT_NE(hit.err.find("hit"), std::string::npos);
  EXPECT_FALSE(exists("packages/a/lib/stale.js")) << "removed before the restore";
  write("packages/a/lib/stale.js", "old");
  memo({"--", kSmallBuild});
  EXPECT_TRUE(exists("packages/a/lib/stale.js")) << "without clearOutput, left alone";
}

TEST_F(SafetyTest, NegatedOutputGlobsAreNotCached) {
  write("packages/a/memo.json", R"({"outputGlob": ["lib/**", "!lib/**/*.map"]})");
  const char* build = "mkdir -p lib/x && echo js > lib/x/a.js && echo map > lib/x/a.js.map";
  ASSERT_EQ(memo_run(build).exit_code, 0);
  fs::remove_all(package() / "lib");
  auto hit = memo_run(build);
  EXPECT_NE(hit.err.find("hit"), std::string::npos) << hit.err;
  EXPECT_TRUE(exists("packages/a/lib/x/a.js"));
  EXPECT_FALSE(exists("packages/a/lib/x/a.js.map"));
}

TEST_F(SafetyTest, EntriesWithoutOutputsAreStoredButSaySo) {
  // A step with no outputs (a linter) is worth caching, but an empty entry for a build whose
  // outputs were missed must not hit silently.
  auto miss = memo_run("echo run >> ../../runs.log");
  EXPECT_NE(miss.err.find("outputGlob matched no file"), std::string::npos) << miss.err;
  EXPECT_NE(miss.err.find("tsconfig.tsbuildinfo"), std::string::npos) << miss.err;
  auto hit = memo_run("echo run >> ../../runs.log");
  EXPECT_EQ(runs(), 1);
  EXPECT_NE(hit.err.find("restores nothing"), std::string::npos) << hit.err;
  EXPECT_NE(hit.err.find("restored 0 files"), std::string::npos) << hit.err;
}

TEST_F(SafetyTest, ValidateOutputRehashesAfterAHit) {
  const std::map<std::string, std::string> validate{{"BACKFILL_VALIDATE_OUTPUT", "true"},
                                                    {"BACKFILL_LOG_LEVEL", "verbose"}};
  ASSERT_EQ(memo({"--", kBuild}, validate).exit_code, 0);
  fs::remove_all(package() / "lib");
  auto hit = memo({"--", kBuild}, validate);
  EXPECT_NE(hit.err.find("hit"), std::string::npos) << hit.err;
  EXPECT_NE(hit.err.find("validateOutput: "), std::string::npos) << hit.err;
  EXPECT_EQ(hit.err.find("error"), std::string::npos) << hit.err;
  EXPECT_EQ(runs(), 1);
}

}  // namespace
}  // namespace memo::testing
