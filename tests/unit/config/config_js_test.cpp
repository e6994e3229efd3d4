#include "memo/config/config_js.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "memo/util/digest.hpp"
#include "support/temp_dir.hpp"
#include "support/text_assertions.hpp"

namespace memo::config {
namespace {

using json = nlohmann::json;
using memo::testing::Contains;
using memo::testing::TempDir;

// Sets (or unsets, with nullopt) an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    set(value);
  }
  ~ScopedEnv() { set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

  void set(const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class ConfigJsTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir_ / "no-node"); }

  fs::path write(const std::string& relative, const std::string& content) const {
    return dir_.write(relative, content);
  }
  fs::path cache_dir() const { return dir_ / "cache"; }

  std::expected<json, std::string> evaluate(const fs::path& file) const {
    return evaluate_config_js(file, file.parent_path(), cache_dir());
  }
  json evaluate_ok(const fs::path& file) const {
    auto result = evaluate(file);
    EXPECT_TRUE(result.has_value()) << result.error();
    return result ? *result : json();
  }
  std::string evaluate_error(const fs::path& file) const {
    auto result = evaluate(file);
    EXPECT_FALSE(result.has_value()) << "evaluated to " << result->dump();
    return result ? "" : result.error();
  }

  // Evaluates with no node on PATH, so only a cached result can succeed.
  std::expected<json, std::string> evaluate_without_node(const fs::path& file) const {
    ScopedEnv path("PATH", (dir_ / "no-node").string());
    return evaluate(file);
  }

  // From here on, node is started through a script that counts its runs (node_runs()), so a
  // test can tell a cached result from a new evaluation without changing the environment.
  void count_node_runs() {
    std::string real_node;
    std::stringstream path_list(std::getenv("PATH"));
    for (std::string dir; std::getline(path_list, dir, ':');) {
      if (::access((fs::path(dir) / "node").c_str(), X_OK) == 0) {
        real_node = (fs::path(dir) / "node").string();
        break;
      }
    }
    ASSERT_FALSE(real_node.empty()) << "node is not on PATH";
    fs::path script =
        write("counting-bin/node", "#!/bin/sh\necho run >> '" + (dir_ / "node-runs.log").string() +
                                       "'\nexec '" + real_node + "' \"$@\"\n");
    fs::permissions(script, fs::perms::owner_all);
    counting_path_ = std::make_unique<ScopedEnv>(
        "PATH", (dir_ / "counting-bin").string() + ":" + std::getenv("PATH"));
  }
  int node_runs() const {
    std::ifstream log(dir_ / "node-runs.log");
    int runs = 0;
    for (std::string line; std::getline(log, line);) ++runs;
    return runs;
  }

  // Every file under the cache folder, whole.
  std::vector<std::pair<fs::path, std::string>> cache_files() const {
    std::vector<std::pair<fs::path, std::string>> files;
    std::error_code error;
    for (const auto& entry : fs::recursive_directory_iterator(cache_dir(), error)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream content;
      content << in.rdbuf();
      files.emplace_back(entry.path(), content.str());
    }
    return files;
  }

  TempDir dir_;
  std::unique_ptr<ScopedEnv> counting_path_;
};

TEST_F(ConfigJsTest, ModuleExportsObject) {
  fs::path file = write("backfill.config.js", R"(
module.exports = {
  outputGlob: ["dist/**", "!dist/**/*.map"],
  clearOutput: true,
  cacheStorageConfig: { provider: "local", options: { maxSize: 3 } },
  name: "pkg",
};
)");
  EXPECT_EQ(evaluate_ok(file),
            (json{{"outputGlob", {"dist/**", "!dist/**/*.map"}},
                  {"clearOutput", true},
                  {"cacheStorageConfig", {{"provider", "local"}, {"options", {{"maxSize", 3}}}}},
                  {"name", "pkg"}}));
}

