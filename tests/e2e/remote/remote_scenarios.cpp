#include "e2e/remote/remote_scenarios.hpp"

#include <chrono>
#include <regex>

#include "support/temp_dir.hpp"

namespace memo::testing {

namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::map<std::string, std::string> with(std::map<std::string, std::string> env,
                                        const std::map<std::string, std::string>& more) {
  for (const auto& [name, value] : more) env[name] = value;
  return env;
}

const std::map<std::string, std::string> kWrite{{"LAGE_WRITE_REMOTE_CACHE", "true"}};

}  // namespace

void RemoteScenarios::SetUp() {
  MonorepoTest::SetUp();
  target_ = &GetParam()();
  ASSERT_EQ(target_->problem(), "");
  target_->use_fresh_namespace();
}

MemoRun RemoteScenarios::ci_build(const std::string& extra_options) {
  return memo_run(kBuild, with(target().env(extra_options), kWrite));
}

void RemoteScenarios::become_fresh_clone() {
  fs::remove_all(store());
  fs::remove_all(package() / "lib");
}

TEST_P(RemoteScenarios, WhatCiStoredIsARemoteHitOnAFreshClone) {
  auto ci = ci_build();
  ASSERT_EQ(ci.exit_code, 0) << ci.err;
  EXPECT_TRUE(contains(ci.err, "miss")) << ci.err;
  EXPECT_TRUE(target().holds(key_of(kBuild)));
  const std::string built = read("packages/a/lib/index.js");

  become_fresh_clone();
  auto clone = memo_run(kBuild, target().env());
  ASSERT_EQ(clone.exit_code, 0) << clone.err;
  EXPECT_TRUE(contains(clone.err, "from the remote cache")) << clone.err;
  EXPECT_EQ(runs(), 1);
  EXPECT_EQ(read("packages/a/lib/index.js"), built);
  EXPECT_EQ(fs::read_symlink(package() / "lib/alias.js"), "index.js");
  EXPECT_TRUE((fs::status(package() / "lib/cli.js").permissions() & fs::perms::owner_exec) !=
              fs::perms::none);

  // The remote hit filled the local store: with the remote gone, the next restore is local.
  fs::remove_all(package() / "lib");
  target().stop();
  auto local = memo_run(kBuild, target().env());
  target().start();
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_TRUE(contains(local.err, "hit")) << local.err;
  EXPECT_FALSE(contains(local.err, "from the remote cache")) << local.err;
  EXPECT_FALSE(contains(local.err, "warning")) << local.err;
  EXPECT_EQ(runs(), 1);
}

// A hardlinked output written in place writes the local store's file: the next hit finds those
// bytes wrong and fetches the entry from the remote again instead of running the command.
TEST_P(RemoteScenarios, StoredBytesWrittenThroughAHardlinkAreFetchedAgain) {
  ASSERT_EQ(ci_build().exit_code, 0);
  const std::string built = read("packages/a/lib/index.js");
  auto hardlink = with(target().env(), {{"MEMO_RESTORE_MODE", "hardlink"}});
  fs::remove_all(package() / "lib");
  ASSERT_EQ(memo_run(kBuild, hardlink).exit_code, 0);
  fs::permissions(package() / "lib/index.js", fs::perms::owner_write, fs::perm_options::add);
  write("packages/a/lib/index.js", "tampered\n");

  auto again = memo_run(kBuild, hardlink);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "fetching it again from the remote cache")) << again.err;
  EXPECT_TRUE(contains(again.err, "from the remote cache (")) << again.err;
  EXPECT_EQ(runs(), 1) << again.err;
  EXPECT_EQ(read("packages/a/lib/index.js"), built);
}

TEST_P(RemoteScenarios, WithoutTheWriteSwitchTheRemoteIsOnlyRead) {
  auto laptop = memo_run(kBuild, target().env());
  ASSERT_EQ(laptop.exit_code, 0) << laptop.err;
  EXPECT_FALSE(target().holds(key_of(kBuild)));
  become_fresh_clone();
  auto again = memo_run(kBuild, target().env());
  EXPECT_EQ(runs(), 2);
}

TEST_P(RemoteScenarios, NoRemoteLeavesTheRemoteAlone) {
  auto run = memo({"--no-remote", "--", kBuild}, with(target().env(), kWrite));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(target().holds(key_of(kBuild)));
}

