// git's index as a shortcut: finding it, what it vouches for, and when it must not be trusted.
#include "memo/hash/git_index.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memo/util/digest.hpp"
#include "support/command_output.hpp"
#include "support/temp_dir.hpp"

namespace memo::hash {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;

using memo::testing::trim_line_breaks;

// Runs `script` in `dir` with git isolated from the caller's environment and configuration.
std::string sh(const fs::path& dir, const std::string& script) {
  return memo::testing::isolated_git_shell(dir.string(), script);
}

constexpr const char* kCommit = "git add -A && git -c user.name=t -c user.email=t@t commit -qm c";
constexpr const char* kEmptyBlob = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

std::uint32_t index_version(const std::string& bytes) {
  if (bytes.size() < 8) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + 4;
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

void put_u32(std::string& out, std::uint64_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

// Replaces the trailing SHA-1 with the right one for the (edited) bytes before it.
std::string with_checksum(std::string bytes) {
  bytes.resize(bytes.size() - 20);
  return bytes + from_hex(util::sha1_hex(bytes));
}

// An index holding one entry for `path` with the stat data of `info`, as git writes it; `flags`
// adds bits to the entry's flags (stage, assume-valid), `size` overrides the recorded size, and
// `extended` gives the entry extended flags (skip-worktree, intent-to-add: version 3). The
// trailer is all zeros, as index.skipHash writes it.
std::string crafted_index(const struct stat& info, const std::string& path,
                          const std::string& blob_id, std::uint16_t flags = 0,
                          std::optional<std::uint32_t> size = std::nullopt,
                          std::optional<std::uint16_t> extended = std::nullopt) {
  std::string bytes = "DIRC";
  put_u32(bytes, extended ? 3 : 2);
  put_u32(bytes, 1);
  const std::size_t start = bytes.size();
  put_u32(bytes, info.st_ctim.tv_sec);
  put_u32(bytes, info.st_ctim.tv_nsec);
  put_u32(bytes, info.st_mtim.tv_sec);
  put_u32(bytes, info.st_mtim.tv_nsec);
  put_u32(bytes, info.st_dev);
  put_u32(bytes, info.st_ino);
  put_u32(bytes, S_ISLNK(info.st_mode)           ? 0120000
                 : (info.st_mode & S_IXUSR) != 0 ? 0100755
                                                 : 0100644);
  put_u32(bytes, info.st_uid);
  put_u32(bytes, info.st_gid);
  put_u32(bytes, size.value_or(static_cast<std::uint32_t>(info.st_size)));
  bytes += from_hex(blob_id);
  const std::uint16_t all_flags =
      static_cast<std::uint16_t>(flags | (extended ? 0x4000 : 0) | path.size());
  bytes.push_back(static_cast<char>(all_flags >> 8));
  bytes.push_back(static_cast<char>(all_flags & 0xff));
  if (extended) {
    bytes.push_back(static_cast<char>(*extended >> 8));
    bytes.push_back(static_cast<char>(*extended & 0xff));
  }
  bytes += path;
  const std::size_t length = bytes.size() - start;
  bytes.append(((length + 8) & ~std::size_t{7}) - length, '\0');
  bytes.append(20, '\0');
  return bytes;
}

struct timespec far_future() {
  return {.tv_sec = 4'000'000'000 - 1, .tv_nsec = 0};
}

// A git repo in a temp folder.
class GitRepoTest : public ::testing::Test {
 protected:
  void SetUp() override { git("git init -q"); }

  const fs::path& root() const { return dir_.path(); }
  std::string git(const std::string& script) const { return sh(root(), script); }
  void write(const std::string& relative, const std::string& content) const {
    dir_.write(relative, content);
  }
  void commit_all() const { git(kCommit); }
  // Dates `index` 5 s ahead, so no entry is racy (changed in the instant the index was written).
  void settle(const std::string& index = ".git/index") const {
    git("touch -d '+5 seconds' '" + index + "'");
  }
  struct stat lstat_of(const fs::path& path) const {
    struct stat info {};
    EXPECT_EQ(::lstat((path.is_absolute() ? path : root() / path).c_str(), &info), 0) << path;
    return info;
  }
  // What `index` vouches for `path`, given the file's current stat data.
  std::optional<std::string> vouched(const GitIndex& index, const std::string& path,
                                     const fs::path& work_tree = {}) const {
    return index.unchanged_blob_id(path, lstat_of((work_tree.empty() ? root() : work_tree) / path));
  }
  // git's id of the bytes of `path` (of a link's target text for a symlink), with no filters.
  std::string bytes_id(const std::string& path, const fs::path& dir = {}) const {
    const fs::path where = dir.empty() ? root() : dir;
    if (fs::is_symlink(where / path)) {
      return trim_line_breaks(sh(where, "readlink -n -- '" + path + "' | git hash-object --stdin"));
    }
    return trim_line_breaks(sh(where, "git hash-object --no-filters -- '" + path + "'"));
  }
  // The blob id the index holds for `path` (stage 0).
  std::string index_id(const std::string& path) const {
    return git("git ls-files -s -- '" + path + "'").substr(7, 40);
  }
  std::string index_bytes(const std::string& index = ".git/index") const {
    return memo::testing::read_file(root() / index);
  }

  TempDir dir_;
};

class GitIndexLoad : public GitRepoTest {};
class GitIndexTrust : public GitRepoTest {};
class GitIndexFormat : public GitRepoTest {};
class GitIndexFilters : public GitRepoTest {};

TEST_F(GitIndexLoad, FindsTheIndexFromTheWorkTreeAndBelowIt) {
  write("a.txt", "a\n");
  write("sub/dir/b.txt", "b\n");
  commit_all();
  settle();
  for (const fs::path& folder : {root(), root() / "sub", root() / "sub/dir"}) {
    auto index = GitIndex::load_for(folder);
    ASSERT_TRUE(index) << folder;
    EXPECT_EQ(index->work_tree(), root());
    EXPECT_EQ(index->size(), 2u);
    EXPECT_EQ(vouched(*index, "sub/dir/b.txt"), bytes_id("sub/dir/b.txt"));
  }
}

TEST_F(GitIndexLoad, NoRepoNoIndex) {
  TempDir elsewhere;
  ASSERT_FALSE(fs::exists(fs::path(elsewhere.path()).parent_path() / ".git"));
  EXPECT_FALSE(GitIndex::load_for(elsewhere.path()));
  // A repo without an index yet (nothing added) has none either.
  EXPECT_FALSE(GitIndex::load_for(root()));
}

TEST_F(GitIndexLoad, FollowsAGitFileToAWorktreesIndex) {
  write("a.txt", "a\n");
  write("sub/b.txt", "b\n");
  commit_all();
  TempDir outside;
  const fs::path worktree = outside.path() / "wt";
  git("git worktree add -q '" + worktree.string() + "'");
  ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(worktree / ".git")));
  // The worktree's own index, not the main one, describes its files.
  settle(".git/worktrees/wt/index");
  fs::remove(root() / ".git/index");

  auto index = GitIndex::load_for(worktree / "sub");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->work_tree(), worktree);
  EXPECT_EQ(index->size(), 2u);
  EXPECT_EQ(vouched(*index, "sub/b.txt", worktree), bytes_id("sub/b.txt", worktree));
  EXPECT_EQ(vouched(*index, "a.txt", worktree), bytes_id("a.txt", worktree));
}

TEST_F(GitIndexLoad, FollowsARelativeGitdir) {
  write("sub/a.txt", "a\n");
  commit_all();
  git("mv .git .git-real && printf 'gitdir: .git-real\\n' > .git");
  settle(".git-real/index");
  auto index = GitIndex::load_for(root() / "sub");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->work_tree(), root());
  EXPECT_EQ(vouched(*index, "sub/a.txt"), bytes_id("sub/a.txt"));

