#include "memo/hash/file_walk.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memo/hash/glob.hpp"
#include "support/temp_dir.hpp"

namespace memo::hash {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;

GlobSet globs(const std::vector<std::string>& patterns) {
  auto set = GlobSet::compile(patterns);
  EXPECT_TRUE(set.has_value()) << (set ? "" : set.error());
  return set.value_or(GlobSet{});
}

class FileWalkTest : public ::testing::Test {
 protected:
  // Paths of the walk, symlinks marked with a trailing " ->".
  std::vector<std::string> walk(const WalkOptions& options = {}) const {
    auto files = walk_files(tmp_.path(), options);
    EXPECT_TRUE(files.has_value()) << (files ? "" : files.error());
    std::vector<std::string> paths;
    for (const auto& file : files.value_or(std::vector<WalkedFile>{})) {
      paths.push_back(file.is_symlink ? file.path + " ->" : file.path);
    }
    return paths;
  }

  TempDir tmp_;
};

TEST_F(FileWalkTest, ListsFilesRecursivelySorted) {
  tmp_.write("b.txt", "b");
  tmp_.write("a.txt", "a");
  tmp_.write("src/z.ts", "z");
  tmp_.write("src/a/b/c.ts", "c");
  tmp_.write("src.ts", "s");
  tmp_.write(".hidden/x", "x");
  tmp_.write(".env", "e");
  fs::create_directories(tmp_ / "empty/folder");
  std::vector<std::string> expected = {".env",   ".hidden/x",    "a.txt",   "b.txt",
                                       "src.ts", "src/a/b/c.ts", "src/z.ts"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(walk(), expected);
}

TEST_F(FileWalkTest, OutputIsSortedByPathBytes) {
  for (const std::string path : {"a/b", "a.b", "a-b", "a_b", "A", "a0", "a/a/a", "b"}) {
    tmp_.write(path + "/f", "x");
  }
  auto paths = walk();
  EXPECT_EQ(paths.size(), 8u);
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end())) << ::testing::PrintToString(paths);
}

TEST_F(FileWalkTest, EmptyRoot) {
  EXPECT_EQ(walk(), std::vector<std::string>{});
}

TEST_F(FileWalkTest, MissingRootIsAnError) {
  EXPECT_FALSE(walk_files(tmp_ / "missing", {}).has_value());
}

TEST_F(FileWalkTest, NodeModulesAndGitAreNeverEntered) {
  tmp_.write("index.ts", "i");
  tmp_.write("node_modules/dep/index.js", "d");
  tmp_.write("packages/a/node_modules/dep/index.js", "d");
  tmp_.write("packages/a/src/a.ts", "a");
  tmp_.write(".git/HEAD", "ref");
  tmp_.write("sub/.git/config", "c");
  tmp_.write("node_modules.ts", "not a folder");
  tmp_.write("my_node_modules/x", "x");
  EXPECT_EQ(walk(), (std::vector<std::string>{"index.ts", "my_node_modules/x", "node_modules.ts",
                                              "packages/a/src/a.ts"}));

  // Not even when an include glob asks for them.
  WalkOptions options;
  GlobSet all = globs({"**", "node_modules/**", ".git/**"});
  options.include = &all;
  EXPECT_EQ(walk(options), (std::vector<std::string>{"index.ts", "my_node_modules/x",
                                                     "node_modules.ts", "packages/a/src/a.ts"}));
}

TEST_F(FileWalkTest, AGitFileIsListed) {
  // A submodule or worktree has a .git file, not a folder; only folders are skipped.
  tmp_.write(".git", "gitdir: elsewhere");
  tmp_.write("a.ts", "a");
  EXPECT_EQ(walk(), (std::vector<std::string>{".git", "a.ts"}));
}

