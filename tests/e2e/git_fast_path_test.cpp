// memo hash with git's index as a shortcut: files the index vouches for are not read, and the
// key is the same as without git.
#include <sys/stat.h>

#include <map>
#include <string>

#include "e2e/monorepo_fixture.hpp"
#include "memo/hash/git_index.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

class GitFastPath : public MonorepoTest {
 protected:
  // Runs `script` in the repo with git isolated from the caller's configuration.
  void git(const std::string& script) const {
    ASSERT_EQ(
        run_shell("export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null && " + script, repo()),
        0)
        << script;
  }
  void commit_all() const {
    git("git add -A && git -c user.name=t -c user.email=t@t commit -qm c");
  }
  // Dates the index a little after the files git just recorded, so no entry is racy (changed in
  // the instant the index was written) and the index vouches for every clean file. Not into the
  // future: git itself compares whole seconds and would then miss changes made meanwhile.
  void settle() const {
    ::usleep(20'000);
    git("touch .git/index");
  }

  // The key from a walk of the package: memo's own records of earlier runs (tested in
  // digest_records_test.cpp) are dropped first, so that every run here meets the index.
  std::string key(const std::map<std::string, std::string>& env = {}) const {
    fs::remove_all(store() / "file-digests");
    auto run = memo({"hash", "--", "x"}, env);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out.size(), 65u) << run.out;
    return run.out;
  }
  // The key with .git moved out of the repo, so that memo reads every file.
  std::string key_without_git(const std::map<std::string, std::string>& env = {}) const {
    fs::rename(repo() / ".git", away_.path() / ".git");
    std::string result = key(env);
    fs::rename(away_.path() / ".git", repo() / ".git");
    return result;
  }
  // Whether git's index, loaded as memo loads it, vouches for `path` (from the repo root) now:
  // then memo takes its id without reading the file.
  bool index_vouches_for(const std::string& path) const {
    auto index = hash::GitIndex::load_for(repo());
    struct stat info {};
    return index && ::lstat((repo() / path).c_str(), &info) == 0 &&
           index->unchanged_blob_id(path, info).has_value();
  }
  int index_version() const {
    std::string bytes = read(".git/index");
    return bytes.size() > 8 ? bytes[7] : -1;
  }

  TempDir away_;
};