  write(".git", "not a pointer\n");
  EXPECT_FALSE(GitIndex::load_for(root() / "sub"));
}

TEST_F(GitIndexTrust, RegularExecutableAndSymlinkFilesGetGitsIds) {
  write("plain.txt", "hello\n");
  write("empty.txt", "");
  write("tool.sh", "#!/bin/sh\necho hi\n");
  write("dir/inner.txt", "inner\n");
  git("chmod 755 tool.sh && ln -s plain.txt link && ln -s dir dirlink && ln -s missing dangling");
  commit_all();
  settle();
  auto index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  ASSERT_EQ(index->size(), 7u);
  for (const char* path :
       {"plain.txt", "empty.txt", "tool.sh", "dir/inner.txt", "link", "dirlink", "dangling"}) {
    EXPECT_EQ(vouched(*index, path), bytes_id(path)) << path;
  }
  EXPECT_EQ(vouched(*index, "empty.txt"), kEmptyBlob);
  EXPECT_NE(bytes_id("link"), bytes_id("plain.txt")) << "a link's id is its target text's";
  EXPECT_EQ(git("git ls-files -s link").substr(0, 6), "120000");
  EXPECT_EQ(git("git ls-files -s tool.sh").substr(0, 6), "100755");
}

TEST_F(GitIndexTrust, ChangedContentIsNotTrustedEvenWithSizeAndMtimeRestored) {
  write("f.txt", "aaaa\n");
  commit_all();
  settle();
  const struct stat before = lstat_of("f.txt");
  {
    auto index = GitIndex::load_for(root());
    ASSERT_TRUE(index);
    ASSERT_EQ(vouched(*index, "f.txt"), bytes_id("f.txt"));
  }
  ::usleep(20'000);  // past the file system's clock tick, so the change's ctime differs
  git("touch -r f.txt ref && printf 'bbbb\\n' > f.txt && touch -r ref f.txt");
  const struct stat after = lstat_of("f.txt");
  ASSERT_EQ(after.st_size, before.st_size);
  ASSERT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  ASSERT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  ASSERT_EQ(after.st_ino, before.st_ino);
  ASSERT_TRUE(after.st_ctim.tv_sec != before.st_ctim.tv_sec ||
              after.st_ctim.tv_nsec != before.st_ctim.tv_nsec);

  auto index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  EXPECT_EQ(vouched(*index, "f.txt"), std::nullopt);
  // Plainer changes too: new content of another size, and a file replaced by a new one.
  write("g.txt", "g\n");
  write("h.txt", "h\n");
  commit_all();
  settle();
  write("g.txt", "longer\n");
  git("cp h.txt h.new && mv h.new h.txt");
  index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  EXPECT_EQ(vouched(*index, "g.txt"), std::nullopt);
  EXPECT_EQ(vouched(*index, "h.txt"), std::nullopt) << "same bytes, but a new inode";
}

TEST_F(GitIndexTrust, ModeChangesAreNotTrusted) {
  write("f.txt", "f\n");
  write("x.sh", "x\n");
  git("chmod 755 x.sh");
  commit_all();
  settle();
  auto index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  const struct stat info = lstat_of("f.txt");
  ASSERT_EQ(index->unchanged_blob_id("f.txt", info), bytes_id("f.txt"));
  // Only the mode differs from what git recorded.
  struct stat executable = info;
  executable.st_mode |= S_IXUSR;
  EXPECT_EQ(index->unchanged_blob_id("f.txt", executable), std::nullopt);
  struct stat link = info;
  link.st_mode = S_IFLNK | 0777;
  EXPECT_EQ(index->unchanged_blob_id("f.txt", link), std::nullopt);
  struct stat folder = info;
  folder.st_mode = S_IFDIR | 0755;
  EXPECT_EQ(index->unchanged_blob_id("f.txt", folder), std::nullopt);
  struct stat not_executable = lstat_of("x.sh");
  ASSERT_EQ(index->unchanged_blob_id("x.sh", not_executable), bytes_id("x.sh"));
  not_executable.st_mode &= ~(S_IXUSR | S_IXGRP | S_IXOTH);
  EXPECT_EQ(index->unchanged_blob_id("x.sh", not_executable), std::nullopt);

  // And for real: chmod +x and chmod -x.
  git("chmod +x f.txt && chmod -x x.sh");
  EXPECT_EQ(vouched(*index, "f.txt"), std::nullopt);
  EXPECT_EQ(vouched(*index, "x.sh"), std::nullopt);
}

TEST_F(GitIndexTrust, EveryStatFieldCounts) {
  write("f.txt", "f\n");
  commit_all();
  settle();
  auto index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  const struct stat info = lstat_of("f.txt");
  ASSERT_EQ(index->unchanged_blob_id("f.txt", info), bytes_id("f.txt"));
  const auto changed = [&](auto edit) {
    struct stat copy = info;
    edit(copy);
    return index->unchanged_blob_id("f.txt", copy);
  };
  EXPECT_EQ(changed([](struct stat& s) { s.st_mtim.tv_sec += 1; }), std::nullopt);
  EXPECT_EQ(changed([](struct stat& s) { s.st_mtim.tv_nsec ^= 1; }), std::nullopt);
  EXPECT_EQ(changed([](struct stat& s) { s.st_ctim.tv_sec += 1; }), std::nullopt);
  EXPECT_EQ(changed([](struct stat& s) { s.st_ctim.tv_nsec ^= 1; }), std::nullopt);
  EXPECT_EQ(changed([](struct stat& s) { s.st_ino += 1; }), std::nullopt);
  EXPECT_EQ(changed([](struct stat& s) { s.st_uid += 1; }), std::nullopt);
  EXPECT_EQ(changed([](struct stat& s) { s.st_gid += 1; }), std::nullopt);
  EXPECT_EQ(changed([](struct stat& s) { s.st_size += 1; }), std::nullopt);
}

TEST_F(GitIndexTrust, UntrackedFilesAreNotTrusted) {
  write("tracked.txt", "t\n");
  write("sub/tracked.txt", "t\n");
  commit_all();
  write("untracked.txt", "u\n");
  write("sub/untracked.txt", "u\n");
  settle();
  auto index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  EXPECT_EQ(vouched(*index, "tracked.txt"), bytes_id("tracked.txt"));
  EXPECT_EQ(vouched(*index, "untracked.txt"), std::nullopt);
  EXPECT_EQ(vouched(*index, "sub/untracked.txt"), std::nullopt);
  EXPECT_EQ(vouched(*index, "sub"), std::nullopt);
  EXPECT_EQ(index->unchanged_blob_id("./tracked.txt", lstat_of("tracked.txt")), std::nullopt);
}

TEST_F(GitIndexTrust, RacyEntriesAreNotTrusted) {
  write("f.txt", "f\n");
  commit_all();
  const struct stat file = lstat_of("f.txt");
  const fs::path index_file = root() / ".git/index";
  const auto set_index_mtime = [&](struct timespec mtime) {
    const struct timespec times[2] = {mtime, mtime};
    ASSERT_EQ(::utimensat(AT_FDCWD, index_file.c_str(), times, 0), 0);
  };
  const auto trusted = [&] {
    auto index = GitIndex::load_for(root());
    EXPECT_TRUE(index);
    return index ? vouched(*index, "f.txt") : std::nullopt;
  };
  // Written in the same instant as the index: stat data cannot tell a later change.
  set_index_mtime(file.st_mtim);
  EXPECT_EQ(trusted(), std::nullopt);
  // Modified after the index was written (an index dated before the file).
  set_index_mtime({.tv_sec = file.st_mtim.tv_sec - 5, .tv_nsec = file.st_mtim.tv_nsec});
  EXPECT_EQ(trusted(), std::nullopt);
  // One nanosecond later than the file is enough.
  struct timespec later = file.st_mtim;
  if (++later.tv_nsec == 1'000'000'000) later = {.tv_sec = later.tv_sec + 1, .tv_nsec = 0};
  set_index_mtime(later);
  EXPECT_EQ(trusted(), bytes_id("f.txt"));
  // The same, with `touch -r` as a user would.
  git("touch -r f.txt .git/index");
  EXPECT_EQ(trusted(), std::nullopt);
  settle();
  EXPECT_EQ(trusted(), bytes_id("f.txt"));
}

TEST_F(GitIndexTrust, AssumeUnchangedAndSkipWorktreeAreNotTrusted) {
  write("a.txt", "a\n");
  write("b.txt", "b\n");
  write("c.txt", "c\n");
  commit_all();
  git("git update-index --assume-unchanged a.txt && git update-index --skip-worktree b.txt");
  settle();
  EXPECT_EQ(index_version(index_bytes()), 3u) << "skip-worktree needs extended flags";
  auto index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  EXPECT_EQ(index->size(), 3u);
  EXPECT_EQ(vouched(*index, "a.txt"), std::nullopt);
  EXPECT_EQ(vouched(*index, "b.txt"), std::nullopt);
  EXPECT_EQ(vouched(*index, "c.txt"), bytes_id("c.txt"));
}

TEST_F(GitIndexTrust, ConflictedEntriesAreNotTrusted) {
  write("f.txt", "base\n");
  write("other.txt", "o\n");
  commit_all();
  git("git checkout -q -b theirs && printf 'theirs\\n' > f.txt && " + std::string(kCommit) +
      " && git checkout -q - && printf 'ours\\n' > f.txt && " + kCommit +
      " && { git -c user.name=t -c user.email=t@t merge -q theirs >/dev/null 2>&1 || true; }");
  ASSERT_NE(git("git ls-files -u"), "") << "the merge left a conflict";
  settle();
  auto index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  EXPECT_EQ(index->size(), 4u) << "three stages of f.txt and other.txt";
  EXPECT_EQ(vouched(*index, "f.txt"), std::nullopt);
  EXPECT_EQ(vouched(*index, "other.txt"), bytes_id("other.txt"));

  // git writes conflicted entries without stat data; one with matching stat data is not
  // trusted either.
  const struct stat info = lstat_of("f.txt");
  const std::string id = bytes_id("f.txt");
  auto stage_0 = GitIndex::parse(crafted_index(info, "f.txt", id), far_future());
  ASSERT_TRUE(stage_0);
  EXPECT_EQ(stage_0->unchanged_blob_id("f.txt", info), id);
  for (std::uint16_t stage : {1, 2, 3}) {
    auto staged = GitIndex::parse(
        crafted_index(info, "f.txt", id, static_cast<std::uint16_t>(stage << 12)), far_future());
    ASSERT_TRUE(staged) << stage;
    EXPECT_EQ(staged->size(), 1u);
    EXPECT_EQ(staged->unchanged_blob_id("f.txt", info), std::nullopt) << stage;
  }
  auto assume_valid = GitIndex::parse(crafted_index(info, "f.txt", id, 0x8000), far_future());
  ASSERT_TRUE(assume_valid);
  EXPECT_EQ(assume_valid->unchanged_blob_id("f.txt", info), std::nullopt);
}

// git marks entries it finds racily clean but changed by writing size 0 ("smudging"); such an
// entry means "changed" unless its blob is the empty one, even when the file is now empty.
TEST_F(GitIndexTrust, SmudgedEntriesAreNotTrusted) {
  write("e.txt", "");
  const struct stat info = lstat_of("e.txt");
  const std::string other_id = trim_line_breaks(git("printf abc | git hash-object --stdin"));
  auto smudged = GitIndex::parse(crafted_index(info, "e.txt", other_id, 0, 0), far_future());
  ASSERT_TRUE(smudged);
  EXPECT_EQ(smudged->unchanged_blob_id("e.txt", info), std::nullopt);
  auto empty = GitIndex::parse(crafted_index(info, "e.txt", kEmptyBlob, 0, 0), far_future());
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->unchanged_blob_id("e.txt", info), kEmptyBlob);
}

TEST_F(GitIndexFormat, Version3WithIntentToAdd) {
  write("a.txt", "a\n");
  commit_all();
  write("new.txt", "not empty\n");
  git("git add -N new.txt");
  settle();
  ASSERT_EQ(index_version(index_bytes()), 3u);
  ASSERT_EQ(index_id("new.txt"), kEmptyBlob) << "an intent-to-add entry holds the empty blob";
  auto index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  EXPECT_EQ(index->size(), 2u);
  EXPECT_EQ(vouched(*index, "new.txt"), std::nullopt);
  EXPECT_EQ(vouched(*index, "a.txt"), bytes_id("a.txt"));

  // git writes intent-to-add entries without stat data; one with matching stat data (and the
  // file's real id) is not trusted either, nor is a skip-worktree one.
  const struct stat info = lstat_of("new.txt");
  const std::string id = bytes_id("new.txt");
  auto plain =
      GitIndex::parse(crafted_index(info, "new.txt", id, 0, std::nullopt, 0), far_future());
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->unchanged_blob_id("new.txt", info), id);
  for (std::uint16_t bit : {0x2000, 0x4000}) {
    auto flagged =
        GitIndex::parse(crafted_index(info, "new.txt", id, 0, std::nullopt, bit), far_future());
    ASSERT_TRUE(flagged) << bit;
    EXPECT_EQ(flagged->unchanged_blob_id("new.txt", info), std::nullopt) << bit;
  }
  // Extended flags are a version 3 feature: a version 2 index with them is not used.
  std::string version_2 = crafted_index(info, "new.txt", id, 0, std::nullopt, 0);
  version_2[7] = 2;
  EXPECT_FALSE(GitIndex::parse(version_2, far_future()));
}

