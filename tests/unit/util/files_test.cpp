#include "memo/util/files.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace memo::util {
namespace {

using memo::testing::TempDir;
namespace fs = std::filesystem;

std::size_t count_files(const fs::path& dir) {
  std::size_t count = 0;
  for (auto& entry : fs::recursive_directory_iterator(dir)) count += entry.is_regular_file();
  return count;
}

TEST(Files, AtomicWriteCreatesParentsAndReplaces) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir / "a/b/c.txt", "one"));
  ASSERT_TRUE(write_file_atomically(dir / "a/b/c.txt", "two"));
  EXPECT_EQ(read_file(dir / "a/b/c.txt").value(), "two");
  EXPECT_EQ(count_files(dir.path()), 1u) << "no temp file left";
}

TEST(Files, UncommittedAtomicFileLeavesNothing) {
  TempDir dir;
  {
    auto file = AtomicFile::create(dir / "x.txt");
    ASSERT_TRUE(file);
    ASSERT_TRUE(file->write("half", 4));
  }
  EXPECT_FALSE(fs::exists(dir / "x.txt"));
  EXPECT_EQ(count_files(dir.path()), 0u);
}

TEST(Files, CommitAsNamesTheFileLate) {
  TempDir dir;
  auto file = AtomicFile::create(dir / "incoming");
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->write("data", 4));
  ASSERT_TRUE(file->commit_as(dir / "final"));
  EXPECT_EQ(read_file(dir / "final").value(), "data");
  EXPECT_EQ(count_files(dir.path()), 1u);
}

TEST(Files, ReadErrorsNameTheFile) {
  TempDir dir;
  auto missing = read_file(dir / "missing.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("missing.json"), std::string::npos);
}

TEST(Files, TempNamesAreUnique) {
  EXPECT_NE(unique_temp_name("x"), unique_temp_name("x"));
}

}  // namespace
}  // namespace memo::util
