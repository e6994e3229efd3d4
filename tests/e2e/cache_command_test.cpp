// memo cache stats and memo cache prune: the store's counters, and eviction by last use.
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <thread>

#include "e2e/monorepo_fixture.hpp"
#include "memo/store/store_lock.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class CacheCommandTest : public MonorepoTest {
 protected:
  // A build whose one output, lib/<name>.js, holds `kilobytes` kB of bytes of its own.
  static std::string build_of(const std::string& name, int kilobytes) {
    return "rm -rf lib && mkdir -p lib && head -c " + std::to_string(kilobytes * 1000) +
           " /dev/zero | tr '\\0' '" + name.substr(0, 1) + "' > lib/" + name + ".js";
  }
  nlohmann::json stats(const std::map<std::string, std::string>& env = {}) const {
    auto run = memo({"cache", "stats", "--json"}, env);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return nlohmann::json::parse(run.out, nullptr, false);
  }
  void age_entry(const std::string& command, std::chrono::hours age) const {
    fs::last_write_time(entry_file(key_of(command)), fs::file_time_type::clock::now() - age);
  }
  bool has_entry(const std::string& command) const {
    return fs::exists(entry_file(key_of(command)));
  }
};

TEST_F(CacheCommandTest, StatsCountHitsMissesAndWhatTheStoreHolds) {
  ASSERT_EQ(memo_run(build_of("a", 10)).exit_code, 0);
  fs::remove_all(package() / "lib");
  ASSERT_NE(memo_run(build_of("a", 10)).err.find("restored"), std::string::npos);
  ASSERT_NE(memo_run(build_of("a", 10)).err.find("intact"), std::string::npos);
  auto shown = stats();
  EXPECT_EQ(shown["hits"], 2) << shown;
  EXPECT_EQ(shown["misses"], 1) << shown;
  EXPECT_EQ(shown["entries"], 1) << shown;
  EXPECT_EQ(shown["blobs"], 1) << shown;
  EXPECT_GE(shown["bytes"].get<std::uint64_t>(), 10000u) << shown;
  EXPECT_GT(shown["savedMs"].get<std::uint64_t>(), 0u) << shown;
  auto text = memo({"cache", "stats"});
  EXPECT_NE(text.out.find("hits         2"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("time saved"), std::string::npos) << text.out;
}

TEST_F(CacheCommandTest, PruneByAgeRemovesEntriesUnusedForLongerAndTheirBlobs) {
  ASSERT_EQ(memo_run(build_of("old", 5)).exit_code, 0);
  ASSERT_EQ(memo_run(build_of("new", 5)).exit_code, 0);
  age_entry(build_of("old", 5), 30 * 24h);
  auto pruned = memo({"cache", "prune", "--max-age", "14d"});
  EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_NE(pruned.out.find("removed 1 entries and 1 blobs"), std::string::npos) << pruned.out;
  EXPECT_FALSE(has_entry(build_of("old", 5)));
  EXPECT_TRUE(has_entry(build_of("new", 5)));
  EXPECT_EQ(stats()["blobs"], 1);
  fs::remove_all(package() / "lib");
  EXPECT_NE(memo_run(build_of("new", 5)).err.find("hit"), std::string::npos);
}

TEST_F(CacheCommandTest, PruneBySizeRemovesTheLeastRecentlyUsedFirstAndAHitCountsAsUse) {
  ASSERT_EQ(memo_run(build_of("a", 50)).exit_code, 0);
  ASSERT_EQ(memo_run(build_of("b", 50)).exit_code, 0);
  age_entry(build_of("a", 50), 2h);
  age_entry(build_of("b", 50), 1h);
  fs::remove_all(package() / "lib");
  ASSERT_NE(memo_run(build_of("a", 50)).err.find("hit"), std::string::npos);  // a: used now
  auto pruned = memo({"cache", "prune", "--max-size", "80kB"});
  EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_TRUE(has_entry(build_of("a", 50))) << pruned.out;
  EXPECT_FALSE(has_entry(build_of("b", 50))) << pruned.out;
  EXPECT_LE(stats()["bytes"].get<std::uint64_t>(), 80000u);
}

TEST_F(CacheCommandTest, PruneSweepsOrphanBlobsAndStaleTempFiles) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  std::string orphan = plant_blob("named by no entry");
  fs::path stale = store() / "blobs/ab/.incoming.999999.0.tmp";
  fs::path fresh = store() / "blobs/ab/.incoming.999999.1.tmp";
  write_file(stale, "half");
  write_file(fresh, "being written");
  fs::last_write_time(stale, fs::file_time_type::clock::now() - 2h);
  auto pruned = memo({"cache", "prune"});
  EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_FALSE(fs::exists(blob_file(orphan)));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh)) << "a writer may still be at it";
  EXPECT_TRUE(has_entry(kSmallBuild));
  fs::remove_all(package() / "lib");
  EXPECT_NE(memo_run(kSmallBuild).err.find("hit"), std::string::npos);
}

