// Reading git config files as git does: sections, quoting, comments, includes.
#include "memo/hash/git_config.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace memo::hash {
namespace {

using memo::testing::TempDir;

std::vector<std::pair<std::string, std::string>> pairs(const std::vector<GitConfigEntry>& entries) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : entries) out.emplace_back(entry.key, entry.value);
  return out;
}

TEST(GitConfig, SectionsNamesAndValues) {
  const auto entries = parse_git_config(
      "# comment\n"
      "[Core]\n"
      "\tAutoCRLF = True ; trailing comment\n"
      "  eol=crlf\n"
      "\tbare\n"
      "[remote \"Origin\"] url = \"a # b\" \n"
      "[old.Style]\n"
      "x = one \\\n two\n"
      "y = \"tab\\there\"\n",
      "f");
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(pairs(entries), (std::vector<P>{{"core.autocrlf", "True"},
                                            {"core.eol", "crlf"},
                                            {"core.bare", ""},
                                            {"remote.Origin.url", "a # b"},
                                            {"old.style.x", "one  two"},
                                            {"old.style.y", "tab\there"}}));
  EXPECT_EQ(entries[0].source, "f");
}

TEST(GitConfig, LinesGitWouldRejectAreSkipped) {
  const auto entries =
      parse_git_config("key = before any section\n[core\nx = 1\n[ok]\ny = 2\n", "f");
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(pairs(entries), (std::vector<P>{{"ok.y", "2"}}));
}

TEST(GitConfig, IncludesAreFollowedInPlace) {
  TempDir dir;
  dir.write("main", "[a]\nx = 1\n[include]\npath = sub/inc\n[a]\nz = 3\n");
  dir.write("sub/inc", "[a]\ny = 2\n[includeIf \"onbranch:main\"]\npath = ~/home.inc\n");
  dir.write("home/home.inc", "[b]\nw = 4\n");
  const auto entries = read_git_config(dir.path() / "main", dir.path() / "home");
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(pairs(entries), (std::vector<P>{{"a.x", "1"},
                                            {"include.path", "sub/inc"},
                                            {"a.y", "2"},
                                            {"includeif.onbranch:main.path", "~/home.inc"},
                                            {"b.w", "4"},
                                            {"a.z", "3"}}));
  EXPECT_EQ(entries[2].source, (dir.path() / "main").parent_path().string() + "/sub/inc");
}

TEST(GitConfig, IncludeLoopsEnd) {
  TempDir dir;
  dir.write("loop", "[include]\npath = loop\n");
  EXPECT_EQ(read_git_config(dir.path() / "loop", std::nullopt).size(), 11u);
}

TEST(GitConfig, FalseValues) {
  for (const char* value : {"false", "No", "OFF", "0", "00"}) EXPECT_TRUE(git_config_false(value));
  for (const char* value : {"", "true", "input", "1", "yes"}) EXPECT_FALSE(git_config_false(value));
}

}  // namespace
}  // namespace memo::hash
