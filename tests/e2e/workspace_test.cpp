// Keys in a monorepo: workspace dependencies, transitively, and the errors of a broken workspace.
#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

class WorkspaceTest : public MonorepoTest {
 protected:
  void SetUp() override {
    MonorepoTest::SetUp();
    // c -> b -> a (a is the fixture's package), and d on its own.
    write("packages/b/package.json",
          R"({"name": "@demo/b", "dependencies": {"@demo/a": "workspace:*"}})");
    write("packages/b/src/b.ts", "b");
    write("packages/c/package.json",
          R"({"name": "@demo/c", "devDependencies": {"@demo/b": "^1"}})");
    write("packages/c/src/c.ts", "c");
    write("packages/d/package.json", R"({"name": "@demo/d"})");
    write("packages/d/src/d.ts", "d");
  }
  std::string key_of(const std::string& package) const {
    auto run = run_memo({"hash", "--", "build"}, repo() / "packages" / package);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.out;
  }
};

TEST_F(WorkspaceTest, DependenciesFilesAreInputsTransitively) {
  std::string b = key_of("b"), c = key_of("c"), d = key_of("d");
  write("packages/a/src/index.ts", "export const a = 'changed';\n");
  EXPECT_NE(key_of("b"), b);
  EXPECT_NE(key_of("c"), c) << "c depends on a through b";
  EXPECT_EQ(key_of("d"), d) << "d depends on nothing";
}