// The modes apply to both layers: READ_ONLY writes neither, WRITE_ONLY reads neither, and
// --force runs the command whatever the remote holds (and stores it there too).
TEST_P(RemoteScenarios, TheModesApplyToTheRemoteToo) {
  auto read_only =
      memo_run(kBuild, with(with(target().env(), kWrite), {{"MEMO_MODE", "READ_ONLY"}}));
  ASSERT_EQ(read_only.exit_code, 0) << read_only.err;
  EXPECT_FALSE(target().holds(key_of(kBuild)));

  ASSERT_EQ(ci_build().exit_code, 0);
  EXPECT_TRUE(target().holds(key_of(kBuild)));
  become_fresh_clone();
  auto write_only = memo_run(kBuild, with(target().env(), {{"MEMO_MODE", "WRITE_ONLY"}}));
  ASSERT_EQ(write_only.exit_code, 0) << write_only.err;
  EXPECT_FALSE(contains(write_only.err, "from the remote cache")) << write_only.err;
  EXPECT_EQ(runs(), 3);

  become_fresh_clone();
  auto forced = memo({"--force", "--", kBuild}, target().env());
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(runs(), 4);
}

TEST_P(RemoteScenarios, SkipLocalCacheUsesTheRemoteAlone) {
  auto alone = with(target().env(), {{"MEMO_SKIP_LOCAL_CACHE", "true"}});
  auto ci = memo_run(kBuild, with(alone, kWrite));
  ASSERT_EQ(ci.exit_code, 0) << ci.err;
  EXPECT_TRUE(target().holds(key_of(kBuild)));
  auto entries_kept = [this] {
    std::size_t count = 0;
    if (!fs::exists(store())) return count;
    for (const auto& item : fs::recursive_directory_iterator(store())) {
      count +=
          item.path().string().find("/entries/") != std::string::npos && item.is_regular_file();
    }
    return count;
  };
  EXPECT_EQ(entries_kept(), 0u);
  fs::remove_all(package() / "lib");
  auto hit = memo_run(kBuild, alone);
  ASSERT_EQ(hit.exit_code, 0) << hit.err;
  EXPECT_TRUE(contains(hit.err, "from the remote cache")) << hit.err;
  EXPECT_EQ(runs(), 1);
  EXPECT_EQ(entries_kept(), 0u);
}

TEST_P(RemoteScenarios, WrongCredentialsAreOneWarningAndTheBuildGoesOn) {
  auto run = memo_run(kBuild, with(target().wrong_credentials_env(), kWrite));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(runs(), 1);
  EXPECT_TRUE(exists("packages/a/lib/index.js"));
  std::size_t warnings = 0;
  for (std::size_t at = run.err.find("memo: warning: "); at != std::string::npos;
       at = run.err.find("memo: warning: ", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << run.err;
  EXPECT_FALSE(target().holds(key_of(kBuild)));
}

TEST_P(RemoteScenarios, AServerThatIsDownAddsLittleTime) {
  target().stop();
  auto start = std::chrono::steady_clock::now();
  auto run = ci_build();
  auto took = std::chrono::steady_clock::now() - start;
  target().start();
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(runs(), 1);
  EXPECT_TRUE(contains(run.err, "unreachable")) << run.err;
  EXPECT_LT(took, std::chrono::seconds(2)) << run.err;
}

TEST_P(RemoteScenarios, ADamagedArtifactIsRefusedAndTheCommandRuns) {
  ASSERT_EQ(ci_build().exit_code, 0);
  const std::string key = key_of(kBuild);
  target().corrupt(key);
  become_fresh_clone();
  auto run = memo_run(kBuild, target().env());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(contains(run.err, "refused")) << run.err;
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(read("packages/a/lib/index.js"), read("packages/a/src/index.ts"));
}

TEST_P(RemoteScenarios, ATruncatedArtifactIsRefusedAndTheCommandRuns) {
  ASSERT_EQ(ci_build().exit_code, 0);
  target().truncate(key_of(kBuild));
  become_fresh_clone();
  auto run = memo_run(kBuild, target().env());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(contains(run.err, "refused") || contains(run.err, "truncated")) << run.err;
  EXPECT_EQ(runs(), 2);
}

TEST_P(RemoteScenarios, AnEntryOverMaxSizeStaysLocal) {
  auto ci = ci_build("\"maxSize\": 10");
  ASSERT_EQ(ci.exit_code, 0) << ci.err;
  EXPECT_FALSE(target().holds(key_of(kBuild)));
}

TEST_P(RemoteScenarios, TheSecretNeverShows) {
  auto env = with(target().env(), kWrite);
  env["MEMO_LOG_LEVEL"] = "silly";
  env["MEMO_PRODUCE_PERFORMANCE_LOGS"] = "true";
  std::string everything;
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--", kBuild},
                                             {"config"},
                                             {"config", "--json"},
                                             {"explain", "--", kBuild},
                                             {"explain", "--json", "--", kBuild}}) {
    auto run = memo(args, env);
    everything += run.out + run.err;
  }
  become_fresh_clone();
  auto hit = memo({"--", kBuild}, env);
  everything += hit.out + hit.err;
  auto wrong = memo({"--", kBuild}, with(target().wrong_credentials_env(), kWrite));
  everything += wrong.out + wrong.err;
  EXPECT_FALSE(contains(everything, target().secret())) << everything;
  for (const auto& item : fs::recursive_directory_iterator(store())) {
    if (item.is_regular_file()) {
      EXPECT_FALSE(contains(read_file(item.path()), target().secret())) << item.path();
    }
  }
}

