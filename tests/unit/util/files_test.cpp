#include "memo/util/files.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

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

TEST(Files, AFifoIsRefusedWithoutBlocking) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0644), 0);
  auto read = read_file(dir / "pipe");  // would wait forever for a writer if it opened it
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().find("pipe: not a regular file"), std::string::npos) << read.error();
  int dir_fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  auto at = read_file_at(dir_fd, "pipe");
  ::close(dir_fd);
  ASSERT_FALSE(at);
  EXPECT_NE(at.error().find("not a regular file"), std::string::npos);
}

TEST(Files, AFolderIsNotReadAsAFile) {
  TempDir dir;
  std::filesystem::create_directory(dir / "sub");
  auto fd = open_regular_file(AT_FDCWD, (dir / "sub").c_str());
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error(), kNotRegularFile);
}

TEST(Files, FdClosesWhatItOwns) {
  TempDir dir;
  dir.write("f", "x");
  int raw = ::open((dir / "f").c_str(), O_RDONLY);
  ASSERT_GE(raw, 0);
  {
    Fd owner(raw);
    Fd moved = std::move(owner);
    EXPECT_FALSE(owner);
    EXPECT_EQ(moved.get(), raw);
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1) << "closed once its owner went";
}

TEST(Files, TempNamesAreUnique) {
  EXPECT_NE(unique_temp_name("x"), unique_temp_name("x"));
}

}  // namespace
}  // namespace memo::util
