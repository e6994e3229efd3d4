#include "memo/hash/glob.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memo::hash {
namespace {

GlobSet compile_ok(const std::vector<std::string>& patterns) {
  auto set = GlobSet::compile(patterns);
  EXPECT_TRUE(set.has_value()) << (set ? "" : set.error());
  return set ? *set : GlobSet{};
}

bool match(const std::string& pattern, std::string_view path) {
  return compile_ok({pattern}).matches(path);
}

std::string compile_error(const std::vector<std::string>& patterns) {
  auto set = GlobSet::compile(patterns);
  EXPECT_FALSE(set.has_value());
  return set ? "" : set.error();
}

TEST(GlobTest, LiteralPath) {
  EXPECT_TRUE(match("a/b.js", "a/b.js"));
  EXPECT_FALSE(match("a/b.js", "a/b.jsx"));
  EXPECT_FALSE(match("a/b.js", "a/b"));
  EXPECT_FALSE(match("a/b.js", "a"));
  EXPECT_FALSE(match("a/b.js", "x/a/b.js"));
  EXPECT_TRUE(match("package.json", "package.json"));
  EXPECT_FALSE(match("package.json", "sub/package.json"));
}

TEST(GlobTest, StarStaysWithinSegment) {
  EXPECT_TRUE(match("*.js", "a.js"));
  EXPECT_TRUE(match("*.js", "a.b.js"));
  EXPECT_FALSE(match("*.js", "a.ts"));
  EXPECT_FALSE(match("*.js", "x/a.js"));
  EXPECT_TRUE(match("src/*", "src/a"));
  EXPECT_FALSE(match("src/*", "src/a/b"));
  EXPECT_FALSE(match("src/*", "src"));
  EXPECT_TRUE(match("src/*/index.ts", "src/x/index.ts"));
  EXPECT_FALSE(match("src/*/index.ts", "src/index.ts"));
  EXPECT_TRUE(match("foo*", "foo"));
  EXPECT_TRUE(match("foo*", "foobar"));
  EXPECT_FALSE(match("foo*", "fo"));
  EXPECT_TRUE(match("a*b*c", "abc"));
  EXPECT_TRUE(match("a*b*c", "axxbyyc"));
  EXPECT_TRUE(match("a*b*c", "abcbc"));
  EXPECT_FALSE(match("a*b*c", "axxbyy"));
  EXPECT_FALSE(match("a*b*c", "ax/bc"));
  EXPECT_TRUE(match("*", "anything"));
  EXPECT_FALSE(match("*", "a/b"));
}

TEST(GlobTest, DoubleStarInsideSegmentActsLikeStar) {
  EXPECT_TRUE(match("a**b", "ab"));
  EXPECT_TRUE(match("a**b", "axxb"));
  EXPECT_FALSE(match("a**b", "ax/xb"));
  EXPECT_TRUE(match("**.js", "a.js"));
  EXPECT_FALSE(match("**.js", "x/a.js"));
  EXPECT_TRUE(match("x/***", "x/y"));
  EXPECT_FALSE(match("x/***", "x/y/z"));
}

TEST(GlobTest, QuestionMarkMatchesOneChar) {
  EXPECT_TRUE(match("a?c", "abc"));
  EXPECT_TRUE(match("a?c", "a.c"));
  EXPECT_FALSE(match("a?c", "ac"));
  EXPECT_FALSE(match("a?c", "abbc"));
  EXPECT_FALSE(match("a?c", "a/c"));
  EXPECT_TRUE(match("???", "abc"));
  EXPECT_FALSE(match("???", "ab"));
  // One UTF-8 encoded character, not one byte.
  EXPECT_TRUE(match("caf?", "caf\u00e9"));
  EXPECT_FALSE(match("caf??", "caf\u00e9"));
  EXPECT_TRUE(match("*?", "\u00e9"));
}

TEST(GlobTest, CharacterClasses) {
  EXPECT_TRUE(match("[abc].js", "a.js"));
  EXPECT_TRUE(match("[abc].js", "c.js"));
  EXPECT_FALSE(match("[abc].js", "d.js"));
  EXPECT_FALSE(match("[abc].js", "ab.js"));
  EXPECT_TRUE(match("file[0-9].txt", "file7.txt"));
  EXPECT_FALSE(match("file[0-9].txt", "filex.txt"));
  EXPECT_TRUE(match("[a-cx-z]", "y"));
  EXPECT_FALSE(match("[a-cx-z]", "m"));
  EXPECT_TRUE(match("[!a]", "b"));
  EXPECT_FALSE(match("[!a]", "a"));
  EXPECT_TRUE(match("[^a]", "b"));
  EXPECT_FALSE(match("[^a]", "a"));
  EXPECT_FALSE(match("x[!a]y", "x/y"));
  // ']' first is a member; '-' first or last is literal.
  EXPECT_TRUE(match("[]]", "]"));
  EXPECT_TRUE(match("[!]]", "a"));
  EXPECT_FALSE(match("[!]]", "]"));
  EXPECT_TRUE(match("[a-]", "-"));
  EXPECT_TRUE(match("[-a]", "-"));
  EXPECT_FALSE(match("[a-]", "b"));
  EXPECT_TRUE(match("[\\]x]", "]"));
  EXPECT_TRUE(match("[a\\-z]", "-"));
  EXPECT_FALSE(match("[a\\-z]", "m"));
  // Classes and braces do not interact: '{' in a class is a member.
  EXPECT_TRUE(match("a[{]b", "a{b"));
  EXPECT_TRUE(match("[*?]", "*"));
  EXPECT_FALSE(match("[*?]", "x"));
  // Non-ASCII members and ranges work on whole characters.
  EXPECT_TRUE(match("caf[\u00e9e]", "caf\u00e9"));
  EXPECT_TRUE(match("caf[!a]", "caf\u00e9"));
  EXPECT_FALSE(match("caf[!\u00e9]", "caf\u00e9"));
  EXPECT_TRUE(match("[\u00e0-\u00ff]", "\u00e9"));
  EXPECT_FALSE(match("*[!\u00e9]", "\u00e9"));
}

TEST(GlobTest, BraceAlternatives) {
  EXPECT_TRUE(match("{a,b}.js", "a.js"));
  EXPECT_TRUE(match("{a,b}.js", "b.js"));
  EXPECT_FALSE(match("{a,b}.js", "c.js"));
  EXPECT_TRUE(match("*.{js,ts}", "x.ts"));
  EXPECT_FALSE(match("*.{js,ts}", "x.css"));
  EXPECT_TRUE(match("a{,.min}.js", "a.js"));
  EXPECT_TRUE(match("a{,.min}.js", "a.min.js"));
  EXPECT_TRUE(match("{src,lib}/**/*.{js,map}", "lib/x/y.map"));
  EXPECT_FALSE(match("{src,lib}/**/*.{js,map}", "dist/x/y.map"));
  // Alternatives may contain '/'.
  EXPECT_TRUE(match("{a/b,c}/d", "a/b/d"));
  EXPECT_TRUE(match("{a/b,c}/d", "c/d"));
  EXPECT_FALSE(match("{a/b,c}/d", "a/d"));
  EXPECT_TRUE(match("{a}", "a"));
}

TEST(GlobTest, NestedBraces) {
  const GlobSet set = compile_ok({"a{b,c{d,e}}f"});
  EXPECT_TRUE(set.matches("abf"));
  EXPECT_TRUE(set.matches("acdf"));
  EXPECT_TRUE(set.matches("acef"));
  EXPECT_FALSE(set.matches("acf"));
  EXPECT_FALSE(set.matches("adf"));
  EXPECT_TRUE(match("{x,{y,z}/w}", "z/w"));
  EXPECT_TRUE(match("{x,{y,z}/w}", "x"));
}

TEST(GlobTest, GlobStarWholeSegment) {
  EXPECT_TRUE(match("**", "a"));
  EXPECT_TRUE(match("**", "a/b/c"));
  EXPECT_FALSE(match("**", ""));

  EXPECT_TRUE(match("lib/**", "lib/a"));
  EXPECT_TRUE(match("lib/**", "lib/a/b/c.js"));
  EXPECT_FALSE(match("lib/**", "lib"));
  EXPECT_FALSE(match("lib/**", "libx/a"));
  EXPECT_FALSE(match("lib/**", "src/lib/a"));

  EXPECT_TRUE(match("**/*.js", "a.js"));
  EXPECT_TRUE(match("**/*.js", "x/y/a.js"));
  EXPECT_FALSE(match("**/*.js", "x/y/a.ts"));
  EXPECT_FALSE(match("**/*.js", "x/a.js/b"));

  EXPECT_TRUE(match("a/**/b", "a/b"));
  EXPECT_TRUE(match("a/**/b", "a/x/b"));
  EXPECT_TRUE(match("a/**/b", "a/x/y/b"));
  EXPECT_TRUE(match("a/**/b", "a/b/b"));
  EXPECT_FALSE(match("a/**/b", "a/x/c"));
  EXPECT_FALSE(match("a/**/b", "a/b/c"));

  EXPECT_TRUE(match("**/node_modules/**", "node_modules/x"));
  EXPECT_TRUE(match("**/node_modules/**", "a/b/node_modules/x/y"));
  EXPECT_FALSE(match("**/node_modules/**", "a/node_modules"));

  EXPECT_TRUE(match("a/**/b/**/c", "a/b/c"));
  EXPECT_TRUE(match("a/**/b/**/c", "a/x/b/y/b/z/c"));
  EXPECT_FALSE(match("a/**/b/**/c", "a/x/c"));

  // Repeated globstars collapse.
  EXPECT_TRUE(match("**/**/a", "a"));
  EXPECT_TRUE(match("x/**/**", "x/y"));
  EXPECT_FALSE(match("x/**/**", "x"));
}

TEST(GlobTest, DotfilesAreMatched) {
  EXPECT_TRUE(match("*", ".gitignore"));
  EXPECT_TRUE(match("*.js", ".eslintrc.js"));
  EXPECT_TRUE(match("**", ".git/config"));
  EXPECT_TRUE(match("lib/**", "lib/.hidden/x"));
  EXPECT_TRUE(match("**/*.json", ".vscode/settings.json"));
  EXPECT_TRUE(match("?env", ".env"));
  EXPECT_TRUE(match(".*", ".env"));
}

TEST(GlobTest, LeadingDotSlashIsStripped) {
  EXPECT_TRUE(match("./src/*.ts", "src/a.ts"));
  EXPECT_TRUE(match("././a", "a"));
  EXPECT_FALSE(match("!./lib/**", "lib/a"));
  const GlobSet set = compile_ok({"./lib/**", "!./lib/*.map"});
  EXPECT_TRUE(set.matches("lib/a.js"));
  EXPECT_FALSE(set.matches("lib/a.map"));
  // Interior "." segments are dropped too.
  EXPECT_TRUE(match("a/./b", "a/b"));
}

TEST(GlobTest, TrailingSlashMeansEverythingBelow) {
  EXPECT_TRUE(match("lib/", "lib/a"));
  EXPECT_TRUE(match("lib/", "lib/a/b/c"));
  EXPECT_FALSE(match("lib/", "lib"));
  EXPECT_FALSE(match("lib/", "libx"));
  EXPECT_TRUE(match("a/*/", "a/b/c"));
  EXPECT_FALSE(match("a/*/", "a/b"));
  EXPECT_TRUE(match("lib/**/", "lib/a"));
}

TEST(GlobTest, BackslashEscapes) {
  EXPECT_TRUE(match("a\\*b", "a*b"));
  EXPECT_FALSE(match("a\\*b", "axb"));
  EXPECT_TRUE(match("a\\?", "a?"));
  EXPECT_FALSE(match("a\\?", "ab"));
  EXPECT_TRUE(match("\\[x]", "[x]"));
  EXPECT_FALSE(match("\\[x]", "x"));
  EXPECT_TRUE(match("\\{a,b\\}", "{a,b}"));
  EXPECT_FALSE(match("\\{a,b\\}", "a"));
  EXPECT_TRUE(match("{a\\,b,c}", "a,b"));
  EXPECT_TRUE(match("{a\\,b,c}", "c"));
  EXPECT_FALSE(match("{a\\,b,c}", "a"));
  EXPECT_TRUE(match("\\!important", "!important"));
  EXPECT_TRUE(match("\\*/\\*\\*", "*/**"));
  EXPECT_FALSE(match("\\*/\\*\\*", "a/b"));
  EXPECT_TRUE(match("a\\\\b", "a\\b"));
  EXPECT_TRUE(match("*\\*", "ab*"));
  EXPECT_FALSE(match("*\\*", "abc"));
}

TEST(GlobTest, LiteralPunctuation) {
  EXPECT_TRUE(match("a}b", "a}b"));
  EXPECT_TRUE(match("a]b", "a]b"));
  EXPECT_TRUE(match("a,b", "a,b"));
  // "+(" opens an extglob; escaped, it is literal.
  EXPECT_TRUE(match("a+(b).js", "abb.js"));
  EXPECT_TRUE(match("a\\+(b).js", "a+(b).js"));
  EXPECT_TRUE(match("a(b).js", "a(b).js"));
  EXPECT_TRUE(match("a|b", "a|b"));
  EXPECT_TRUE(match("a..b/c", "a..b/c"));
  EXPECT_TRUE(match("...", "..."));
}

TEST(GlobTest, Negations) {
  const GlobSet set = compile_ok({"lib/**", "!lib/**/*.map"});
  EXPECT_TRUE(set.matches("lib/a.js"));
  EXPECT_TRUE(set.matches("lib/x/y/a.js"));
  EXPECT_FALSE(set.matches("lib/a.js.map"));
  EXPECT_FALSE(set.matches("lib/x/y.map"));
  EXPECT_FALSE(set.matches("src/a.js"));
  EXPECT_TRUE(set.has_positive());
}

TEST(GlobTest, NegationOrderDoesNotMatter) {
  const GlobSet set = compile_ok({"!lib/**/*.map", "lib/**"});
  EXPECT_TRUE(set.matches("lib/a.js"));
  EXPECT_FALSE(set.matches("lib/a.map"));
  // A later positive does not re-include what a negation excludes.
  const GlobSet again = compile_ok({"lib/**", "!lib/*.map", "lib/a.map"});
  EXPECT_FALSE(again.matches("lib/a.map"));
  EXPECT_TRUE(again.matches("lib/b.js"));
}

TEST(GlobTest, MultiplePositivesAndNegations) {
  const GlobSet set =
      compile_ok({"src/**", "package.json", "!**/*.test.ts", "!src/{fixtures,snapshots}/**"});
  EXPECT_TRUE(set.matches("src/a.ts"));
  EXPECT_TRUE(set.matches("package.json"));
  EXPECT_FALSE(set.matches("src/a.test.ts"));
  EXPECT_FALSE(set.matches("src/fixtures/x.json"));
  EXPECT_FALSE(set.matches("src/snapshots/a/b"));
  EXPECT_TRUE(set.matches("src/other/x.json"));
  EXPECT_FALSE(set.matches("README.md"));
}

TEST(GlobTest, OnlyNegationsMatchNothing) {
  const GlobSet set = compile_ok({"!*.map"});
  EXPECT_FALSE(set.has_positive());
  EXPECT_FALSE(set.matches("a.js"));
  EXPECT_FALSE(set.may_match_below(""));
}

TEST(GlobTest, DoubleNegationIsPositive) {
  const GlobSet set = compile_ok({"!!a.js"});
  EXPECT_TRUE(set.has_positive());
  EXPECT_TRUE(set.matches("a.js"));
}

TEST(GlobTest, EmptySets) {
  const GlobSet none = compile_ok({});
  EXPECT_FALSE(none.has_positive());
  EXPECT_FALSE(none.matches("a"));
  EXPECT_FALSE(none.may_match_below(""));
  EXPECT_TRUE(none.patterns().empty());

  const GlobSet default_constructed;
  EXPECT_FALSE(default_constructed.has_positive());
  EXPECT_FALSE(default_constructed.matches("a"));
  EXPECT_FALSE(default_constructed.may_match_below(""));
}

TEST(GlobTest, PatternsAreKeptVerbatim) {
  const std::vector<std::string> patterns = {"./lib/", "!**/*.map", "{a,b}"};
  const GlobSet set = compile_ok(patterns);
  EXPECT_EQ(set.patterns(), patterns);
  const GlobSet copy = set;
  EXPECT_EQ(copy.patterns(), patterns);
  EXPECT_TRUE(copy.matches("lib/x"));
}

TEST(GlobTest, MayMatchBelowGlobStar) {
  const GlobSet set = compile_ok({"lib/**"});
  EXPECT_TRUE(set.may_match_below("lib"));
  EXPECT_TRUE(set.may_match_below("lib/a"));
  EXPECT_TRUE(set.may_match_below("lib/a/b"));
  EXPECT_TRUE(set.may_match_below(""));
  EXPECT_FALSE(set.may_match_below("src"));
  EXPECT_FALSE(set.may_match_below("libx"));
  EXPECT_FALSE(set.may_match_below("src/lib"));
}

TEST(GlobTest, MatchesEverythingBelowOnlyWhenNothingBelowCanEscape) {
  const GlobSet lib = compile_ok({"lib/**"});
  for (const char* dir : {"lib", "lib/a", "lib/a/b"})
    EXPECT_TRUE(lib.matches_everything_below(dir)) << dir;
  for (const char* dir : {"", "src", "libx", "src/lib"}) {
    EXPECT_FALSE(lib.matches_everything_below(dir)) << dir;
  }
  EXPECT_TRUE(compile_ok({"**"}).matches_everything_below("any/where"));
  EXPECT_TRUE(compile_ok({"**/dist/**"}).matches_everything_below("a/b/dist"));
  EXPECT_FALSE(compile_ok({"**/dist/**"}).matches_everything_below("a/b"));
  // Something below might not match: a file pattern, or a negation reaching below.
  EXPECT_FALSE(compile_ok({"lib/**/*.js"}).matches_everything_below("lib"));
  EXPECT_FALSE(compile_ok({"lib/**", "!lib/**/*.map"}).matches_everything_below("lib"));
  EXPECT_FALSE(compile_ok({"lib/**", "!**/keep.txt"}).matches_everything_below("lib/a"));
  EXPECT_TRUE(compile_ok({"lib/**", "!src/**"}).matches_everything_below("lib"));
  EXPECT_FALSE(GlobSet().matches_everything_below("lib"));
}

TEST(GlobTest, MayMatchBelowLeadingGlobStar) {
  const GlobSet set = compile_ok({"**/*.js"});
  for (const char* dir : {"", "a", "a/b/c", ".git", "node_modules/x"}) {
    EXPECT_TRUE(set.may_match_below(dir)) << dir;
  }
}

TEST(GlobTest, MayMatchBelowBraces) {
  const GlobSet set = compile_ok({"src/{a,b}/**"});
  EXPECT_TRUE(set.may_match_below(""));
  EXPECT_TRUE(set.may_match_below("src"));
  EXPECT_TRUE(set.may_match_below("src/a"));
  EXPECT_TRUE(set.may_match_below("src/b/deep/er"));
  EXPECT_FALSE(set.may_match_below("src/c"));
  EXPECT_FALSE(set.may_match_below("srcx"));
  EXPECT_FALSE(set.may_match_below("lib"));
}

TEST(GlobTest, MayMatchBelowWithoutGlobStar) {
  const GlobSet literal = compile_ok({"a/b/c.js"});
  EXPECT_TRUE(literal.may_match_below(""));
  EXPECT_TRUE(literal.may_match_below("a"));
  EXPECT_TRUE(literal.may_match_below("a/b"));
  EXPECT_FALSE(literal.may_match_below("a/b/c.js"));
  EXPECT_FALSE(literal.may_match_below("a/x"));
  EXPECT_FALSE(literal.may_match_below("b"));

  const GlobSet top = compile_ok({"*.js"});
  EXPECT_TRUE(top.may_match_below(""));
  EXPECT_FALSE(top.may_match_below("x"));

  const GlobSet wild = compile_ok({"packages/*/src/*.ts"});
  EXPECT_TRUE(wild.may_match_below("packages"));
  EXPECT_TRUE(wild.may_match_below("packages/foo"));
  EXPECT_TRUE(wild.may_match_below("packages/foo/src"));
  EXPECT_FALSE(wild.may_match_below("packages/foo/lib"));
  EXPECT_FALSE(wild.may_match_below("packages/foo/src/x"));

  const GlobSet middle = compile_ok({"a/**/b"});
  EXPECT_TRUE(middle.may_match_below("a"));
  EXPECT_TRUE(middle.may_match_below("a/b"));
  EXPECT_TRUE(middle.may_match_below("a/x/y"));
  EXPECT_FALSE(middle.may_match_below("b"));
}

TEST(GlobTest, MayMatchBelowAnyPositive) {
  const GlobSet set = compile_ok({"lib/**", "docs/*.md"});
  EXPECT_TRUE(set.may_match_below("lib/x"));
  EXPECT_TRUE(set.may_match_below("docs"));
  EXPECT_FALSE(set.may_match_below("docs/api"));
  EXPECT_FALSE(set.may_match_below("src"));
}

TEST(GlobTest, MayMatchBelowPrunesExcludedDirectories) {
  const GlobSet set = compile_ok({"lib/**", "!lib/vendor/**"});
  EXPECT_TRUE(set.may_match_below(""));
  EXPECT_TRUE(set.may_match_below("lib"));
  EXPECT_TRUE(set.may_match_below("lib/vendo"));
  EXPECT_TRUE(set.may_match_below("lib/vendors"));
  EXPECT_FALSE(set.may_match_below("lib/vendor"));
  EXPECT_FALSE(set.may_match_below("lib/vendor/deep"));
  EXPECT_FALSE(set.matches("lib/vendor/a.js"));

  const GlobSet trailing_slash = compile_ok({"**", "!dist/"});
  EXPECT_FALSE(trailing_slash.may_match_below("dist"));
  EXPECT_TRUE(trailing_slash.may_match_below("src"));

  const GlobSet anywhere = compile_ok({"**/*.js", "!**/node_modules/**"});
  EXPECT_TRUE(anywhere.may_match_below("a"));
  EXPECT_FALSE(anywhere.may_match_below("node_modules"));
  EXPECT_FALSE(anywhere.may_match_below("a/b/node_modules"));
  EXPECT_FALSE(anywhere.may_match_below("a/node_modules/x"));

  const GlobSet all = compile_ok({"**", "!**"});
  EXPECT_FALSE(all.may_match_below(""));
  EXPECT_FALSE(all.matches("a"));
}

TEST(GlobTest, MayMatchBelowIgnoresOtherNegations) {
  const GlobSet set = compile_ok({"lib/**", "!lib/vendor/*.js", "!lib/vendor"});
  EXPECT_TRUE(set.may_match_below("lib/vendor"));
  EXPECT_FALSE(set.matches("lib/vendor/a.js"));
  EXPECT_TRUE(set.matches("lib/vendor/a.css"));
}

TEST(GlobTest, CompileErrorUnbalancedBracket) {
  for (const char* pattern : {"[abc", "a/[b/c", "x[!", "[]", "{a,[b}", "!*.[ch"}) {
    const std::string err = compile_error({"ok/**", pattern});
    EXPECT_NE(err.find(pattern), std::string::npos) << err;
    EXPECT_NE(err.find("'['"), std::string::npos) << err;
  }
}

TEST(GlobTest, CompileErrorUnbalancedBrace) {
  for (const char* pattern : {"{a,b", "a/{b,c", "{a,{b,c}", "{a,b}{", "!{x"}) {
    const std::string err = compile_error({pattern});
    EXPECT_NE(err.find(pattern), std::string::npos) << err;
    EXPECT_NE(err.find("'{'"), std::string::npos) << err;
  }
}

TEST(GlobTest, CompileErrorEmptyPattern) {
  for (const char* pattern : {"", "!", "!!", "./", "."}) {
    const std::string err = compile_error({"a", pattern});
    EXPECT_NE(err.find("empty"), std::string::npos) << err;
    EXPECT_NE(err.find("\"" + std::string(pattern) + "\""), std::string::npos) << err;
  }
  EXPECT_NE(compile_error({"{a,}"}).find("empty"), std::string::npos);
}

TEST(GlobTest, CompileErrorAbsolutePattern) {
  for (const char* pattern : {"/x", "/", "!/lib/**", "{/a,b}"}) {
    const std::string err = compile_error({pattern});
    EXPECT_NE(err.find(pattern), std::string::npos) << err;
    EXPECT_NE(err.find("absolute"), std::string::npos) << err;
  }
}

// lage's environmentGlob is often written "/package.json": the root the globs are relative to.
TEST(GlobTest, LeadingSlashCanMeanTheBaseFolder) {
  const auto rooted = [](const std::vector<std::string>& patterns) {
    auto set = GlobSet::compile(patterns, LeadingSlash::kBaseFolder);
    EXPECT_TRUE(set) << (set ? "" : set.error());
    return set ? *set : GlobSet{};
  };
  EXPECT_TRUE(rooted({"/package.json"}).matches("package.json"));
  EXPECT_FALSE(rooted({"/package.json"}).matches("packages/a/package.json"));
  EXPECT_TRUE(rooted({"/lib/**"}).matches("lib/a.js"));
  EXPECT_TRUE(rooted({"//x"}).matches("x"));
  EXPECT_TRUE(rooted({"{/a,b}"}).matches("a"));
  const GlobSet set = rooted({"**", "!/lib/**"});
  EXPECT_FALSE(set.matches("lib/a.js"));
  EXPECT_TRUE(set.matches("src/lib/a.js"));
  EXPECT_FALSE(set.may_match_below("lib"));
  auto empty = GlobSet::compile({"/"}, LeadingSlash::kBaseFolder);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().find("empty"), std::string::npos);
}