TEST_F(GitIndexFormat, Version4WithPrefixCompression) {
  std::vector<std::string> paths;
  for (int d = 0; d < 5; ++d) {
    for (int e = 0; e < 5; ++e) {
      for (int f = 0; f < 4; ++f) {
        paths.push_back("pkg/dir" + std::to_string(d) + "/sub" + std::to_string(e) + "/file" +
                        std::to_string(f) + ".ts");
      }
    }
  }
  // A path whose successor drops more than 127 bytes of it (a two-byte varint).
  paths.push_back("long/" + std::string(200, 'x') + "/file.txt");
  paths.push_back("m.txt");
  paths.push_back("pkg/dir1/sub1/file1.tsx");
  paths.push_back("pkg/dir1/sub1/file1.ts.map");
  paths.push_back("pkg/dir1/sub10/a");
  paths.push_back("z");
  for (const auto& path : paths) write(path, "content of " + path + "\n");
  git("chmod 755 m.txt && ln -s pkg/dir0 pkg/link");
  paths.push_back("pkg/link");
  commit_all();
  git("git update-index --index-version 4");
  settle();
  ASSERT_EQ(index_version(index_bytes()), 4u);
  auto index = GitIndex::load_for(root());
  ASSERT_TRUE(index);
  EXPECT_EQ(index->size(), paths.size());
  std::ostringstream names;
  for (const auto& path : paths) {
    if (path != "pkg/link") names << path << '\n';
  }
  write(".git/stdin-paths", names.str());
  std::istringstream ids(git("git hash-object --no-filters --stdin-paths < .git/stdin-paths"));
  for (const auto& path : paths) {
    std::string id;
    if (path == "pkg/link") {
      id = bytes_id(path);
    } else {
      std::getline(ids, id);
    }
    EXPECT_EQ(vouched(*index, path), id) << path;
  }
  // The same index as version 2 says the same.
  git("git update-index --index-version 2");
  settle();
  ASSERT_EQ(index_version(index_bytes()), 2u);
  auto version_2 = GitIndex::load_for(root());
  ASSERT_TRUE(version_2);
  for (const auto& path : paths) EXPECT_EQ(vouched(*version_2, path), vouched(*index, path));
}