TEST_F(FileWalkTest, SkipFoldersAreAbsoluteAndExact) {
  tmp_.write("src/a.ts", "a");
  tmp_.write(".memo-cache/entries/x", "x");
  tmp_.write(".memo-cache/logs/log.txt", "l");
  tmp_.write("logs/out.txt", "o");
  tmp_.write("other/logs/kept.txt", "k");
  tmp_.write(".memo-cache-not/kept.txt", "k");
  WalkOptions options;
  options.skip_folders = {tmp_ / ".memo-cache", tmp_ / "logs"};
  EXPECT_EQ(walk(options), (std::vector<std::string>{".memo-cache-not/kept.txt",
                                                     "other/logs/kept.txt", "src/a.ts"}));
}

TEST_F(FileWalkTest, SkipFolderOutsideTheRootChangesNothing) {
  tmp_.write("src/a.ts", "a");
  WalkOptions options;
  options.skip_folders = {"/src", tmp_.path().parent_path() / "src"};
  EXPECT_EQ(walk(options), std::vector<std::string>{"src/a.ts"});
}

TEST_F(FileWalkTest, SkipTsbuildinfo) {
  tmp_.write("tsconfig.tsbuildinfo", "t");
  tmp_.write("lib/x.tsbuildinfo", "t");
  tmp_.write("tsconfig.json", "{}");
  tmp_.write("a.tsbuildinfo.bak", "b");
  EXPECT_EQ(walk(), (std::vector<std::string>{"a.tsbuildinfo.bak", "lib/x.tsbuildinfo",
                                              "tsconfig.json", "tsconfig.tsbuildinfo"}));
  WalkOptions options;
  options.skip_tsbuildinfo = true;
  EXPECT_EQ(walk(options), (std::vector<std::string>{"a.tsbuildinfo.bak", "tsconfig.json"}));
}

TEST_F(FileWalkTest, IncludeGlobs) {
  tmp_.write("src/a.ts", "a");
  tmp_.write("src/deep/b.ts", "b");
  tmp_.write("src/c.js", "c");
  tmp_.write("lib/a.js", "a");
  tmp_.write("package.json", "{}");
  WalkOptions options;
  GlobSet include = globs({"src/**/*.ts", "package.json"});
  options.include = &include;
  EXPECT_EQ(walk(options), (std::vector<std::string>{"package.json", "src/a.ts", "src/deep/b.ts"}));
}

TEST_F(FileWalkTest, IncludeNegations) {
  tmp_.write("src/a.ts", "a");
  tmp_.write("src/a.test.ts", "t");
  tmp_.write("src/fixtures/f.ts", "f");
  WalkOptions options;
  GlobSet include = globs({"src/**", "!**/*.test.ts", "!src/fixtures/**"});
  options.include = &include;
  EXPECT_EQ(walk(options), std::vector<std::string>{"src/a.ts"});
}

TEST_F(FileWalkTest, ExcludeGlobs) {
  tmp_.write("src/a.ts", "a");
  tmp_.write("lib/a.js", "a");
  tmp_.write("lib/sub/b.js", "b");
  tmp_.write("library/c.js", "c");
  tmp_.write("dist/x.d.ts", "x");
  WalkOptions options;
  GlobSet exclude = globs({"lib/**", "**/*.d.ts"});
  options.exclude = &exclude;
  EXPECT_EQ(walk(options), (std::vector<std::string>{"library/c.js", "src/a.ts"}));
}