TEST(GlobTest, CompileErrorDotDotSegment) {
  for (const char* pattern : {"..", "../x", "a/../b", "a/..", "!../**", "{a,../b}", "./../a"}) {
    const std::string err = compile_error({pattern});
    EXPECT_NE(err.find(pattern), std::string::npos) << err;
    EXPECT_NE(err.find("\"..\""), std::string::npos) << err;
  }
}

TEST(GlobTest, CompileErrorTooManyExpansions) {
  std::string pattern;
  for (int i = 0; i < 16; ++i) pattern += "{a,b}";
  EXPECT_NE(compile_error({pattern}).find("too many"), std::string::npos);
}

TEST(GlobTest, ManyPathsStayCorrect) {
  const GlobSet set = compile_ok({"packages/*/lib/**", "!**/*.map", "packages/*/package.json"});
  int matched = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string pkg = "packages/p" + std::to_string(i % 20);
    matched += set.matches(pkg + "/lib/f" + std::to_string(i) + ".js");
    matched += set.matches(pkg + "/lib/f" + std::to_string(i) + ".js.map");
    matched += set.matches(pkg + "/src/f" + std::to_string(i) + ".ts");
  }
  EXPECT_EQ(matched, 2000);
  EXPECT_TRUE(set.matches("packages/p1/package.json"));
  EXPECT_FALSE(set.matches("packages/p1/sub/package.json"));
}