TEST_F(GitIndexFormat, DamagedIndexesAreRejected) {
  write("a.txt", "a\n");
  write("dir/b.txt", "b\n");
  commit_all();
  const std::string bytes = index_bytes();
  const struct timespec mtime = far_future();
  ASSERT_TRUE(GitIndex::parse(bytes, mtime));
  // Any changed byte: header, stat data, blob id, path, extension, checksum.
  for (std::size_t offset : {std::size_t{9}, std::size_t{12 + 8}, std::size_t{12 + 45},
                             std::size_t{12 + 62}, bytes.size() - 30, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[offset] = static_cast<char>(damaged[offset] ^ 0x20);
    EXPECT_FALSE(GitIndex::parse(damaged, mtime)) << "byte " << offset;
  }
  EXPECT_FALSE(GitIndex::parse(bytes.substr(0, bytes.size() - 1), mtime));
  EXPECT_FALSE(GitIndex::parse("", mtime));
  EXPECT_FALSE(GitIndex::parse(std::string(32, '\0'), mtime));

  // With a checksum that fits: an unknown version, more entries than there are.
  std::string version_5 = bytes;
  version_5[7] = 5;
  EXPECT_FALSE(GitIndex::parse(with_checksum(version_5), mtime));
  std::string too_many = bytes;
  too_many[11] = 100;
  EXPECT_FALSE(GitIndex::parse(with_checksum(too_many), mtime));
  std::string not_dirc = bytes;
  not_dirc[0] = 'X';
  EXPECT_FALSE(GitIndex::parse(with_checksum(not_dirc), mtime));
  // The same bytes with their own checksum recomputed still parse (the edits above are what
  // made them fail).
  ASSERT_TRUE(GitIndex::parse(with_checksum(bytes), mtime));
  // A trailer of zeros is index.skipHash's: accepted without a check.
  std::string skip_hash = bytes.substr(0, bytes.size() - 20) + std::string(20, '\0');
  EXPECT_TRUE(GitIndex::parse(skip_hash, mtime));

  // A damaged index on disk: load_for() gives nullopt rather than throwing or guessing.
  std::string damaged = bytes;
  damaged[12 + 62] = static_cast<char>(damaged[12 + 62] ^ 0x20);
  memo::testing::write_file(root() / ".git/index", damaged);
  EXPECT_FALSE(GitIndex::load_for(root()));
}

TEST_F(GitIndexFilters, AGitattributesFileAtTheTopTurnsTheIndexOff) {
  write("a.txt", "a\n");
  commit_all();
  settle();
  ASSERT_TRUE(GitIndex::load_for(root()));
  write(".gitattributes", "*.txt text\n");
  EXPECT_FALSE(GitIndex::load_for(root()));
  EXPECT_FALSE(GitIndex::load_for(root() / "sub"));
}

TEST_F(GitIndexFilters, InfoAttributesTurnTheIndexOff) {
  write("a.txt", "a\n");
  commit_all();
  settle();
  ASSERT_TRUE(GitIndex::load_for(root()));
  write(".git/info/attributes", "* text\n");
  EXPECT_FALSE(GitIndex::load_for(root()));
}

TEST_F(GitIndexFilters, CoreAutocrlfTurnsTheIndexOff) {
  write("a.txt", "a\n");
  commit_all();
  settle();
  ASSERT_TRUE(GitIndex::load_for(root()));
  git("git config core.autocrlf input");
  EXPECT_FALSE(GitIndex::load_for(root()));
  git("git config --unset core.autocrlf && git config core.autoCRLF true");
  EXPECT_FALSE(GitIndex::load_for(root()));
}

// Whatever filters make git's ids differ from the bytes', the index never vouches for a wrong id.
TEST_F(GitIndexFilters, ANestedGitattributesFileIsSeenToo) {
  write("pkg/.gitattributes", "*.txt text\n");
  write("pkg/f.txt", "line\r\nline\r\n");
  commit_all();
  settle();
  ASSERT_NE(index_id("pkg/f.txt"), bytes_id("pkg/f.txt")) << "git stored the text with LF";
  auto index = GitIndex::load_for(root());
  if (index) {
    EXPECT_EQ(vouched(*index, "pkg/f.txt"), std::nullopt);
  }
  EXPECT_FALSE(index);
}

TEST_F(GitIndexFilters, AWorktreeSeesItsMainRepositorysConfig) {
  write("f.txt", "line\nline\n");
  commit_all();
  git("git config core.autocrlf true");
  TempDir outside;
  const fs::path worktree = outside.path() / "wt";
  git("git worktree add -q '" + worktree.string() + "'");
  settle(".git/worktrees/wt/index");
  // Checked out with CRLF line ends, while git's blob has LF.
  ASSERT_EQ(memo::testing::read_file(worktree / "f.txt"), "line\r\nline\r\n");
  ASSERT_NE(index_id("f.txt"), bytes_id("f.txt", worktree));
  auto index = GitIndex::load_for(worktree);
  if (index) {
    EXPECT_EQ(vouched(*index, "f.txt", worktree), std::nullopt);
  }
  EXPECT_FALSE(index);

  // Attributes in the main repository's info/ folder apply to worktrees as well.
  git("git config --unset core.autocrlf");
  ASSERT_TRUE(GitIndex::load_for(worktree));
  write(".git/info/attributes", "* text\n");
  EXPECT_FALSE(GitIndex::load_for(worktree));
}

}  // namespace
}  // namespace memo::hash

