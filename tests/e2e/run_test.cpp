// memo -- <command>: a miss runs and stores, a hit restores without running.
#include <sys/stat.h>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

TEST_F(MonorepoTest, MissRunsTheCommandThenHitRestoresWithoutRunning) {
  auto first = memo_run(kBuild);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("@demo/a: miss "), std::string::npos) << first.err;
  EXPECT_EQ(runs(), 1);

  fs::remove_all(package() / "lib");
  auto second = memo_run(kBuild);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("@demo/a: hit "), std::string::npos) << second.err;
  EXPECT_EQ(runs(), 1) << "a hit must not run the command";

  EXPECT_EQ(read("packages/a/lib/index.js"), "export const a = 1;\n");
  EXPECT_EQ(read("packages/a/lib/nested/deep.js"), "nested\n");
  EXPECT_EQ(read("packages/a/lib/empty.js"), "");
  EXPECT_EQ(read("packages/a/lib/cli.js"), "#!/bin/sh\n");
  struct stat info {};
  ASSERT_EQ(stat((package() / "lib/cli.js").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0755u);
  ASSERT_EQ(stat((package() / "lib/index.js").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0111, 0u);
  ASSERT_TRUE(fs::is_symlink(package() / "lib/alias.js"));
  EXPECT_EQ(fs::read_symlink(package() / "lib/alias.js"), "index.js");
}

TEST_F(MonorepoTest, InfoLineNamesHitOrMissTheKeyPrefixAndTheTime) {
  auto key = memo({"hash", "--", kBuild});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  std::string prefix = key.out.substr(0, 12);
  auto miss = memo_run(kBuild);
  EXPECT_NE(miss.err.find("miss " + prefix + ", ran in "), std::string::npos) << miss.err;
  fs::remove_all(package() / "lib");
  auto hit = memo_run(kBuild);
  EXPECT_NE(hit.err.find("hit " + prefix + ", restored "), std::string::npos) << hit.err;
  EXPECT_NE(hit.err.find("saved"), std::string::npos) << hit.err;
}

TEST_F(MonorepoTest, ExitCodeIsTheCommandsAndAFailedCommandIsNeverStored) {
  auto failed = memo_run("echo run >> ../../runs.log; mkdir -p lib; echo x > lib/x.js; exit 7");
  EXPECT_EQ(failed.exit_code, 7);
  EXPECT_NE(failed.err.find("nothing stored"), std::string::npos) << failed.err;
  auto again = memo_run("echo run >> ../../runs.log; mkdir -p lib; echo x > lib/x.js; exit 7");
  EXPECT_EQ(again.exit_code, 7);
  EXPECT_EQ(runs(), 2) << "a failed run must not produce a hit";
}

TEST_F(MonorepoTest, WordsAfterSeparatorAreJoinedAndRunByTheShell) {
  auto run = memo({"--", "echo", "one", "&&", "echo", "two"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, "one\ntwo\n") << "stdout carries only the command's output";
}

TEST_F(MonorepoTest, CommandRunsInThePackageFolderFromASubfolder) {
  fs::create_directories(package() / "src/deep");
  auto run = run_memo({"--", "pwd"}, package() / "src/deep");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, package().string() + "\n");
}

TEST_F(MonorepoTest, SourceChangeMissesAndRevertHitsAgain) {
  ASSERT_EQ(memo_run(kBuild).exit_code, 0);
  write("packages/a/src/index.ts", "export const a = 2;\n");
  ASSERT_EQ(memo_run(kBuild).exit_code, 0);
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(read("packages/a/lib/index.js"), "export const a = 2;\n");
  write("packages/a/src/index.ts", "export const a = 1;\n");
  ASSERT_EQ(memo_run(kBuild).exit_code, 0);
  EXPECT_EQ(runs(), 2) << "the first entry still matches";
  EXPECT_EQ(read("packages/a/lib/index.js"), "export const a = 1;\n");
}

TEST_F(MonorepoTest, IdenticalOutputsAreStoredOnce) {
  ASSERT_EQ(memo_run(std::string(kBuild) + " # first").exit_code, 0);
  std::size_t blobs_after_first = 0;
  for (auto& file : fs::recursive_directory_iterator(store() / "blobs")) {
    blobs_after_first += file.is_regular_file();
  }
  ASSERT_EQ(memo_run(std::string(kBuild) + " # second").exit_code, 0);
  std::size_t blobs_after_second = 0;
  for (auto& file : fs::recursive_directory_iterator(store() / "blobs")) {
    blobs_after_second += file.is_regular_file();
  }
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(blobs_after_first, blobs_after_second);
  EXPECT_GT(blobs_after_first, 0u);
}

TEST_F(MonorepoTest, ManyMemoProcessesShareOneStore) {
  // Eight concurrent runs of the same step (whose command writes its output atomically, so
  // the runs do not tear each other's files): every one succeeds, the store stays readable.
  const std::string build = "mkdir -p lib && cp src/index.ts lib/.t$$ && mv lib/.t$$ lib/index.js";
  std::string script;
  for (int i = 0; i < 8; ++i) script += std::string(MEMO_BINARY) + " -- '" + build + "' & ";
  script += "wait";
  ASSERT_EQ(run_shell(script, package()), 0);
  fs::remove_all(package() / "lib");
  auto hit = memo_run(build);
  EXPECT_NE(hit.err.find("hit"), std::string::npos) << hit.err;
  EXPECT_EQ(read("packages/a/lib/index.js"), "export const a = 1;\n");
  for (auto& file : fs::recursive_directory_iterator(store())) {
    EXPECT_NE(file.path().extension(), ".tmp") << "temp file left behind: " << file.path();
  }
}

TEST_F(MonorepoTest, NoCommandIsAUsageError) {
  auto run = memo({});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("no command given"), std::string::npos) << run.err;
  auto stray = memo({"tsc"});
  EXPECT_EQ(stray.exit_code, 2);
  EXPECT_NE(stray.err.find("put the command after --"), std::string::npos) << stray.err;
}

TEST_F(MonorepoTest, HelpDocumentsEveryFlagAndEnvVar) {
  auto help = memo({"--help"});
  ASSERT_EQ(help.exit_code, 0);
  for (const char* word : {"--log-level",
                           "--mode",
                           "--output-glob",
                           "--cache-provider",
                           "--config",
                           "--cwd",
                           "BACKFILL_CACHE_PROVIDER",
                           "BACKFILL_CACHE_PROVIDER_OPTIONS",
                           "BACKFILL_MODE",
                           "BACKFILL_OUTPUT_GLOB",
                           "BACKFILL_LOG_LEVEL",
                           "BACKFILL_LOG_FOLDER",
                           "BACKFILL_INTERNAL_CACHE_FOLDER",
                           "BACKFILL_CLEAR_OUTPUT",
                           "BACKFILL_PRODUCE_PERFORMANCE_LOGS",
                           "BACKFILL_PERFORMANCE_REPORT_NAME",
                           "BACKFILL_VALIDATE_OUTPUT",
                           "BACKFILL_NAME",
                           "BACKFILL_PACKAGE_ROOT",
                           "MEMO_MODE"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
  }
  auto hash_help = memo({"hash", "--help"});
  EXPECT_EQ(hash_help.exit_code, 0);
  EXPECT_NE(hash_help.out.find("memo hash"), std::string::npos);
  auto config_help = memo({"config", "--help"});
  EXPECT_NE(config_help.out.find("memo config"), std::string::npos);
}

}  // namespace
}  // namespace memo::testing
