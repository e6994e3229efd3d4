#include "memo/config/loader.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memo/config/config.hpp"
#include "support/temp_dir.hpp"
#include "support/text_assertions.hpp"

namespace memo::config {
namespace {

using json = nlohmann::json;
using memo::testing::Contains;
using memo::testing::TempDir;

::testing::AssertionResult Lacks(const std::string& text, const std::string& part) {
  if (text.find(part) == std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" contains \"" << part << "\"";
}

// A workspace repo in a temp dir: <tmp>/repo with packages/a, so files above the repo can be
// written too. The environment is a map, never the process's own.
class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write("package.json", R"({"name": "root", "private": true, "workspaces": ["packages/*"]})");
    write("packages/a/package.json", R"({"name": "@scope/a", "version": "1.0.0"})");
    fs::create_directories(root() / ".git");
  }

  fs::path root() const { return dir_ / "repo"; }
  fs::path package() const { return root() / "packages" / "a"; }
  fs::path write(const std::string& relative, const std::string& content) const {
    return dir_.write("repo/" + relative, content);
  }

  EnvLookup env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto found = env_.find(name);
      if (found == env_.end()) return std::nullopt;
      return found->second;
    };
  }

  void set_flag(const std::string& key, const std::string& flag, const std::string& value) {
    flags_.values[key] = value;
    flags_.names[key] = flag;
  }

  std::expected<Config, std::string> load(const fs::path& cwd) const {
    return load_config(cwd, flags_, env());
  }

  Config load_ok(const fs::path& cwd) const {
    auto config = load(cwd);
    EXPECT_TRUE(config.has_value()) << config.error();
    return config ? *config : Config{};
  }
  Config load_ok() const { return load_ok(package()); }

  std::string load_error(const fs::path& cwd) const {
    auto config = load(cwd);
    EXPECT_FALSE(config.has_value()) << "loaded without an error";
    return config ? "" : config.error();
  }
  std::string load_error() const { return load_error(package()); }

  TempDir dir_;
  std::map<std::string, std::string> env_;
  Flags flags_;
};

// --- Small pieces of config.hpp ---------------------------------------------------------------

TEST(LoaderModeTest, ParseModeAndModeNameRoundTrip) {
  for (Mode mode : {Mode::ReadWrite, Mode::ReadOnly, Mode::WriteOnly, Mode::Pass}) {
    auto parsed = parse_mode(mode_name(mode));
    ASSERT_TRUE(parsed.has_value()) << mode_name(mode);
    EXPECT_EQ(*parsed, mode);
  }
  EXPECT_EQ(mode_name(Mode::ReadWrite), "READ_WRITE");
  EXPECT_EQ(mode_name(Mode::ReadOnly), "READ_ONLY");
  EXPECT_EQ(mode_name(Mode::WriteOnly), "WRITE_ONLY");
  EXPECT_EQ(mode_name(Mode::Pass), "PASS");
  EXPECT_FALSE(parse_mode("read_write").has_value());
  EXPECT_FALSE(parse_mode("").has_value());
  EXPECT_FALSE(parse_mode("READWRITE").has_value());
}

TEST(LoaderOriginTest, DescribeAndCulprit) {
  Origin def;
  EXPECT_EQ(def.describe(), "default");
  Origin file{Origin::Kind::File, "/repo/memo.json", ""};
  EXPECT_EQ(file.describe(), "/repo/memo.json");
  EXPECT_EQ(file.culprit("mode"), "/repo/memo.json: \"mode\"");
  Origin dotenv{Origin::Kind::DotEnv, "/repo/.env", "MEMO_MODE"};
  EXPECT_EQ(dotenv.describe(), "/repo/.env MEMO_MODE");
  EXPECT_EQ(dotenv.culprit("mode"), "/repo/.env: MEMO_MODE");
  Origin env{Origin::Kind::Environment, "", "MEMO_MODE"};
  EXPECT_EQ(env.describe(), "env MEMO_MODE");
  EXPECT_EQ(env.culprit("mode"), "MEMO_MODE");
  Origin flag{Origin::Kind::Flag, "", "--mode"};
  EXPECT_EQ(flag.describe(), "flag --mode");
  EXPECT_EQ(flag.culprit("mode"), "--mode");
}

TEST(LoaderRedactTest, HidesSecretLookingValues) {
  json options = {{"connectionString", "AccountKey=s1"},
                  {"accountKey", "s2"},
                  {"token", "s3"},
                  {"password", "s4"},
                  {"SAS_TOKEN", "s5"},
                  {"ConnectionString", "s6"},
                  {"container", "builds"},
                  {"maxSize", 5}};
  json redacted = redact_secrets(options);
  for (const char* key :
       {"connectionString", "accountKey", "token", "password", "SAS_TOKEN", "ConnectionString"}) {
    EXPECT_EQ(redacted[key], "<redacted>") << key;
  }
  EXPECT_EQ(redacted["container"], "builds");
  EXPECT_EQ(redacted["maxSize"], 5);
  EXPECT_EQ(options["token"], "s3") << "the input is left alone";
}

TEST(LoaderRedactTest, RecursesIntoObjectsAndArrays) {
  json options = {{"nested", {{"password", "s1"}, {"user", "me"}}},
                  {"list", json::array({{{"token", "s2"}}, "plain"})},
                  {"credentials", {{"key", "s3"}, {"region", "eu"}}}};
  json redacted = redact_secrets(options);
  EXPECT_EQ(redacted["nested"]["password"], "<redacted>");
  EXPECT_EQ(redacted["nested"]["user"], "me");
  EXPECT_EQ(redacted["list"][0]["token"], "<redacted>");
  EXPECT_EQ(redacted["list"][1], "plain");
  EXPECT_EQ(redacted["credentials"]["key"], "<redacted>");
  EXPECT_EQ(redacted["credentials"]["region"], "eu");
  for (const char* secret : {"s1", "s2", "s3"}) {
    EXPECT_TRUE(Lacks(redacted.dump(), "\"" + std::string(secret) + "\""));
  }
}

// Found by the config fuzzer: only the first URL of a text lost its password.
TEST(LoaderRedactTest, EveryUrlOfATextLosesItsPassword) {
  EXPECT_EQ(redact_secret_parts("https://a:s1@h1/x https://c:s2@h2/y"),
            "https://a:<redacted>@h1/x https://c:<redacted>@h2/y");
  EXPECT_EQ(redact_secret_parts("mirrors=https://h0/x,https://c:s2@h2/y"),
            "mirrors=https://h0/x,https://c:<redacted>@h2/y");
  EXPECT_EQ(redact_secret_parts("https://h0 https://c:s2@h2"),
            "https://h0 https://c:<redacted>@h2");
  const std::string once = redact_secret_parts("AccountKey=k;x https://u:p@h https://v:q@i");
  EXPECT_TRUE(Lacks(once, "q@")) << once;
  EXPECT_EQ(redact_secret_parts(once), once) << "redacting twice changes nothing";
}

TEST(LoaderRedactTest, NonObjectsPassThrough) {
  EXPECT_EQ(redact_secrets(json("text")), json("text"));
  EXPECT_EQ(redact_secrets(json(3)), json(3));
  EXPECT_EQ(redact_secrets(json::object()), json::object());
}

// --- Defaults ---------------------------------------------------------------------------------

TEST_F(LoaderTest, DefaultsForEverySetting) {
  Config config = load_ok();
  EXPECT_EQ(config.package_root, package());
  EXPECT_EQ(config.repo_root, root());
  EXPECT_EQ(config.provider, "local");
  EXPECT_EQ(config.provider_options, json::object());
  EXPECT_EQ(config.cache_key, "");
  EXPECT_FALSE(config.clear_output);
  EXPECT_TRUE(config.env.empty());
  EXPECT_TRUE(config.environment_glob.empty());
  EXPECT_TRUE(config.hash_globs.empty());
  EXPECT_EQ(config.internal_cache_folder, root() / "node_modules" / ".cache" / "memo");
  EXPECT_EQ(config.log_folder, root() / "node_modules" / ".cache" / "memo" / "logs");
  EXPECT_EQ(config.log_level, util::LogLevel::Info);
  EXPECT_EQ(config.mode, Mode::ReadWrite);
  EXPECT_EQ(config.name, "@scope/a");
  EXPECT_EQ(config.output_glob, std::vector<std::string>{"lib/**"});
  EXPECT_FALSE(config.produce_performance_logs);
  EXPECT_EQ(config.performance_report_name, "");
  EXPECT_FALSE(config.validate_output);
}

TEST_F(LoaderTest, DefaultsAreShownWithDefaultOrigins) {
  Config config = load_ok();
  for (const auto& spec : setting_specs()) {
    const std::string key(spec.key);
    ASSERT_TRUE(config.shown.count(key)) << key;
    ASSERT_TRUE(config.origins.count(key)) << key;
    EXPECT_EQ(config.origins.at(key).kind, Origin::Kind::Default) << key;
    EXPECT_EQ(config.origins.at(key).describe(), "default") << key;
  }
  EXPECT_EQ(config.shown.size(), setting_specs().size());
  EXPECT_EQ(config.shown["mode"], "READ_WRITE");
  EXPECT_EQ(config.shown["logLevel"], "info");
  EXPECT_EQ(config.shown["outputGlob"], json::array({"lib/**"}));
  EXPECT_EQ(config.shown["cacheStorageConfig"],
            (json{{"provider", "local"}, {"options", json::object()}}));
  EXPECT_EQ(config.shown["packageRoot"], package().string());
  EXPECT_EQ(config.shown["name"], "@scope/a");
  EXPECT_EQ(config.shown["clearOutput"], false);
  EXPECT_EQ(config.shown["internalCacheFolder"],
            (root() / "node_modules" / ".cache" / "memo").string());
}

TEST_F(LoaderTest, PackageRootIsFoundFromASubfolder) {
  fs::create_directories(package() / "src" / "deep");
  Config config = load_ok(package() / "src" / "deep");
  EXPECT_EQ(config.package_root, package());
  EXPECT_EQ(config.repo_root, root());
}

TEST_F(LoaderTest, RunningAtTheRepoRootUsesTheRootPackage) {
  Config config = load_ok(root());
  EXPECT_EQ(config.package_root, root());
  EXPECT_EQ(config.repo_root, root());
  EXPECT_EQ(config.name, "root");
}

TEST_F(LoaderTest, GitFolderAloneMarksTheRepoRoot) {
  write("package.json", R"({"name": "root"})");  // no "workspaces"
  Config config = load_ok();
  EXPECT_EQ(config.repo_root, root());
  EXPECT_EQ(config.internal_cache_folder, root() / "node_modules" / ".cache" / "memo");
}

TEST_F(LoaderTest, WorkspacesAloneMarkTheRepoRoot) {
  fs::remove_all(root() / ".git");
  Config config = load_ok();
  EXPECT_EQ(config.repo_root, root());
}

TEST_F(LoaderTest, WithoutAnyRepoMarkerThePackageIsTheRepo) {
  // Only meaningful when nothing above the temp dir looks like a repo.
  for (fs::path dir = dir_.path();; dir = dir.parent_path()) {
    for (const char* marker :
         {".git", "package.json", "pnpm-workspace.yaml", "rush.json", "lerna.json"}) {
      if (fs::exists(dir / marker)) GTEST_SKIP() << "the temp dir is inside " << dir;
    }
    if (dir == dir.root_path()) break;
  }
  fs::remove_all(root() / ".git");
  write("package.json", R"({"name": "root"})");
  Config config = load_ok();
  EXPECT_EQ(config.package_root, package());
  EXPECT_EQ(config.repo_root, package());
  EXPECT_EQ(config.internal_cache_folder, package() / "node_modules" / ".cache" / "memo");
}

TEST_F(LoaderTest, NameFallsBackToTheFolderName) {
  write("packages/a/package.json", R"({"version": "1.0.0"})");
  EXPECT_EQ(load_ok().name, "a");
}

TEST_F(LoaderTest, NameSettingBeatsPackageJson) {
  write("packages/a/memo.json", R"({"name": "custom"})");
  Config config = load_ok();
  EXPECT_EQ(config.name, "custom");
  EXPECT_EQ(config.origins["name"].kind, Origin::Kind::File);
}

// --- Layering ---------------------------------------------------------------------------------

TEST_F(LoaderTest, RootConfigJsOverridesDefaults) {
  fs::path file = write("backfill.config.js",
                        "module.exports = { clearOutput: true, outputGlob: ['dist/**'] };\n");
  Config config = load_ok();
  EXPECT_TRUE(config.clear_output);
  EXPECT_EQ(config.output_glob, std::vector<std::string>{"dist/**"});
  EXPECT_EQ(config.origins["clearOutput"].kind, Origin::Kind::File);
  EXPECT_EQ(config.origins["clearOutput"].describe(), file.string());
  EXPECT_EQ(config.origins["mode"].kind, Origin::Kind::Default);
}

TEST_F(LoaderTest, NearerConfigJsWins) {
  fs::path root_file =
      write("backfill.config.js", "module.exports = { logLevel: 'warn', cacheKey: 'root' };\n");
  fs::path package_file =
      write("packages/a/backfill.config.js", "module.exports = { logLevel: 'error' };\n");
  Config config = load_ok();
  EXPECT_EQ(config.log_level, util::LogLevel::Error);
  EXPECT_EQ(config.origins["logLevel"].file, package_file.string());
  EXPECT_EQ(config.cache_key, "root");
  EXPECT_EQ(config.origins["cacheKey"].file, root_file.string());
}

TEST_F(LoaderTest, MemoJsonBeatsConfigJsEvenWhenTheJsIsNearer) {
  fs::path memo_json = write("memo.json", R"({"mode": "READ_ONLY"})");
  write("packages/a/backfill.config.js", "module.exports = { mode: 'WRITE_ONLY' };\n");
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::ReadOnly);
  EXPECT_EQ(config.origins["mode"].file, memo_json.string());
}

TEST_F(LoaderTest, NearerMemoJsonWins) {
  write("memo.json", R"({"mode": "READ_ONLY", "cacheKey": "root"})");
  write("packages/memo.json", R"({"mode": "WRITE_ONLY", "validateOutput": true})");
  fs::path package_file = write("packages/a/memo.json", R"({"mode": "PASS"})");
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::Pass);
  EXPECT_EQ(config.origins["mode"].file, package_file.string());
  EXPECT_EQ(config.cache_key, "root");
  EXPECT_TRUE(config.validate_output) << "a folder between the repo and the package counts";
}

TEST_F(LoaderTest, FilesAboveTheRepoRootAreIgnored) {
  dir_.write("memo.json", R"({"mode": "PASS"})");
  dir_.write("backfill.config.js", "module.exports = { clearOutput: true };\n");
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::ReadWrite);
  EXPECT_FALSE(config.clear_output);
}

TEST_F(LoaderTest, FilesInOtherPackagesAreIgnored) {
  write("packages/b/package.json", R"({"name": "b"})");
  write("packages/b/memo.json", R"({"mode": "PASS"})");
  EXPECT_EQ(load_ok().mode, Mode::ReadWrite);
}

TEST_F(LoaderTest, ConfigFlagFileBeatsMemoJson) {
  write("packages/a/memo.json", R"({"mode": "READ_ONLY", "cacheKey": "kept"})");
  fs::path extra = write("extra.json", R"({"mode": "WRITE_ONLY"})");
  flags_.config_file = "../../extra.json";  // relative to the working directory
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::WriteOnly);
  EXPECT_EQ(config.origins["mode"].file, extra.string());
  EXPECT_EQ(config.cache_key, "kept");
}

TEST_F(LoaderTest, ConfigFlagAcceptsAJsFile) {
  fs::path extra = write("ci.config.js", "module.exports = { mode: 'READ_ONLY' };\n");
  flags_.config_file = extra;
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::ReadOnly);
  EXPECT_EQ(config.origins["mode"].file, extra.string());
}

TEST_F(LoaderTest, ConfigFlagMissingFileIsAnError) {
  flags_.config_file = "nowhere.json";
  std::string error = load_error();
  EXPECT_TRUE(Contains(error, "--config"));
  EXPECT_TRUE(Contains(error, (package() / "nowhere.json").string()));
  EXPECT_TRUE(Contains(error, "not a file"));
}

TEST_F(LoaderTest, DotEnvBeatsConfigFlagFile) {
  flags_.config_file = write("extra.json", R"({"mode": "WRITE_ONLY"})");
  fs::path dotenv = write(".env", "MEMO_MODE=PASS\n");
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::Pass);
  EXPECT_EQ(config.origins["mode"].kind, Origin::Kind::DotEnv);
  EXPECT_EQ(config.origins["mode"].file, dotenv.string());
  EXPECT_EQ(config.origins["mode"].name, "MEMO_MODE");
  EXPECT_EQ(config.origins["mode"].describe(), dotenv.string() + " MEMO_MODE");
}

TEST_F(LoaderTest, OnlyTheRepoRootDotEnvIsRead) {
  write("packages/a/.env", "MEMO_MODE=PASS\n");
  EXPECT_EQ(load_ok().mode, Mode::ReadWrite);
}

TEST_F(LoaderTest, EnvironmentBeatsDotEnv) {
  write(".env", "MEMO_MODE=PASS\nMEMO_CACHE_KEY=from-dotenv\n");
  env_["BACKFILL_MODE"] = "READ_ONLY";
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::ReadOnly) << "a later layer wins whatever its prefix";
  EXPECT_EQ(config.origins["mode"].kind, Origin::Kind::Environment);
  EXPECT_EQ(config.origins["mode"].describe(), "env BACKFILL_MODE");
  EXPECT_EQ(config.cache_key, "from-dotenv");
}

TEST_F(LoaderTest, FlagsBeatEnvironment) {
  env_["MEMO_MODE"] = "READ_ONLY";
  env_["MEMO_LOG_LEVEL"] = "warn";
  set_flag("mode", "--mode", "PASS");
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::Pass);
  EXPECT_EQ(config.origins["mode"].kind, Origin::Kind::Flag);
  EXPECT_EQ(config.origins["mode"].describe(), "flag --mode");
  EXPECT_EQ(config.log_level, util::LogLevel::Warn);
}

TEST_F(LoaderTest, EveryLayerInOrder) {
  // Each layer sets "mode"; peeling them off from the top reveals the one below.
  write("backfill.config.js", "module.exports = { mode: 'READ_ONLY' };\n");
  write("packages/a/backfill.config.js", "module.exports = { mode: 'WRITE_ONLY' };\n");
  write("memo.json", R"({"mode": "PASS"})");
  write("packages/a/memo.json", R"({"mode": "READ_ONLY"})");
  flags_.config_file = write("extra.json", R"({"mode": "WRITE_ONLY"})");
  write(".env", "MEMO_MODE=PASS\n");
  env_["MEMO_MODE"] = "READ_ONLY";
  set_flag("mode", "--mode", "WRITE_ONLY");

  auto expect = [&](Mode mode, Origin::Kind kind, const std::string& where) {
    Config config = load_ok();
    EXPECT_EQ(config.mode, mode) << where;
    EXPECT_EQ(config.origins["mode"].kind, kind) << where;
    EXPECT_TRUE(Contains(config.origins["mode"].describe(), where));
  };
  expect(Mode::WriteOnly, Origin::Kind::Flag, "--mode");
  flags_.values.clear();
  expect(Mode::ReadOnly, Origin::Kind::Environment, "MEMO_MODE");
  env_.clear();
  expect(Mode::Pass, Origin::Kind::DotEnv, (root() / ".env").string());
  fs::remove(root() / ".env");
  expect(Mode::WriteOnly, Origin::Kind::File, (root() / "extra.json").string());
  flags_.config_file.reset();
  expect(Mode::ReadOnly, Origin::Kind::File, (package() / "memo.json").string());
  fs::remove(package() / "memo.json");
  expect(Mode::Pass, Origin::Kind::File, (root() / "memo.json").string());
  fs::remove(root() / "memo.json");
  expect(Mode::WriteOnly, Origin::Kind::File, (package() / "backfill.config.js").string());
  fs::remove(package() / "backfill.config.js");
  expect(Mode::ReadOnly, Origin::Kind::File, (root() / "backfill.config.js").string());
  fs::remove(root() / "backfill.config.js");
  expect(Mode::ReadWrite, Origin::Kind::Default, "default");
}

TEST_F(LoaderTest, SchemaKeyIsAllowedInMemoJson) {
  write("memo.json", R"({"$schema": "https://example.com/memo.schema.json", "mode": "PASS"})");
  EXPECT_EQ(load_ok().mode, Mode::Pass);
}

TEST_F(LoaderTest, ConfigJsIgnoresUnknownKeysAndPackageRoot) {
  write("packages/a/backfill.config.js",
        "module.exports = { packageRoot: '/elsewhere', incrementalCaching: true, "
        "mode: 'PASS' };\n");
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::Pass);
  EXPECT_EQ(config.package_root, package());
  EXPECT_EQ(config.origins["packageRoot"].kind, Origin::Kind::Default);
}

TEST_F(LoaderTest, EverySettingFromMemoJson) {
  write("packages/a/memo.json", R"({
    "cacheStorageConfig": {"provider": "local-skip", "options": {"maxSize": 3}},
    "cacheKey": "salt",
    "clearOutput": true,
    "env": ["NODE_ENV"],
    "environmentGlob": ["tsconfig.base.json"],
    "hashGlobs": ["src/**", "package.json"],
    "internalCacheFolder": "/abs/cache",
    "logFolder": "/abs/logs",
    "logLevel": "silly",
    "mode": "WRITE_ONLY",
    "restoreMode": "clone",
    "name": "renamed",
    "outputGlob": ["lib/**", "!lib/**/*.map"],
    "producePerformanceLogs": true,
    "performanceReportName": "report",
    "validateOutput": true,
    "includeRootDependencies": false,
    "incrementalCaching": true,
    "inputs": {"package": ["src/**"], "deps": ["package.json"], "root": ["tsconfig.json"]},
    "maxCacheSize": "5GB",
    "writeRemoteCache": true,
    "skipLocalCache": true,
    "skipRemoteCache": true,
    "remoteConnectTimeout": 250,
    "remoteStallTimeout": 7,
    "remoteUploadTimeout": 9
  })");
  Config config = load_ok();
  EXPECT_EQ(config.provider, "local-skip");
  EXPECT_EQ(config.provider_options, (json{{"maxSize", 3}}));
  EXPECT_EQ(config.cache_key, "salt");
  EXPECT_TRUE(config.clear_output);
  EXPECT_EQ(config.env, std::vector<std::string>{"NODE_ENV"});
  EXPECT_EQ(config.environment_glob, std::vector<std::string>{"tsconfig.base.json"});
  EXPECT_EQ(config.hash_globs, (std::vector<std::string>{"src/**", "package.json"}));
  EXPECT_EQ(config.internal_cache_folder, fs::path("/abs/cache"));
  EXPECT_EQ(config.log_folder, fs::path("/abs/logs"));
  EXPECT_EQ(config.log_level, util::LogLevel::Silly);
  EXPECT_EQ(config.mode, Mode::WriteOnly);
  EXPECT_EQ(config.restore_mode, RestoreMode::Clone);
  EXPECT_EQ(config.name, "renamed");
  EXPECT_EQ(config.output_glob, (std::vector<std::string>{"lib/**", "!lib/**/*.map"}));
  EXPECT_TRUE(config.produce_performance_logs);
  EXPECT_EQ(config.performance_report_name, "report");
  EXPECT_TRUE(config.validate_output);
  EXPECT_EQ(config.inputs.package, std::vector<std::string>{"src/**"});
  EXPECT_EQ(config.inputs.deps, std::vector<std::string>{"package.json"});
  EXPECT_EQ(config.inputs.root, std::vector<std::string>{"tsconfig.json"});
  EXPECT_EQ(config.max_cache_size, 5000000000u);
  EXPECT_TRUE(config.write_remote_cache);
  EXPECT_TRUE(config.skip_local_cache);
  EXPECT_TRUE(config.skip_remote_cache);
  EXPECT_EQ(config.remote_connect_timeout_ms, 250u);
  EXPECT_EQ(config.remote_stall_timeout_s, 7u);
  EXPECT_EQ(config.remote_upload_timeout_s, 9u);
  for (const auto& spec : setting_specs()) {
    if (spec.key == "packageRoot") continue;
    EXPECT_EQ(config.origins[std::string(spec.key)].kind, Origin::Kind::File) << spec.key;
  }
}

// --- Environment variables --------------------------------------------------------------------

TEST_F(LoaderTest, MemoPrefixBeatsBackfillPrefix) {
  env_["BACKFILL_MODE"] = "READ_ONLY";
  env_["MEMO_MODE"] = "PASS";
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::Pass);
  EXPECT_EQ(config.origins["mode"].name, "MEMO_MODE");
}