// An entry of many small files keeps them in one pack: prune keeps the pack while the entry is
// there, and takes it with the entry.
TEST_F(CacheCommandTest, PruneKeepsAPackWhileItsEntryStaysAndTakesItWithIt) {
  const std::string many = "mkdir -p lib && for i in $(seq 1 30); do echo $i > lib/f$i.js; done";
  ASSERT_EQ(memo_run(many).exit_code, 0);
  EXPECT_EQ(stats()["blobs"], 1) << "30 small files, one pack";
  ASSERT_EQ(memo({"cache", "prune"}).exit_code, 0);
  fs::remove_all(package() / "lib");
  EXPECT_NE(memo_run(many).err.find("hit"), std::string::npos);
  EXPECT_EQ(read("packages/a/lib/f30.js"), "30\n");
  age_entry(many, 30 * 24h);
  auto pruned = memo({"cache", "prune", "--max-age", "14d"});
  EXPECT_NE(pruned.out.find("removed 1 entries and 1 blobs"), std::string::npos) << pruned.out;
  EXPECT_EQ(stats()["blobs"], 0);
}

TEST_F(CacheCommandTest, TheStoreIsTrimmedOnceItPassesMaxCacheSize) {
  const std::map<std::string, std::string> limit{{"MEMO_MAX_CACHE_SIZE", "150kB"}};
  for (const char* name : {"a", "b", "c", "d"}) {
    ASSERT_EQ(memo({"--", build_of(name, 60)}, limit).exit_code, 0) << name;
  }
  auto shown = stats();
  EXPECT_LE(shown["bytes"].get<std::uint64_t>(), 150000u) << shown;
  EXPECT_GE(shown["entries"].get<int>(), 1) << shown;
  EXPECT_TRUE(has_entry(build_of("d", 60))) << "the newest stays";
  EXPECT_FALSE(has_entry(build_of("a", 60))) << "the oldest went";
}

TEST_F(CacheCommandTest, PruneWaitsForARestoreThatHoldsTheStore) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  auto lock = store::StoreLock::shared(store());  // as a restore in progress holds it
  ASSERT_TRUE(lock);
  auto pruning = std::async(std::launch::async, [&] {
    return memo({"cache", "prune", "--max-size", "0"});
  });
  EXPECT_EQ(pruning.wait_for(500ms), std::future_status::timeout) << "it must wait";
  EXPECT_TRUE(has_entry(kSmallBuild));
  lock.reset();
  auto pruned = pruning.get();
  EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_FALSE(has_entry(kSmallBuild));
}

TEST_F(CacheCommandTest, BadLimitsStopBeforeAnything) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  auto size = memo({"cache", "prune", "--max-size", "lots"});
  EXPECT_EQ(size.exit_code, 2);
  EXPECT_NE(size.err.find("--max-size: expected a size such as 5GB"), std::string::npos)
      << size.err;
  auto age = memo({"cache", "prune", "--max-age", "14"});
  EXPECT_EQ(age.exit_code, 2);
  EXPECT_NE(age.err.find("--max-age"), std::string::npos) << age.err;
  EXPECT_EQ(memo({"cache"}).exit_code, 2);
  EXPECT_EQ(memo({"cache", "stats", "--max-age", "1d"}).exit_code, 2);
  auto setting = memo({"--", kSmallBuild}, {{"MEMO_MAX_CACHE_SIZE", "big"}});
  EXPECT_EQ(setting.exit_code, 2);
  EXPECT_NE(setting.err.find("MEMO_MAX_CACHE_SIZE"), std::string::npos) << setting.err;
  EXPECT_TRUE(has_entry(kSmallBuild));
}

// A CI job that prunes before its first build has no store yet: nothing to do, not a failure.
TEST_F(CacheCommandTest, PruneBeforeAnyStoreExistsRemovesNothingAndSucceeds) {
  auto prune = memo({"cache", "prune", "--max-age", "1d"});
  EXPECT_EQ(prune.exit_code, 0) << prune.err;
  EXPECT_EQ(prune.err.find("warning"), std::string::npos) << prune.err;
  EXPECT_NE(prune.out.find("removed 0 entries"), std::string::npos) << prune.out;
}

}  // namespace
}  // namespace memo::testing
