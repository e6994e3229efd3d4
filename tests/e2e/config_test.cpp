// Config layering end to end: files, .env, environment, flags, and the errors that stop memo.
#include <nlohmann/json.hpp>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public MonorepoTest {
 protected:
  // Runs a command that leaves a marker, so a test can prove nothing ran.
  MemoRun run_marked(const std::map<std::string, std::string>& env = {},
                     std::vector<std::string> flags = {}) const {
    flags.push_back("--");
    flags.push_back("touch ran.marker");
    return memo(flags, env);
  }
  bool ran() const { return exists("packages/a/ran.marker"); }
};

TEST_F(ConfigTest, MalformedMemoJsonStopsBeforeRunning) {
  write("packages/a/memo.json", "{\"outputGlob\": [\"lib/**\"");
  auto run = run_marked();
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_FALSE(ran());
  EXPECT_NE(run.err.find((package() / "memo.json").string()), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("not valid JSON (at line 1, column 25"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << "one line: " << run.err;
}

TEST_F(ConfigTest, UnknownModeInAFileNamesTheFileAndTheChoices) {
  write("memo.json", R"({"mode": "FAST"})");
  auto run = run_marked();
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_FALSE(ran());
  EXPECT_NE(run.err.find((repo() / "memo.json").string() + ": \"mode\""), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("READ_WRITE, READ_ONLY, WRITE_ONLY, PASS"), std::string::npos);
}

TEST_F(ConfigTest, BadEnvironmentValuesStopBeforeRunning) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"BACKFILL_MODE", "FAST"},
           {"BACKFILL_CACHE_PROVIDER", "floppy"},
           {"BACKFILL_CACHE_PROVIDER_OPTIONS", "{not json"},
           {"BACKFILL_OUTPUT_GLOB", "lib/**"},
           {"BACKFILL_LOG_LEVEL", "loud"},
           {"MEMO_CLEAR_OUTPUT", "maybe"}}) {
    auto run = run_marked({{name, value}});
    EXPECT_EQ(run.exit_code, 2) << name;
    EXPECT_TRUE(run.err.starts_with("memo: error: " + name)) << run.err;
    EXPECT_FALSE(ran()) << name;
  }
}

TEST_F(ConfigTest, ARemoteProviderWithoutItsOptionsStopsBeforeAnythingRuns) {
  auto run = run_marked({{"BACKFILL_CACHE_PROVIDER", "azure-blob"}});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("cacheStorageConfig"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("BACKFILL_CACHE_PROVIDER"), std::string::npos) << run.err;
}

