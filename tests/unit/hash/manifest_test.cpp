#include "memo/hash/manifest.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memo/util/digest.hpp"

namespace memo::hash {
namespace {

using namespace std::string_literals;

TEST(QuoteFieldTest, PlainTextIsQuoted) {
  EXPECT_EQ(quote_field(""), "\"\"");
  EXPECT_EQ(quote_field("src/a.ts"), "\"src/a.ts\"");
  EXPECT_EQ(quote_field("tsc -b"), "\"tsc -b\"");
}

TEST(QuoteFieldTest, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(quote_field("a\"b"), R"("a\"b")");
  EXPECT_EQ(quote_field("a\\b"), R"("a\\b")");
  EXPECT_EQ(quote_field("\\\""), R"("\\\"")");
}

TEST(QuoteFieldTest, EscapesControlAndNonAsciiBytesAsHex) {
  EXPECT_EQ(quote_field("a\nb"), R"("a\x0ab")");
  EXPECT_EQ(quote_field("\t\r"), R"("\x09\x0d")");
  EXPECT_EQ(quote_field("\0"s), R"("\x00")");
  EXPECT_EQ(quote_field("\x7f"), R"("\x7f")");
  EXPECT_EQ(quote_field("\xff\x80"), R"("\xff\x80")");
  EXPECT_EQ(quote_field("\xc3\xa9"), R"("\xc3\xa9")");
}

TEST(QuoteFieldTest, OutputIsOnePrintableLine) {
  std::string every_byte;
  for (int byte = 0; byte < 256; ++byte) every_byte += static_cast<char>(byte);
  const std::string quoted = quote_field(every_byte);
  for (char c : quoted) {
    auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20 && byte < 0x7f) << static_cast<int>(byte);
  }
}

TEST(QuoteFieldTest, IsInjectiveOnTrickyInputs) {
  const std::vector<std::string> inputs = {
      ""s,      " "s,          "\""s,    "\\"s,    "\\\""s,    "\"\\"s,         "\\\\"s,  "\"\""s,
      "\\x0a"s, "\n"s,         "\\n"s,   "\\\n"s,  "\x7f"s,    "\\x7f"s,        "\xff"s,  "\\xff"s,
      "\\xFF"s, "\0"s,         "\\x00"s, "\0\0"s,  "a\" \"b"s, "a b"s,          "a\"b"s,  "a\\\"b"s,
      "\"a\""s, "a\"\"b"s,     "x\\"s,   "x\\\\"s, "\x80"s,    "\xc2\x80"s,     "a\x01"s, "a\\x01"s,
      "\r\n"s,  "\\x0d\\x0a"s, "\x1f"s,  "\x20"s,  "\" \""s,   "a\" \"b\" \"c"s};
  std::set<std::string> quoted;
  for (const auto& input : inputs) quoted.insert(quote_field(input));
  EXPECT_EQ(quoted.size(), std::set<std::string>(inputs.begin(), inputs.end()).size());
}

TEST(QuoteFieldTest, IsInjectiveOnAllShortStrings) {
  // Every string of up to 2 bytes over an alphabet of the characters that matter.
  const std::string alphabet = "\"\\x0a\n\x7f\xff "s + "\0"s;
  std::vector<std::string> inputs = {""};
  for (char a : alphabet) {
    inputs.push_back(std::string(1, a));
    for (char b : alphabet) inputs.push_back(std::string{a, b});
  }
  std::set<std::string> distinct(inputs.begin(), inputs.end());
  std::set<std::string> quoted;
  for (const auto& input : distinct) quoted.insert(quote_field(input));
  EXPECT_EQ(quoted.size(), distinct.size());
}

TEST(QuoteFieldTest, FieldBoundariesCannotBeForged) {
  // One field holding `a" "b` must not print like two fields `a` and `b`.
  KeyManifest one;
  one.add("file", {"a\" \"b"});
  KeyManifest two;
  two.add("file", {"a", "b"});
  EXPECT_NE(one.text(), two.text());
  EXPECT_NE(one.key(), two.key());

  KeyManifest spaced;
  spaced.add("file", {"a b"});
  EXPECT_NE(spaced.text(), two.text());
}

TEST(KeyManifestTest, NewlineInAFieldCannotForgeALine) {
  KeyManifest forged;
  forged.add("command", {"tsc\nfile \"x\""});
  KeyManifest real;
  real.add("command", {"tsc"});
  real.add("file", {"x"});
  EXPECT_NE(forged.text(), real.text());
  // One header line and one entry line.
  const std::string text = forged.text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST(KeyManifestTest, HeaderNamesTheFormatVersion) {
  KeyManifest manifest;
  EXPECT_EQ(manifest.text(), "memo-key-manifest " + std::to_string(kKeyFormatVersion) + "\n");
  manifest.add("command", {"tsc -b"});
  EXPECT_TRUE(
      manifest.text().starts_with("memo-key-manifest " + std::to_string(kKeyFormatVersion) + "\n"));
}

TEST(KeyManifestTest, LinesAreKindThenQuotedFields) {
  KeyManifest manifest;
  manifest.add("file", {"src/a.ts", "100644", "abc"});
  manifest.add("cache-key", {""});
  EXPECT_EQ(manifest.text(), "memo-key-manifest " + std::to_string(kKeyFormatVersion) +
                                 "\n"
                                 "cache-key \"\"\n"
                                 "file \"src/a.ts\" \"100644\" \"abc\"\n");
}

TEST(KeyManifestTest, OrderOfAddsDoesNotMatter) {
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"file", "src/b.ts"}, {"file", "src/a.ts"},  {"command", "tsc"},
      {"env", "NODE_ENV"},  {"file", "src/a.tsx"}, {"output-glob", "lib/**"}};
  KeyManifest forward;
  for (const auto& [kind, field] : lines) forward.add(kind, {field});
  KeyManifest backward;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) backward.add(it->first, {it->second});
  EXPECT_EQ(forward.text(), backward.text());
  EXPECT_EQ(forward.key(), backward.key());

  // And the text is sorted.
  std::vector<std::string> body;
  std::string text = forward.text();
  std::size_t start = text.find('\n') + 1;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    body.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  EXPECT_EQ(body.size(), lines.size());
  EXPECT_TRUE(std::is_sorted(body.begin(), body.end()));
}