namespace memo::hash {
namespace {

void set_entry_count(std::string& bytes, std::uint32_t count) {
  for (int i = 0; i < 4; ++i) bytes[8 + i] = static_cast<char>(count >> (24 - 8 * i));
}

// A corrupt header must not make the reader reserve room for billions of entries.
TEST_F(GitIndexFormat, AnEntryCountTheFileCannotHoldIsRejected) {
  write("a.txt", "a\n");
  write("dir/b.txt", "b\n");
  commit_all();
  const std::string bytes = index_bytes();
  for (std::uint32_t count : {0xFFFFFFFFu, 0x80000000u, 0x01000000u, 3u}) {
    std::string claimed = bytes;
    set_entry_count(claimed, count);
    EXPECT_FALSE(GitIndex::parse(with_checksum(claimed), far_future())) << count;
    EXPECT_FALSE(GitIndex::parse(claimed.substr(0, claimed.size() - 20) + std::string(20, '\0'),
                                 far_future()))
        << count;
  }
  std::string huge = bytes;
  set_entry_count(huge, 0xFFFFFFFFu);
  memo::testing::write_file(root() / ".git/index", with_checksum(huge));
  EXPECT_FALSE(GitIndex::load_for(root()));
}

// A SHA-256 repository's index holds 32-byte ids: read with the SHA-1 layout they would be
// garbage, so the index is not used (with or without a trailer to check).
TEST_F(GitIndexFormat, ASha256RepositoryIsNotRead) {
  git("rm -rf .git && git init -q --object-format=sha256");
  write("a.txt", "a\n");
  write("dir/b.txt", "b\n");
  commit_all();
  settle();
  ASSERT_NE(git("git config extensions.objectFormat"), "");
  EXPECT_FALSE(GitIndex::load_for(root()));
  const std::string bytes = index_bytes();
  const std::string zero_trailer = bytes.substr(0, bytes.size() - 32) + std::string(32, '\0');
  EXPECT_FALSE(GitIndex::parse(zero_trailer, far_future()));
  memo::testing::write_file(root() / ".git/index", zero_trailer);
  settle();
  EXPECT_FALSE(GitIndex::load_for(root()));
  // Whatever the index looks like, the repository's format decides.
  memo::testing::write_file(root() / ".git/index",
                            crafted_index(lstat_of("a.txt"), "a.txt", std::string(40, '1')));
  settle();
  ASSERT_TRUE(GitIndex::parse(index_bytes(), far_future()));
  EXPECT_FALSE(GitIndex::load_for(root()));
}

}  // namespace
}  // namespace memo::hash

