// Bytes that are not UTF-8 in names and settings: JSON output must not make memo die of
// nlohmann's type_error 316 (found by the config and .env fuzz targets).
#include <gtest/gtest.h>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

class NotUtf8Test : public MonorepoTest {};

TEST_F(NotUtf8Test, LocalSkipRecordsAnOutputWhoseNameIsNotUtf8) {
  auto run = memo_run("mkdir -p lib && echo x > \"lib/caf$(printf '\\351').js\"",
                      {{"BACKFILL_CACHE_PROVIDER", "local-skip"}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

TEST_F(NotUtf8Test, JsonPrintoutsOfAStoreFolderThatIsNotUtf8) {
  const std::map<std::string, std::string> env{
      {"MEMO_INTERNAL_CACHE_FOLDER", (repo() / "st\xff").string()}};
  ASSERT_EQ(memo_run(kSmallBuild, env).exit_code, 0);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"cache", "stats", "--json"}, {"cache", "prune", "--json"}, {"config", "--json"}}) {
    auto run = memo(args, env);
    EXPECT_EQ(run.exit_code, 0) << args[0] << " " << args[1] << ": " << run.err;
    if (args[1] != "prune") {  // its report names no folder
      EXPECT_NE(run.out.find("st\xef\xbf\xbd"), std::string::npos) << run.out;
    }
  }
}

TEST_F(NotUtf8Test, SettingsThatAreNotUtf8AreOneErrorLine) {
  auto run = memo_run(kSmallBuild, {{"BACKFILL_MODE", "READ\xff"}});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("BACKFILL_MODE"), std::string::npos) << run.err;
  auto config = memo({"config"}, {{"MEMO_CACHE_KEY", "v\xff"}});
  EXPECT_EQ(config.exit_code, 0) << config.err;
}

}  // namespace
}  // namespace memo::testing