// Over a few MB, a transfer shows its progress on a terminal (run under script(1), a real
// pseudo-terminal), and never in a log.
TEST_P(RemoteScenarios, BigTransfersShowProgressOnATerminalOnly) {
  ASSERT_EQ(run_shell("head -c 9000000 /dev/urandom > src/big.bin", package()), 0);
  const std::string build = "mkdir -p lib && cp src/big.bin lib/big.bin";
  ASSERT_EQ(memo_run(build, with(target().env(), kWrite)).exit_code, 0);
  become_fresh_clone();
  auto logged = memo_run(build, target().env());
  ASSERT_EQ(logged.exit_code, 0) << logged.err;
  EXPECT_TRUE(contains(logged.err, "from the remote cache")) << logged.err;
  EXPECT_FALSE(contains(logged.err, "downloading")) << logged.err;

  become_fresh_clone();
  std::string exports;
  for (const auto& [name, value] : target().env()) {
    std::string quoted = "'";
    for (char c : value) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    exports += "export " + name + "=" + quoted + "'; ";
  }
  TempDir out;
  std::string inner = exports + "unset CI; exec " MEMO_BINARY " -- '" + build + "'";
  std::string quoted_inner = "'";
  for (char c : inner) quoted_inner += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted_inner += "'";
  ASSERT_EQ(run_shell("script -qec " + quoted_inner + " /dev/null > " + (out / "tty").string(),
                      package()),
            0);
  std::string terminal = read_file(out / "tty");
  EXPECT_TRUE(contains(terminal, "downloading")) << terminal;
  EXPECT_TRUE(contains(terminal, "from the remote cache")) << terminal;
}

TEST_P(RemoteScenarios, ExplainSaysWhetherTheRemoteHasTheKey) {
  auto before = memo({"explain", "--", kBuild}, target().env());
  EXPECT_TRUE(contains(before.out, "does not have this key")) << before.out << before.err;
  ASSERT_EQ(ci_build().exit_code, 0);
  become_fresh_clone();
  auto after = memo({"explain", "--", kBuild}, target().env());
  EXPECT_TRUE(contains(after.out, "has this key")) << after.out << after.err;
}

TEST_P(RemoteScenarios, HashNeedsNoRemote) {
  const std::string key = key_of(kBuild);
  target().stop();
  auto hashed = memo({"hash", "--", kBuild}, target().env());
  target().start();
  ASSERT_EQ(hashed.exit_code, 0) << hashed.err;
  EXPECT_EQ(hashed.out.substr(0, 64), key);
  EXPECT_FALSE(contains(hashed.err, "warning")) << hashed.err;
}

TEST_P(RemoteScenarios, APackageThatSkipsTheRemoteKeepsItsEntriesLocal) {
  write("packages/a/memo.json", R"({"skipRemoteCache": true})");
  auto ci = ci_build();
  ASSERT_EQ(ci.exit_code, 0) << ci.err;
  EXPECT_FALSE(target().holds(key_of(kBuild)));
  fs::remove_all(package() / "lib");
  auto local = memo_run(kBuild, target().env());
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_TRUE(contains(local.err, "hit")) << local.err;
  EXPECT_EQ(runs(), 1);
}

TEST_P(RemoteScenarios, VerboseSaysWhatWasUploaded) {
  auto ci = memo({"--log-level", "verbose", "--", kBuild}, with(target().env(), kWrite));
  ASSERT_EQ(ci.exit_code, 0) << ci.err;
  const std::regex uploaded(R"(uploaded 1 entry \(\d+ bytes\) in \d+ ms; waited \d+ ms)");
  EXPECT_TRUE(std::regex_search(ci.err, uploaded)) << ci.err;
  EXPECT_TRUE(target().holds(key_of(kBuild)));
  fs::remove_all(store());
  auto quiet = ci_build();
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_FALSE(contains(quiet.err, "uploaded")) << quiet.err;
}

}  // namespace memo::testing
