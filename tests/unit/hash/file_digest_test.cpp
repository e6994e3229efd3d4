#include "memo/hash/file_digest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/command_output.hpp"
#include "support/temp_dir.hpp"

namespace memo::hash {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;

using memo::testing::trim_line_breaks;

// git isolated from the caller's environment and configuration.
std::string git(const fs::path& dir, const std::string& arguments) {
  return memo::testing::isolated_git_shell(
      dir.string(),
      "git -c core.autocrlf=false -c core.fileMode=true -c core.symlinks=true " + arguments);
}

std::string git_hash_object(const fs::path& dir, const std::string& path) {
  return trim_line_breaks(git(dir, "hash-object --no-filters -- '" + path + "'"));
}

struct IndexEntry {
  std::string mode;
  std::string blob_id;
};

// What `git add` puts in the index for every file below `dir`: path -> mode and blob id.
std::map<std::string, IndexEntry> git_index(const fs::path& dir) {
  git(dir, "init -q .");
  git(dir, "add -A .");
  std::string listing = git(dir, "ls-files -s -z");
  std::map<std::string, IndexEntry> index;
  std::size_t start = 0;
  while (start < listing.size()) {
    std::size_t end = listing.find('\0', start);
    if (end == std::string::npos) end = listing.size();
    std::string line = listing.substr(start, end - start);
    start = end + 1;
    // "<mode> <blob id> <stage>\t<path>"
    std::size_t tab = line.find('\t');
    std::size_t space = line.find(' ');
    if (tab == std::string::npos || space == std::string::npos) continue;
    index[line.substr(tab + 1)] = {line.substr(0, space), line.substr(space + 1, 40)};
  }
  return index;
}

std::string binary_content(std::size_t size) {
  std::string content(size, '\0');
  unsigned state = 12345;
  for (auto& c : content) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>(state >> 16);
  }
  return content;
}

class FileDigestTest : public ::testing::Test {
 protected:
  FileDigest digest(const std::string& path, bool is_symlink = false) {
    int fd = ::open(tmp_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    auto result = digest_file_at(fd, path, is_symlink);
    ::close(fd);
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error());
    return result.value_or(FileDigest{});
  }

  TempDir tmp_;
};

