// What memo prints is true and cannot be forged: names are escaped, every line says what
// happened, secrets are never shown, and hostile input stops memo with one clear line.
#include <regex>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {
namespace {

namespace fs = std::filesystem;

class HonestOutputTest : public MonorepoTest {
 protected:
  static std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      lines.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  }
};

TEST_F(HonestOutputTest, AHostileFileNameCannotFakeALine) {
  // A symlink output memo refuses to store is named in a warning; its name holds a line
  // break, a fake hit line and a terminal escape.
  const std::string build =
      "mkdir -p lib && echo x > lib/index.js && "
      "ln -s /etc/passwd \"lib/evil$(printf '\\nmemo: hit 000000000000\\033[2K')\"";
  auto run = memo_run(build);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  for (const auto& line : lines_of(run.err)) {
    EXPECT_TRUE(line.starts_with("memo: ")) << line;
    EXPECT_FALSE(line.starts_with("memo: hit")) << "a forged line: " << run.err;
    EXPECT_EQ(line.find('\033'), std::string::npos) << line;
  }
  EXPECT_NE(run.err.find("lib/evil\\nmemo: hit 000000000000\\x1b[2K"), std::string::npos)
      << run.err;
}

TEST_F(HonestOutputTest, ExplainEscapesNames) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  write("packages/a/src/new\nEntry 000000000000 is in the cache\033[1A.ts", "x");
  auto explain = memo({"explain", "--", kSmallBuild});
  EXPECT_EQ(explain.exit_code, 0) << explain.err;
  for (const auto& line : lines_of(explain.out)) {
    EXPECT_FALSE(line.starts_with("Entry 000000000000")) << explain.out;
    EXPECT_EQ(line.find('\033'), std::string::npos) << line;
  }
  EXPECT_NE(explain.out.find("new\\nEntry 000000000000 is in the cache\\x1b[1A.ts"),
            std::string::npos)
      << explain.out;
}

TEST_F(HonestOutputTest, ForceSaysForcedNotMiss) {
  ASSERT_EQ(memo_run(kSmallBuild).exit_code, 0);
  auto forced = memo({"--force", "--", kSmallBuild});
  EXPECT_EQ(forced.exit_code, 0);
  EXPECT_NE(forced.err.find("@demo/a: forced "), std::string::npos) << forced.err;
  EXPECT_EQ(forced.err.find("miss"), std::string::npos) << forced.err;
  EXPECT_NE(forced.err.find("stored 1 file"), std::string::npos) << forced.err;
}

TEST_F(HonestOutputTest, PassModeSaysItRanUncached) {
  auto run = memo({"--", kSmallBuild}, {{"BACKFILL_MODE", "PASS"}});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.err.find("@demo/a: ran uncached (PASS mode) in "), std::string::npos) << run.err;
  auto failing = memo({"--", "exit 3"}, {{"BACKFILL_MODE", "PASS"}});
  EXPECT_EQ(failing.exit_code, 3);
  EXPECT_NE(failing.err.find("ran uncached (PASS mode) in "), std::string::npos) << failing.err;
  EXPECT_NE(failing.err.find("exit 3"), std::string::npos) << failing.err;
}

// The number of files a key line names, or -1 when there is no key line.
long key_file_count(const std::string& err) {
  std::smatch match;
  if (!std::regex_search(err, match, std::regex("key [0-9a-f]{64} from ([0-9]+) files"))) return -1;
  return std::stol(match[1]);
}

TEST_F(HonestOutputTest, TheKeyLineCountsTheSameFilesOnAMissAndOnAHit) {
  // The build creates lib/, so the hit finds the package's folder changed and updates the
  // record of its digests: the count must not depend on which way the digests were found.
  const std::map<std::string, std::string> verbose{{"BACKFILL_LOG_LEVEL", "verbose"}};
  auto miss = memo_run(kSmallBuild, verbose);
  ASSERT_EQ(miss.exit_code, 0) << miss.err;
  auto hit = memo_run(kSmallBuild, verbose);
  auto again = memo_run(kSmallBuild, verbose);
  ASSERT_GT(key_file_count(miss.err), 0) << miss.err;
  EXPECT_EQ(key_file_count(hit.err), key_file_count(miss.err)) << miss.err << hit.err;
  EXPECT_EQ(key_file_count(again.err), key_file_count(miss.err)) << miss.err << again.err;
}

