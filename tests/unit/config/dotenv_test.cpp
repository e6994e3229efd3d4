#include "memo/config/dotenv.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>

namespace memo::config {
namespace {

using Values = std::map<std::string, std::string>;

TEST(DotenvTest, EmptyTextGivesNothing) {
  EXPECT_TRUE(parse_dotenv("").empty());
  EXPECT_TRUE(parse_dotenv("\n\n   \n\t\n").empty());
}

TEST(DotenvTest, KeyValue) {
  EXPECT_EQ(parse_dotenv("MEMO_MODE=PASS\n"), (Values{{"MEMO_MODE", "PASS"}}));
  EXPECT_EQ(parse_dotenv("A=1\nB=two\nC=three four"),
            (Values{{"A", "1"}, {"B", "two"}, {"C", "three four"}}));
}

TEST(DotenvTest, LastLineWithoutNewline) {
  EXPECT_EQ(parse_dotenv("A=1\nB=2"), (Values{{"A", "1"}, {"B", "2"}}));
}

TEST(DotenvTest, SpacesAroundNameAndValueAreTrimmed) {
  EXPECT_EQ(parse_dotenv("  KEY  =   value with spaces   \n"),
            (Values{{"KEY", "value with spaces"}}));
  EXPECT_EQ(parse_dotenv("\tKEY\t=\tvalue\t\n"), (Values{{"KEY", "value"}}));
}

TEST(DotenvTest, EmptyValue) {
  EXPECT_EQ(parse_dotenv("EMPTY=\nNEXT=1\n"), (Values{{"EMPTY", ""}, {"NEXT", "1"}}));
  EXPECT_EQ(parse_dotenv("EMPTY=   \nNEXT=1"), (Values{{"EMPTY", ""}, {"NEXT", "1"}}));
  EXPECT_EQ(parse_dotenv("EMPTY="), (Values{{"EMPTY", ""}}));
}

TEST(DotenvTest, ValueKeepsEqualsSigns) {
  EXPECT_EQ(parse_dotenv("CONN=a=b;c=d\n"), (Values{{"CONN", "a=b;c=d"}}));
}

TEST(DotenvTest, NamesMayHoldDotsAndDashes) {
  EXPECT_EQ(parse_dotenv("my.key-1=x\n_UNDER=y\n"), (Values{{"my.key-1", "x"}, {"_UNDER", "y"}}));
}

TEST(DotenvTest, ExportPrefix) {
  EXPECT_EQ(parse_dotenv("export MEMO_MODE=PASS\n"), (Values{{"MEMO_MODE", "PASS"}}));
  EXPECT_EQ(parse_dotenv("  export   A=1\n"), (Values{{"A", "1"}}));
  EXPECT_EQ(parse_dotenv("export B=\"quoted\"\n"), (Values{{"B", "quoted"}}));
}

TEST(DotenvTest, ExportAsANameIsNotAPrefix) {
  EXPECT_EQ(parse_dotenv("export=1\nexported=2\n"), (Values{{"export", "1"}, {"exported", "2"}}));
}

TEST(DotenvTest, CommentLinesAreSkipped) {
  EXPECT_EQ(parse_dotenv("# a comment\nA=1\n  # indented comment B=2\n#C=3\n"),
            (Values{{"A", "1"}}));
}

TEST(DotenvTest, InlineCommentAfterUnquotedValue) {
  EXPECT_EQ(parse_dotenv("A=value # a comment\n"), (Values{{"A", "value"}}));
  EXPECT_EQ(parse_dotenv("A=value    # spaced\nB=2"), (Values{{"A", "value"}, {"B", "2"}}));
  EXPECT_EQ(parse_dotenv("A= # only a comment\n"), (Values{{"A", ""}}));
}

TEST(DotenvTest, HashWithoutSpaceIsPartOfTheValue) {
  EXPECT_EQ(parse_dotenv("COLOR=#fff\n"), (Values{{"COLOR", "#fff"}}));
  EXPECT_EQ(parse_dotenv("URL=http://x/#frag\n"), (Values{{"URL", "http://x/#frag"}}));
}

TEST(DotenvTest, HashInsideQuotesIsPartOfTheValue) {
  EXPECT_EQ(parse_dotenv("A=\"x # not a comment\"\n"), (Values{{"A", "x # not a comment"}}));
  EXPECT_EQ(parse_dotenv("A='x # not a comment'\n"), (Values{{"A", "x # not a comment"}}));
  EXPECT_EQ(parse_dotenv("A=`x # not a comment`\n"), (Values{{"A", "x # not a comment"}}));
}

TEST(DotenvTest, CommentAfterQuotedValueIsIgnored) {
  EXPECT_EQ(parse_dotenv("A=\"quoted\" # trailing\nB=2\n"), (Values{{"A", "quoted"}, {"B", "2"}}));
  EXPECT_EQ(parse_dotenv("A='quoted'   trailing junk\nB=2\n"),
            (Values{{"A", "quoted"}, {"B", "2"}}));
}

TEST(DotenvTest, SingleQuotesAreLiteral) {
  EXPECT_EQ(parse_dotenv("A='  spaced  '\n"), (Values{{"A", "  spaced  "}}));
  EXPECT_EQ(parse_dotenv(R"(A='no\nescape')"), (Values{{"A", R"(no\nescape)"}}));
  EXPECT_EQ(parse_dotenv(R"(A='has "double" inside')"), (Values{{"A", R"(has "double" inside)"}}));
}

TEST(DotenvTest, DoubleQuotesKeepSpaces) {
  EXPECT_EQ(parse_dotenv("A=\"  spaced  \"\n"), (Values{{"A", "  spaced  "}}));
  EXPECT_EQ(parse_dotenv("A=\"\"\nB=1"), (Values{{"A", ""}, {"B", "1"}}));
}

TEST(DotenvTest, BacktickQuotes) {
  EXPECT_EQ(parse_dotenv("A=`it's \"both\"`\n"), (Values{{"A", "it's \"both\""}}));
  EXPECT_EQ(parse_dotenv(R"(A=`no\nescape`)"), (Values{{"A", R"(no\nescape)"}}));
}

TEST(DotenvTest, EscapesInDoubleQuotes) {
  EXPECT_EQ(parse_dotenv(R"(A="line1\nline2")"), (Values{{"A", "line1\nline2"}}));
  EXPECT_EQ(parse_dotenv(R"(A="say \"hi\"")"), (Values{{"A", "say \"hi\""}}));
  EXPECT_EQ(parse_dotenv(R"(A="tab\there\r")"), (Values{{"A", "tab\there\r"}}));
  EXPECT_EQ(parse_dotenv(R"(A="back\\slash")"), (Values{{"A", "back\\slash"}}));
}

