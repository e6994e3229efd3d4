#include "memo/hash/gitignore.hpp"

#include <gtest/gtest.h>

#include "memo/hash/file_walk.hpp"
#include "support/temp_dir.hpp"

namespace memo::hash {
namespace {

using memo::testing::TempDir;

GitignoreRules rules(std::string_view text) {
  GitignoreRules result;
  result.add_file("", text);
  return result;
}

TEST(Gitignore, PatternWithoutSlashMatchesAtAnyDepth) {
  auto r = rules("*.log\nbuild\n");
  EXPECT_TRUE(r.is_ignored("a.log", false));
  EXPECT_TRUE(r.is_ignored("deep/er/a.log", false));
  EXPECT_TRUE(r.is_ignored("build", true));
  EXPECT_TRUE(r.is_ignored("src/build", true));
  EXPECT_FALSE(r.is_ignored("a.log.txt", false));
  EXPECT_FALSE(r.is_ignored("src/index.ts", false));
}

TEST(Gitignore, PatternWithSlashIsAnchoredToItsFolder) {
  auto r = rules("/dist\nsrc/gen\n");
  EXPECT_TRUE(r.is_ignored("dist", true));
  EXPECT_FALSE(r.is_ignored("pkg/dist", true));
  EXPECT_TRUE(r.is_ignored("src/gen", true));
  EXPECT_FALSE(r.is_ignored("lib/src/gen", true));
}

TEST(Gitignore, TrailingSlashMatchesFoldersOnly) {
  auto r = rules("cache/\n");
  EXPECT_TRUE(r.is_ignored("cache", true));
  EXPECT_TRUE(r.is_ignored("a/cache", true));
  EXPECT_FALSE(r.is_ignored("cache", false));
}

TEST(Gitignore, LastMatchWinsAndNegationReincludes) {
  auto r = rules("*.js\n!keep.js\n");
  EXPECT_TRUE(r.is_ignored("a.js", false));
  EXPECT_FALSE(r.is_ignored("keep.js", false));
  auto reversed = rules("!keep.js\n*.js\n");
  EXPECT_TRUE(reversed.is_ignored("keep.js", false));
}

TEST(Gitignore, CommentsBlanksCarriageReturnsAndEscapes) {
  auto r = rules("# a comment\n\n*.tmp\r\n\\#literal\nspace\\ \n{a,b}.txt\n");
  EXPECT_FALSE(r.is_ignored("# a comment", false));
  EXPECT_TRUE(r.is_ignored("x.tmp", false)) << "CRLF line";
  EXPECT_TRUE(r.is_ignored("#literal", false));
  EXPECT_TRUE(r.is_ignored("space ", false));
  EXPECT_TRUE(r.is_ignored("{a,b}.txt", false)) << "git has no brace alternatives";
  EXPECT_FALSE(r.is_ignored("a.txt", false));
}

TEST(Gitignore, ParenthesesAndBarsArePlainCharactersAsInGit) {
  auto r = rules("+(a|b).js\n!(x).txt\n");
  EXPECT_TRUE(r.is_ignored("+(a|b).js", false));
  EXPECT_FALSE(r.is_ignored("a.js", false)) << "git has no extglobs";
  EXPECT_FALSE(r.is_ignored("y.txt", false)) << "a leading ! negates, it is no extglob";
}

// git's patterns have no extglobs: "*(1).txt" is '*' then a literal "(1).txt". POSIX classes
// they do have.
TEST(Gitignore, ParenthesesAreLiteral) {
  auto r = rules("*(1).txt\nx+(y)\n!(keep)\nf[[:digit:]].log\n");
  EXPECT_TRUE(r.is_ignored("report(1).txt", false));
  EXPECT_FALSE(r.is_ignored("11.txt", false));
  EXPECT_TRUE(r.is_ignored("x+(y)", false));
  EXPECT_FALSE(r.is_ignored("xyy", false));
  EXPECT_TRUE(r.is_ignored("f7.log", false));
  EXPECT_FALSE(r.is_ignored("other", false));
}

TEST(Gitignore, DeeperFileOverridesAndAppliesOnlyBelowItself) {
  GitignoreRules r;
  r.add_file("", "*.gen.ts\n");
  r.add_file("pkg", "!*.gen.ts\nlocal.txt\n");
  EXPECT_TRUE(r.is_ignored("x.gen.ts", false));
  EXPECT_FALSE(r.is_ignored("pkg/x.gen.ts", false));
  EXPECT_TRUE(r.is_ignored("pkg/local.txt", false));
  EXPECT_FALSE(r.is_ignored("other/local.txt", false));
}

TEST(Gitignore, AncestorFileSeesTheRootBelowIt) {
  GitignoreRules r;
  r.add_ancestor_file("packages/a", "/packages/a/generated\ncoverage\n/top-only\n");
  EXPECT_TRUE(r.is_ignored("generated", true));
  EXPECT_TRUE(r.is_ignored("src/coverage", true));
  EXPECT_FALSE(r.is_ignored("top-only", false)) << "anchored to the repo root, not the package";
}

TEST(Gitignore, WalkNeverEntersAnIgnoredFolder) {
  TempDir dir;
  dir.write(".gitignore", "out/\n!out/keep.txt\n*.log\n");
  dir.write("out/keep.txt", "");
  dir.write("src/a.ts", "");
  dir.write("src/debug.log", "");
  dir.write("src/.gitignore", "!debug.log\nlocal/\n");
  dir.write("src/local/x", "");
  GitignoreRules none;
  WalkOptions options;
  options.gitignore = &none;
  auto files = walk_files(dir.path(), options);
  ASSERT_TRUE(files) << files.error();
  std::vector<std::string> paths;
  for (const auto& file : *files) paths.push_back(file.path);
  EXPECT_EQ(paths, (std::vector<std::string>{".gitignore", "src/.gitignore", "src/a.ts",
                                             "src/debug.log"}));
}

}  // namespace
}  // namespace memo::hash