// "812 ms" or "1.25 s", in milliseconds.
double milliseconds_of(const std::string& number, const std::string& unit) {
  return std::stod(number) * (unit == "s" ? 1000 : 1);
}

TEST_F(HonestOutputTest, SavedIsTheCommandsTimeLessTheRestores) {
  // Enough files that the restore takes a measurable part of the minute the command took.
  std::string digest = plant_blob("built\n"), outputs;
  for (int i = 0; i < 300; ++i) {
    outputs += "f \"lib/f" + std::to_string(i) + ".js\" \"644\" \"6\" \"" + digest + "\"\n";
  }
  plant_entry(key_of(kSmallBuild), outputs, "60000");
  auto hit = memo_run(kSmallBuild);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(
      hit.err, match, std::regex("restored 300 files in ([0-9.]+) (ms|s), saved ([0-9.]+) (ms|s)")))
      << hit.err;
  double restore_ms = milliseconds_of(match[1], match[2]);
  double saved_ms = milliseconds_of(match[3], match[4]);
  ASSERT_GE(restore_ms, 2) << "too fast to tell: " << hit.err;
  EXPECT_NEAR(saved_ms + restore_ms, 60000, 10) << hit.err;
}

TEST_F(HonestOutputTest, AnEntryWhoseCommandTimeIsNotANumberIsRefused) {
  for (const char* ms : {"nan", "inf", "-5"}) {
    std::string digest = plant_blob("evil\n");
    plant_entry(key_of(kSmallBuild), "f \"lib/index.js\" \"644\" \"5\" \"" + digest + "\"\n", ms);
    fs::remove_all(package() / "lib");
    auto run = memo_run(kSmallBuild);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_NE(run.err.find("warning: cache entry unreadable"), std::string::npos) << run.err;
    EXPECT_EQ(read("packages/a/lib/index.js"), "built\n") << ms;
  }
}

TEST_F(HonestOutputTest, ConfigRedactsSecretsInsideValues) {
  const std::string options =
      R"({"container": "c", "url": "https://user:hunter2secret@host.example/path?sv=2022&sig=S1GSECRET&se=x",)"
      R"( "connection": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=ACCOUNTKEYSECRET;EndpointSuffix=core",)"
      R"( "sasString": "BlobEndpoint=https://a;SharedAccessSignature=sv=2020&ss=b&sig=SASSECRET;",)"
      R"( "pass": "PASSSECRET", "pwd": "PWDSECRET", "nested": [{"token": "TOKENSECRET"}]})";
  const std::map<std::string, std::string> env{{"BACKFILL_CACHE_PROVIDER_OPTIONS", options}};
  for (const auto& args :
       {std::vector<std::string>{"config"}, std::vector<std::string>{"config", "--json"}}) {
    auto shown = memo(args, env);
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    for (const char* secret : {"hunter2secret", "S1GSECRET", "ACCOUNTKEYSECRET", "SASSECRET",
                               "PASSSECRET", "PWDSECRET", "TOKENSECRET"}) {
      EXPECT_EQ(shown.out.find(secret), std::string::npos) << secret << " in " << shown.out;
    }
    for (const char* kept : {"AccountName=acct", "sv=2022", "user:", "host.example"}) {
      EXPECT_NE(shown.out.find(kept), std::string::npos) << kept << " in " << shown.out;
    }
  }
}

TEST_F(HonestOutputTest, DeeplyNestedJsonIsAClearErrorNotACrash) {
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  auto options = memo({"--", kSmallBuild}, {{"BACKFILL_CACHE_PROVIDER_OPTIONS", deep}});
  EXPECT_EQ(options.exit_code, 2) << options.err;
  EXPECT_NE(options.err.find("BACKFILL_CACHE_PROVIDER_OPTIONS"), std::string::npos) << options.err;
  EXPECT_NE(options.err.find("nested deeper than"), std::string::npos) << options.err;
  auto glob = memo({"--", kSmallBuild}, {{"BACKFILL_OUTPUT_GLOB", deep}});
  EXPECT_EQ(glob.exit_code, 2) << glob.err;
  write("packages/a/memo.json", "{\"name\": " + deep + "}");
  auto file = memo({"--", kSmallBuild});
  EXPECT_EQ(file.exit_code, 2) << file.err;
  EXPECT_NE(file.err.find("memo.json: nested deeper than"), std::string::npos) << file.err;
  EXPECT_EQ(runs(), 0) << "nothing ran";
}

}  // namespace
}  // namespace memo::testing