TEST_F(GitFastPath, KeyIsTheSameWithAndWithoutTheIndex) {
  write("packages/a/src/run.sh", "#!/bin/sh\necho run\n");
  ASSERT_EQ(chmod((package() / "src/run.sh").c_str(), 0755), 0);
  fs::create_symlink("index.ts", package() / "src/alias.ts");
  commit_all();
  const std::vector<std::string> committed = {"packages/a/package.json", "packages/a/src/index.ts",
                                              "packages/a/src/util.ts", "packages/a/src/run.sh",
                                              "packages/a/src/alias.ts"};

  // (a) Right after the commit (entries may be racy), then with every entry trusted.
  const std::string base = key();
  EXPECT_EQ(key_without_git(), base);
  settle();
  for (const auto& path : committed) ASSERT_TRUE(index_vouches_for(path)) << path;
  EXPECT_EQ(key(), base);
  EXPECT_EQ(key_without_git(), base);

  // (b) Every file touched: stat data no longer matches, so memo reads them. (To another
  // second: git compares whole seconds, and would not refresh the entries otherwise.)
  git("find packages -exec touch -h -d '2001-02-03 04:05:06' {} +");
  for (const auto& path : committed) ASSERT_FALSE(index_vouches_for(path)) << path;
  EXPECT_EQ(key(), base);
  git("git update-index -q --refresh");
  settle();
  for (const auto& path : committed) ASSERT_TRUE(index_vouches_for(path)) << path;
  EXPECT_EQ(key(), base);

  // (d) Untracked files count the same with and without git.
  write("packages/a/src/new.ts", "export const n = 3;\n");
  write("packages/a/extra/deep/more.ts", "more\n");
  const std::string with_untracked = key();
  EXPECT_NE(with_untracked, base);
  EXPECT_EQ(key_without_git(), with_untracked);
  fs::remove(package() / "src/new.ts");
  fs::remove_all(package() / "extra");
  EXPECT_EQ(key(), base);

  // (e) Index version 4 (prefix-compressed paths).
  git("git update-index --index-version 4");
  settle();
  ASSERT_EQ(index_version(), 4);
  for (const auto& path : committed) ASSERT_TRUE(index_vouches_for(path)) << path;
  EXPECT_EQ(key(), base);
  EXPECT_EQ(key_without_git(), base);

  // (f) A committed file modified but not committed: the key follows the bytes.
  write("packages/a/src/util.ts", "export const u = 3;\n");
  ASSERT_FALSE(index_vouches_for("packages/a/src/util.ts"));
  const std::string modified = key();
  EXPECT_NE(modified, base);
  EXPECT_EQ(key_without_git(), modified);
  // The same with size and mtime put back as they were (only ctime tells).
  git("git checkout -q -- packages/a/src/util.ts && git update-index -q --refresh");
  settle();
  ASSERT_TRUE(index_vouches_for("packages/a/src/util.ts"));
  EXPECT_EQ(key(), base);
  ::usleep(20'000);
  git("cd packages/a/src && touch -r util.ts ../../../ref && printf 'export const u = 4;\\n' > "
      "util.ts && touch -r ../../../ref util.ts && rm ../../../ref");
  ASSERT_FALSE(index_vouches_for("packages/a/src/util.ts"));
  const std::string same_size = key();
  EXPECT_NE(same_size, base);
  EXPECT_NE(same_size, modified);
  EXPECT_EQ(key_without_git(), same_size);
}

TEST_F(GitFastPath, IgnoredFilesNeverCount) {
  write(".gitignore", "*.log\nscratch/\n");
  commit_all();
  settle();
  const std::string base = key();
  EXPECT_EQ(key_without_git(), base);

  write("packages/a/debug.log", "debug\n");
  write("packages/a/scratch/notes.txt", "notes\n");
  EXPECT_EQ(key(), base);
  EXPECT_EQ(key_without_git(), base);

  // Committed anyway (git add -f): .gitignore decides, not the index.
  git("git add -f packages/a/debug.log && git -c user.name=t -c user.email=t@t commit -qm f");
  settle();
  ASSERT_TRUE(index_vouches_for("packages/a/debug.log"));
  EXPECT_EQ(key(), base);
  EXPECT_EQ(key_without_git(), base);

  // Not ignored any more, it counts, both ways.
  write(".gitignore", "scratch/\n");
  const std::string counted = key();
  EXPECT_NE(counted, base);
  EXPECT_EQ(key_without_git(), counted);
}

// Shows that memo really takes ids from the index: a file committed with core.autocrlf=true
// given on git's command line (where memo cannot see it) has an LF blob in the index and CRLF
// bytes on disk, so the key differs with and without .git. Set in the repo's config, memo sees
// the filter, reads every file, and the keys agree again.
TEST_F(GitFastPath, TheIndexIsReallyUsed) {
  write("packages/a/src/crlf.ts", "a\r\nb\r\n");
  git("git -c core.autocrlf=true add -A && "
      "git -c core.autocrlf=true -c user.name=t -c user.email=t@t commit -qm c");
  settle();
  ASSERT_TRUE(index_vouches_for("packages/a/src/crlf.ts"));
  EXPECT_NE(key(), key_without_git());
  git("git config core.autocrlf true");
  EXPECT_EQ(key(), key_without_git());
}

// The user's attributes file (core.attributesFile's default, found from HOME or
// XDG_CONFIG_HOME) converts line ends: git checks the file out with CRLF while its blob has LF.
// memo sees the file and reads the bytes, so the key is the same with and without .git.
TEST_F(GitFastPath, TheUsersAttributesFileIsSeen) {
  write("packages/a/notes.txt", "one\ntwo\n");
  commit_all();
  TempDir home;
  home.write(".config/git/attributes", "*.txt text eol=crlf\n");
  home.write("xdg/git/attributes", "*.txt text eol=crlf\n");
  const std::string as_user = "export HOME='" + home.path().string() + "' XDG_CONFIG_HOME= && ";
  git(as_user +
      "rm packages/a/notes.txt && git checkout -- packages/a/notes.txt && "
      "git update-index -q --refresh");
  settle();
  ASSERT_EQ(read("packages/a/notes.txt"), "one\r\ntwo\r\n");
  ASSERT_TRUE(index_vouches_for("packages/a/notes.txt")) << "memo's own environment has no rules";

  const std::map<std::string, std::string> by_home{{"HOME", home.path().string()},
                                                   {"XDG_CONFIG_HOME", ""}};
  EXPECT_EQ(key(by_home), key_without_git(by_home));
  const std::map<std::string, std::string> by_xdg{
      {"HOME", away_.path().string()}, {"XDG_CONFIG_HOME", (home.path() / "xdg").string()}};
  EXPECT_EQ(key(by_xdg), key_without_git(by_xdg));
}

// A SHA-256 repository's index holds ids memo does not use: the key is the same without it.
TEST_F(GitFastPath, ASha256RepositoryGivesTheSameKey) {
  fs::remove_all(repo() / ".git");
  git("git init -q --object-format=sha256");
  commit_all();
  settle();
  const std::string base = key();
  EXPECT_EQ(key_without_git(), base);
  write("packages/a/src/util.ts", "export const u = 5;\n");
  EXPECT_NE(key(), base);
  EXPECT_EQ(key(), key_without_git());
}

// An index whose header claims more entries than the file holds is damage: memo says so (in
// verbose mode), reads every file, and never crashes.
TEST_F(GitFastPath, ADamagedIndexIsSkippedWithANote) {
  commit_all();
  settle();
  const std::string base = key();
  std::string bytes = read(".git/index");
  for (int i = 8; i < 12; ++i) bytes[i] = '\xff';
  write(".git/index", bytes.substr(0, bytes.size() - 20) + std::string(20, '\0'));
  fs::remove_all(store() / "file-digests");
  auto run = memo({"hash", "--log-level", "verbose", "--", "x"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, base);
  EXPECT_NE(run.err.find("git's index not used"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("entries claimed"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace memo::testing