// Extglobs, as micromatch reads them (globby, fast-glob): @(a|b) one of, ?(a|b) zero or one,
// *(a|b) zero or more, +(a|b) one or more, !(a|b) anything else.
TEST(GlobTest, ExtglobOneOrMore) {
  const GlobSet set = compile_ok({"lib/**/*.+(js|map)"});
  EXPECT_TRUE(set.matches("lib/a.js"));
  EXPECT_TRUE(set.matches("lib/x/y/a.map"));
  EXPECT_TRUE(set.matches("lib/a.js.map"));
  EXPECT_TRUE(set.matches("lib/a.jsmap"));
  EXPECT_FALSE(set.matches("lib/a.ts"));
  EXPECT_FALSE(set.matches("lib/a."));
  EXPECT_FALSE(set.matches("src/a.js"));
  EXPECT_TRUE(set.may_match_below("lib/x"));
  EXPECT_FALSE(set.may_match_below("src"));
}

TEST(GlobTest, ExtglobExactlyOne) {
  EXPECT_TRUE(match("@(a|b).js", "a.js"));
  EXPECT_TRUE(match("@(a|b).js", "b.js"));
  EXPECT_FALSE(match("@(a|b).js", "ab.js"));
  EXPECT_FALSE(match("@(a|b).js", ".js"));
  EXPECT_TRUE(match("@(src|lib)/**", "lib/x/y.ts"));
  EXPECT_FALSE(match("@(src|lib)/**", "dist/y.ts"));
  EXPECT_TRUE(match("x@(a|b*)", "xbcd"));
}

