// memo hash: what the key covers, and that it depends on nothing else.
#include <sys/stat.h>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

class KeyTest : public MonorepoTest {
 protected:
  std::string key(const std::string& command = "tsc -b",
                  const std::map<std::string, std::string>& env = {}) const {
    auto run = memo({"hash", "--", command}, env);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.out;
  }
};

TEST_F(KeyTest, PrintsOnlyTheKeyOnStdout) {
  auto run = memo({"hash", "--", "tsc", "-b"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.out.size(), 65u) << run.out;
  EXPECT_EQ(run.out.back(), '\n');
  EXPECT_EQ(run.out.find_first_not_of("0123456789abcdef"), 64u);
  EXPECT_EQ(key("tsc -b"), run.out) << "words are joined with spaces";
}

TEST_F(KeyTest, SameTreeElsewhereGivesTheSameKey) {
  std::string here = key();
  TempDir other;
  ASSERT_EQ(run_shell("cp -a '" + repo().string() + "/.' '" + other.path().string() + "/'", repo()),
            0);
  auto there = run_memo({"hash", "--", "tsc -b"}, other.path() / "packages/a");
  EXPECT_EQ(there.out, here);
  // Timestamps do not count either.
  ASSERT_EQ(run_shell("touch -d '2001-01-01' src/index.ts", package()), 0);
  EXPECT_EQ(key(), here);
}

TEST_F(KeyTest, CoversSourcesCommandAndModes) {
  std::string base = key();
  EXPECT_NE(key("tsc -b --verbose"), base);
  write("packages/a/src/new.ts", "");
  std::string with_new = key();
  EXPECT_NE(with_new, base);
  fs::rename(package() / "src/new.ts", package() / "src/renamed.ts");
  EXPECT_NE(key(), with_new);
  fs::remove(package() / "src/renamed.ts");
  EXPECT_EQ(key(), base);
  ASSERT_EQ(chmod((package() / "src/util.ts").c_str(), 0755), 0);
  EXPECT_NE(key(), base) << "the executable bit is an input";
}

TEST_F(KeyTest, IgnoresOutputsNodeModulesTsbuildinfoAndTheStore) {
  std::string base = key();
  write("packages/a/lib/index.js", "built");
  write("packages/a/node_modules/dep/index.js", "dep");
  write("packages/a/tsconfig.tsbuildinfo", "{}");
  write("node_modules/.cache/memo/junk", "x");
  EXPECT_EQ(key(), base);
}

TEST_F(KeyTest, FilesThatGitIgnoresAreNotInputs) {
  write(".gitignore", "coverage/\n*.log\n");
  write("packages/a/.gitignore", "/generated\n");
  std::string base = key();
  write("packages/a/coverage/lcov.info", "x");
  write("packages/a/src/debug.log", "x");
  write("packages/a/generated/types.d.ts", "x");
  EXPECT_EQ(key(), base);
  write("packages/a/src/generated/types.d.ts", "x");
  EXPECT_NE(key(), base) << "/generated is anchored to the package folder";
}

TEST_F(KeyTest, HashGlobsSelectThePackageFiles) {
  write("packages/a/memo.json", R"({"hashGlobs": ["src/**", "package.json"]})");
  std::string base = key();
  write("packages/a/README.md", "docs");
  EXPECT_EQ(key(), base);
  write("packages/a/src/index.ts", "changed");
  EXPECT_NE(key(), base);
}

TEST_F(KeyTest, CoversCacheKeyEnvAndEnvironmentGlob) {
  write("memo.json", R"({"env": ["API_URL"], "environmentGlob": ["tsconfig.base.json"]})");
  std::string base = key();
  EXPECT_NE(key("tsc -b", {{"API_URL", "https://example.test"}}), base);
  EXPECT_NE(key("tsc -b", {{"MEMO_CACHE_KEY", "v2"}}), base);
  EXPECT_EQ(key("tsc -b", {{"UNLISTED", "x"}}), base);
  write("tsconfig.base.json", "{}");
  std::string with_root_file = key();
  EXPECT_NE(with_root_file, base);
  write("tsconfig.base.json", "{\"strict\": true}");
  EXPECT_NE(key(), with_root_file);
  std::string current = key();
  write("other-root-file.json", "{}");
  EXPECT_EQ(key(), current) << "only environmentGlob's root files count";
}

TEST_F(KeyTest, OutputGlobIsPartOfTheKey) {
  std::string base = key();
  auto run = memo({"hash", "--output-glob", "dist/**", "--", "tsc -b"});
  EXPECT_NE(run.out, base);
}

TEST_F(KeyTest, ChangingWhatIsCachedNeverRestoresAnEntryThatLacksIt) {
  const std::string build =
      "echo run >> ../../runs.log && mkdir -p lib dist && echo l > lib/l.js && echo d > dist/d.js";
  ASSERT_EQ(memo_run(build).exit_code, 0);
  fs::remove_all(package() / "dist");
  auto run = memo({"--output-glob", "lib/**", "--output-glob", "dist/**", "--", build});
  EXPECT_EQ(runs(), 2) << run.err;
  EXPECT_TRUE(exists("packages/a/dist/d.js"));
}

TEST_F(KeyTest, ManifestStoredBesideTheEntryHoldsNoAbsolutePathNorEnvValue) {
  write("memo.json", R"({"env": ["SECRET_TOKEN"]})");
  auto run =
      memo({"--", "mkdir -p lib && echo x > lib/x.js"}, {{"SECRET_TOKEN", "sentinel-secret-4242"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string entries;
  for (auto& file : fs::recursive_directory_iterator(store() / "entries")) {
    if (file.is_regular_file()) entries += read_file(file.path());
  }
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.find("sentinel-secret-4242"), std::string::npos);
  EXPECT_EQ(entries.find(repo().string()), std::string::npos);
  EXPECT_NE(entries.find("SECRET_TOKEN"), std::string::npos);
}

// lage's environmentGlob is written with a leading '/': the repo root. The same for the root
// scope of declared inputs.
TEST_F(KeyTest, ALeadingSlashInRootGlobsIsTheRepoRoot) {
  write("memo.json", R"({"environmentGlob": ["/package.json"]})");
  write("packages/a/memo.json", R"({"inputs": {"root": ["/tsconfig.base.json"]}})");
  write("tsconfig.base.json", "{}");
  const std::string base = key();
  write("package.json",
        R"({"name": "root", "private": true, "workspaces": ["packages/*"], "x": 1})");
  const std::string root_changed = key();
  EXPECT_NE(root_changed, base);
  write("tsconfig.base.json", "{\"strict\": true}");
  EXPECT_NE(key(), root_changed);
}

// Extglobs and POSIX classes select files as micromatch does, instead of matching nothing.
TEST_F(KeyTest, ExtglobsAndPosixClassesSelectFiles) {
  write("packages/a/memo.json", R"j({"hashGlobs": ["src/**/*.+(ts|map)", "f[[:digit:]].txt"]})j");
  const std::string base = key();
  write("packages/a/src/deep/x.map", "1");
  const std::string with_map = key();
  EXPECT_NE(with_map, base);
  write("packages/a/src/deep/x.js", "1");
  EXPECT_EQ(key(), with_map);
  write("packages/a/f1.txt", "1");
  const std::string with_f1 = key();
  EXPECT_NE(with_f1, with_map);
  write("packages/a/fx.txt", "1");
  EXPECT_EQ(key(), with_f1);
  write("packages/a/src/index.ts", "changed");
  EXPECT_NE(key(), with_f1);
}

}  // namespace
}  // namespace memo::testing