TEST_F(ConfigTest, BackfillConfigJsIsEvaluatedWithNode) {
  write("packages/a/backfill.config.js",
        "module.exports = { outputGlob: ['dist/**'], name: process.env.BUILD_FLAVOUR ? 'ci-name' : "
        "'laptop' };");
  auto run = memo({"--", "mkdir -p dist && echo d > dist/d.js"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("laptop: miss"), std::string::npos) << run.err;
  fs::remove_all(package() / "dist");
  auto hit = memo({"--", "mkdir -p dist && echo d > dist/d.js"});
  EXPECT_NE(hit.err.find("laptop: hit"), std::string::npos) << hit.err;
  EXPECT_TRUE(exists("packages/a/dist/d.js"));
  // The cached evaluation notices the env var the config read.
  auto in_ci = memo({"config", "--json"}, {{"BUILD_FLAVOUR", "ci"}});
  EXPECT_NE(in_ci.out.find("ci-name"), std::string::npos) << in_ci.out << in_ci.err;
}

TEST_F(ConfigTest, BackfillConfigJsSyntaxErrorNamesTheFile) {
  write("packages/a/backfill.config.js", "module.exports = { outputGlob: [ };");
  auto run = run_marked();
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_FALSE(ran());
  EXPECT_NE(run.err.find((package() / "backfill.config.js").string()), std::string::npos)
      << run.err;
}

TEST_F(ConfigTest, LayersAndOriginsShownByMemoConfig) {
  write("backfill.config.js", "module.exports = { clearOutput: true, cacheKey: 'from-js' };");
  write("memo.json", R"({"cacheKey": "root-json", "validateOutput": true})");
  write("packages/a/memo.json", R"({"cacheKey": "package-json"})");
  write(".env", "MEMO_LOG_FOLDER=from-dotenv\nBACKFILL_NAME=dotenv-name\n");
  auto run = memo({"config", "--mode", "READ_ONLY"}, {{"BACKFILL_NAME", "env-name"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto has = [&](const std::string& line) {
    EXPECT_NE(run.out.find(line), std::string::npos) << "missing: " << line << "\n" << run.out;
  };
  has("cacheKey = \"package-json\"  (" + (package() / "memo.json").string() + ")");
  has("clearOutput = true  (" + (repo() / "backfill.config.js").string() + ")");
  has("validateOutput = true  (" + (repo() / "memo.json").string() + ")");
  has("logFolder = \"" + (repo() / "from-dotenv").string() + "\"  (" + (repo() / ".env").string() +
      " MEMO_LOG_FOLDER)");
  has("name = \"env-name\"  (env BACKFILL_NAME)");
  has("mode = \"READ_ONLY\"  (flag --mode)");
  has("outputGlob = [\"lib/**\"]  (default)");
}

TEST_F(ConfigTest, ConfigFlagAndCwdFlag) {
  write("extra.json", R"({"outputGlob": ["out/**"]})");
  auto run = run_memo({"config", "--cwd", "packages/a", "--config", "extra.json"}, repo());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("outputGlob = [\"out/**\"]  (" + (repo() / "extra.json").string()),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("name = \"@demo/a\""), std::string::npos);
}

TEST_F(ConfigTest, SecretsInProviderOptionsAreNeverPrinted) {
  auto run =
      memo({"config"}, {{"BACKFILL_CACHE_PROVIDER_OPTIONS",
                         R"({"connectionString": "AccountKey=sentinel-7731", "maxSize": 5})"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find("sentinel-7731"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("<redacted>"), std::string::npos) << run.out;
}

TEST_F(ConfigTest, LogLevelControlsMemosOwnLines) {
  auto quiet = memo({"--log-level", "error", "--", "true"});
  EXPECT_EQ(quiet.err, "");
  auto chatty = memo({"--", "true"}, {{"BACKFILL_LOG_LEVEL", "verbose"}});
  EXPECT_NE(chatty.err.find("key "), std::string::npos) << chatty.err;
}

TEST_F(ConfigTest, PerformanceLogsWriteOneJsonFilePerRun) {
  const std::map<std::string, std::string> env{{"BACKFILL_PRODUCE_PERFORMANCE_LOGS", "true"},
                                               {"BACKFILL_LOG_FOLDER", (repo() / "perf").string()}};
  ASSERT_EQ(memo({"--", kBuild}, env).exit_code, 0);
  ASSERT_EQ(memo({"--", kBuild}, env).exit_code, 0);
  std::vector<std::string> logs;
  for (auto& file : fs::directory_iterator(repo() / "perf")) logs.push_back(read_file(file.path()));
  ASSERT_EQ(logs.size(), 2u);
  std::sort(logs.begin(), logs.end());
  for (const auto& log : logs) {
    for (const char* field :
         {"\"name\"", "\"hash\"", "\"hit\"", "\"mode\"", "\"cacheProvider\"", "\"hashTime\"",
          "\"fetchTime\"", "\"buildTime\"", "\"putTime\"", "\"totalTime\""}) {
      EXPECT_NE(log.find(field), std::string::npos) << field << " in " << log;
    }
  }
  int hits = 0;
  for (const auto& log : logs) hits += log.find("\"hit\": true") != std::string::npos;
  EXPECT_EQ(hits, 1) << "a miss, then a hit";
}

TEST_F(ConfigTest, ReleaseVariableCheckedWithHasOwnPropertyPicksTheOutputs) {
  write("packages/a/backfill.config.js",
        "const release = Object.prototype.hasOwnProperty.call(process.env, 'RELEASE');\n"
        "module.exports = { outputGlob: release ? ['release/**'] : ['lib/**'] };\n");
  auto laptop = memo({"config", "--json"});
  ASSERT_EQ(laptop.exit_code, 0) << laptop.err;
  EXPECT_NE(laptop.out.find("\"lib/**\""), std::string::npos) << laptop.out;
  auto release = memo({"config", "--json"}, {{"RELEASE", "1"}});
  ASSERT_EQ(release.exit_code, 0) << release.err;
  EXPECT_NE(release.out.find("\"release/**\""), std::string::npos)
      << "not the cached non-release evaluation: " << release.out;
}

TEST_F(ConfigTest, ConfigOutputGoesToStderrAndLeavesStdoutToMemo) {
  write("packages/a/backfill.config.js",
        "console.log('loading the config');\n"
        "module.exports = { outputGlob: ['dist/**'] };\n");
  auto run = memo({"config", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto shown = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_TRUE(shown.is_object()) << "memo's stdout is its own JSON: " << run.out;
  EXPECT_EQ(run.out.find("loading the config"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("loading the config"), std::string::npos) << run.err;
}

TEST_F(ConfigTest, LoopingConfigStopsMemoBeforeRunning) {
  // Ten seconds stand for ever, so that a memo without a timeout fails this test, not hangs.
  write("packages/a/backfill.config.js",
        "const end = Date.now() + 10000;\nwhile (Date.now() < end) {}\n");
  auto run = run_marked({{"MEMO_CONFIG_TIMEOUT", "0.3"}});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_FALSE(ran());
  EXPECT_TRUE(run.err.starts_with("memo: error: " + (package() / "backfill.config.js").string()))
      << run.err;
  EXPECT_NE(run.err.find("MEMO_CONFIG_TIMEOUT"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << "one line: " << run.err;
}

TEST_F(ConfigTest, StoppingMemoWhileAConfigLoopsStopsNodeToo) {
  // node runs in a group of its own (for its timeout): memo's end must take it along.
  write("packages/a/backfill.config.js",
        "require('fs').writeFileSync('../../node.pid', String(process.pid));\n"
        "const end = Date.now() + 20000;\nwhile (Date.now() < end) {}\n");
  const std::string script =
      std::string(MEMO_BINARY) +
      " -- true & memo=$!\n"
      "for i in $(seq 100); do [ -s ../../node.pid ] && break; sleep 0.1; done\n"
      "kill -TERM $memo; wait $memo\n"
      // Gone, or a zombie waiting for whoever inherited it to reap it.
      "sleep 0.5; state=$(ps -o stat= -p $(cat ../../node.pid))\n"
      "case \"$state\" in ''|Z*) exit 0;; *) exit 1;; esac\n";
  EXPECT_EQ(run_shell(script, package()), 0) << "node outlived memo";
  EXPECT_TRUE(exists("node.pid")) << "the config ran";
}

TEST_F(ConfigTest, BadConfigTimeoutIsAnErrorNamingTheVariable) {
  write("packages/a/backfill.config.js", "module.exports = {};\n");
  auto run = run_marked({{"MEMO_CONFIG_TIMEOUT", "soon"}});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_FALSE(ran());
  EXPECT_TRUE(run.err.starts_with("memo: error: MEMO_CONFIG_TIMEOUT: ")) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << "one line: " << run.err;
}

TEST_F(ConfigTest, SecretsAConfigReadsNeverReachTheStore) {
  const std::string secret = "AccountKey=sentinel-3b9e0c7a41";
  write("packages/a/backfill.config.js",
        "module.exports = { outputGlob: ['lib/**'], cacheStorageConfig: { provider: 'local',\n"
        "  options: { connectionString: process.env.AZURE_CONN } } };\n");
  const std::map<std::string, std::string> env{{"AZURE_CONN", secret}};
  ASSERT_EQ(memo({"--", kBuild}, env).exit_code, 0);
  fs::remove_all(package() / "lib");
  auto hit = memo({"--", kBuild}, env);
  ASSERT_EQ(hit.exit_code, 0) << hit.err;
  EXPECT_NE(hit.err.find(": hit"), std::string::npos) << hit.err;
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(store())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(read_file(entry.path()).find("sentinel-3b9e0c7a41"), std::string::npos)
        << entry.path();
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace memo::testing