TEST(GlobTest, ExtglobZeroOrOneAndZeroOrMore) {
  EXPECT_TRUE(match("a?(x).js", "a.js"));
  EXPECT_TRUE(match("a?(x).js", "ax.js"));
  EXPECT_FALSE(match("a?(x).js", "axx.js"));
  EXPECT_TRUE(match("a*(x).js", "a.js"));
  EXPECT_TRUE(match("a*(x).js", "axxx.js"));
  EXPECT_FALSE(match("a*(x).js", "axy.js"));
  EXPECT_TRUE(match("*(ab|c)", "abcab"));
  EXPECT_FALSE(match("*(ab|c)", "abca"));
}

TEST(GlobTest, ExtglobNegation) {
  // A leading "!(" is an extglob, not a negated pattern (as in fast-glob).
  EXPECT_TRUE(match("!(x).js", "a.js"));
  EXPECT_FALSE(match("!(x).js", "x.js"));
  EXPECT_TRUE(match("!(x).js", "xy.js")) << "as in bash: \"xy\" is not \"x\"";
  EXPECT_FALSE(match("!(x*).js", "xy.js"));
  EXPECT_FALSE(match("!(x).js", "dir/a.js"));
  EXPECT_FALSE(match("!(x).js", "a.ts"));
  EXPECT_TRUE(match("**/!(*.d).ts", "src/a.ts"));
  EXPECT_FALSE(match("**/!(*.d).ts", "src/a.d.ts"));
  EXPECT_TRUE(match("lib/!(*.map)", "lib/a.js"));
  EXPECT_FALSE(match("lib/!(*.map)", "lib/a.js.map"));
  EXPECT_TRUE(match("!(a|b)", "c"));
  EXPECT_FALSE(match("!(a|b)", "b"));
  // Negated as a whole: everything but what the extglob matches.
  const GlobSet set = compile_ok({"**", "!**/*.@(map|log)"});
  EXPECT_TRUE(set.matches("a/b.js"));
  EXPECT_FALSE(set.matches("a/b.map"));
  EXPECT_FALSE(set.matches("b.log"));
}