TEST_F(WorkspaceTest, ADependencysOutputsAreNotInputs) {
  std::string c = key_of("c");
  write("packages/a/lib/index.js", "built");
  EXPECT_EQ(key_of("c"), c) << "lib/** is a's default output";
  write("packages/a/memo.json", R"({"outputGlob": ["lib/**", "dist/**"]})");
  std::string with_config = key_of("c");
  write("packages/a/dist/bundle.js", "built");
  EXPECT_EQ(key_of("c"), with_config) << "a's own outputGlob says dist/ is an output";
}

TEST_F(WorkspaceTest, DependentsDoNotChangeADependencysKey) {
  std::string a = key_of("a");
  write("packages/c/src/c.ts", "changed");
  EXPECT_EQ(key_of("a"), a);
}

TEST_F(WorkspaceTest, RootPackageDoesNotHashNestedPackages) {
  auto root_key = [&] {
    auto run = run_memo({"hash", "--", "build"}, repo());
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.out;
  };
  std::string before = root_key();
  write("packages/d/src/d.ts", "changed");
  EXPECT_EQ(root_key(), before);
  write("root-file.txt", "x");
  EXPECT_NE(root_key(), before);
}

TEST_F(WorkspaceTest, DeclaredInputsReplaceTheDefaultsPerScope) {
  write("packages/c/memo.json", R"({"inputs": {"package": ["src/**"], "deps": ["package.json"],
                                              "root": ["tsconfig.base.json"]}})");
  std::string c = key_of("c");
  write("packages/c/README.md", "docs");
  EXPECT_EQ(key_of("c"), c) << "only src/** of the package";
  write("packages/a/src/index.ts", "changed");
  EXPECT_EQ(key_of("c"), c) << "only package.json of each dependency";
  write("packages/a/package.json", R"({"name": "@demo/a", "version": "2.0.0"})");
  std::string bumped = key_of("c");
  EXPECT_NE(bumped, c);
  write("tsconfig.base.json", "{}");
  EXPECT_NE(key_of("c"), bumped) << "the declared root file";
  write("packages/c/src/c.ts", "changed");
  EXPECT_NE(key_of("c"), bumped);
}

TEST_F(WorkspaceTest, MalformedDeclaredInputsStopBeforeRunning) {
  write("packages/a/memo.json", R"({"inputs": {"internals": ["src/**"]}})");
  auto run = memo_run("touch ran.marker");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("\"inputs\": expected {\"package\""), std::string::npos) << run.err;
  EXPECT_FALSE(exists("packages/a/ran.marker"));
}

TEST_F(WorkspaceTest, DependencyCycleIsAWarningAndHashingTerminates) {
  write("packages/a/package.json",
        R"({"name": "@demo/a", "dependencies": {"@demo/c": "workspace:*"}})");
  auto run = run_memo({"hash", "--", "build"}, repo() / "packages/b");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.size(), 65u);
  EXPECT_NE(run.err.find("dependency cycle: @demo/b -> @demo/a -> @demo/c -> @demo/b"),
            std::string::npos)
      << run.err;
}

TEST_F(WorkspaceTest, BrokenWorkspaceStopsBeforeRunning) {
  write("packages/d/package.json", "{\"name\": \"@demo/d\",");
  auto broken = memo_run("touch ran.marker");
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.err.find((repo() / "packages/d/package.json").string() + ": not valid JSON"),
            std::string::npos)
      << broken.err;
  EXPECT_FALSE(exists("packages/a/ran.marker"));

  write("packages/d/package.json", R"({"name": "@demo/b"})");
  auto duplicate = memo_run("touch ran.marker");
  EXPECT_EQ(duplicate.exit_code, 2);
  EXPECT_NE(duplicate.err.find("\"@demo/b\""), std::string::npos) << duplicate.err;
  EXPECT_FALSE(exists("packages/a/ran.marker"));
}

// package.json files are read through util::parse_json: one nested deeper than 64 levels is
// the same clear error as one that is not JSON, never a crash.
TEST_F(WorkspaceTest, DeeplyNestedPackageJsonIsAClearError) {
  write("packages/d/package.json", "{\"name\": \"@demo/d\", \"x\": " + std::string(100000, '[') +
                                       std::string(100000, ']') + "}");
  auto run = memo_run("touch ran.marker");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find((repo() / "packages/d/package.json").string() +
                         ": nested deeper than 64 levels"),
            std::string::npos)
      << run.err;
  EXPECT_FALSE(exists("packages/a/ran.marker"));
}

// Under a low `ulimit -n`, the walk that finds the packages hit EMFILE and skipped the folders it
// could not open: "workspace glob matches no package", and a key without the dependency. At
// every limit, memo now gives a key that covers the dependency or no key at all (one warning,
// and the command runs uncached).
TEST_F(WorkspaceTest, AnIoFailureWhileDiscoveringIsACacheProblemNeverASmallerKey) {
  write("package.json", R"({"name": "root", "private": true,
                            "workspaces": ["packages/*", "nested/one/two/three/*"]})");
  write("nested/one/two/three/deep/package.json", R"({"name": "@demo/deep"})");
  write("nested/one/two/three/deep/src/deep.ts", "deep");
  write("packages/a/package.json", R"({"name": "@demo/a", "dependencies": {"@demo/deep": "*"}})");
  bool saw_uncached = false;
  for (int limit = 4; limit <= 24; ++limit) {
    auto hash = run_memo_with_open_files(limit, {"hash", "--manifest", "--", "build"}, package());
    if (hash.exit_code == 0) {
      EXPECT_NE(hash.out.find("dependency \"@demo/deep\""), std::string::npos)
          << "ulimit -n " << limit << "\n"
          << hash.err;
    } else {
      EXPECT_EQ(hash.out, "") << "ulimit -n " << limit;
    }
    EXPECT_EQ(hash.err.find("matches no package"), std::string::npos)
        << "ulimit -n " << limit << "\n"
        << hash.err;
    auto built = run_memo_with_open_files(limit, {"--", "echo built"}, package());
    if (built.err.find("cannot read the workspace") == std::string::npos) continue;
    saw_uncached = true;
    EXPECT_EQ(built.exit_code, 0) << built.err;
    EXPECT_EQ(built.out, "built\n");
    EXPECT_NE(built.err.find("Too many open files"), std::string::npos) << built.err;
    EXPECT_NE(built.err.find("running uncached"), std::string::npos) << built.err;
    EXPECT_EQ(std::count(built.err.begin(), built.err.end(), '\n'), 2)
        << built.err << "one warning, then the uncached run's line";
  }
  EXPECT_TRUE(saw_uncached) << "some limit fails the walk that finds the packages";
}

TEST_F(WorkspaceTest, GlobMatchingNothingIsAWarning) {
  write("package.json",
        R"({"name": "root", "private": true, "workspaces": ["packages/*", "tools/*"]})");
  auto run = memo({"hash", "--", "build"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.err.find("workspace glob \"tools/*\" matches no package"), std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace memo::testing
