#include "memo/hash/package_key.hpp"

#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "memo/config/config.hpp"
#include "memo/hash/glob.hpp"
#include "memo/hash/manifest.hpp"
#include "memo/util/digest.hpp"
#include "support/temp_dir.hpp"

namespace memo::hash {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;

constexpr const char* kEnvVar = "MEMO_UNIT_TEST_PACKAGE_KEY_VAR";

// A small monorepo: <tmp>/repo with the package at packages/app.
void make_repo(const TempDir& tmp) {
  tmp.write("repo/package.json", R"({"private": true})");
  tmp.write("repo/tsconfig.base.json", R"({"compilerOptions": {}})");
  tmp.write("repo/node_modules/typescript/package.json", "{}");
  tmp.write("repo/packages/other/src/x.ts", "other");
  tmp.write("repo/packages/app/package.json", R"({"name": "app"})");
  tmp.write("repo/packages/app/tsconfig.json", "{}");
  tmp.write("repo/packages/app/src/index.ts", "export const x = 1;\n");
  tmp.write("repo/packages/app/src/util/strings.ts", "export const s = 'a';\n");
  tmp.write("repo/packages/app/lib/index.js", "exports.x = 1;\n");
  tmp.write("repo/packages/app/lib/index.d.ts", "export declare const x = 1;\n");
  tmp.write("repo/packages/app/tsconfig.tsbuildinfo", "{}");
  tmp.write("repo/packages/app/node_modules/dep/index.js", "dep");
  tmp.write("repo/packages/app/.memo/entries/ab/abcd", "entry");
  tmp.write("repo/packages/app/.memo/logs/run.log", "log");
  tmp.write("repo/packages/app/memo-logs/perf.json", "{}");
  fs::create_symlink("index.ts", tmp / "repo/packages/app/src/alias.ts");
}

config::Config config_for(const fs::path& repo) {
  config::Config config;
  config.repo_root = repo;
  config.package_root = repo / "packages/app";
  config.internal_cache_folder = config.package_root / ".memo";
  config.log_folder = config.package_root / "memo-logs";
  config.cache_key = "v1";
  config.env = {kEnvVar};
  config.environment_glob = {"tsconfig.base.json"};
  config.output_glob = {"lib/**"};
  return config;
}

class PackageKeyTest : public ::testing::Test {
 protected:
  PackageKeyTest() {
    ::unsetenv(kEnvVar);
    make_repo(tmp_);
    config_ = config_for(tmp_ / "repo");
  }
  ~PackageKeyTest() override { ::unsetenv(kEnvVar); }

  fs::path package() const { return config_.package_root; }

  PackageKey compute(const config::Config& config, const std::string& command = "tsc -b") const {
    auto outputs = GlobSet::compile(config.output_glob);
    EXPECT_TRUE(outputs.has_value());
    auto key = compute_package_key(config, command);
    EXPECT_TRUE(key.has_value()) << (key ? "" : key.error());
    if (!key) return PackageKey{};
    keep_records(key->records);  // as memo hash does
    return std::move(*key);
  }
  PackageKey compute() const { return compute(config_); }
  std::string key() const { return compute().key; }

