#include "memo/cli/arguments.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memo/config/loader.hpp"
#include "support/temp_dir.hpp"
#include "support/text_assertions.hpp"

namespace memo::cli {
namespace {

using json = nlohmann::json;
using Words = std::vector<std::string>;
using memo::testing::Contains;

// Parses `words` as the arguments after the program name.
std::expected<Arguments, std::string> parse(const Words& words) {
  std::vector<const char*> argv{"memo"};
  for (const auto& word : words) argv.push_back(word.c_str());
  argv.push_back(nullptr);
  return parse_arguments(static_cast<int>(words.size() + 1), argv.data());
}

Arguments parse_ok(const Words& words) {
  auto args = parse(words);
  EXPECT_TRUE(args.has_value()) << args.error();
  return args ? *args : Arguments{};
}

std::string parse_error(const Words& words) {
  auto args = parse(words);
  EXPECT_FALSE(args.has_value()) << "parsed without an error";
  return args ? "" : args.error();
}

json output_globs(const Arguments& args) {
  auto found = args.flags.values.find("outputGlob");
  if (found == args.flags.values.end()) return nullptr;
  return json::parse(found->second);
}

TEST(ArgumentsTest, NothingGivenIsAllDefaults) {
  Arguments args = parse_ok({});
  EXPECT_EQ(args.subcommand, "");
  EXPECT_FALSE(args.help);
  EXPECT_FALSE(args.version);
  EXPECT_FALSE(args.json);
  EXPECT_EQ(args.cwd, "");
  EXPECT_TRUE(args.flags.values.empty());
  EXPECT_TRUE(args.flags.names.empty());
  EXPECT_FALSE(args.flags.config_file.has_value());
  EXPECT_TRUE(args.command_words.empty());
  EXPECT_FALSE(args.saw_separator);
  EXPECT_EQ(args.command(), "");
}

TEST(ArgumentsTest, WordsAfterTheSeparatorAreTheCommand) {
  Arguments args = parse_ok({"--", "tsc", "-b"});
  EXPECT_TRUE(args.saw_separator);
  EXPECT_EQ(args.command_words, (Words{"tsc", "-b"}));
  EXPECT_EQ(args.command(), "tsc -b");
  EXPECT_EQ(args.subcommand, "");
}

TEST(ArgumentsTest, SeparatorAloneGivesAnEmptyCommand) {
  Arguments args = parse_ok({"--"});
  EXPECT_TRUE(args.saw_separator);
  EXPECT_TRUE(args.command_words.empty());
  EXPECT_EQ(args.command(), "");
}

TEST(ArgumentsTest, CommandWordsAreJoinedWithSpacesAsTyped) {
  Arguments args = parse_ok({"--", "echo", "a b", "$HOME", "&&", "ls"});
  EXPECT_EQ(args.command_words, (Words{"echo", "a b", "$HOME", "&&", "ls"}));
  EXPECT_EQ(args.command(), "echo a b $HOME && ls");
}

TEST(ArgumentsTest, OptionsAfterTheSeparatorBelongToTheCommand) {
  Arguments args = parse_ok({"--", "tsc", "--mode", "PASS", "--help", "--", "hash", "--nope"});
  EXPECT_EQ(args.command_words, (Words{"tsc", "--mode", "PASS", "--help", "--", "hash", "--nope"}));
  EXPECT_FALSE(args.help);
  EXPECT_TRUE(args.flags.values.empty());
  EXPECT_EQ(args.subcommand, "");
}

TEST(ArgumentsTest, OptionsBeforeTheSeparator) {
  Arguments args = parse_ok({"--mode", "PASS", "--log-level=verbose", "--", "tsc", "-b"});
  EXPECT_EQ(args.flags.values.at("mode"), "PASS");
  EXPECT_EQ(args.flags.values.at("logLevel"), "verbose");
  EXPECT_EQ(args.command(), "tsc -b");
}

TEST(ArgumentsTest, Subcommands) {
  EXPECT_EQ(parse_ok({"hash"}).subcommand, "hash");
  EXPECT_EQ(parse_ok({"config"}).subcommand, "config");
  Arguments args = parse_ok({"config", "--json"});
  EXPECT_EQ(args.subcommand, "config");
  EXPECT_TRUE(args.json);
  args = parse_ok({"--json", "hash"});
  EXPECT_EQ(args.subcommand, "hash");
  EXPECT_TRUE(args.json);
}

TEST(ArgumentsTest, SubcommandWithFlagsAndCommand) {
  Arguments args = parse_ok({"hash", "--mode", "PASS", "--", "tsc"});
  EXPECT_EQ(args.subcommand, "hash");
  EXPECT_EQ(args.flags.values.at("mode"), "PASS");
  EXPECT_EQ(args.command(), "tsc");
}

TEST(ArgumentsTest, HelpSubcommandIsTheHelpFlag) {
  Arguments args = parse_ok({"help"});
  EXPECT_TRUE(args.help);
  EXPECT_EQ(args.subcommand, "");
}

TEST(ArgumentsTest, HelpVersionAndJsonSwitches) {
  EXPECT_TRUE(parse_ok({"-h"}).help);
  EXPECT_TRUE(parse_ok({"--help"}).help);
  EXPECT_TRUE(parse_ok({"--version"}).version);
  EXPECT_TRUE(parse_ok({"-V"}).version);
  EXPECT_TRUE(parse_ok({"--json"}).json);
  Arguments args = parse_ok({"--mode", "PASS"});
  EXPECT_FALSE(args.help);
  EXPECT_FALSE(args.version);
  EXPECT_FALSE(args.json);
}

TEST(ArgumentsTest, OnlyOneSubcommand) {
  std::string error = parse_error({"hash", "config"});
  EXPECT_TRUE(Contains(error, "unexpected \"config\""));
}

TEST(ArgumentsTest, StrayWordIsAnError) {
  std::string error = parse_error({"tsc", "-b"});
  EXPECT_TRUE(Contains(error, "unexpected \"tsc\""));
  EXPECT_TRUE(Contains(error, "memo -- tsc -b"));
  error = parse_error({"--mode", "PASS", "build"});
  EXPECT_TRUE(Contains(error, "unexpected \"build\""));
  error = parse_error({"hash", "extra"});
  EXPECT_TRUE(Contains(error, "unexpected \"extra\""));
}

TEST(ArgumentsTest, SettingFlagsWithASeparateValue) {
  Arguments args =
      parse_ok({"--mode", "READ_ONLY", "--log-level", "silly", "--cache-provider", "local-skip"});
  EXPECT_EQ(args.flags.values.at("mode"), "READ_ONLY");
  EXPECT_EQ(args.flags.values.at("logLevel"), "silly");
  EXPECT_EQ(args.flags.values.at("cacheStorageConfig"), "local-skip");
  EXPECT_EQ(args.flags.names.at("mode"), "--mode");
  EXPECT_EQ(args.flags.names.at("logLevel"), "--log-level");
  EXPECT_EQ(args.flags.names.at("cacheStorageConfig"), "--cache-provider");
  EXPECT_EQ(args.flags.values.size(), 3u);
}

TEST(ArgumentsTest, SettingFlagsWithEquals) {
  Arguments args = parse_ok({"--mode=WRITE_ONLY", "--log-level=error", "--cache-provider=local"});
  EXPECT_EQ(args.flags.values.at("mode"), "WRITE_ONLY");
  EXPECT_EQ(args.flags.values.at("logLevel"), "error");
  EXPECT_EQ(args.flags.values.at("cacheStorageConfig"), "local");
  EXPECT_EQ(args.flags.names.at("mode"), "--mode");
  EXPECT_TRUE(args.command_words.empty());
}

TEST(ArgumentsTest, EqualsValueKeepsLaterEqualsSigns) {
  EXPECT_EQ(parse_ok({"--cache-provider=a=b"}).flags.values.at("cacheStorageConfig"), "a=b");
}

TEST(ArgumentsTest, EmptyEqualsValueDoesNotTakeTheNextWord) {
  Arguments args = parse_ok({"--mode=", "--", "tsc"});
  EXPECT_EQ(args.flags.values.at("mode"), "");
  EXPECT_TRUE(args.saw_separator);
  EXPECT_EQ(args.command(), "tsc");
}

TEST(ArgumentsTest, LaterFlagWins) {
  Arguments args = parse_ok({"--mode", "PASS", "--mode=READ_ONLY"});
  EXPECT_EQ(args.flags.values.at("mode"), "READ_ONLY");
}

TEST(ArgumentsTest, ConfigAndCwd) {
  Arguments args = parse_ok({"--config", "ci/memo.json", "--cwd", "packages/a"});
  ASSERT_TRUE(args.flags.config_file.has_value());
  EXPECT_EQ(*args.flags.config_file, std::filesystem::path("ci/memo.json"));
  EXPECT_EQ(args.cwd, "packages/a");
  EXPECT_TRUE(args.flags.values.empty()) << "--config and --cwd are not settings";

  args = parse_ok({"--config=other.json", "--cwd=/abs/dir"});
  EXPECT_EQ(*args.flags.config_file, std::filesystem::path("other.json"));
  EXPECT_EQ(args.cwd, "/abs/dir");
}

TEST(ArgumentsTest, RepeatedOutputGlobAccumulates) {
  Arguments args = parse_ok(
      {"--output-glob", "lib/**", "--output-glob=!lib/**/*.map", "--output-glob", "types/**"});
  EXPECT_EQ(output_globs(args), json::array({"lib/**", "!lib/**/*.map", "types/**"}));
  EXPECT_EQ(args.flags.names.at("outputGlob"), "--output-glob");
}

TEST(ArgumentsTest, OutputGlobAsAJsonArray) {
  Arguments args = parse_ok({"--output-glob", R"(["dist/**", "types/**"])"});
  EXPECT_EQ(output_globs(args), json::array({"dist/**", "types/**"}));
  args = parse_ok({R"(--output-glob=["a/**"])", "--output-glob", "b/**"});
  EXPECT_EQ(output_globs(args), json::array({"a/**", "b/**"}));
}

TEST(ArgumentsTest, OutputGlobInBracketsThatIsNotJsonIsOneGlob) {
  Arguments args = parse_ok({"--output-glob", "[ab]/**"});
  EXPECT_EQ(output_globs(args), json::array({"[ab]/**"}));
}

TEST(ArgumentsTest, OutputGlobThatLooksLikeOtherJsonIsOneGlob) {
  Arguments args = parse_ok({"--output-glob", "\"lib/**\"", "--output-glob", "123"});
  EXPECT_EQ(output_globs(args), json::array({"\"lib/**\"", "123"}));
}

TEST(ArgumentsTest, UnknownOptionIsAnError) {
  EXPECT_EQ(parse_error({"--nope"}), "unknown option --nope; see memo --help");
  EXPECT_TRUE(Contains(parse_error({"--nope=1", "--", "tsc"}), "unknown option --nope;"));
  EXPECT_TRUE(Contains(parse_error({"-x"}), "unknown option -x"));
  EXPECT_TRUE(Contains(parse_error({"--outputGlob", "lib/**"}), "unknown option --outputGlob"));
}

TEST(ArgumentsTest, MissingValueIsAnError) {
  for (const char* flag :
       {"--mode", "--log-level", "--cache-provider", "--output-glob", "--config", "--cwd"}) {
    std::string error = parse_error({"--json", flag});
    EXPECT_EQ(error, std::string(flag) + " needs a value");
  }
}

TEST(ArgumentsTest, SeparatorIsNotTakenAsAValue) {
  std::string error = parse_error({"--mode", "--", "tsc", "-b"});
  EXPECT_EQ(error, "--mode needs a value");
  error = parse_error({"--config", "--", "tsc"});
  EXPECT_EQ(error, "--config needs a value");
}

TEST(ArgumentsTest, ParsedFlagsFeedTheLoader) {
  memo::testing::TempDir dir;
  dir.write("package.json", R"({"name": "pkg"})");
  dir.write("ci.json", R"({"cacheKey": "ci"})");
  Arguments args = parse_ok({"--output-glob", "dist/**", "--output-glob", "types/**", "--mode",
                             "PASS", "--config", "ci.json", "--", "tsc"});
  auto no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto config = config::load_config(dir.path(), args.flags, no_env);
  ASSERT_TRUE(config.has_value()) << config.error();
  EXPECT_EQ(config->output_glob, (std::vector<std::string>{"dist/**", "types/**"}));
  EXPECT_EQ(config->mode, config::Mode::Pass);
  EXPECT_EQ(config->cache_key, "ci");
  EXPECT_EQ(config->origins["outputGlob"].describe(), "flag --output-glob");
  EXPECT_EQ(config->origins["mode"].describe(), "flag --mode");
}

TEST(ArgumentsTest, BadFlagValueIsNamedByTheLoader) {
  memo::testing::TempDir dir;
  dir.write("package.json", R"({"name": "pkg"})");
  Arguments args = parse_ok({"--mode=FAST"});
  auto no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto config = config::load_config(dir.path(), args.flags, no_env);
  ASSERT_FALSE(config.has_value());
  EXPECT_TRUE(config.error().starts_with("--mode: ")) << config.error();
  EXPECT_TRUE(Contains(config.error(), "FAST"));
}

}  // namespace
}  // namespace memo::cli
