// memo explain: why the next run would miss.
#include <sys/stat.h>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

class ExplainTest : public MonorepoTest {
 protected:
  MemoRun explain(const std::map<std::string, std::string>& env = {}) const {
    return memo({"explain", "--", kBuild}, env);
  }
};

TEST_F(ExplainTest, WithoutAnEntryTheNextRunIsAMiss) {
  auto run = explain();
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("No entry yet"), std::string::npos) << run.out;
}

TEST_F(ExplainTest, ListsWhatChangedInPlainWords) {
  write("memo.json", R"({"env": ["DEPLOY_TOKEN"]})");
  ASSERT_EQ(memo({"--", kBuild}, {{"DEPLOY_TOKEN", "old-secret-1234"}}).exit_code, 0);
  auto same = explain({{"DEPLOY_TOKEN", "old-secret-1234"}});
  EXPECT_NE(same.out.find("is in the cache"), std::string::npos) << same.out;

  write("packages/a/src/index.ts", "changed");
  write("packages/a/src/extra.ts", "new");
  std::filesystem::remove(package() / "src/util.ts");
  auto run = explain({{"DEPLOY_TOKEN", "new-secret-5678"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("changed  packages/a/src/index.ts"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("added    packages/a/src/extra.ts"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("removed  packages/a/src/util.ts"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("env      DEPLOY_TOKEN changed"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("secret"), std::string::npos) << "no env value: " << run.out;
}

TEST_F(ExplainTest, AnOlderEntryUnderTodaysKeyIsAHit) {
  ASSERT_EQ(memo({"--", kBuild}).exit_code, 0);
  const std::string original = read("packages/a/src/index.ts");
  write("packages/a/src/index.ts", original + "// edited\n");
  ASSERT_EQ(memo({"--", kBuild}).exit_code, 0);  // the newest entry now
  write("packages/a/src/index.ts", original);    // back to the first entry's key
  auto run = explain();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("the next run is a hit"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("changed"), std::string::npos) << run.out;
  auto next = memo({"--", kBuild});
  EXPECT_NE(next.err.find(": hit"), std::string::npos) << next.err;
}

TEST_F(ExplainTest, NamesChangesInDependencies) {
  write("packages/b/package.json", R"({"name": "@demo/b", "dependencies": {"@demo/a": "*"}})");
  ASSERT_EQ(run_memo({"--", "true"}, repo() / "packages/b").exit_code, 0);
  write("packages/a/src/index.ts", "changed");
  auto run = run_memo({"explain", "--", "true"}, repo() / "packages/b");
  EXPECT_NE(run.out.find("changed  packages/a/src/index.ts"), std::string::npos) << run.out;
}

TEST_F(ExplainTest, JsonForTools) {
  ASSERT_EQ(memo({"--", kBuild}).exit_code, 0);
  ASSERT_EQ(chmod((package() / "src/util.ts").c_str(), 0755), 0);
  auto run = memo({"explain", "--json", "--", kBuild});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("\"previousKey\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"change\": \"mode\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"subject\": \"packages/a/src/util.ts\""), std::string::npos) << run.out;
}

}  // namespace
}  // namespace memo::testing