TEST(GlobTest, NestedExtglobs) {
  EXPECT_TRUE(match("+(a|@(b|c)x)", "abxcxa"));
  EXPECT_FALSE(match("+(a|@(b|c)x)", "abx b"));
  EXPECT_TRUE(match("!(+(a))", "ab"));
  EXPECT_FALSE(match("!(+(a))", "aaa"));
  EXPECT_TRUE(match("{a,b}.@(js|ts)", "b.ts"));
}

TEST(GlobTest, PosixClasses) {
  EXPECT_TRUE(match("f[[:digit:]].txt", "f1.txt"));
  EXPECT_FALSE(match("f[[:digit:]].txt", "fa.txt"));
  EXPECT_FALSE(match("f[[:digit:]].txt", "f12.txt"));
  EXPECT_TRUE(match("[[:alpha:]]", "Q"));
  EXPECT_FALSE(match("[[:alpha:]]", "1"));
  EXPECT_TRUE(match("[[:alpha:][:digit:]_]*", "_x"));
  EXPECT_TRUE(match("[![:space:]]", "x"));
  EXPECT_FALSE(match("[![:space:]]", " "));
  EXPECT_TRUE(match("[[:upper:]][[:lower:]]", "Ab"));
  EXPECT_TRUE(match("[[:xdigit:]][[:punct:]]", "f-"));
  EXPECT_TRUE(match("*.+([[:digit:]])", "log.123"));
  const std::string err = compile_error({"[[:nope:]]"});
  EXPECT_NE(err.find("[[:nope:]]"), std::string::npos) << err;
}