TEST_F(ConfigJsTest, ExportsPropertiesWithoutModuleExports) {
  fs::path file = write("backfill.config.js", "exports.mode = 'PASS';\nexports.name = 'x';\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "PASS"}, {"name", "x"}}));
}

TEST_F(ConfigJsTest, TranspiledDefaultExportIsUnwrapped) {
  fs::path file = write("backfill.config.js",
                        "Object.defineProperty(exports, '__esModule', { value: true });\n"
                        "exports.default = { mode: 'READ_ONLY' };\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "READ_ONLY"}}));
}

TEST_F(ConfigJsTest, EmptyFileIsAnEmptyConfig) {
  EXPECT_EQ(evaluate_ok(write("backfill.config.js", "")), json::object());
  EXPECT_EQ(evaluate_ok(write("other/backfill.config.js", "module.exports = undefined;\n")),
            json::object());
}

TEST_F(ConfigJsTest, RequiredSiblingModulesAreEvaluated) {
  write("base.js", "module.exports = { outputGlob: ['lib/**'], mode: 'READ_ONLY' };\n");
  fs::path file = write("backfill.config.js",
                        "const base = require('./base');\n"
                        "module.exports = { ...base, mode: 'PASS' };\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"outputGlob", {"lib/**"}}, {"mode", "PASS"}}));
}

TEST_F(ConfigJsTest, SyntaxErrorIsOneLineNamingTheFile) {
  fs::path file = write("backfill.config.js", "module.exports = {\n  mode: 'PASS',,\n};\n");
  std::string error = evaluate_error(file);
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_TRUE(Contains(error, "Unexpected"));
}

TEST_F(ConfigJsTest, ThrownErrorIsOneLineNamingTheFile) {
  fs::path file =
      write("backfill.config.js", "throw new Error('boom from the config\\nsecond line');\n");
  std::string error = evaluate_error(file);
  EXPECT_TRUE(error.starts_with(file.string() + ": boom from the config")) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST_F(ConfigJsTest, ThrownNonErrorIsReported) {
  fs::path file = write("backfill.config.js", "throw 'plain text';\n");
  std::string error = evaluate_error(file);
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "plain text"));
}

TEST_F(ConfigJsTest, MissingRequireIsAnErrorNamingTheFile) {
  fs::path file = write("backfill.config.js", "module.exports = require('./nope');\n");
  std::string error = evaluate_error(file);
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "Cannot find module"));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST_F(ConfigJsTest, FunctionValuesAreMarked) {
  fs::path file = write("backfill.config.js",
                        "module.exports = { outputGlob: () => ['lib/**'], mode: 'PASS',\n"
                        "  cacheStorageConfig: { provider: function custom() {} } };\n");
  json config = evaluate_ok(file);
  EXPECT_EQ(config["outputGlob"], (json{{"$function", "outputGlob"}}));
  EXPECT_EQ(config["cacheStorageConfig"]["provider"], (json{{"$function", "provider"}}));
  EXPECT_EQ(config["mode"], "PASS");
}

TEST_F(ConfigJsTest, FunctionExportIsMarked) {
  fs::path file = write("backfill.config.js", "module.exports = function () { return {}; };\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"$function", "module.exports"}}));
}

TEST_F(ConfigJsTest, NonObjectExportIsAnError) {
  for (const char* value : {"5", "'text'", "['lib/**']", "null"}) {
    fs::path file = write("backfill.config.js", std::string("module.exports = ") + value + ";\n");
    std::string error = evaluate_error(file);
    EXPECT_EQ(error, file.string() + ": module.exports must be an object") << value;
  }
}

TEST_F(ConfigJsTest, MissingFileIsAnErrorNamingIt) {
  fs::path file = dir_ / "absent" / "backfill.config.js";
  std::string error = evaluate_error(file);
  EXPECT_TRUE(Contains(error, file.string()));
}

TEST_F(ConfigJsTest, WithoutNodeTheErrorSaysSo) {
  fs::path file = write("backfill.config.js", "module.exports = { mode: 'PASS' };\n");
  auto result = evaluate_without_node(file);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().starts_with(file.string() + ": ")) << result.error();
  EXPECT_TRUE(Contains(result.error(), "node"));
}

TEST_F(ConfigJsTest, SecondEvaluationDoesNotStartNode) {
  fs::path file = write("backfill.config.js", "module.exports = { mode: 'PASS' };\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "PASS"}}));
  EXPECT_FALSE(fs::is_empty(cache_dir())) << "the result is kept in the cache folder";
  auto again = evaluate_without_node(file);
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(*again, (json{{"mode", "PASS"}}));
}

TEST_F(ConfigJsTest, CacheIsInvalidatedWhenTheFileChanges) {
  fs::path file = write("backfill.config.js", "module.exports = { mode: 'PASS' };\n");
  EXPECT_EQ(evaluate_ok(file)["mode"], "PASS");
  write("backfill.config.js", "module.exports = { mode: 'READ_ONLY' };\n");
  EXPECT_FALSE(evaluate_without_node(file).has_value()) << "node must run again";
  EXPECT_EQ(evaluate_ok(file)["mode"], "READ_ONLY");
  EXPECT_EQ(evaluate_without_node(file).value_or(json())["mode"], "READ_ONLY");
}

TEST_F(ConfigJsTest, CacheIsInvalidatedWhenARequiredModuleChanges) {
  write("lib/shared.js", "module.exports = { outputGlob: ['lib/**'] };\n");
  fs::path file = write("backfill.config.js", "module.exports = require('./lib/shared');\n");
  EXPECT_EQ(evaluate_ok(file)["outputGlob"], json::array({"lib/**"}));
  ASSERT_TRUE(evaluate_without_node(file).has_value()) << "unchanged: served from the cache";
  write("lib/shared.js", "module.exports = { outputGlob: ['dist/**'] };\n");
  EXPECT_FALSE(evaluate_without_node(file).has_value()) << "node must run again";
  EXPECT_EQ(evaluate_ok(file)["outputGlob"], json::array({"dist/**"}));
}

TEST_F(ConfigJsTest, CacheIsInvalidatedWhenAVariableItReadChanges) {
  const std::string name = "MEMO_CONFIG_JS_TEST_VARIABLE";
  ScopedEnv variable(name, "one");
  fs::path file = write("backfill.config.js",
                        "module.exports = { name: process.env." + name + " || 'unset' };\n");
  EXPECT_EQ(evaluate_ok(file)["name"], "one");
  ASSERT_TRUE(evaluate_without_node(file).has_value()) << "unchanged: served from the cache";
  {
    ScopedEnv unrelated("MEMO_CONFIG_JS_TEST_UNRELATED", "x");
    EXPECT_TRUE(evaluate_without_node(file).has_value()) << "a variable it never read";
  }
  variable.set("two");
  EXPECT_FALSE(evaluate_without_node(file).has_value()) << "node must run again";
  EXPECT_EQ(evaluate_ok(file)["name"], "two");
  variable.set(std::nullopt);
  EXPECT_EQ(evaluate_ok(file)["name"], "unset");
  variable.set("three");
  EXPECT_EQ(evaluate_ok(file)["name"], "three") << "an unset variable that becomes set";
}

TEST_F(ConfigJsTest, VariableTestedWithInIsTracked) {
  const std::string name = "MEMO_CONFIG_JS_TEST_FLAG";
  ScopedEnv variable(name, std::nullopt);
  fs::path file = write("backfill.config.js",
                        "module.exports = { clearOutput: '" + name + "' in process.env };\n");
  EXPECT_EQ(evaluate_ok(file)["clearOutput"], false);
  variable.set("");
  EXPECT_EQ(evaluate_ok(file)["clearOutput"], true);
}

TEST_F(ConfigJsTest, ConfigListingTheWholeEnvironmentIsNotCached) {
  fs::path file = write("backfill.config.js",
                        "module.exports = { listed: Object.keys(process.env).length > 0 };\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"listed", true}}));
  EXPECT_FALSE(evaluate_without_node(file).has_value());
}

TEST_F(ConfigJsTest, ConfigReadingTheWorkingDirectoryIsReevaluatedInAnotherDirectory) {
  fs::create_directories(dir_ / "one");
  fs::create_directories(dir_ / "two");
  fs::path file = write("backfill.config.js", "module.exports = { name: process.cwd() };\n");
  auto in = [&](const fs::path& cwd) { return evaluate_config_js(file, cwd, cache_dir()); };
  auto first = in(dir_ / "one");
  ASSERT_TRUE(first.has_value()) << first.error();
  EXPECT_EQ((*first)["name"], (dir_ / "one").string());
  auto second = in(dir_ / "two");
  ASSERT_TRUE(second.has_value()) << second.error();
  EXPECT_EQ((*second)["name"], (dir_ / "two").string());
  ScopedEnv path("PATH", (dir_ / "no-node").string());
  auto cached = in(dir_ / "two");
  ASSERT_TRUE(cached.has_value()) << "same directory: served from the cache";
  EXPECT_EQ((*cached)["name"], (dir_ / "two").string());
  EXPECT_FALSE(in(dir_ / "one").has_value()) << "another directory: node must run again";
}

TEST_F(ConfigJsTest, SameContentInAnotherFolderIsEvaluatedThere) {
  const std::string source = "module.exports = { name: require('path').basename(__dirname) };\n";
  fs::path a = write("a/backfill.config.js", source);
  fs::path b = write("b/backfill.config.js", source);
  EXPECT_EQ(evaluate_ok(a)["name"], "a");
  EXPECT_EQ(evaluate_ok(b)["name"], "b");
}

TEST_F(ConfigJsTest, VariableCheckedWithHasOwnPropertyIsTracked) {
  const std::string name = "MEMO_CONFIG_JS_TEST_RELEASE";
  ScopedEnv variable(name, std::nullopt);
  fs::path file =
      write("backfill.config.js",
            "const release = Object.prototype.hasOwnProperty.call(process.env, '" + name +
                "');\n"
                "module.exports = { outputGlob: release ? ['release/**'] : ['lib/**'] "
                "};\n");
  EXPECT_EQ(evaluate_ok(file)["outputGlob"], json::array({"lib/**"}));
  variable.set("1");
  EXPECT_EQ(evaluate_ok(file)["outputGlob"], json::array({"release/**"}));
}

TEST_F(ConfigJsTest, VariableReadThroughItsDescriptorIsTracked) {
  const std::string name = "MEMO_CONFIG_JS_TEST_SALT";
  ScopedEnv variable(name, "one");
  fs::path file = write("backfill.config.js",
                        "const found = Object.getOwnPropertyDescriptor(process.env, '" + name +
                            "');\n"
                            "module.exports = { cacheKey: found ? found.value : 'none' };\n");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "one");
  variable.set("two");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "two");
}

TEST_F(ConfigJsTest, ListedEnvironmentIsCachedUntilAnyVariableChanges) {
  count_node_runs();
  fs::path file = write("backfill.config.js",
                        "const all = { ...process.env };\n"
                        "module.exports = { cacheKey: all.MEMO_CONFIG_JS_TEST_ANY || 'unset' };\n");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "unset");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "unset");
  EXPECT_EQ(node_runs(), 1) << "the same environment: served from the cache";
  ScopedEnv unrelated("MEMO_CONFIG_JS_TEST_UNRELATED", "x");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "unset");
  EXPECT_EQ(node_runs(), 2) << "it listed the environment, so every variable counts";
  ScopedEnv any("MEMO_CONFIG_JS_TEST_ANY", "set");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "set");
}

TEST_F(ConfigJsTest, FileReadWithReadFileSyncIsTracked) {
  write("channel.txt", "stable");
  fs::path file = write("backfill.config.js",
                        "const fs = require('fs');\n"
                        "module.exports = { cacheKey: fs.readFileSync(__dirname + "
                        "'/channel.txt', 'utf8') };\n");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "stable");
  ASSERT_TRUE(evaluate_without_node(file).has_value()) << "unchanged: served from the cache";
  write("channel.txt", "beta");
  EXPECT_FALSE(evaluate_without_node(file).has_value()) << "node must run again";
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "beta");
}

TEST_F(ConfigJsTest, RelativeFileReadDependsOnTheWorkingDirectory) {
  write("one/version.txt", "1");
  write("two/version.txt", "2");
  fs::path file = write("backfill.config.js",
                        "module.exports = { cacheKey: require('fs').readFileSync('version.txt', "
                        "'utf8') };\n");
  auto in = [&](const std::string& folder) {
    return evaluate_config_js(file, dir_ / folder, cache_dir());
  };
  EXPECT_EQ(in("one").value_or(json())["cacheKey"], "1");
  EXPECT_EQ(in("two").value_or(json())["cacheKey"], "2");
}

TEST_F(ConfigJsTest, FileExistenceIsTracked) {
  fs::path file = write("backfill.config.js",
                        "const fs = require('fs');\n"
                        "module.exports = { clearOutput: fs.existsSync(__dirname + '/.ci') };\n");
  EXPECT_EQ(evaluate_ok(file)["clearOutput"], false);
  write(".ci", "");
  EXPECT_EQ(evaluate_ok(file)["clearOutput"], true);
}

TEST_F(ConfigJsTest, FileStatIsTracked) {
  write("marker", "1");
  fs::path file = write("backfill.config.js",
                        "const fs = require('fs');\n"
                        "module.exports = { cacheKey: String(fs.statSync(__dirname + "
                        "'/marker').size) };\n");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "1");
  write("marker", "123");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "3");
}

TEST_F(ConfigJsTest, FolderListingIsTracked) {
  write("targets/a", "");
  fs::path file = write("backfill.config.js",
                        "const fs = require('fs');\n"
                        "module.exports = { outputGlob: fs.readdirSync(__dirname + "
                        "'/targets').map((name) => name + '/**') };\n");
  EXPECT_EQ(evaluate_ok(file)["outputGlob"], json::array({"a/**"}));
  write("targets/b", "");
  EXPECT_EQ(evaluate_ok(file)["outputGlob"], json::array({"a/**", "b/**"}));
}

TEST_F(ConfigJsTest, AsynchronousFileReadIsTracked) {
  write("channel.txt", "stable");
  fs::path file = write("backfill.config.js",
                        "const fs = require('fs');\n"
                        "module.exports = new Promise((resolve, reject) =>\n"
                        "  fs.readFile(__dirname + '/channel.txt', 'utf8', (error, text) =>\n"
                        "    error ? reject(error) : resolve({ cacheKey: text })));\n");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "stable");
  write("channel.txt", "beta");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "beta");
}

TEST_F(ConfigJsTest, RequireThatNowFindsAnotherFileIsReevaluated) {
  write("shared/index.js", "module.exports = { mode: 'READ_ONLY' };\n");
  fs::path file = write("backfill.config.js", "module.exports = require('./shared');\n");
  EXPECT_EQ(evaluate_ok(file)["mode"], "READ_ONLY");
  write("shared.js", "module.exports = { mode: 'PASS' };\n");  // node tries ./shared.js first
  EXPECT_EQ(evaluate_ok(file)["mode"], "PASS");
}

TEST_F(ConfigJsTest, PackageMainChangeIsTracked) {
  write("node_modules/shared-config/package.json", R"({"name": "shared-config", "main": "a.js"})");
  write("node_modules/shared-config/a.js", "module.exports = { mode: 'READ_ONLY' };\n");
  write("node_modules/shared-config/b.js", "module.exports = { mode: 'PASS' };\n");
  fs::path file = write("backfill.config.js", "module.exports = require('shared-config');\n");
  EXPECT_EQ(evaluate_ok(file)["mode"], "READ_ONLY");
  write("node_modules/shared-config/package.json", R"({"name": "shared-config", "main": "b.js"})");
  EXPECT_EQ(evaluate_ok(file)["mode"], "PASS");
}

TEST_F(ConfigJsTest, CloserInstalledPackageIsTracked) {
  write("node_modules/shared-config/index.js", "module.exports = { mode: 'READ_ONLY' };\n");
  fs::path file =
      write("packages/a/backfill.config.js", "module.exports = require('shared-config');\n");
  EXPECT_EQ(evaluate_ok(file)["mode"], "READ_ONLY");
  write("packages/a/node_modules/shared-config/index.js", "module.exports = { mode: 'PASS' };\n");
  EXPECT_EQ(evaluate_ok(file)["mode"], "PASS");
}

TEST_F(ConfigJsTest, RetargetedSymlinkIsTracked) {
  write("store/v1/index.js", "module.exports = { mode: 'READ_ONLY' };\n");
  write("store/v2/index.js", "module.exports = { mode: 'PASS' };\n");
  fs::create_directories(dir_ / "node_modules");
  fs::create_directory_symlink(dir_ / "store/v1", dir_ / "node_modules/shared-config");
  fs::path file = write("backfill.config.js", "module.exports = require('shared-config');\n");
  EXPECT_EQ(evaluate_ok(file)["mode"], "READ_ONLY");
  fs::remove(dir_ / "node_modules/shared-config");
  fs::create_directory_symlink(dir_ / "store/v2", dir_ / "node_modules/shared-config");
  EXPECT_EQ(evaluate_ok(file)["mode"], "PASS");
}

TEST_F(ConfigJsTest, FailedRequireThatWasCaughtIsNotCached) {
  fs::path file = write("backfill.config.js",
                        "let extra = {};\n"
                        "try { extra = require('./local-overrides'); } catch {}\n"
                        "module.exports = { mode: 'READ_ONLY', ...extra };\n");
  EXPECT_EQ(evaluate_ok(file)["mode"], "READ_ONLY");
  EXPECT_FALSE(evaluate_without_node(file).has_value()) << "not cached: node must run again";
  write("local-overrides.js", "module.exports = { mode: 'PASS' };\n");
  EXPECT_EQ(evaluate_ok(file)["mode"], "PASS");
}

TEST_F(ConfigJsTest, ChildProcessIsNotCached) {
  write("channel.txt", "stable");
  fs::path file = write("backfill.config.js",
                        "const { execFileSync } = require('child_process');\n"
                        "const read = execFileSync('/bin/cat', ['channel.txt'],\n"
                        "  { cwd: __dirname, env: {} });\n"
                        "module.exports = { cacheKey: String(read) };\n");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "stable");
  EXPECT_FALSE(evaluate_without_node(file).has_value()) << "not cached: node must run again";
  write("channel.txt", "beta");
  EXPECT_EQ(evaluate_ok(file)["cacheKey"], "beta");
}

TEST_F(ConfigJsTest, RandomOrTimeDependentResultIsNotCached) {
  for (const char* expression : {"Math.random()", "Date.now()", "new Date().toISOString()"}) {
    fs::path file =
        write("backfill.config.js",
              std::string("module.exports = { cacheKey: String(") + expression + ") };\n");
    EXPECT_TRUE(evaluate(file).has_value());
    EXPECT_FALSE(evaluate_without_node(file).has_value()) << expression << " must not be cached";
  }
}

TEST_F(ConfigJsTest, CachedResultIsPrivate) {
  fs::path file = write("backfill.config.js", "module.exports = { mode: 'PASS' };\n");
  evaluate_ok(file);
  auto files = cache_files();
  ASSERT_EQ(files.size(), 1u);
  struct stat info {};
  ASSERT_EQ(::stat(files[0].first.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(ConfigJsTest, SecretsFromTheEnvironmentAreNeverWrittenToTheCache) {
  const std::string salt = "sentinel-salt-5f27c1d9";
  const std::string connection = "DefaultEndpointsProtocol=https;AccountKey=sentinel-key-8d1e";
  ScopedEnv salt_variable("MEMO_CONFIG_JS_TEST_SECRET_SALT", salt);
  ScopedEnv connection_variable("MEMO_CONFIG_JS_TEST_AZURE_CONN", connection);
  fs::path file = write("backfill.config.js",
                        "const env = process.env;\n"
                        "module.exports = {\n"
                        "  cacheKey: env.MEMO_CONFIG_JS_TEST_SECRET_SALT,\n"
                        "  name: 'pkg-' + env.MEMO_CONFIG_JS_TEST_SECRET_SALT + '-' + "
                        "env.MEMO_CONFIG_JS_TEST_SECRET_SALT,\n"
                        "  cacheStorageConfig: { provider: 'local', options: {\n"
                        "    connectionString: env.MEMO_CONFIG_JS_TEST_AZURE_CONN,\n"
                        "    [env.MEMO_CONFIG_JS_TEST_SECRET_SALT]: 1 } },\n"
                        "};\n");
  const json expected = {
      {"cacheKey", salt},
      {"name", "pkg-" + salt + "-" + salt},
      {"cacheStorageConfig",
       {{"provider", "local"}, {"options", {{"connectionString", connection}, {salt, 1}}}}}};
  EXPECT_EQ(evaluate_ok(file), expected);
  auto cached = evaluate_without_node(file);
  ASSERT_TRUE(cached.has_value()) << "served from the cache: " << cached.error();
  EXPECT_EQ(*cached, expected) << "the values are put back exactly";
  auto files = cache_files();
  ASSERT_FALSE(files.empty());
  for (const auto& [path, content] : files) {
    for (const std::string& secret : {salt, connection, std::string("sentinel-key-8d1e")}) {
      EXPECT_EQ(content.find(secret), std::string::npos) << secret << " in " << path;
      EXPECT_EQ(content.find(util::sha256_hex(secret)), std::string::npos)
          << "an unsalted digest of " << secret << " in " << path;
    }
  }
}

TEST_F(ConfigJsTest, ShortAndOverlappingValuesArePutBackExactly) {
  ScopedEnv one("MEMO_CONFIG_JS_TEST_ONE", "1");
  ScopedEnv eleven("MEMO_CONFIG_JS_TEST_ELEVEN", "11");
  ScopedEnv inner("MEMO_CONFIG_JS_TEST_INNER", "a1b");
  ScopedEnv braces("MEMO_CONFIG_JS_TEST_BRACES", "{1}");
  ScopedEnv control("MEMO_CONFIG_JS_TEST_CONTROL", "\x01");
  fs::path file = write("backfill.config.js",
                        "const e = process.env;\n"
                        "const all = [e.MEMO_CONFIG_JS_TEST_ONE, e.MEMO_CONFIG_JS_TEST_ELEVEN,\n"
                        "  e.MEMO_CONFIG_JS_TEST_INNER, e.MEMO_CONFIG_JS_TEST_BRACES,\n"
                        "  e.MEMO_CONFIG_JS_TEST_CONTROL];\n"
                        "module.exports = { outputGlob: [all.join(''), '111', 'a11b1', "
                        "'\\u0001{MEMO_CONFIG_JS_TEST_ONE}', '\\u0001\\u0001', 'x1y', ''],\n"
                        "  count: 1, flag: true };\n");
  json fresh = evaluate_ok(file);
  auto cached = evaluate_without_node(file);
  ASSERT_TRUE(cached.has_value()) << cached.error();
  EXPECT_EQ(*cached, fresh);
  EXPECT_EQ(fresh["outputGlob"][0], "111a1b{1}\x01");
}

TEST_F(ConfigJsTest, ConsoleOutputDoesNotStopTheEvaluation) {
  fs::path file = write("backfill.config.js",
                        "console.log('loading the config');\n"
                        "console.error('a warning');\n"
                        "process.stdout.write('x'.repeat(200000));\n"
                        "module.exports = { mode: 'PASS' };\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "PASS"}}));
}

TEST_F(ConfigJsTest, ProcessExitZeroKeepsWhatWasExported) {
  fs::path file = write("backfill.config.js",
                        "module.exports = { mode: 'PASS' };\n"
                        "process.exit(0);\n"
                        "module.exports = { mode: 'never reached' };\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "PASS"}}));
}

TEST_F(ConfigJsTest, ProcessExitWithAFailureCodeIsAnError) {
  fs::path file = write("backfill.config.js", "process.exit(3);\n");
  std::string error = evaluate_error(file);
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "process.exit(3)"));
}

TEST_F(ConfigJsTest, ErrorThrownLaterIsAnErrorNamingTheFile) {
  fs::path file = write("backfill.config.js",
                        "module.exports = new Promise(() => {\n"
                        "  setTimeout(() => { throw new Error('late failure'); }, 10);\n"
                        "});\n");
  std::string error = evaluate_error(file);
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "late failure"));
}

TEST_F(ConfigJsTest, LoopingConfigIsStoppedAfterTheTimeout) {
  ScopedEnv timeout("MEMO_CONFIG_TIMEOUT", "0.5");
  fs::path file = write("backfill.config.js",
                        "const end = Date.now() + 8000;\n"
                        "while (Date.now() < end) {}\n"
                        "module.exports = { mode: 'PASS' };\n");
  auto started = std::chrono::steady_clock::now();
  std::string error = evaluate_error(file);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(4));
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "0.5 s"));
  EXPECT_TRUE(Contains(error, "MEMO_CONFIG_TIMEOUT"));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST_F(ConfigJsTest, TimeoutAlsoStopsWhatTheConfigStarted) {
  // Long enough for node to start the child on a busy machine.
  ScopedEnv timeout("MEMO_CONFIG_TIMEOUT", "4");
  fs::path file =
      write("backfill.config.js",
            "const { spawn } = require('child_process');\n"
            "const child = spawn('sleep', ['30'], { stdio: 'ignore' });\n"
            "require('fs').writeFileSync(__dirname + '/child.pid', String(child.pid));\n"
            "const end = Date.now() + 30000;\n"
            "while (Date.now() < end) {}\n");
  std::string error = evaluate_error(file);
  EXPECT_TRUE(Contains(error, "MEMO_CONFIG_TIMEOUT")) << error;
  ASSERT_TRUE(fs::exists(dir_ / "child.pid"));
  pid_t child = std::stoi(dir_.read("child.pid"));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::ifstream status("/proc/" + std::to_string(child) + "/stat");
    std::string stat_line;
    std::getline(status, stat_line);
    gone = !status || stat_line.find(") Z") != std::string::npos;
    if (!gone) ::usleep(20000);
  }
  EXPECT_TRUE(gone) << "sleep " << child << " outlived the timeout";
}

TEST_F(ConfigJsTest, InvalidTimeoutIsAnErrorNamingTheVariable) {
  fs::path file = write("backfill.config.js", "module.exports = { mode: 'PASS' };\n");
  for (const char* value : {"abc", "0", "-1", "1s", "nan", "inf", " 5"}) {
    ScopedEnv timeout("MEMO_CONFIG_TIMEOUT", value);
    std::string error = evaluate_error(file);
    EXPECT_TRUE(error.starts_with("MEMO_CONFIG_TIMEOUT: ")) << value << ": " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
  ScopedEnv timeout("MEMO_CONFIG_TIMEOUT", "2.5");
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "PASS"}}));
}

TEST_F(ConfigJsTest, PromiseExportIsAwaited) {
  fs::path file = write("backfill.config.js",
                        "module.exports = new Promise((resolve) =>\n"
                        "  setTimeout(() => resolve({ mode: 'PASS', outputGlob: ['dist/**'] }), "
                        "20));\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "PASS"}, {"outputGlob", {"dist/**"}}}));
  fs::path async_default = write("esm/backfill.config.js",
                                 "Object.defineProperty(exports, '__esModule', { value: true });\n"
                                 "exports.default = (async () => ({ mode: 'READ_ONLY' }))();\n");
  EXPECT_EQ(evaluate_ok(async_default), (json{{"mode", "READ_ONLY"}}));
}

TEST_F(ConfigJsTest, RejectedPromiseIsAnErrorNamingTheFile) {
  fs::path file = write("backfill.config.js",
                        "module.exports = Promise.reject(new Error('no config here'));\n");
  std::string error = evaluate_error(file);
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "no config here"));
}

TEST_F(ConfigJsTest, PromiseThatNeverSettlesIsAnError) {
  fs::path file = write("backfill.config.js", "module.exports = new Promise(() => {});\n");
  std::string error = evaluate_error(file);
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "never settled"));
}

TEST_F(ConfigJsTest, DeeplyNestedResultIsRefused) {
  fs::path file = write("backfill.config.js",
                        "let deep = [];\n"
                        "for (let i = 0; i < 100000; i++) deep = [deep];\n"
                        "module.exports = { outputGlob: deep };\n");
  std::string error = evaluate_error(file);
  EXPECT_EQ(error, file.string() + ": its result is nested more than 64 levels deep");
}

TEST_F(ConfigJsTest, NestingLimitIs64Levels) {
  auto nested = [&](int levels) {  // the exported object is the first level
    return write("backfill.config.js",
                 "let value = 1;\nfor (let i = 1; i < " + std::to_string(levels) +
                     "; i++) value = [value];\nmodule.exports = { value };\n");
  };
  EXPECT_TRUE(evaluate(nested(64)).has_value());
  EXPECT_EQ(evaluate_error(nested(65)), (dir_ / "backfill.config.js").string() +
                                            ": its result is nested more than 64 levels deep");
}

TEST_F(ConfigJsTest, ForgedDeepAnswerIsRefused) {
  fs::path file = write("backfill.config.js",
                        "const fs = require('fs');\n"
                        "fs.writeSync(3, '{\"config\":{\"a\":' + '['.repeat(100000) + "
                        "']'.repeat(100000) + '}}');\n"
                        "fs.closeSync(3);\n"
                        "module.exports = {};\n");
  std::string error = evaluate_error(file);
  EXPECT_EQ(error, file.string() + ": its result is nested more than 64 levels deep");
}

TEST_F(ConfigJsTest, ReplacedJsonStringifyCannotForgeTheAnswer) {
  fs::path file = write("backfill.config.js",
                        "JSON.stringify = () => '{\"config\":{\"a\":' + '['.repeat(100000) + "
                        "']'.repeat(100000) + '}}';\n"
                        "module.exports = { mode: 'PASS' };\n");
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "PASS"}}));
}

TEST_F(ConfigJsTest, DeeplyNestedCacheFileIsNotTrusted) {
  const std::string source = "module.exports = { mode: 'PASS' };\n";
  fs::path file = write("backfill.config.js", source);
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "PASS"}}));
  auto files = cache_files();
  ASSERT_EQ(files.size(), 1u);
  std::string record = files[0].second;
  const std::string config_start = "\"config\":{";
  std::size_t at = record.find(config_start);
  ASSERT_NE(at, std::string::npos) << record;
  record.insert(at + config_start.size(),
                "\"a\":" + std::string(100000, '[') + std::string(100000, ']') + ",");
  memo::testing::write_file(files[0].first, record);
  EXPECT_EQ(evaluate_ok(file), (json{{"mode", "PASS"}}));
}

}  // namespace
}  // namespace memo::config