TEST(KeyManifestTest, KeyIsSha256OfText) {
  KeyManifest manifest;
  manifest.add("command", {"tsc -b"});
  manifest.add("file", {"src/a.ts", "100644", "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"});
  EXPECT_EQ(manifest.key(), util::sha256_hex(manifest.text()));
  EXPECT_EQ(manifest.key().size(), 64u);
  EXPECT_EQ(KeyManifest().key(), util::sha256_hex(KeyManifest().text()));
}

TEST(KeyManifestTest, AnyChangeChangesTheKey) {
  auto key_of = [](std::string_view kind, std::initializer_list<std::string_view> fields) {
    KeyManifest manifest;
    manifest.add("command", {"tsc"});
    manifest.add(kind, fields);
    return manifest.key();
  };
  std::set<std::string> keys = {
      key_of("file", {"a", "100644", "x"}),      key_of("file", {"a", "100755", "x"}),
      key_of("file", {"a", "100644", "y"}),      key_of("file", {"b", "100644", "x"}),
      key_of("root-file", {"a", "100644", "x"}), key_of("file", {"a", "100644"}),
      key_of("file", {"a", "100644", "x", ""})};
  EXPECT_EQ(keys.size(), 7u);
}

TEST(KeyManifestTest, BlocksOfLinesMergeWithSingleLines) {
  KeyManifest blocks;
  blocks.add("command", {"tsc"});
  std::string files;
  append_manifest_line(files, "file", {"b", "100644", "x"});
  append_manifest_line(files, "file", {"d", "100644", "x"});
  blocks.add_lines(files);
  blocks.add_lines("file \"c\" \"100644\" \"x\"");  // no last line break: still one line
  blocks.add_lines("");

  KeyManifest single;
  single.add("file", {"d", "100644", "x"});
  single.add("file", {"c", "100644", "x"});
  single.add("command", {"tsc"});
  single.add("file", {"b", "100644", "x"});
  EXPECT_EQ(blocks.text(), single.text());
}

TEST(ExpandManifestTest, PutsEachKnownPartsLinesInPlaceOfItsDigest) {
  const std::string part = "file \"packages/b/src/x.ts\" \"100644\" \"abc\"\n";
  const std::string digest = util::sha256_hex(part);
  KeyManifest compact;
  compact.add("command", {"tsc"});
  compact.add("dependency", {"@demo/b", "packages/b", digest});
  compact.add("dependency", {"@demo/c", "packages/c", std::string(64, 'f')});  // unknown part
  const std::string expanded = expand_manifest(compact.text(), [&](const std::string& wanted) {
    return wanted == digest ? std::optional<std::string>(part) : std::nullopt;
  });

  KeyManifest expected;
  expected.add("command", {"tsc"});
  expected.add("dependency", {"@demo/b", "packages/b"});
  expected.add_lines(part);
  expected.add("dependency", {"@demo/c", "packages/c", std::string(64, 'f')});
  EXPECT_EQ(expanded, expected.text());
}

TEST(ExpandManifestTest, AManifestOfAnotherFormatIsLeftAlone) {
  const std::string old = "memo-key-manifest 2\ndependency \"@demo/b\" \"packages/b\"\n";
  EXPECT_EQ(
      expand_manifest(old, [](const std::string&) { return std::optional<std::string>("x"); }),
      old);
}

}  // namespace
}  // namespace memo::hash