TEST(GlobTest, CompileErrorExtglobs) {
  for (const char* pattern : {"@(a|b", "+(a", "x/!(a/b)/y", "!(a|b"}) {
    const std::string err = compile_error({pattern});
    EXPECT_NE(err.find(pattern), std::string::npos) << err;
  }
}

// Backtracking matchers take exponential time on these; the answer must come at once.
TEST(GlobTest, PathologicalPatternsAreBounded) {
  std::string stars;
  for (int i = 0; i < 40; ++i) stars += "*a";
  const std::string long_name(200, 'a');
  EXPECT_FALSE(match(stars + "b", long_name));
  EXPECT_TRUE(match(stars, long_name));
  std::string nested = "a";
  for (int i = 0; i < 8; ++i) nested = "+(" + nested + "|*(" + nested + "))";
  EXPECT_FALSE(match(nested + "b", long_name));
  EXPECT_TRUE(match(nested, long_name));
  EXPECT_FALSE(match("*(*(*(*(a|aa))))b", long_name));
  EXPECT_TRUE(match("!(!(!(!(a*))))", long_name));
  std::string globstars;
  for (int i = 0; i < 30; ++i) globstars += "**/a*/";
  std::string deep;
  for (int i = 0; i < 60; ++i) deep += "aa/";
  EXPECT_FALSE(compile_ok({globstars + "b"}).matches(deep + "c"));
}

}  // namespace
}  // namespace memo::hash
