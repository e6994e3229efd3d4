// memo run <task>: a generated workspace's scripts, in dependency order, side by side, cached.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "memo/util/json.hpp"
#include "support/run_memo.hpp"
#include "support/temp_dir.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

// A script that notes its start and end in events.log at the repo root, sleeps a little (so
// that overlaps show), prints a line, and writes lib/index.js.
std::string noting_script(const std::string& name, double seconds = 0.2) {
  return "echo start " + name + " >> ../../events.log && sleep " + std::to_string(seconds) +
         " && echo built " + name + " && mkdir -p lib && echo " + name +
         " > lib/index.js && echo end " + name + " >> ../../events.log";
}

// lib (no dependency), app (depends on lib), tool (alone); build depends on ^build.
class RunTasksTest : public ::testing::Test {
 protected:
  RunTasksTest() {
    write("package.json", R"({"name": "root", "private": true, "workspaces": ["packages/*"],
                             "scripts": {"build": "memo run build"}})");
    write("memo.json", R"({"tasks": {"build": {"dependsOn": ["^build"], "outputs": ["lib/**"]},
                                     "test": {"dependsOn": ["build"], "outputs": []}}})");
    add_package("lib", {}, noting_script("lib"));
    add_package("app", {"lib"}, noting_script("app"));
    add_package("tool", {}, noting_script("tool"));
    run_shell("git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm init",
              dir_.path());
  }

  void write(const std::string& relative, const std::string& content) const {
    dir_.write(relative, content);
  }
  void add_package(const std::string& name, const std::vector<std::string>& dependencies,
                   const std::string& build, const std::string& test = "") const {
    std::string deps;
    for (const auto& dependency : dependencies) {
      deps += (deps.empty() ? "" : ", ") + ("\"" + dependency + "\": \"*\"");
    }
    std::string scripts = "\"build\": " + nlohmann::json(build).dump();
    if (!test.empty()) scripts += ", \"test\": " + nlohmann::json(test).dump();
    write("packages/" + name + "/package.json",
          "{\"name\": \"" + name + "\", \"version\": \"1.0.0\", \"dependencies\": {" + deps +
              "}, \"scripts\": {" + scripts + "}}");
    write("packages/" + name + "/src/index.ts", "export const " + name + " = 1;\n");
  }

  MemoRun memo(const std::vector<std::string>& args) const { return run_memo(args, dir_.path()); }

  std::vector<std::string> events() const {
    std::vector<std::string> lines;
    if (!fs::exists(dir_ / "events.log")) return lines;
    std::istringstream text(dir_.read("events.log"));
    for (std::string line; std::getline(text, line);) lines.push_back(line);
    return lines;
  }
  std::size_t position(const std::string& event) const {
    auto all = events();
    return static_cast<std::size_t>(std::find(all.begin(), all.end(), event) - all.begin());
  }
  bool ran(const std::string& name) const { return position("end " + name) < events().size(); }
  void clear_events() const { fs::remove(dir_ / "events.log"); }

  TempDir dir_;
};

TEST_F(RunTasksTest, ADependencyFinishesBeforeItsDependentStarts) {
  auto run = memo({"run", "build", "--concurrency", "3"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_TRUE(ran("lib") && ran("app") && ran("tool")) << dir_.read("events.log");
  EXPECT_LT(position("end lib"), position("start app")) << dir_.read("events.log");
  EXPECT_EQ(dir_.read("packages/app/lib/index.js"), "app\n");
}

TEST_F(RunTasksTest, IndependentTargetsRunSideBySide) {
  add_package("lib", {}, noting_script("lib", 1.0));
  add_package("tool", {}, noting_script("tool", 1.0));
  auto run = memo({"run", "build", "--concurrency", "2", "--to", "lib", "--to", "tool"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_LT(position("start tool"), position("end lib")) << dir_.read("events.log");
  EXPECT_LT(position("start lib"), position("end tool")) << dir_.read("events.log");
}

TEST_F(RunTasksTest, EachLineIsPrefixedWithItsTargetAndAHitReplaysIt) {
  auto first = memo({"run", "build"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("app:build: built app\n"), std::string::npos) << first.out;
  EXPECT_NE(first.err.find("3 targets"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("3 misses"), std::string::npos) << first.err;
  clear_events();
  for (const char* name : {"lib", "app", "tool"}) fs::remove_all(dir_ / "packages" / name / "lib");

  auto second = memo({"run", "build"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(events().empty()) << "a hit runs nothing: " << dir_.read("events.log");
  EXPECT_NE(second.out.find("app:build: built app\n"), std::string::npos) << second.out;
  EXPECT_NE(second.err.find("app:build: memo: hit "), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("3 hits (3 local, 0 remote, 0 intact), 0 misses"), std::string::npos)
      << second.err;
  EXPECT_EQ(dir_.read("packages/app/lib/index.js"), "app\n");

  auto third = memo({"run", "build"});
  EXPECT_NE(third.err.find("3 hits (0 local, 0 remote, 3 intact)"), std::string::npos) << third.err;
}

TEST_F(RunTasksTest, AnEditedDependencyRebuildsItAndItsDependentsOnly) {
  ASSERT_EQ(memo({"run", "build"}).exit_code, 0);
  clear_events();
  write("packages/lib/src/index.ts", "export const lib = 2;\n");
  auto run = memo({"run", "build"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(ran("lib"));
  EXPECT_TRUE(ran("app")) << "app's key covers lib's files";
  EXPECT_FALSE(ran("tool"));
}

TEST_F(RunTasksTest, TheFirstFailureStopsNewWorkAndItsCodeIsMemosCode) {
  add_package("lib", {}, "echo start lib >> ../../events.log; echo broken >&2; exit 3");
  auto run = memo({"run", "build", "--concurrency", "1"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_FALSE(ran("app")) << "app depends on the failure";
  EXPECT_NE(run.err.find("lib:build: broken"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("failed: lib#build (exit 3)"), std::string::npos) << run.err;
}

TEST_F(RunTasksTest, ContinueRunsWhateverDoesNotDependOnTheFailure) {
  add_package("lib", {}, "exit 3");
  auto run = memo({"run", "build", "--continue", "--concurrency", "1"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_TRUE(ran("tool"));
  EXPECT_FALSE(ran("app"));
  EXPECT_NE(run.err.find("1 not run after a failure"), std::string::npos) << run.err;
}

TEST_F(RunTasksTest, ToRunsAPackageAndItsDependenciesOnly) {
  ASSERT_EQ(memo({"run", "build", "--to", "app"}).exit_code, 0);
  EXPECT_TRUE(ran("lib"));
  EXPECT_TRUE(ran("app"));
  EXPECT_FALSE(ran("tool"));
}

TEST_F(RunTasksTest, OnlyLeavesTheDependenciesOut) {
  ASSERT_EQ(memo({"run", "build", "--to", "app", "--only"}).exit_code, 0);
  EXPECT_TRUE(ran("app"));
  EXPECT_FALSE(ran("lib"));
}

TEST_F(RunTasksTest, ScopeRunsAPackageAndItsDependents) {
  ASSERT_EQ(memo({"run", "build", "--scope", "lib"}).exit_code, 0);
  EXPECT_TRUE(ran("lib"));
  EXPECT_TRUE(ran("app"));
  EXPECT_FALSE(ran("tool"));
}

TEST_F(RunTasksTest, AGlobSelectsPackagesByName) {
  ASSERT_EQ(memo({"run", "build", "--to", "t*"}).exit_code, 0);
  EXPECT_TRUE(ran("tool"));
  EXPECT_FALSE(ran("lib"));
}

TEST_F(RunTasksTest, ATaskDependsOnTheSamePackagesTaskAndAPackageWithoutTheScriptIsSkipped) {
  add_package("app", {"lib"}, noting_script("app"), "echo start test >> ../../events.log");
  auto run = memo({"run", "test"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_LT(position("end app"), position("start test")) << dir_.read("events.log");
  EXPECT_NE(run.err.find("without a script"), std::string::npos) << run.err;
}

TEST_F(RunTasksTest, ASummaryFileSaysWhatEachTargetDid) {
  ASSERT_EQ(memo({"run", "build"}).exit_code, 0);
  auto run = memo({"run", "build", "--summary", (dir_ / "summary.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto summary = util::parse_json(dir_.read("summary.json"));
  ASSERT_TRUE(summary) << summary.error();
  ASSERT_EQ((*summary)["targets"].size(), 3u);
  for (const auto& target : (*summary)["targets"]) {
    EXPECT_EQ(target["hit"], true) << target.dump();
    EXPECT_EQ(target["key"].get<std::string>().size(), 64u);
    EXPECT_GT(target["inputCount"].get<int>(), 0);
  }
  EXPECT_EQ((*summary)["hits"]["intact"], 3);
}

TEST_F(RunTasksTest, MistakesInThePipelineStopMemoBeforeAnythingRuns) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"tasks": {"build": {"dependsOn": ["lint"]}}})", "there is no task \"lint\""},
      {R"({"tasks": {"build": {"dependsOn": ["nobody#build"]}}})", "no package is named nobody"},
      {R"({"tasks": {"build": {"dependsOn": ["test"]}, "test": {"dependsOn": ["build"]}}})",
       "depend on each other"},
      {R"({"tasks": {"build": {"dependsOn": "^build"}}})", "must be an array"},
      {R"({"tasks": )", "not valid JSON"},
  };
  for (const auto& [pipeline, message] : cases) {
    write("memo.json", pipeline);
    auto run = memo({"run", "build"});
    EXPECT_EQ(run.exit_code, 2) << pipeline;
    EXPECT_NE(run.err.find((dir_ / "memo.json").string()), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(message), std::string::npos) << run.err;
    EXPECT_TRUE(events().empty()) << pipeline;
  }
  write("memo.json", R"({"tasks": {"build": {}}})");
  auto misplaced = memo({"--to", "app", "--", "true"});
  EXPECT_EQ(misplaced.exit_code, 2);
  EXPECT_NE(misplaced.err.find("go with memo run"), std::string::npos) << misplaced.err;
  auto unknown = memo({"run", "deploy"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no task \"deploy\""), std::string::npos) << unknown.err;
}

TEST_F(RunTasksTest, ATurboRepoRunsUnchanged) {
  fs::remove(dir_ / "memo.json");
  write("turbo.json", R"({"$schema": "https://turbo.build/schema.json",
                         "tasks": {"build": {"dependsOn": ["^build"], "outputs": ["lib/**"]}}})");
  auto run = memo({"run", "build"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_LT(position("end lib"), position("start app"));
  // turbo 1's "pipeline".
  write("turbo.json",
        R"({"pipeline": {"build": {"dependsOn": ["^build"], "outputs": ["lib/**"]}}})");
  clear_events();
  write("packages/tool/src/index.ts", "changed\n");
  ASSERT_EQ(memo({"run", "build"}).exit_code, 0);
  EXPECT_TRUE(ran("tool"));
}

TEST_F(RunTasksTest, TurbosGlobalDependenciesAndGlobalEnvEnterEveryKey) {
  fs::remove(dir_ / "memo.json");
  write("tsconfig.base.json", "{}\n");
  write("turbo.json", R"({"globalDependencies": ["tsconfig.base.json"], "globalEnv": ["TARGET"],
                         "tasks": {"build": {"dependsOn": ["^build"], "outputs": ["lib/**"]}}})");
  ASSERT_EQ(memo({"run", "build"}).exit_code, 0);
  clear_events();
  write("tsconfig.base.json", "{\"compilerOptions\": {\"strict\": true}}\n");
  ASSERT_EQ(memo({"run", "build"}).exit_code, 0);
  EXPECT_TRUE(ran("lib") && ran("app") && ran("tool")) << "a global file changed";
  clear_events();
  ASSERT_EQ(run_memo({"run", "build"}, dir_.path(), {{"TARGET", "es2022"}}).exit_code, 0);
  EXPECT_TRUE(ran("tool")) << "a global env var changed";
}

TEST_F(RunTasksTest, ALageRepoRunsUnchanged) {
  fs::remove(dir_ / "memo.json");
  write("lage.config.js",
        "module.exports = {\n"
        "  pipeline: { build: ['^build'], test: { dependsOn: ['build'], outputs: [] } },\n"
        "  npmClient: 'yarn',\n"
        "  cacheOptions: { outputGlob: ['lib/**'] },\n"
        "};\n");
  auto run = memo({"run", "build"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_LT(position("end lib"), position("start app")) << dir_.read("events.log");
  // cacheOptions.outputGlob is what each build stores: a hit restores lib/.
  fs::remove_all(dir_ / "packages/app/lib");
  clear_events();
  auto hit = memo({"run", "build"});
  EXPECT_TRUE(events().empty()) << dir_.read("events.log");
  EXPECT_EQ(dir_.read("packages/app/lib/index.js"), "app\n");
  // cacheOptions.environmentGlob: repo-root files every key covers.
  write("lage.config.js",
        "module.exports = { pipeline: { build: ['^build'] },\n"
        "  cacheOptions: { outputGlob: ['lib/**'], environmentGlob: ['tools/**'] } };\n");
  write("tools/build.js", "one\n");
  ASSERT_EQ(memo({"run", "build"}).exit_code, 0);
  clear_events();
  write("tools/build.js", "two\n");
  ASSERT_EQ(memo({"run", "build"}).exit_code, 0);
  EXPECT_TRUE(ran("tool")) << "a file of environmentGlob changed";

  write("lage.config.js", "module.exports = { pipeline: { build: ['lint'] } };\n");
  auto bad = memo({"run", "build"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find((dir_ / "lage.config.js").string()), std::string::npos) << bad.err;
  write("lage.config.js", "module.exports = { pipeline: ;\n");
  bad = memo({"run", "build"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find((dir_ / "lage.config.js").string()), std::string::npos) << bad.err;
}

TEST_F(RunTasksTest, AMicrolambdaRepoRunsUnchanged) {
  fs::remove(dir_ / "memo.json");
  write("mila.json", R"({"targets": {
    "build": {"script": "build", "src": {"internals": ["src/**", "package.json"]},
              "artifacts": ["lib/**"]},
    "check": {"cmd": ["echo checking >> ../../events.log", "echo checked"]}}})");
  auto run = memo({"run", "build"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_LT(position("end lib"), position("start app")) << "topological, as mila -t runs";
  fs::remove_all(dir_ / "packages/app/lib");
  clear_events();
  ASSERT_EQ(memo({"run", "build"}).exit_code, 0);
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(dir_.read("packages/app/lib/index.js"), "app\n") << "artifacts are the outputs";

  auto check = memo({"run", "check", "--to", "tool"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("tool:check: checked\n"), std::string::npos) << check.out;
}

TEST_F(RunTasksTest, DryRunListsTheTargetsInOrderWithTheirKeysAndRunsNothing) {
  auto before = memo({"run", "build", "--dry-run"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_TRUE(events().empty());
  EXPECT_LT(before.out.find("lib#build"), before.out.find("app#build")) << before.out;
  EXPECT_NE(before.out.find("  miss  "), std::string::npos) << before.out;
  EXPECT_EQ(before.out.find("  hit  "), std::string::npos) << before.out;
  ASSERT_EQ(memo({"run", "build"}).exit_code, 0);
  auto after = memo({"run", "build", "--dry-run"});
  EXPECT_EQ(after.out.find("  miss  "), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("app#build  "), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("  hit  "), std::string::npos) << after.out;
}

TEST_F(RunTasksTest, OnATerminalAStatusLineSaysWhatIsDoneRunningAndQueued) {
  // script(1) runs memo on a pseudo-terminal and copies what it shows into typescript.
  const std::string command = std::string(MEMO_BINARY) + " run build --concurrency 1";
  ASSERT_EQ(run_shell("script -qec '" + command + "' typescript > /dev/null", dir_.path()), 0);
  const std::string shown = dir_.read("typescript");
  EXPECT_NE(shown.find("memo run: 0/3 done (0 hits), 1 running, 2 queued"), std::string::npos)
      << shown;
  EXPECT_NE(shown.find("\r\x1b[K"), std::string::npos) << "the line is rewritten in place";
  EXPECT_NE(shown.find("app:build: built app"), std::string::npos) << shown;

  // Off a terminal (a CI log), no status line at all.
  fs::remove_all(dir_ / "node_modules/.cache");
  auto logged = memo({"run", "build"});
  EXPECT_EQ(logged.err.find("memo run: "), std::string::npos) << logged.err;
  EXPECT_EQ(logged.err.find("\x1b["), std::string::npos) << logged.err;
}

TEST_F(RunTasksTest, GraphPrintsTheTargetGraphAsDot) {
  auto run = memo({"run", "build", "--graph"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.out.starts_with("digraph memo {\n")) << run.out;
  EXPECT_NE(run.out.find("\"app#build\" -> \"lib#build\";"), std::string::npos) << run.out;
  EXPECT_TRUE(events().empty());
}

TEST_F(RunTasksTest, SinceRunsThePackagesChangedSinceARefAndTheirDependents) {
  write("packages/lib/src/index.ts", "export const lib = 2;\n");
  auto run = memo({"run", "build", "--since", "HEAD"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(ran("lib"));
  EXPECT_TRUE(ran("app")) << "app depends on lib";
  EXPECT_FALSE(ran("tool"));

  clear_events();
  write("packages/tool/src/new.ts", "new\n");  // not in git yet
  ASSERT_EQ(memo({"run", "build", "--since", "HEAD"}).exit_code, 0);
  EXPECT_TRUE(ran("tool"));

  auto bad = memo({"run", "build", "--since", "no-such-ref"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--since no-such-ref"), std::string::npos) << bad.err;
}

// Two targets that sleep until stopped, started side by side in the background.
class InterruptedRunTest : public RunTasksTest {
 protected:
  InterruptedRunTest() {
    add_package("lib", {}, "echo $$ > ../../lib.pid; exec sleep 30");
    add_package("tool", {}, "echo $$ > ../../tool.pid; exec sleep 30");
  }
  bool both_started() const {
    for (int i = 0; i < 1000; ++i) {
      if (fs::exists(dir_ / "lib.pid") && fs::exists(dir_ / "tool.pid")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void expect_stopped_and_nothing_stored(MemoRun run) const {
    EXPECT_EQ(run.exit_code, 128 + SIGINT) << run.err;
    EXPECT_FALSE(ran("app"));
    EXPECT_FALSE(fs::exists(dir_ / "node_modules/.cache/memo/entries")) << "nothing stored";
  }
};

TEST_F(InterruptedRunTest, CtrlCStopsEveryTargetAndStoresNothing) {
  BackgroundMemo memo({"run", "build", "--concurrency", "2"}, dir_.path());
  ASSERT_TRUE(both_started());
  memo.signal_group(SIGINT);  // as a terminal's Ctrl-C
  expect_stopped_and_nothing_stored(memo.wait(std::chrono::milliseconds(5000)));
}

TEST_F(InterruptedRunTest, SigintToMemoAloneReachesEveryTarget) {
  BackgroundMemo memo({"run", "build", "--concurrency", "2"}, dir_.path());
  ASSERT_TRUE(both_started());
  memo.signal(SIGINT);
  expect_stopped_and_nothing_stored(memo.wait(std::chrono::milliseconds(5000)));
}

}  // namespace
}  // namespace memo::testing