  TempDir tmp_;
  config::Config config_;
};

TEST_F(PackageKeyTest, KeyIsSha256OfTheManifest) {
  PackageKey result = compute();
  EXPECT_EQ(result.key.size(), 64u);
  EXPECT_EQ(result.key, util::sha256_hex(result.manifest));
  EXPECT_TRUE(
      result.manifest.starts_with("memo-key-manifest " + std::to_string(kKeyFormatVersion) + "\n"));
}

TEST_F(PackageKeyTest, KeyIsStable) {
  EXPECT_EQ(key(), key());
}

TEST_F(PackageKeyTest, CountsThePackageAndEnvironmentFiles) {
  // package.json, tsconfig.json, src/index.ts, src/util/strings.ts, src/alias.ts and the root
  // tsconfig.base.json; not lib/**, *.tsbuildinfo, node_modules nor memo's folders.
  EXPECT_EQ(compute().file_count, 6u);
}

TEST_F(PackageKeyTest, ManifestNamesFilesRelativeToTheRepo) {
  const std::string manifest = compute().manifest;
  EXPECT_NE(manifest.find("\"packages/app/src/index.ts\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"packages/app/src/alias.ts\" \"120000\""), std::string::npos)
      << manifest;
  EXPECT_NE(manifest.find("root-file \"tsconfig.base.json\""), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("lib/index.js"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("tsbuildinfo"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("node_modules"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("entries"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("perf.json"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("packages/other"), std::string::npos) << manifest;
}

TEST_F(PackageKeyTest, SameTreeElsewhereGivesTheSameKey) {
  ::setenv(kEnvVar, "value", 1);
  TempDir elsewhere;
  fs::create_directories(elsewhere / "deeper/still");
  fs::copy(tmp_ / "repo", elsewhere / "deeper/still/repo",
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  ASSERT_TRUE(fs::is_symlink(elsewhere / "deeper/still/repo/packages/app/src/alias.ts"));
  config::Config moved = config_for(elsewhere / "deeper/still/repo");
  PackageKey here = compute();
  PackageKey there = compute(moved);
  EXPECT_EQ(there.key, here.key);
  EXPECT_EQ(there.manifest, here.manifest);
}

TEST_F(PackageKeyTest, ChangesWhenASourceByteChanges) {
  const std::string before = key();
  tmp_.write("repo/packages/app/src/index.ts", "export const x = 2;\n");
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, ChangesWhenAFileIsAdded) {
  const std::string before = key();
  tmp_.write("repo/packages/app/src/new.ts", "");
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, ChangesWhenAFileIsRemoved) {
  const std::string before = key();
  fs::remove(package() / "src/util/strings.ts");
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, ChangesWhenAFileIsRenamed) {
  const std::string before = key();
  fs::rename(package() / "src/util/strings.ts", package() / "src/util/text.ts");
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, ChangesWhenAFileMovesToAnotherFolder) {
  const std::string before = key();
  fs::create_directories(package() / "src/other");
  fs::rename(package() / "src/util/strings.ts", package() / "src/other/strings.ts");
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, ChangesOnChmodPlusX) {
  const std::string before = key();
  ASSERT_EQ(::chmod((package() / "src/index.ts").c_str(), 0755), 0);
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, ChangesWhenASymlinkTargetChanges) {
  const std::string before = key();
  fs::remove(package() / "src/alias.ts");
  fs::create_symlink("util/strings.ts", package() / "src/alias.ts");
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, ChangesWithTheCommand) {
  EXPECT_NE(compute(config_, "tsc -b").key, compute(config_, "tsc -b --verbose").key);
  EXPECT_NE(compute(config_, "tsc -b").key, compute(config_, "tsc  -b").key);
}

TEST_F(PackageKeyTest, ChangesWithTheCacheKey) {
  const std::string before = key();
  config_.cache_key = "v2";
  EXPECT_NE(key(), before);
  config_.cache_key = "";
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, TheCacheKeyIsNotInTheManifestInClear) {
  config_.cache_key = "salt-from-a-secret-7c1e";
  auto manifest = compute(config_, "tsc -b").manifest;
  EXPECT_EQ(manifest.find("salt-from-a-secret-7c1e"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("cache-key \""), std::string::npos) << manifest;
}

TEST_F(PackageKeyTest, ChangesWithAListedEnvVar) {
  const std::string unset = key();
  ::setenv(kEnvVar, "one", 1);
  const std::string one = key();
  ::setenv(kEnvVar, "two", 1);
  const std::string two = key();
  ::setenv(kEnvVar, "", 1);
  const std::string empty = key();
  EXPECT_NE(unset, one);
  EXPECT_NE(one, two);
  EXPECT_NE(empty, unset);
  EXPECT_NE(empty, one);
  ::setenv(kEnvVar, "one", 1);
  EXPECT_EQ(key(), one);
}

TEST_F(PackageKeyTest, UnlistedEnvVarsDoNotMatter) {
  config_.env.clear();
  const std::string before = key();
  ::setenv(kEnvVar, "anything", 1);
  EXPECT_EQ(key(), before);
}

TEST_F(PackageKeyTest, ChangesWhenTheListOfEnvVarsChanges) {
  const std::string before = key();
  config_.env.push_back("MEMO_UNIT_TEST_SURELY_UNSET_VAR");
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, ChangesWithTheOutputGlob) {
  const std::string before = key();
  config_.output_glob = {"lib/**", "dist/**"};
  EXPECT_NE(key(), before);
  config_.output_glob = {"dist/**"};
  const std::string dist = key();
  EXPECT_NE(dist, before);
}

TEST_F(PackageKeyTest, ChangesWhenAnEnvironmentGlobFileChanges) {
  const std::string before = key();
  tmp_.write("repo/tsconfig.base.json", R"({"compilerOptions": {"strict": true}})");
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, ChangesWhenAnEnvironmentGlobFileAppears) {
  config_.environment_glob = {"tsconfig.base.json", "*.config.js"};
  const std::string before = key();
  tmp_.write("repo/jest.config.js", "module.exports = {};");
  EXPECT_NE(key(), before);
}

TEST_F(PackageKeyTest, RepoRootFilesOutsideEnvironmentGlobDoNotMatter) {
  const std::string before = key();
  tmp_.write("repo/package.json", R"({"private": false})");
  tmp_.write("repo/packages/other/src/x.ts", "changed");
  tmp_.write("repo/README.md", "new");
  EXPECT_EQ(key(), before);
}

TEST_F(PackageKeyTest, UnchangedWhenAnOutputChanges) {
  const std::string before = key();
  tmp_.write("repo/packages/app/lib/index.js", "exports.x = 2;\n");
  tmp_.write("repo/packages/app/lib/new/file.js", "new");
  fs::remove(package() / "lib/index.d.ts");
  EXPECT_EQ(key(), before);
}

TEST_F(PackageKeyTest, UnchangedWhenATsbuildinfoChanges) {
  const std::string before = key();
  tmp_.write("repo/packages/app/tsconfig.tsbuildinfo", R"({"version": "5"})");
  tmp_.write("repo/packages/app/src/nested.tsbuildinfo", "x");
  EXPECT_EQ(key(), before);
}

TEST_F(PackageKeyTest, UnchangedWhenNodeModulesChange) {
  const std::string before = key();
  tmp_.write("repo/packages/app/node_modules/dep/index.js", "changed");
  tmp_.write("repo/packages/app/node_modules/.cache/x", "new");
  tmp_.write("repo/packages/app/src/node_modules/y.js", "nested");
  tmp_.write("repo/node_modules/typescript/lib/tsc.js", "new");
  EXPECT_EQ(key(), before);
}

TEST_F(PackageKeyTest, UnchangedWhenTheStoreOrLogsChange) {
  const std::string before = key();
  tmp_.write("repo/packages/app/.memo/entries/cd/cdef", "another entry");
  tmp_.write("repo/packages/app/.memo/blobs/aa/bb", "blob");
  tmp_.write("repo/packages/app/memo-logs/perf2.json", "{}");
  EXPECT_EQ(key(), before);
}

TEST_F(PackageKeyTest, StoreFolderInTheRepoRootIsSkippedByEnvironmentGlobs) {
  config_.internal_cache_folder = tmp_ / "repo/.memo-store";
  config_.environment_glob = {"**/*.json"};
  const std::string before = key();
  tmp_.write("repo/.memo-store/entries/x.json", "{}");
  EXPECT_EQ(key(), before);
}

TEST_F(PackageKeyTest, HashGlobsRestrictTheFiles) {
  config_.hash_globs = {"src/**/*.ts"};
  PackageKey before = compute();
  // src/index.ts, src/util/strings.ts, src/alias.ts and the root tsconfig.base.json.
  EXPECT_EQ(before.file_count, 4u);

  tmp_.write("repo/packages/app/package.json", R"({"name": "renamed"})");
  tmp_.write("repo/packages/app/tsconfig.json", R"({"x": 1})");
  tmp_.write("repo/packages/app/src/readme.md", "not a .ts file");
  EXPECT_EQ(key(), before.key);

  tmp_.write("repo/packages/app/src/util/strings.ts", "export const s = 'b';\n");
  EXPECT_NE(key(), before.key);
}

TEST_F(PackageKeyTest, HashGlobsNeverIncludeOutputs) {
  config_.hash_globs = {"**/*.js", "src/**"};
  const std::string before = key();
  tmp_.write("repo/packages/app/lib/index.js", "exports.x = 3;\n");
  EXPECT_EQ(key(), before);
}

TEST_F(PackageKeyTest, BadGlobsAreErrors) {
  auto outputs = GlobSet::compile(config_.output_glob);
  ASSERT_TRUE(outputs.has_value());
  config::Config bad_hash = config_;
  bad_hash.hash_globs = {"src/[abc"};
  auto result = compute_package_key(bad_hash, "tsc");
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().find("hashGlobs"), std::string::npos) << result.error();

  config::Config bad_environment = config_;
  bad_environment.environment_glob = {"../outside/*.json"};
  result = compute_package_key(bad_environment, "tsc");
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().find("environmentGlob"), std::string::npos) << result.error();
}

TEST_F(PackageKeyTest, MissingPackageRootIsAnError) {
  config_.package_root = tmp_ / "repo/packages/missing";
  auto outputs = GlobSet::compile(config_.output_glob);
  ASSERT_TRUE(outputs.has_value());
  EXPECT_FALSE(compute_package_key(config_, "tsc").has_value());
}

TEST_F(PackageKeyTest, ManifestHoldsNoAbsolutePathAndNoEnvValue) {
  const std::string secret = "s3cr3t-Value-9f2b7c";
  ::setenv(kEnvVar, secret.c_str(), 1);
  const std::string manifest = compute().manifest;
  EXPECT_EQ(manifest.find(tmp_.path().string()), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("\"/"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find(secret), std::string::npos) << manifest;
  // The variable is named, with a digest standing for its value.
  const std::string prefix = std::string("env \"") + kEnvVar + "\" \"";
  const std::size_t at = manifest.find(prefix);
  ASSERT_NE(at, std::string::npos) << manifest;
  const std::string value_field = manifest.substr(at + prefix.size(), 65);
  EXPECT_TRUE(util::is_hex_digest(value_field.substr(0, 64), 64)) << value_field;
  EXPECT_EQ(value_field[64], '"');
  EXPECT_NE(value_field.substr(0, 64), util::sha256_hex(secret));  // not a bare, guessable hash
}

TEST_F(PackageKeyTest, PackageAtTheRepoRoot) {
  TempDir single;
  single.write("package.json", R"({"name": "solo"})");
  single.write("src/a.ts", "a");
  single.write("lib/a.js", "a");
  config::Config config;
  config.repo_root = single.path();
  config.package_root = single.path();
  config.internal_cache_folder = single / ".memo";
  config.log_folder = single / ".memo/logs";
  EXPECT_EQ(package_path_in_repo(config), ".");
  PackageKey result = compute(config);
  EXPECT_EQ(result.file_count, 2u);
  EXPECT_NE(result.manifest.find("file \"src/a.ts\""), std::string::npos) << result.manifest;
  EXPECT_EQ(result.manifest.find(single.path().string()), std::string::npos);
}

TEST_F(PackageKeyTest, PackagePathInRepo) {
  EXPECT_EQ(package_path_in_repo(config_), "packages/app");
}

TEST_F(PackageKeyTest, SamePackageNameAtAnotherPathGivesAnotherKey) {
  // Two packages with identical files but different places in the repo do not share a key.
  fs::copy(package(), tmp_ / "repo/packages/app2",
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  config::Config other = config_;
  other.package_root = tmp_ / "repo/packages/app2";
  other.internal_cache_folder = other.package_root / ".memo";
  other.log_folder = other.package_root / "memo-logs";
  EXPECT_NE(compute(other).key, key());
}

}  // namespace
}  // namespace memo::hash

namespace memo::hash {
namespace {

// "app" depends on "other": a session digests other's files once for both keys.
class HashingSessionTest : public ::testing::Test {
 protected:
  HashingSessionTest() : session_(tmp_ / "repo") {
    make_repo(tmp_);
    app_ = config_for(tmp_ / "repo");
    other_ = app_;
    other_.package_root = tmp_ / "repo/packages/other";
    other_.internal_cache_folder = app_.internal_cache_folder;  // one store, as in memo run
  }

  std::string key_of(const config::Config& config,
                     const std::vector<PackageSources>& dependencies = {}) {
    auto key = compute_package_key(config, "build", {}, dependencies, {}, &session_);
    EXPECT_TRUE(key) << (key ? "" : key.error());
    return key ? key->key : "";
  }
  std::vector<PackageSources> other_as_dependency() const {
    return {{"other", other_.package_root, {}, {}, {}}};
  }

  TempDir tmp_;
  HashingSession session_;
  config::Config app_, other_;
};

TEST_F(HashingSessionTest, ADependencysFilesAreDigestedOnceForEveryKeyThatCoversThem) {
  const std::string before = key_of(app_, other_as_dependency());
  // Changed behind the session's back, without forget(): the session still has the old lines.
  tmp_.write("repo/packages/other/src/x.ts", "changed");
  EXPECT_EQ(key_of(app_, other_as_dependency()), before);
  session_.forget(other_.package_root);
  EXPECT_NE(key_of(app_, other_as_dependency()), before);
}

// A dependency enters the key as one line naming the digest of its file lines; the expanded
// manifest (memo hash --manifest, memo explain) has those lines back.
TEST_F(HashingSessionTest, ADependencyIsOneLineWhoseDigestCoversItsFiles) {
  auto key = compute_package_key(app_, "build", {}, other_as_dependency(), {}, &session_);
  ASSERT_TRUE(key) << key.error();
  ASSERT_EQ(key->parts.size(), 1u);
  const ManifestPart& part = key->parts[0];
  EXPECT_EQ(util::sha256_hex(*part.lines), part.digest);
  EXPECT_NE(part.lines->find("file \"packages/other/src/x.ts\""), std::string::npos) << *part.lines;
  EXPECT_EQ(key->manifest.find("packages/other/src/x.ts"), std::string::npos) << key->manifest;
  EXPECT_NE(key->manifest.find("dependency \"other\" \"packages/other\" \"" + part.digest + "\"\n"),
            std::string::npos)
      << key->manifest;

  const std::string expanded = expanded_manifest(*key);
  EXPECT_NE(expanded.find("dependency \"other\" \"packages/other\"\n"), std::string::npos);
  EXPECT_NE(expanded.find("file \"packages/other/src/x.ts\""), std::string::npos) << expanded;
  EXPECT_EQ(expanded.find(part.digest), std::string::npos) << expanded;
}

TEST_F(HashingSessionTest, KeysWithASessionAreTheKeysWithout) {
  const std::string with_session = key_of(app_, other_as_dependency());
  auto without = compute_package_key(app_, "build", {}, other_as_dependency());
  ASSERT_TRUE(without);
  EXPECT_EQ(with_session, without->key);
}

// A pool thread that helps with other work while it walks a package may take up a key that
// needs that very package: it must never wait for itself (memo run hung so). A watchdog turns
// a hang into a failure.
TEST_F(HashingSessionTest, KeysThatShareDependenciesNeverWaitForEachOther) {
  std::vector<PackageSources> dependencies;
  for (int d = 0; d < 8; ++d) {
    const std::string folder = "repo/packages/d" + std::to_string(d);
    for (int f = 0; f < 200; ++f) {
      tmp_.write(folder + "/src/m" + std::to_string(f % 40) + "/f" + std::to_string(f) + ".ts",
                 "x");
    }
    dependencies.push_back({"d" + std::to_string(d), tmp_ / folder, {}, {}, {}});
  }
  auto first = compute_package_key(app_, "build", {}, dependencies, {}, &session_);
  ASSERT_TRUE(first) << first.error();
  keep_records(first->records);  // the next walks reuse them, as a warm memo run does

  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    if (!finished.wait_for(lock, std::chrono::seconds(120), [&] { return done; })) {
      std::fprintf(stderr, "HashingSession deadlocked\n");
      std::abort();
    }
  });
  for (int round = 0; round < 40; ++round) {
    for (const auto& dependency : dependencies) session_.forget(dependency.root);
    std::vector<std::string> keys(6);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      threads.emplace_back([&, i] { keys[i] = key_of(app_, dependencies); });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& key : keys) EXPECT_EQ(key, first->key);
  }
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  finished.notify_one();
  watchdog.join();
}

TEST_F(HashingSessionTest, ManyThreadsAtOnceGetTheSameKeys) {
  const std::string expected = key_of(app_, other_as_dependency());
  session_.forget(app_.package_root);
  session_.forget(other_.package_root);
  std::vector<std::string> keys(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    threads.emplace_back([&, i] { keys[i] = key_of(app_, other_as_dependency()); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& key : keys) EXPECT_EQ(key, expected);
}

}  // namespace
}  // namespace memo::hash