TEST(DotenvTest, UnquotedValuesKeepBackslashes) {
  EXPECT_EQ(parse_dotenv(R"(A=C:\new\dir)"), (Values{{"A", R"(C:\new\dir)"}}));
}

TEST(DotenvTest, MultiLineDoubleQuotedValue) {
  EXPECT_EQ(parse_dotenv("KEY=\"first\nsecond\"\nNEXT=1\n"),
            (Values{{"KEY", "first\nsecond"}, {"NEXT", "1"}}));
}

TEST(DotenvTest, UnterminatedQuoteDoesNotSwallowLaterLines) {
  // dotenv takes an unterminated quote as part of an unquoted value on its own line.
  auto values = parse_dotenv("A=\"open\nB=2\nC=3\n");
  EXPECT_EQ(values["B"], "2");
  EXPECT_EQ(values["C"], "3");
  EXPECT_EQ(values["A"], "\"open");
}

TEST(DotenvTest, CrLfLineEndings) {
  EXPECT_EQ(parse_dotenv("A=1\r\nB=\"two\"\r\nC='three'\r\n"),
            (Values{{"A", "1"}, {"B", "two"}, {"C", "three"}}));
}

TEST(DotenvTest, InvalidLinesAreSkipped) {
  EXPECT_EQ(parse_dotenv("just some words\nA=1\n=novalue\nBAD NAME=x\nB$=y\n  \nC=3\n"),
            (Values{{"A", "1"}, {"C", "3"}}));
}

TEST(DotenvTest, LaterDuplicateWins) {
  EXPECT_EQ(parse_dotenv("A=first\nB=1\nA=second\n"), (Values{{"A", "second"}, {"B", "1"}}));
  EXPECT_EQ(parse_dotenv("A=\"first\"\nexport A='second'\n"), (Values{{"A", "second"}}));
}

TEST(DotenvTest, LaterEmptyDuplicateStillWins) {
  EXPECT_EQ(parse_dotenv("A=first\nA=\n"), (Values{{"A", ""}}));
}

}  // namespace
}  // namespace memo::config