TEST_F(FileDigestTest, EqualsGitHashObject) {
  tmp_.write("empty.txt", "");
  tmp_.write("hello.txt", "hello\n");
  tmp_.write("no-newline.txt", "no newline at end");
  tmp_.write("crlf.txt", "line one\r\nline two\r\n");
  tmp_.write("nul.bin", std::string("a\0b\0c", 5));
  tmp_.write("utf8.txt", "caf\xc3\xa9 \xe2\x9c\x93\n");
  tmp_.write("big.bin", binary_content(200'000));  // more than one read buffer
  tmp_.write("deep/er/file.ts", "export const x = 1;\n");
  for (const std::string path : {"empty.txt", "hello.txt", "no-newline.txt", "crlf.txt", "nul.bin",
                                 "utf8.txt", "big.bin", "deep/er/file.ts"}) {
    FileDigest result = digest(path);
    EXPECT_EQ(result.path, path);
    EXPECT_EQ(result.mode, "100644") << path;
    EXPECT_EQ(result.blob_id, git_hash_object(tmp_.path(), path)) << path;
  }
}

TEST_F(FileDigestTest, KnownBlobIds) {
  // Independent of the local git: well-known ids.
  tmp_.write("empty", "");
  tmp_.write("hello", "hello\n");
  EXPECT_EQ(digest("empty").blob_id, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(digest("hello").blob_id, "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST_F(FileDigestTest, SymlinkDigestIsGitsBlobOfTheTargetText) {
  tmp_.write("lib/index.js", "export {};\n");
  fs::create_symlink("index.js", tmp_ / "lib/alias.js");
  fs::create_symlink("../missing/target", tmp_ / "lib/dangling");
  tmp_.write("alias-target.txt", "index.js");
  tmp_.write("dangling-target.txt", "../missing/target");

  FileDigest alias = digest("lib/alias.js", true);
  EXPECT_EQ(alias.mode, "120000");
  EXPECT_EQ(alias.blob_id, git_hash_object(tmp_.path(), "alias-target.txt"));
  EXPECT_NE(alias.blob_id, git_hash_object(tmp_.path(), "lib/index.js"));  // not followed

  FileDigest dangling = digest("lib/dangling", true);
  EXPECT_EQ(dangling.mode, "120000");
  EXPECT_EQ(dangling.blob_id, git_hash_object(tmp_.path(), "dangling-target.txt"));
}

TEST_F(FileDigestTest, ExecutableModeIs100755) {
  tmp_.write("run.sh", "#!/bin/sh\n");
  tmp_.write("plain.sh", "#!/bin/sh\n");
  ASSERT_EQ(::chmod((tmp_ / "run.sh").c_str(), 0755), 0);
  ASSERT_EQ(::chmod((tmp_ / "plain.sh").c_str(), 0644), 0);
  EXPECT_EQ(digest("run.sh").mode, "100755");
  EXPECT_EQ(digest("plain.sh").mode, "100644");
  // The mode does not enter the blob id.
  EXPECT_EQ(digest("run.sh").blob_id, digest("plain.sh").blob_id);
}

TEST_F(FileDigestTest, ModesAndIdsMatchGitsIndex) {
  tmp_.write("a.txt", "a\n");
  tmp_.write("src/b.ts", "b");
  tmp_.write("bin/owner-exec", "x");
  tmp_.write("bin/group-exec-only", "y");
  tmp_.write("bin/all-exec", "z");
  tmp_.write("big.bin", binary_content(70'000));
  ASSERT_EQ(::chmod((tmp_ / "bin/owner-exec").c_str(), 0744), 0);
  ASSERT_EQ(::chmod((tmp_ / "bin/group-exec-only").c_str(), 0654), 0);
  ASSERT_EQ(::chmod((tmp_ / "bin/all-exec").c_str(), 0775), 0);
  fs::create_symlink("../a.txt", tmp_ / "src/link");
  fs::create_symlink("src", tmp_ / "dir-link");
  std::vector<WalkedFile> files = {{"a.txt", false},          {"big.bin", false},
                                   {"bin/all-exec", false},   {"bin/group-exec-only", false},
                                   {"bin/owner-exec", false}, {"dir-link", true},
                                   {"src/b.ts", false},       {"src/link", true}};

  auto digests = digest_files(tmp_.path(), files);
  ASSERT_TRUE(digests.has_value()) << digests.error();
  auto index = git_index(tmp_.path());
  ASSERT_EQ(index.size(), files.size());
  ASSERT_EQ(digests->size(), files.size());
  for (const auto& result : *digests) {
    ASSERT_TRUE(index.contains(result.path)) << result.path;
    EXPECT_EQ(result.mode, index[result.path].mode) << result.path;
    EXPECT_EQ(result.blob_id, index[result.path].blob_id) << result.path;
  }
}

TEST_F(FileDigestTest, DigestFilesKeepsTheGivenOrder) {
  std::vector<WalkedFile> files;
  for (int i = 0; i < 100; ++i) {
    const std::string path = "f" + std::to_string(99 - i) + ".txt";
    tmp_.write(path, "content " + std::to_string(i));
    files.push_back({path, false});
  }
  auto digests = digest_files(tmp_.path(), files);
  ASSERT_TRUE(digests.has_value()) << digests.error();
  ASSERT_EQ(digests->size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ((*digests)[i].path, files[i].path);
    EXPECT_EQ((*digests)[i].blob_id, digest(files[i].path).blob_id);
  }
}

TEST_F(FileDigestTest, MissingFileIsAnError) {
  int fd = ::open(tmp_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto file = digest_file_at(fd, "missing.txt", false);
  auto link = digest_file_at(fd, "missing-link", true);
  ::close(fd);
  ASSERT_FALSE(file.has_value());
  EXPECT_NE(file.error().find("missing.txt"), std::string::npos) << file.error();
  EXPECT_FALSE(link.has_value());

  tmp_.write("present.txt", "here");
  auto digests = digest_files(tmp_.path(), {{"present.txt", false}, {"missing.txt", false}});
  ASSERT_FALSE(digests.has_value());
  EXPECT_NE(digests.error().find("missing.txt"), std::string::npos) << digests.error();
}

TEST_F(FileDigestTest, MissingRootIsAnError) {
  EXPECT_FALSE(digest_files(tmp_ / "missing", {{"a", false}}).has_value());
}

TEST_F(FileDigestTest, SymlinkListedAsAFileIsNotFollowed) {
  tmp_.write("target.txt", "target");
  fs::create_symlink("target.txt", tmp_ / "link.txt");
  int fd = ::open(tmp_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto result = digest_file_at(fd, "link.txt", false);
  ::close(fd);
  EXPECT_FALSE(result.has_value());
}

TEST_F(FileDigestTest, FolderIsAnError) {
  fs::create_directories(tmp_ / "folder");
  int fd = ::open(tmp_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto result = digest_file_at(fd, "folder", false);
  ::close(fd);
  EXPECT_FALSE(result.has_value());
}

}  // namespace
}  // namespace memo::hash