TEST_F(LoaderTest, MemoPrefixBeatsBackfillPrefixInDotEnv) {
  write(".env", "MEMO_LOG_LEVEL=error\nBACKFILL_LOG_LEVEL=verbose\n");
  Config config = load_ok();
  EXPECT_EQ(config.log_level, util::LogLevel::Error);
  EXPECT_EQ(config.origins["logLevel"].name, "MEMO_LOG_LEVEL");
}

TEST_F(LoaderTest, EveryBackfillVariableMapsToItsSetting) {
  struct Case {
    std::string text;
    std::function<void(const Config&)> check;
  };
  const std::map<std::string, Case> cases{
      {"CACHE_PROVIDER",
       {"local-skip", [](const Config& c) { EXPECT_EQ(c.provider, "local-skip"); }}},
      {"CLEAR_OUTPUT", {"true", [](const Config& c) { EXPECT_TRUE(c.clear_output); }}},
      {"INTERNAL_CACHE_FOLDER",
       {"/abs/cache",
        [](const Config& c) { EXPECT_EQ(c.internal_cache_folder, fs::path("/abs/cache")); }}},
      {"LOG_FOLDER",
       {"/abs/logs", [](const Config& c) { EXPECT_EQ(c.log_folder, fs::path("/abs/logs")); }}},
      {"LOG_LEVEL",
       {"verbose", [](const Config& c) { EXPECT_EQ(c.log_level, util::LogLevel::Verbose); }}},
      {"MODE", {"READ_ONLY", [](const Config& c) { EXPECT_EQ(c.mode, Mode::ReadOnly); }}},
      {"NAME", {"from-env", [](const Config& c) { EXPECT_EQ(c.name, "from-env"); }}},
      {"OUTPUT_GLOB",
       {R"(["dist/**", "types/**"])",
        [](const Config& c) {
          EXPECT_EQ(c.output_glob, (std::vector<std::string>{"dist/**", "types/**"}));
        }}},
      {"PRODUCE_PERFORMANCE_LOGS",
       {"true", [](const Config& c) { EXPECT_TRUE(c.produce_performance_logs); }}},
      {"INCREMENTAL_CACHING", {"true", [](const Config&) {}}},
      {"PERFORMANCE_REPORT_NAME",
       {"perf", [](const Config& c) { EXPECT_EQ(c.performance_report_name, "perf"); }}},
      {"VALIDATE_OUTPUT", {"true", [](const Config& c) { EXPECT_TRUE(c.validate_output); }}},
  };
  std::set<std::string> honoured;
  for (const auto& spec : setting_specs()) {
    if (!spec.backfill_reads_env || spec.key == "packageRoot") continue;
    const std::string suffix(spec.env_suffix);
    honoured.insert(suffix);
    auto found = cases.find(suffix);
    if (found == cases.end()) {
      ADD_FAILURE() << "no test case for BACKFILL_" << suffix;
      continue;
    }
    const std::string name = "BACKFILL_" + suffix;
    env_ = {{name, found->second.text}};
    SCOPED_TRACE(name);
    Config config = load_ok();
    found->second.check(config);
    EXPECT_EQ(config.origins[std::string(spec.key)].kind, Origin::Kind::Environment);
    EXPECT_EQ(config.origins[std::string(spec.key)].name, name);
  }
  for (const auto& [suffix, unused] : cases) {
    EXPECT_TRUE(honoured.count(suffix)) << "BACKFILL_" << suffix << " is not honoured";
  }
}

TEST_F(LoaderTest, MemoOnlyVariables) {
  // backfill has no variable for these, so only MEMO_* sets them.
  env_ = {{"BACKFILL_CACHE_KEY", "b"},
          {"BACKFILL_ENVIRONMENT_GLOB", R"(["b.json"])"},
          {"BACKFILL_HASH_GLOBS", R"(["b/**"])"}};
  Config config = load_ok();
  EXPECT_EQ(config.cache_key, "");
  EXPECT_TRUE(config.environment_glob.empty());
  EXPECT_TRUE(config.hash_globs.empty());

  env_ = {{"MEMO_CACHE_KEY", "salt"},
          {"MEMO_ENVIRONMENT_GLOB", R"(["tsconfig.json"])"},
          {"MEMO_HASH_GLOBS", R"(["src/**"])"}};
  config = load_ok();
  EXPECT_EQ(config.cache_key, "salt");
  EXPECT_EQ(config.environment_glob, std::vector<std::string>{"tsconfig.json"});
  EXPECT_EQ(config.hash_globs, std::vector<std::string>{"src/**"});
  EXPECT_EQ(config.origins["cacheKey"].describe(), "env MEMO_CACHE_KEY");
}

TEST_F(LoaderTest, EveryMemoVariableMapsToItsSetting) {
  const Config defaults = load_ok();
  for (const auto& spec : setting_specs()) {
    if (spec.env_suffix.empty() || spec.key == "packageRoot") continue;
    const std::string name = "MEMO_" + std::string(spec.env_suffix);
    SCOPED_TRACE(name);
    std::string text;
    switch (spec.type) {
      case SettingSpec::Type::String:
        text = "text";
        break;
      case SettingSpec::Type::Bool:
        text = defaults.shown.at(std::string(spec.key)) == true ? "false" : "true";
        break;
      case SettingSpec::Type::StringList:
      case SettingSpec::Type::GlobList:
        text = R"(["x/**"])";
        break;
      case SettingSpec::Type::Mode:
        text = "PASS";
        break;
      case SettingSpec::Type::RestoreMode:
        text = "hardlink";
        break;
      case SettingSpec::Type::LogLevel:
        text = "silly";
        break;
      case SettingSpec::Type::Path:
        text = "/abs/path";
        break;
      case SettingSpec::Type::Provider:
        text = "local-skip";
        break;
      case SettingSpec::Type::Size:
        text = "5GB";
        break;
      case SettingSpec::Type::Number:
        text = "4321";
        break;
      case SettingSpec::Type::Inputs:
        break;  // no variable
    }
    env_ = {{name, text}};
    Config config = load_ok();
    const std::string key(spec.key);
    EXPECT_EQ(config.origins[key].kind, Origin::Kind::Environment);
    EXPECT_EQ(config.origins[key].name, name);
    EXPECT_NE(config.shown[key], defaults.shown.at(key)) << "the value did not change";
  }
}

TEST_F(LoaderTest, EmptyVariablesAreIgnored) {
  write("memo.json", R"({"mode": "READ_ONLY", "outputGlob": ["dist/**"]})");
  env_ = {{"BACKFILL_MODE", ""},
          {"MEMO_MODE", ""},
          {"BACKFILL_OUTPUT_GLOB", ""},
          {"BACKFILL_LOG_LEVEL", "warn"},
          {"MEMO_LOG_LEVEL", ""},
          {"BACKFILL_PACKAGE_ROOT", ""},
          {"MEMO_CACHE_PROVIDER_OPTIONS", ""},
          {"BACKFILL_CACHE_PROVIDER", ""}};
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::ReadOnly);
  EXPECT_EQ(config.origins["mode"].kind, Origin::Kind::File);
  EXPECT_EQ(config.output_glob, std::vector<std::string>{"dist/**"});
  EXPECT_EQ(config.log_level, util::LogLevel::Warn) << "an empty MEMO_* does not hide BACKFILL_*";
  EXPECT_EQ(config.package_root, package());
  EXPECT_EQ(config.provider, "local");
}

TEST_F(LoaderTest, EmptyDotEnvValuesAreIgnored) {
  write("memo.json", R"({"mode": "READ_ONLY"})");
  write(".env", "MEMO_MODE=\nBACKFILL_MODE=\"\"\n");
  EXPECT_EQ(load_ok().mode, Mode::ReadOnly);
}

TEST_F(LoaderTest, BooleanVariablesAcceptTrueAndFalseOnly) {
  for (const auto& [text, expected] :
       std::vector<std::pair<std::string, bool>>{{"true", true}, {"false", false}}) {
    write("memo.json", std::string(R"({"clearOutput": )") + (expected ? "false" : "true") + "}");
    env_ = {{"BACKFILL_CLEAR_OUTPUT", text}};
    EXPECT_EQ(load_ok().clear_output, expected) << text;
  }
  // backfill reads "1" as false; memo stops rather than read it differently.
  for (const char* text : {"1", "0", "yes"}) {
    env_ = {{"BACKFILL_CLEAR_OUTPUT", text}};
    EXPECT_NE(load_error().find("expected true or false"), std::string::npos) << text;
  }
}

// --- Package root from the environment --------------------------------------------------------

TEST_F(LoaderTest, PackageRootFromBackfillVariable) {
  env_["BACKFILL_PACKAGE_ROOT"] = "packages/a";  // relative to the working directory
  Config config = load_ok(root());
  EXPECT_EQ(config.package_root, package());
  EXPECT_EQ(config.repo_root, root());
  EXPECT_EQ(config.name, "@scope/a");
  EXPECT_EQ(config.origins["packageRoot"].kind, Origin::Kind::Environment);
  EXPECT_EQ(config.origins["packageRoot"].name, "BACKFILL_PACKAGE_ROOT");
  EXPECT_EQ(config.shown["packageRoot"], package().string());
}

TEST_F(LoaderTest, PackageRootWithTrailingSlashOrAbsolute) {
  env_["BACKFILL_PACKAGE_ROOT"] = "packages/a/";
  Config config = load_ok(root());
  EXPECT_EQ(config.package_root, package());
  EXPECT_EQ(config.name, "@scope/a");
  env_["BACKFILL_PACKAGE_ROOT"] = package().string();
  EXPECT_EQ(load_ok(root() / "packages").package_root, package());
}

TEST_F(LoaderTest, MemoPackageRootBeatsBackfillPackageRoot) {
  write("packages/b/package.json", R"({"name": "b"})");
  env_ = {{"BACKFILL_PACKAGE_ROOT", "packages/a"}, {"MEMO_PACKAGE_ROOT", "packages/b"}};
  Config config = load_ok(root());
  EXPECT_EQ(config.package_root, root() / "packages" / "b");
  EXPECT_EQ(config.origins["packageRoot"].name, "MEMO_PACKAGE_ROOT");
}

TEST_F(LoaderTest, PackageRootPointingAtAMissingFolderIsAnError) {
  env_["BACKFILL_PACKAGE_ROOT"] = "packages/missing";
  std::string error = load_error(root());
  EXPECT_TRUE(Contains(error, "BACKFILL_PACKAGE_ROOT"));
  EXPECT_TRUE(Contains(error, "packages/missing"));
  EXPECT_TRUE(Contains(error, "not a folder"));
}

TEST_F(LoaderTest, PackageRootPointingAtAFileIsAnError) {
  env_["MEMO_PACKAGE_ROOT"] = "packages/a/package.json";
  std::string error = load_error(root());
  EXPECT_TRUE(Contains(error, "MEMO_PACKAGE_ROOT"));
  EXPECT_TRUE(Contains(error, "not a folder"));
}

TEST_F(LoaderTest, PackageRootInDotEnvIsNotRead) {
  // The package (and so the repo and its .env) is located before .env could be read.
  write(".env", "BACKFILL_PACKAGE_ROOT=packages/missing\n");
  Config config = load_ok();
  EXPECT_EQ(config.package_root, package());
}

// --- Cache provider ---------------------------------------------------------------------------

TEST_F(LoaderTest, ProviderAndOptionsFromEnvironment) {
  env_ = {{"BACKFILL_CACHE_PROVIDER", "local-skip"},
          {"BACKFILL_CACHE_PROVIDER_OPTIONS", R"({"maxSize": 10, "container": "c"})"}};
  Config config = load_ok();
  EXPECT_EQ(config.provider, "local-skip");
  EXPECT_EQ(config.provider_options, (json{{"maxSize", 10}, {"container", "c"}}));
  EXPECT_EQ(config.origins["cacheStorageConfig"].kind, Origin::Kind::Environment);
  EXPECT_EQ(config.shown["cacheStorageConfig"],
            (json{{"provider", "local-skip"}, {"options", {{"maxSize", 10}, {"container", "c"}}}}));
}

TEST_F(LoaderTest, ProviderOptionsAloneKeepTheProviderOfALowerLayer) {
  write("memo.json", R"({"cacheStorageConfig": {"provider": "local-skip"}})");
  env_["BACKFILL_CACHE_PROVIDER_OPTIONS"] = R"({"maxSize": 1})";
  Config config = load_ok();
  EXPECT_EQ(config.provider, "local-skip");
  EXPECT_EQ(config.provider_options, (json{{"maxSize", 1}}));
}

TEST_F(LoaderTest, ProviderOptionsAloneDefaultToLocal) {
  env_["MEMO_CACHE_PROVIDER_OPTIONS"] = R"({"maxSize": 1})";
  Config config = load_ok();
  EXPECT_EQ(config.provider, "local");
  EXPECT_EQ(config.provider_options, (json{{"maxSize", 1}}));
}

TEST_F(LoaderTest, MemoProviderOptionsBeatBackfillProviderOptions) {
  env_ = {{"BACKFILL_CACHE_PROVIDER_OPTIONS", R"({"from": "backfill"})"},
          {"MEMO_CACHE_PROVIDER_OPTIONS", R"({"from": "memo"})"}};
  EXPECT_EQ(load_ok().provider_options, (json{{"from", "memo"}}));
}

TEST_F(LoaderTest, ProviderVariableWithoutOptionsDropsFileOptions) {
  write("memo.json", R"({"cacheStorageConfig": {"provider": "local-skip", "options": {"a": 1}}})");
  env_["BACKFILL_CACHE_PROVIDER"] = "local";
  Config config = load_ok();
  EXPECT_EQ(config.provider, "local");
  EXPECT_EQ(config.provider_options, json::object());
}

TEST_F(LoaderTest, ProviderFlagKeepsOptionsFromBelow) {
  env_ = {{"BACKFILL_CACHE_PROVIDER", "local"},
          {"BACKFILL_CACHE_PROVIDER_OPTIONS", R"({"maxSize": 2})"}};
  set_flag("cacheStorageConfig", "--cache-provider", "local-skip");
  Config config = load_ok();
  EXPECT_EQ(config.provider, "local-skip");
  EXPECT_EQ(config.provider_options, (json{{"maxSize", 2}}));
  EXPECT_EQ(config.origins["cacheStorageConfig"].describe(), "flag --cache-provider");
}

TEST_F(LoaderTest, NullProviderOptionsInAFileMeanNone) {
  write("memo.json", R"({"cacheStorageConfig": {"provider": "local-skip", "options": null}})");
  Config config = load_ok();
  EXPECT_EQ(config.provider, "local-skip");
  EXPECT_EQ(config.provider_options, json::object());
}

TEST_F(LoaderTest, UnknownProviderIsAnError) {
  env_["BACKFILL_CACHE_PROVIDER"] = "floppy";
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with("BACKFILL_CACHE_PROVIDER: ")) << error;
  EXPECT_TRUE(Contains(error, "unknown cache provider \"floppy\""));
  EXPECT_TRUE(Contains(error, "local, local-skip"));
}

TEST_F(LoaderTest, UnknownProviderInAFileNamesTheFile) {
  fs::path file = write("memo.json", R"({"cacheStorageConfig": {"provider": "floppy"}})");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": \"cacheStorageConfig\"")) << error;
  EXPECT_TRUE(Contains(error, "floppy"));
}

TEST_F(LoaderTest, UnknownProviderFlagNamesTheFlag) {
  set_flag("cacheStorageConfig", "--cache-provider", "floppy");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with("--cache-provider: ")) << error;
  EXPECT_TRUE(Contains(error, "floppy"));
}

TEST_F(LoaderTest, AzureBlobIsAProvider) {
  env_["BACKFILL_CACHE_PROVIDER"] = "azure-blob";
  Config config = load_ok();
  EXPECT_EQ(config.provider, "azure-blob");
  EXPECT_EQ(config.origins["cacheStorageConfig"].name, "BACKFILL_CACHE_PROVIDER");
}

TEST_F(LoaderTest, AzureBlobWithOptionsFromTheEnvironmentHidesTheSecret) {
  // The usual backfill setup: the provider and its connection string both in the environment.
  env_ = {{"BACKFILL_CACHE_PROVIDER", "azure-blob"},
          {"BACKFILL_CACHE_PROVIDER_OPTIONS",
           R"({"connectionString": "AccountKey=SENTINEL-SECRET-42", "container": "c"})"}};
  Config config = load_ok();
  EXPECT_EQ(config.provider, "azure-blob");
  EXPECT_EQ(config.provider_options["container"], "c");
  EXPECT_TRUE(Contains(config.provider_options.dump(), "SENTINEL-SECRET-42"));
  EXPECT_TRUE(Lacks(config.shown["cacheStorageConfig"].dump(), "SENTINEL-SECRET-42"));
}

TEST_F(LoaderTest, AzureBlobInAFileWithOptionsFromTheEnvironment) {
  write("memo.json", R"({"cacheStorageConfig": {"provider": "azure-blob"}})");
  env_["BACKFILL_CACHE_PROVIDER_OPTIONS"] = R"({"connectionString": "SENTINEL-SECRET-42"})";
  Config config = load_ok();
  EXPECT_EQ(config.provider, "azure-blob");
  EXPECT_TRUE(Contains(config.provider_options.dump(), "SENTINEL-SECRET-42"));
  EXPECT_TRUE(Lacks(config.shown["cacheStorageConfig"].dump(), "SENTINEL-SECRET-42"));
}

TEST_F(LoaderTest, LagesWriteCacheVariablesTurnOnWritingTheRemote) {
  EXPECT_FALSE(load_ok().write_remote_cache);
  for (const char* name :
       {"LAGE_WRITE_REMOTE_CACHE", "LAGE_WRITE_CACHE", "MEMO_WRITE_REMOTE_CACHE"}) {
    SCOPED_TRACE(name);
    env_ = {{name, "true"}};
    Config config = load_ok();
    EXPECT_TRUE(config.write_remote_cache);
    EXPECT_EQ(config.origins["writeRemoteCache"].name, name);
  }
  // MEMO_ wins over lage's name.
  env_ = {{"LAGE_WRITE_CACHE", "true"}, {"MEMO_WRITE_REMOTE_CACHE", "false"}};
  EXPECT_FALSE(load_ok().write_remote_cache);
}

TEST_F(LoaderTest, ATimeoutIsAWholeNumber) {
  env_ = {{"MEMO_REMOTE_CONNECT_TIMEOUT", "2s"}};
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with("MEMO_REMOTE_CONNECT_TIMEOUT: ")) << error;
  EXPECT_TRUE(Contains(error, "whole number")) << error;
}

TEST_F(LoaderTest, BadProviderOptionsJsonIsAnErrorThatDoesNotEchoIt) {
  for (const std::string& text :
       {std::string(R"({"connectionString": "AccountKey=SENTINEL-SECRET-42")"),
        std::string(R"("AccountKey=SENTINEL-SECRET-42")"), std::string(R"(["SENTINEL-SECRET-42"])"),
        std::string("SENTINEL-SECRET-42")}) {
    env_ = {{"BACKFILL_CACHE_PROVIDER_OPTIONS", text}};
    std::string error = load_error();
    EXPECT_TRUE(error.starts_with("BACKFILL_CACHE_PROVIDER_OPTIONS: ")) << error;
    EXPECT_TRUE(Contains(error, "expected a JSON object"));
    EXPECT_TRUE(Lacks(error, "SENTINEL"));
  }
}

TEST_F(LoaderTest, BadProviderOptionsInDotEnvNamesTheFile) {
  write(".env", "MEMO_CACHE_PROVIDER_OPTIONS={\"token\": \"SENTINEL-SECRET-42\"\n");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with((root() / ".env").string() + ": MEMO_CACHE_PROVIDER_OPTIONS"))
      << error;
  EXPECT_TRUE(Lacks(error, "SENTINEL"));
}

TEST_F(LoaderTest, ProviderWithTheWrongShapeInAFile) {
  for (const char* value : {R"("local")", R"({"options": {}})", R"({"provider": 5})",
                            R"({"provider": "local", "options": "x"})"}) {
    fs::path file = write("memo.json", std::string(R"({"cacheStorageConfig": )") + value + "}");
    std::string error = load_error();
    EXPECT_TRUE(error.starts_with(file.string() + ": \"cacheStorageConfig\"")) << error;
    EXPECT_TRUE(Contains(error, "expected {\"provider\""));
  }
}

TEST_F(LoaderTest, ProviderOptionsOverAProviderOfTheWrongTypeIsAnError) {
  fs::path file = write("memo.json", R"({"cacheStorageConfig": {"provider": 5}})");
  env_["BACKFILL_CACHE_PROVIDER_OPTIONS"] = R"({"maxSize": 1})";
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": \"cacheStorageConfig\"")) << error;
}

// --- Secrets ----------------------------------------------------------------------------------

TEST_F(LoaderTest, SecretsNeverAppearInShownValues) {
  const std::string sentinel = "SENTINEL-SECRET-42";
  write("memo.json", R"({"cacheStorageConfig": {"provider": "local", "options": {
      "connectionString": "AccountKey=SENTINEL-SECRET-42-a",
      "nested": {"key": "SENTINEL-SECRET-42-b", "token": "SENTINEL-SECRET-42-c"},
      "password": "SENTINEL-SECRET-42-d",
      "container": "visible"}}})");
  Config config = load_ok();
  EXPECT_EQ(config.provider_options["password"], sentinel + "-d") << "the real value is kept";
  for (const auto& [key, value] : config.shown) {
    EXPECT_TRUE(Lacks(value.dump(), sentinel)) << key;
  }
  const json& options = config.shown["cacheStorageConfig"]["options"];
  EXPECT_EQ(options["connectionString"], "<redacted>");
  EXPECT_EQ(options["nested"]["key"], "<redacted>");
  EXPECT_EQ(options["nested"]["token"], "<redacted>");
  EXPECT_EQ(options["password"], "<redacted>");
  EXPECT_EQ(options["container"], "visible");
}

TEST_F(LoaderTest, SecretsFromTheEnvironmentNeverAppearInShownValues) {
  env_["BACKFILL_CACHE_PROVIDER_OPTIONS"] =
      R"({"connectionString": "AccountKey=SENTINEL-SECRET-42", "maxSize": 5})";
  Config config = load_ok();
  EXPECT_EQ(config.provider_options["connectionString"], "AccountKey=SENTINEL-SECRET-42");
  for (const auto& [key, value] : config.shown) {
    EXPECT_TRUE(Lacks(value.dump(), "SENTINEL")) << key;
  }
  EXPECT_EQ(config.shown["cacheStorageConfig"]["options"]["maxSize"], 5);
}

// --- memo.json errors -------------------------------------------------------------------------

TEST_F(LoaderTest, MalformedMemoJsonNamesTheFile) {
  fs::path file = write("packages/a/memo.json", R"({"mode": "PASS",)");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "not valid JSON"));
  EXPECT_TRUE(Contains(error, "expected an object"));
}

TEST_F(LoaderTest, MemoJsonThatIsNotAnObject) {
  fs::path file = write("memo.json", R"(["lib/**"])");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "expected a JSON object"));
}

TEST_F(LoaderTest, UnknownKeyInMemoJson) {
  fs::path file = write("memo.json", R"({"outputGlobs": ["lib/**"]})");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "unknown setting \"outputGlobs\""));
  EXPECT_TRUE(Contains(error, "memo --help"));
}

TEST_F(LoaderTest, PackageRootIsNotAMemoJsonSetting) {
  fs::path file = write("memo.json", R"({"packageRoot": "packages/a"})");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_TRUE(Contains(error, "unknown setting \"packageRoot\""));
}

TEST_F(LoaderTest, WrongTypesInMemoJson) {
  struct Case {
    std::string key, value, expected;
  };
  for (const auto& c : std::vector<Case>{
           {"clearOutput", R"("yes")", "expected true or false, got \"yes\""},
           {"validateOutput", "1", "expected true or false, got 1"},
           {"outputGlob", R"("lib/**")", "expected an array of strings, got \"lib/**\""},
           {"outputGlob", R"(["lib/**", 3])", "expected an array of strings"},
           {"env", R"("NODE_ENV")", "expected an array of strings"},
           {"hashGlobs", "{}", "expected an array of strings"},
           {"mode", "1", "expected one of READ_WRITE, READ_ONLY, WRITE_ONLY, PASS, got 1"},
           {"logLevel", "true", "expected one of error, warn, info, verbose, silly, mute"},
           {"name", "5", "expected a string, got 5"},
           {"cacheKey", "null", "expected a string, got null"},
           {"internalCacheFolder", "false", "expected a string"},
           {"logFolder", "[]", "expected a string"},
       }) {
    fs::path file = write("packages/a/memo.json", "{\"" + c.key + "\": " + c.value + "}");
    std::string error = load_error();
    EXPECT_TRUE(error.starts_with(file.string() + ": \"" + c.key + "\": ")) << error;
    EXPECT_TRUE(Contains(error, c.expected)) << c.key;
  }
}

TEST_F(LoaderTest, WrongTypeInConfigJsNamesTheJsFile) {
  fs::path file = write("backfill.config.js", "module.exports = { clearOutput: 'yes' };\n");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": \"clearOutput\": ")) << error;
  EXPECT_TRUE(Contains(error, "expected true or false"));
}

TEST_F(LoaderTest, FunctionValueInConfigJsIsAnError) {
  fs::path file =
      write("backfill.config.js", "module.exports = { outputGlob: () => ['lib/**'] };\n");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": \"outputGlob\"")) << error;
  EXPECT_TRUE(Contains(error, "function"));
}

TEST_F(LoaderTest, CustomProviderInConfigJsIsAnError) {
  fs::path file = write("backfill.config.js",
                        "module.exports = { cacheStorageConfig: { provider: (logger, cwd) => ({}) "
                        "} };\n");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": \"cacheStorageConfig.provider\" is a function"))
      << error;
  EXPECT_TRUE(Contains(error, "custom cache providers are not supported"));
}

TEST_F(LoaderTest, BrokenConfigJsIsAnErrorNamingIt) {
  fs::path file = write("packages/a/backfill.config.js", "module.exports = {\n");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": ")) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

// --- Mode, log level, globs -------------------------------------------------------------------

TEST_F(LoaderTest, UnknownModeNamesTheCulpritAndTheChoices) {
  fs::path file = write("memo.json", R"({"mode": "READWRITE"})");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": \"mode\": ")) << error;
  EXPECT_TRUE(Contains(error, "READ_WRITE, READ_ONLY, WRITE_ONLY, PASS"));
  EXPECT_TRUE(Contains(error, "\"READWRITE\""));

  fs::remove(file);
  env_["MEMO_MODE"] = "fast";
  error = load_error();
  EXPECT_TRUE(error.starts_with("MEMO_MODE: ")) << error;
  EXPECT_TRUE(Contains(error, "\"fast\""));

  env_.clear();
  set_flag("mode", "--mode", "read_only");
  error = load_error();
  EXPECT_TRUE(error.starts_with("--mode: ")) << error;
  EXPECT_TRUE(Contains(error, "READ_WRITE, READ_ONLY, WRITE_ONLY, PASS"));
}

TEST_F(LoaderTest, UnknownModeInDotEnvNamesTheFileAndVariable) {
  write(".env", "BACKFILL_MODE=FAST\n");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with((root() / ".env").string() + ": BACKFILL_MODE: ")) << error;
  EXPECT_TRUE(Contains(error, "\"FAST\""));
}

TEST_F(LoaderTest, UnknownLogLevel) {
  env_["BACKFILL_LOG_LEVEL"] = "debug";
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with("BACKFILL_LOG_LEVEL: ")) << error;
  EXPECT_TRUE(Contains(error, "expected one of error, warn, info, verbose, silly, mute"));
  EXPECT_TRUE(Contains(error, "\"debug\""));

  env_.clear();
  set_flag("logLevel", "--log-level", "loud");
  error = load_error();
  EXPECT_TRUE(error.starts_with("--log-level: ")) << error;
  EXPECT_TRUE(Contains(error, "\"loud\""));
}

TEST_F(LoaderTest, EveryLogLevelIsAccepted) {
  for (const auto& [text, level] :
       std::vector<std::pair<std::string, util::LogLevel>>{{"error", util::LogLevel::Error},
                                                           {"warn", util::LogLevel::Warn},
                                                           {"info", util::LogLevel::Info},
                                                           {"verbose", util::LogLevel::Verbose},
                                                           {"silly", util::LogLevel::Silly},
                                                           {"mute", util::LogLevel::Mute}}) {
    env_ = {{"MEMO_LOG_LEVEL", text}};
    Config config = load_ok();
    EXPECT_EQ(config.log_level, level) << text;
    EXPECT_EQ(config.shown["logLevel"], text);
  }
}

TEST_F(LoaderTest, BadBooleanVariable) {
  env_["BACKFILL_VALIDATE_OUTPUT"] = "yes";
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with("BACKFILL_VALIDATE_OUTPUT: ")) << error;
  EXPECT_TRUE(Contains(error, "expected true or false, got \"yes\""));
}

TEST_F(LoaderTest, BadJsonInOutputGlobVariable) {
  for (const std::string& text :
       {std::string("lib/**"), std::string(R"(["lib/**")"), std::string(R"({"glob": "lib/**"})")}) {
    env_ = {{"BACKFILL_OUTPUT_GLOB", text}};
    std::string error = load_error();
    EXPECT_TRUE(error.starts_with("BACKFILL_OUTPUT_GLOB: ")) << error;
    EXPECT_TRUE(Contains(error, "expected a JSON array of globs"));
    EXPECT_TRUE(Contains(error, text));
  }
}

TEST_F(LoaderTest, OutputGlobVariableWithNonStrings) {
  env_["BACKFILL_OUTPUT_GLOB"] = "[1, 2]";
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with("BACKFILL_OUTPUT_GLOB: ")) << error;
  EXPECT_TRUE(Contains(error, "expected an array of strings"));
}

TEST_F(LoaderTest, BadOutputGlobFlag) {
  set_flag("outputGlob", "--output-glob", "not json");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with("--output-glob: ")) << error;
  EXPECT_TRUE(Contains(error, "expected a JSON array"));
}

TEST_F(LoaderTest, OutputGlobFlag) {
  set_flag("outputGlob", "--output-glob", R"(["dist/**", "types/**"])");
  Config config = load_ok();
  EXPECT_EQ(config.output_glob, (std::vector<std::string>{"dist/**", "types/**"}));
  EXPECT_EQ(config.origins["outputGlob"].describe(), "flag --output-glob");
}

TEST_F(LoaderTest, FlagWithoutARecordedNameUsesTheKey) {
  flags_.values["mode"] = "PASS";
  Config config = load_ok();
  EXPECT_EQ(config.mode, Mode::Pass);
  EXPECT_EQ(config.origins["mode"].kind, Origin::Kind::Flag);
}

TEST_F(LoaderTest, FlagsForUnknownSettingsAreIgnored) {
  flags_.values["noSuchSetting"] = "x";
  EXPECT_TRUE(load(package()).has_value());
}

TEST_F(LoaderTest, InvalidGlobInOutputGlob) {
  for (const char* glob : {"../outside/**", "/abs/**", "lib/[a"}) {
    fs::path file =
        write("packages/a/memo.json", std::string(R"({"outputGlob": [")") + glob + "\"]}");
    std::string error = load_error();
    EXPECT_TRUE(error.starts_with(file.string() + ": \"outputGlob\": ")) << error;
    EXPECT_TRUE(Contains(error, "invalid glob"));
    EXPECT_TRUE(Contains(error, glob));
  }
}

TEST_F(LoaderTest, InvalidGlobInOutputGlobVariable) {
  env_["MEMO_OUTPUT_GLOB"] = R"(["../x/**"])";
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with("MEMO_OUTPUT_GLOB: ")) << error;
  EXPECT_TRUE(Contains(error, "invalid glob"));
}

TEST_F(LoaderTest, InvalidGlobInHashGlobsAndEnvironmentGlob) {
  for (const char* key : {"hashGlobs", "environmentGlob"}) {
    fs::path file = write("memo.json", std::string("{\"") + key + R"(": ["ok/**", "../bad"]})");
    std::string error = load_error();
    EXPECT_TRUE(error.starts_with(file.string() + ": \"" + key + "\": ")) << error;
    EXPECT_TRUE(Contains(error, "invalid glob"));
  }
}

TEST_F(LoaderTest, EmptyOutputGlobIsAnError) {
  fs::path file = write("memo.json", R"({"outputGlob": []})");
  std::string error = load_error();
  EXPECT_TRUE(error.starts_with(file.string() + ": \"outputGlob\": ")) << error;
  EXPECT_TRUE(Contains(error, "at least one glob"));
}

// --- Paths ------------------------------------------------------------------------------------

TEST_F(LoaderTest, RelativeInternalCacheFolderIsRelativeToItsFile) {
  write("packages/a/memo.json", R"({"internalCacheFolder": "../../.cache/pkg"})");
  Config config = load_ok();
  EXPECT_EQ(config.internal_cache_folder, root() / ".cache" / "pkg");
  EXPECT_EQ(config.log_folder, root() / ".cache" / "pkg" / "logs")
      << "logFolder follows internalCacheFolder";
  EXPECT_EQ(config.shown["internalCacheFolder"], (root() / ".cache" / "pkg").string());
}

TEST_F(LoaderTest, RelativeInternalCacheFolderInARootFileIsRelativeToTheRoot) {
  write("memo.json", R"({"internalCacheFolder": "./cache/memo"})");
  write("backfill.config.js", "module.exports = { logFolder: 'logs/here' };\n");
  Config config = load_ok();
  EXPECT_EQ(config.internal_cache_folder, root() / "cache" / "memo");
  EXPECT_EQ(config.log_folder, root() / "logs" / "here");
}

TEST_F(LoaderTest, RelativeInternalCacheFolderInTheConfigFlagFile) {
  write("ci/ci.json", R"({"internalCacheFolder": "store"})");
  flags_.config_file = root() / "ci" / "ci.json";
  EXPECT_EQ(load_ok().internal_cache_folder, root() / "ci" / "store");
}

TEST_F(LoaderTest, RelativeInternalCacheFolderFromVariablesIsRelativeToTheRepoRoot) {
  env_["BACKFILL_INTERNAL_CACHE_FOLDER"] = "node_modules/.cache/backfill";
  EXPECT_EQ(load_ok().internal_cache_folder, root() / "node_modules" / ".cache" / "backfill");
  env_.clear();
  write(".env", "MEMO_INTERNAL_CACHE_FOLDER=store\n");
  EXPECT_EQ(load_ok().internal_cache_folder, root() / "store");
}

TEST_F(LoaderTest, AbsoluteInternalCacheFolderIsKept) {
  fs::path elsewhere = dir_ / "elsewhere";
  env_["MEMO_INTERNAL_CACHE_FOLDER"] = (elsewhere / "x" / ".." / "y").string();
  EXPECT_EQ(load_ok().internal_cache_folder, elsewhere / "y");
}

TEST_F(LoaderTest, ExplicitLogFolderIsIndependentOfTheCacheFolder) {
  write("memo.json", R"({"internalCacheFolder": "/abs/cache", "logFolder": "perf"})");
  Config config = load_ok();
  EXPECT_EQ(config.internal_cache_folder, fs::path("/abs/cache"));
  EXPECT_EQ(config.log_folder, root() / "perf");
}

// Found by the .env fuzzer: a value that is not UTF-8 made the error message (or `memo config`)
// throw from nlohmann's dump(), and memo died of it; a number too big for a double did too.
TEST_F(LoaderTest, BytesThatAreNotUtf8OrNumbersTooBigAreErrorsNotCrashes) {
  env_["BACKFILL_MODE"] = "READ\xff";
  EXPECT_TRUE(Contains(load_error(), "BACKFILL_MODE"));
  env_.clear();
  env_["MEMO_LOG_LEVEL"] = "\xfe";
  EXPECT_TRUE(Contains(load_error(), "MEMO_LOG_LEVEL"));
  env_.clear();
  env_["MEMO_OUTPUT_GLOB"] = "1e999";
  EXPECT_TRUE(Contains(load_error(), "MEMO_OUTPUT_GLOB"));
  env_.clear();
  env_["BACKFILL_CACHE_PROVIDER_OPTIONS"] = R"({"maxSize": 1e999})";
  EXPECT_TRUE(Contains(load_error(), "not valid JSON"));
  env_.clear();
  env_["MEMO_CACHE_KEY"] = "v\xff";
  Config config = load_ok();
  EXPECT_EQ(config.cache_key, "v\xff");
}

}  // namespace
}  // namespace memo::config