namespace memo::hash {
namespace {

// Sets (or, given nullopt, unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// git's settings and attributes from every place git reads them, as the process's environment
// names them (HOME, XDG_CONFIG_HOME, GIT_CONFIG_GLOBAL, GIT_CONFIG_COUNT...).
class GitIndexUserSettings : public GitRepoTest {
 protected:
  void SetUp() override {
    GitRepoTest::SetUp();
    write("a.txt", "a\n");
    commit_all();
    settle();
  }
  fs::path home() const { return home_.path(); }

  TempDir home_;
  ScopedEnv home_env_{"HOME", home_.path().string()};
  ScopedEnv xdg_env_{"XDG_CONFIG_HOME", std::nullopt};
  ScopedEnv global_env_{"GIT_CONFIG_GLOBAL", std::nullopt};
  ScopedEnv count_env_{"GIT_CONFIG_COUNT", std::nullopt};
};

TEST_F(GitIndexUserSettings, NothingSetTheIndexIsUsed) {
  EXPECT_TRUE(GitIndex::load_for(root()));
}

TEST_F(GitIndexUserSettings, TheDefaultUserAttributesFile) {
  home_.write(".config/git/attributes", "# comment only\n\n");
  EXPECT_TRUE(GitIndex::load_for(root()));
  home_.write(".config/git/attributes", "*.txt text eol=crlf\n");
  EXPECT_FALSE(GitIndex::load_for(root()));
}

TEST_F(GitIndexUserSettings, XdgConfigHomeAttributes) {
  TempDir xdg;
  ScopedEnv xdg_env("XDG_CONFIG_HOME", xdg.path().string());
  xdg.write("git/attributes", "* text=auto\n");
  EXPECT_FALSE(GitIndex::load_for(root()));
}

TEST_F(GitIndexUserSettings, CoreAttributesFileInTheUsersConfig) {
  home_.write(".gitconfig", "[core]\n\tattributesFile = ~/my-attributes\n");
  EXPECT_TRUE(GitIndex::load_for(root()));
  home_.write("my-attributes", "*.txt eol=crlf\n");
  EXPECT_FALSE(GitIndex::load_for(root()));
}

TEST_F(GitIndexUserSettings, IncludedConfigFiles) {
  home_.write(".gitconfig", "[include]\n\tpath = more.inc\n");
  home_.write("more.inc", "[includeIf \"gitdir:~/work/\"]\n  path = ~/deeper.inc\n");
  EXPECT_TRUE(GitIndex::load_for(root()));
  home_.write("deeper.inc", "[core] autocrlf = true\n");
  EXPECT_FALSE(GitIndex::load_for(root()));
}

TEST_F(GitIndexUserSettings, GitConfigGlobalNamesTheUsersConfig) {
  TempDir elsewhere;
  ScopedEnv global("GIT_CONFIG_GLOBAL", (elsewhere.path() / "cfg").string());
  elsewhere.write("cfg", "[core]\n\tautocrlf = input\n");
  EXPECT_FALSE(GitIndex::load_for(root()));
  elsewhere.write("cfg", "[core]\n\tautocrlf = false\n");
  EXPECT_TRUE(GitIndex::load_for(root()));
}

TEST_F(GitIndexUserSettings, SettingsFromTheEnvironment) {
  ScopedEnv count("GIT_CONFIG_COUNT", "2");
  ScopedEnv key0("GIT_CONFIG_KEY_0", "user.name");
  ScopedEnv value0("GIT_CONFIG_VALUE_0", "t");
  ScopedEnv key1("GIT_CONFIG_KEY_1", "Core.AutoCRLF");
  ScopedEnv value1("GIT_CONFIG_VALUE_1", "true");
  EXPECT_FALSE(GitIndex::load_for(root()));
}

}  // namespace
}  // namespace memo::hash