TEST_F(FileWalkTest, FoldersOfOutputsOnlyAreNotEvenListed) {
  tmp_.write("src/a.ts", "a");
  tmp_.write("lib/sub/b.js", "b");
  tmp_.write("out/keep.map", "m");
  tmp_.write("out/x.js", "x");
  WalkOptions options;
  GlobSet exclude = globs({"lib/**", "out/**", "!out/*.map"});
  options.exclude = &exclude;
  WalkTrace trace;
  options.trace = &trace;
  EXPECT_EQ(walk(options), (std::vector<std::string>{"out/keep.map", "src/a.ts"}));
  std::vector<std::string> listed;
  for (const auto& folder : trace.folders) listed.push_back(folder.path);
  std::sort(listed.begin(), listed.end());
  // lib/ holds outputs only; out/ may hold an input (a negation reaches into it).
  EXPECT_EQ(listed, (std::vector<std::string>{"", "out", "src"}));

  auto root = list_folder(tmp_.path(), "", options);
  ASSERT_TRUE(root.has_value()) << root.error();
  EXPECT_EQ(root->folders, (std::vector<std::string>{"out", "src"}));
  EXPECT_TRUE(root->files.empty());
  auto out = list_folder(tmp_.path(), "out", options);
  ASSERT_TRUE(out.has_value()) << out.error();
  EXPECT_EQ(out->files, (std::vector<std::string>{"keep.map"}));
  EXPECT_FALSE(list_folder(tmp_.path(), "missing", options).has_value());
}

TEST_F(FileWalkTest, IncludeAndExcludeTogether) {
  tmp_.write("src/a.ts", "a");
  tmp_.write("src/gen/b.ts", "b");
  tmp_.write("README.md", "r");
  WalkOptions options;
  GlobSet include = globs({"src/**"});
  GlobSet exclude = globs({"src/gen/**"});
  options.include = &include;
  options.exclude = &exclude;
  EXPECT_EQ(walk(options), std::vector<std::string>{"src/a.ts"});
}

TEST_F(FileWalkTest, EmptyIncludeSetMatchesNothing) {
  tmp_.write("src/a.ts", "a");
  WalkOptions options;
  GlobSet none;
  options.include = &none;
  EXPECT_EQ(walk(options), std::vector<std::string>{});
}

TEST_F(FileWalkTest, SymlinksAreListedButNeverFollowed) {
  tmp_.write("outside/secret.txt", "s");
  tmp_.write("outside/sub/deep.txt", "d");
  tmp_.write("pkg/src/a.ts", "a");
  fs::create_symlink("a.ts", tmp_ / "pkg/src/link.ts");
  fs::create_symlink("../outside", tmp_ / "pkg/linked-folder");
  fs::create_symlink(tmp_ / "outside", tmp_ / "pkg/src/absolute-folder");
  fs::create_symlink("missing", tmp_ / "pkg/dangling");
  fs::create_symlink(".", tmp_ / "pkg/loop");

  auto files = walk_files(tmp_ / "pkg", {});
  ASSERT_TRUE(files.has_value()) << files.error();
  std::vector<std::string> paths;
  for (const auto& file : *files) paths.push_back(file.is_symlink ? file.path + " ->" : file.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"dangling ->", "linked-folder ->", "loop ->", "src/a.ts",
                                      "src/absolute-folder ->", "src/link.ts ->"}));
}

TEST_F(FileWalkTest, SymlinkedFolderIsNotWalkedEvenWhenGlobsReachBelowIt) {
  tmp_.write("real/lib/a.js", "a");
  fs::create_symlink("real/lib", tmp_ / "lib");
  WalkOptions options;
  GlobSet include = globs({"lib/**", "lib"});
  options.include = &include;
  EXPECT_EQ(walk(options), std::vector<std::string>{"lib ->"});
}

TEST_F(FileWalkTest, SymlinksObeyGlobsAndTsbuildinfo) {
  tmp_.write("a.ts", "a");
  fs::create_symlink("a.ts", tmp_ / "b.ts");
  fs::create_symlink("a.ts", tmp_ / "c.js");
  fs::create_symlink("a.ts", tmp_ / "d.tsbuildinfo");
  WalkOptions options;
  GlobSet include = globs({"*.ts", "*.tsbuildinfo"});
  options.include = &include;
  options.skip_tsbuildinfo = true;
  EXPECT_EQ(walk(options), (std::vector<std::string>{"a.ts", "b.ts ->"}));
}

}  // namespace
}  // namespace memo::hash
