#include "memo/step/scratch_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "support/temp_dir.hpp"

namespace memo::step {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;

int scratch_folders(const fs::path& cache) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(cache)) {
    if (entry.path().filename().string().starts_with(".remote-only")) ++count;
  }
  return count;
}

void make_old(const fs::path& folder) {
  fs::last_write_time(folder, fs::file_time_type::clock::now() - std::chrono::hours(2));
}

// What a run killed while it used its scratch store leaves: the folder and its owner file,
// whose lock went with the process.
fs::path abandoned_by_a_killed_run(const TempDir& cache) {
  cache.write(".remote-only.4242.0.tmp/owner", "");
  cache.write(".remote-only.4242.0.tmp/entries/key", "an entry");
  return cache / ".remote-only.4242.0.tmp";
}

TEST(ScratchStoreTest, IsRemovedWhenTheRunEnds) {
  TempDir cache;
  fs::path root;
  {
    auto scratch = ScratchStore::make(cache.path());
    root = scratch.root();
    EXPECT_TRUE(fs::is_directory(root));
    EXPECT_EQ(root.parent_path(), cache.path());
  }
  EXPECT_FALSE(fs::exists(root));
}

TEST(ScratchStoreTest, AKilledRunsStoreIsSweptByTheNextRun) {
  TempDir cache;
  const fs::path left = abandoned_by_a_killed_run(cache);
  ASSERT_TRUE(fs::is_directory(left));
  make_old(left);
  auto scratch = ScratchStore::make(cache.path());
  EXPECT_FALSE(fs::exists(left));
  EXPECT_EQ(scratch_folders(cache.path()), 1);
}

TEST(ScratchStoreTest, ARunningRunsStoreIsKeptHoweverOld) {
  TempDir cache;
  auto running = ScratchStore::make(cache.path());
  make_old(running.root());
  EXPECT_EQ(sweep_abandoned_scratch_stores(cache.path()), 0);
  EXPECT_TRUE(fs::is_directory(running.root()));
}

TEST(ScratchStoreTest, AnAbandonedStoreIsKeptForAMinuteInCaseItsRunIsStillStarting) {
  TempDir cache;
  const fs::path left = abandoned_by_a_killed_run(cache);
  EXPECT_EQ(sweep_abandoned_scratch_stores(cache.path()), 0);
  make_old(left);
  EXPECT_EQ(sweep_abandoned_scratch_stores(cache.path()), 1);
  EXPECT_FALSE(fs::exists(left));
}

TEST(ScratchStoreTest, OtherFoldersOfTheCacheAreLeftAlone) {
  TempDir cache;
  cache.write("blobs/ab/cdef", "a blob");
  cache.write("entries/key", "an entry");
  make_old(cache / "blobs");
  make_old(cache / "entries");
  EXPECT_EQ(sweep_abandoned_scratch_stores(cache.path()), 0);
  EXPECT_EQ(cache.read("blobs/ab/cdef"), "a blob");
  EXPECT_EQ(cache.read("entries/key"), "an entry");
}

}  // namespace
}  // namespace memo::step
