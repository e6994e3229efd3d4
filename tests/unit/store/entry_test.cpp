#include "memo/store/entry.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "memo/hash/manifest.hpp"
#include "memo/util/digest.hpp"

namespace memo::store {
namespace {

using archive::OutputFile;

Entry sample_entry() {
  Entry entry;
  entry.key = std::string(64, 'c');
  entry.package = "packages/app";
  entry.name = "@scope/app";
  entry.command = "tsc -b \"quoted\"\n--verbose";
  entry.manifest =
      "memo-key-manifest 1\ncommand \"tsc -b\"\nfile \"src/a.ts\" \"100644\" \"abc\"\n";
  entry.created = "2024-05-06T07:08:09Z";
  entry.command_ms = 1234.5;

  OutputFile file;
  file.path = "lib/index.js";
  file.mode = 0644;
  file.size = 42;
  file.digest = std::string(64, 'd');
  entry.outputs.push_back(file);

  OutputFile exe = file;
  exe.path = "bin/cli.js";
  exe.mode = 0755;
  exe.size = 0;
  exe.digest = util::sha256_hex("");
  entry.outputs.push_back(exe);

  OutputFile link;
  link.path = "lib/alias.js";
  link.type = OutputFile::Type::Symlink;
  link.link_target = "index.js";
  entry.outputs.push_back(link);
  return entry;
}

void expect_same(const Entry& a, const Entry& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.package, b.package);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.command, b.command);
  EXPECT_EQ(a.manifest, b.manifest);
  EXPECT_EQ(a.created, b.created);
  EXPECT_DOUBLE_EQ(a.command_ms, b.command_ms);
  EXPECT_EQ(a.outputs, b.outputs);
  EXPECT_EQ(a.log, b.log);
}

TEST(EntryTest, RoundTrip) {
  const Entry entry = sample_entry();
  auto parsed = parse_entry(serialize_entry(entry));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  expect_same(*parsed, entry);
}

TEST(EntryTest, RoundTripOfAnEntryWithItsOutputLog) {
  Entry entry = sample_entry();
  entry.log = OutputLog{1234, std::string(64, 'e')};
  auto parsed = parse_entry(serialize_entry(entry));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  expect_same(*parsed, entry);
  EXPECT_EQ(
      blob_digests(*parsed),
      (std::vector<std::string>{std::string(64, 'd'), util::sha256_hex(""), std::string(64, 'e')}));
}

// Eviction keeps what blob_digests names: the dependencies' key lines too (memo explain).
TEST(EntryTest, TheBlobsOfAnEntryIncludeItsDependenciesKeyLines) {
  Entry entry = sample_entry();
  entry.outputs.resize(1);
  entry.manifest =
      "memo-key-manifest 3\ncommand \"tsc\"\ndependency \"@demo/b\" \"packages/b\" \"" +
      std::string(64, 'b') + "\"\ndependency \"@demo/c\" \"packages/c\" \"" + std::string(64, 'c') +
      "\"\nfile \"src/a.ts\" \"100644\" \"abc\"\n";
  EXPECT_EQ(
      blob_digests(entry),
      (std::vector<std::string>{std::string(64, 'd'), std::string(64, 'b'), std::string(64, 'c')}));
}

TEST(EntryTest, AMalformedLogFieldIsRefused) {
  for (const char* line : {"log \"12\"\n",
                           "log \"x\" \""
                           "eeee\"\n",
                           "log \"-1\" \"e\"\n"}) {
    std::string body =
        "key \"k\"\npackage \"p\"\nname \"n\"\ncommand \"c\"\n"
        "created \"t\"\ncommand-ms \"1\"\n" +
        std::string(line) + "manifest 0\n";
    std::string text = "memo-entry " + std::to_string(kUnpackedEntryFormatVersion) + " " +
                       util::sha256_hex(body) + "\n" + body;
    EXPECT_FALSE(parse_entry(text)) << line;
  }
}

TEST(EntryTest, RoundTripOfAnEntryWithoutOutputs) {
  Entry entry = sample_entry();
  entry.outputs.clear();
  entry.command_ms = 0;
  auto parsed = parse_entry(serialize_entry(entry));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  expect_same(*parsed, entry);
}

TEST(EntryTest, RoundTripKeepsNonAsciiText) {
  Entry entry = sample_entry();
  entry.name = "paquet-\xc3\xa9t\xc3\xa9";
  entry.command = "echo \xe2\x9c\x93";
  auto parsed = parse_entry(serialize_entry(entry));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  expect_same(*parsed, entry);
}

// Found by the entry fuzz target: command-ms was printed into 32 characters, so a time of
// 1e82 ms (a damaged or hostile entry) printed as another number.
TEST(EntryTest, RoundTripOfAHugeCommandTime) {
  Entry entry = sample_entry();
  entry.command_ms = 1.7e82;
  auto parsed = parse_entry(serialize_entry(entry));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->command_ms, entry.command_ms);
}

TEST(EntryTest, SerializationIsDeterministic) {
  EXPECT_EQ(serialize_entry(sample_entry()), serialize_entry(sample_entry()));
}

TEST(EntryTest, HeaderNamesFormatVersionAndBodyChecksum) {
  const std::string text = serialize_entry(sample_entry());
  const std::size_t newline = text.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(text.substr(0, newline), "memo-entry " + std::to_string(kUnpackedEntryFormatVersion) +
                                         " " + util::sha256_hex(text.substr(newline + 1)));
}

TEST(EntryTest, FlippedByteInTheBodyFailsTheChecksum) {
  const std::string text = serialize_entry(sample_entry());
  const std::size_t body = text.find('\n') + 1;
  // Every single-byte change anywhere in the body is caught.
  for (std::size_t i = body; i < text.size(); ++i) {
    std::string altered = text;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    auto parsed = parse_entry(altered);
    EXPECT_FALSE(parsed.has_value()) << "byte " << i;
  }
}

TEST(EntryTest, ChangedDigestInTheBodyFailsTheChecksum) {
  // A realistic tampering: point an output at another blob, keeping the entry well-formed.
  std::string text = serialize_entry(sample_entry());
  const std::size_t at = text.find(std::string(64, 'd'));
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 64, std::string(64, 'e'));
  auto parsed = parse_entry(text);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().find("checksum"), std::string::npos) << parsed.error();
}

TEST(EntryTest, FlippedByteInTheHeaderFailsTheChecksum) {
  const std::string text = serialize_entry(sample_entry());
  const std::size_t newline = text.find('\n');
  for (std::size_t i = 0; i < newline; ++i) {
    std::string altered = text;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_FALSE(parse_entry(altered).has_value()) << "byte " << i;
  }
}

TEST(EntryTest, TruncatedTextFails) {
  const std::string text = serialize_entry(sample_entry());
  for (std::size_t length = 0; length < text.size(); ++length) {
    EXPECT_FALSE(parse_entry(text.substr(0, length)).has_value()) << "length " << length;
  }
  EXPECT_FALSE(parse_entry("").has_value());
}

TEST(EntryTest, AppendedBytesFail) {
  EXPECT_FALSE(parse_entry(serialize_entry(sample_entry()) + "\n").has_value());
  EXPECT_FALSE(parse_entry(serialize_entry(sample_entry()) + "{}").has_value());
}

TEST(EntryTest, WrongFormatVersionFails) {
  std::string text = serialize_entry(sample_entry());
  const std::string current = "memo-entry " + std::to_string(kUnpackedEntryFormatVersion) + " ";
  ASSERT_TRUE(text.starts_with(current));
  // Format 3 is for entries with packed outputs, which this one has none of.
  for (int version :
       {0, 1, kEntryFormatVersion, kEntryFormatVersion + 1, kEntryFormatVersion * 10}) {
    std::string other = "memo-entry " + std::to_string(version) + " " + text.substr(current.size());
    auto parsed = parse_entry(other);
    ASSERT_FALSE(parsed.has_value()) << version;
    EXPECT_NE(parsed.error().find("format"), std::string::npos) << parsed.error();
  }
}

TEST(EntryTest, WrongMagicFails) {
  std::string text = serialize_entry(sample_entry());
  EXPECT_FALSE(parse_entry("memo-entri" + text.substr(10)).has_value());
  EXPECT_FALSE(parse_entry(text.substr(text.find('\n') + 1)).has_value());  // body alone
}

// A body with a correct checksum but unsafe content is still rejected.
std::string with_valid_header(const std::string& body) {
  return "memo-entry " + std::to_string(kUnpackedEntryFormatVersion) + " " +
         util::sha256_hex(body) + "\n" + body;
}

std::string sample_body() {
  const std::string text = serialize_entry(sample_entry());
  return text.substr(text.find('\n') + 1);
}

// The sample body with `from` replaced by `to` (which must be there).
std::string body_with(const std::string& from, const std::string& to) {
  std::string body = sample_body();
  const std::size_t at = body.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) body.replace(at, from.size(), to);
  return body;
}

TEST(EntryTest, ValidHeaderHelperAcceptsTheSampleBody) {
  auto parsed = parse_entry(with_valid_header(sample_body()));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  expect_same(*parsed, sample_entry());
}

TEST(EntryTest, OneLinePerFieldAndOutputThenTheManifestVerbatim) {
  const std::string body = sample_body();
  EXPECT_NE(body.find("\nf \"lib/index.js\" \"644\" \"42\" \"" + std::string(64, 'd') + "\"\n"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("\nl \"lib/alias.js\" \"index.js\"\n"), std::string::npos) << body;
  const std::string manifest = sample_entry().manifest;
  EXPECT_TRUE(body.ends_with("manifest " + std::to_string(manifest.size()) + "\n" + manifest))
      << body;
}

TEST(EntryTest, HostileOutputWithValidChecksumIsRejected) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"f \"lib/index.js\"", "f \"../../etc/passwd\""},
           {"f \"lib/index.js\"", "f \"/etc/passwd\""},
           {"\"index.js\"\n", "\"../../outside\"\n"},
           {std::string(64, 'd'), "not-a-digest"},
           {"f \"lib/index.js\" \"644\"", "f \"lib/index.js\" \"9z\""},
           {"l \"lib/alias.js\"", "c \"lib/alias.js\""}}) {
    EXPECT_FALSE(parse_entry(with_valid_header(body_with(from, to))).has_value()) << to;
  }
}

TEST(EntryTest, MissingRepeatedOrMalformedFieldsWithValidChecksumAreRejected) {
  const std::string body = sample_body();
  for (const char* field : {"key", "package", "name", "command", "created", "command-ms"}) {
    const std::size_t at = body.find(std::string("\n") + field + " \"");
    const std::size_t start = at == std::string::npos ? 0 : at + 1;  // "key" opens the body
    ASSERT_TRUE(at != std::string::npos || body.starts_with(std::string(field) + " ")) << field;
    const std::size_t end = body.find('\n', start) + 1;
    std::string missing = body;
    missing.erase(start, end - start);
    EXPECT_FALSE(parse_entry(with_valid_header(missing)).has_value()) << field;
    std::string repeated = body;
    repeated.insert(start, body.substr(start, end - start));
    EXPECT_FALSE(parse_entry(with_valid_header(repeated)).has_value()) << field;
  }
  EXPECT_FALSE(
      parse_entry(with_valid_header(body_with("command-ms \"", "command-ms \"fast"))).has_value());
  const std::string manifest = sample_entry().manifest;
  const std::string size_line = "manifest " + std::to_string(manifest.size()) + "\n";
  EXPECT_FALSE(parse_entry(with_valid_header(body_with(size_line, "manifest 3\n"))).has_value());
  EXPECT_FALSE(parse_entry(with_valid_header(body_with(size_line, ""))).has_value());
  EXPECT_FALSE(parse_entry(with_valid_header("{}")).has_value());
  EXPECT_FALSE(parse_entry(with_valid_header("")).has_value());
}

// A later memo may add a field: a reader that does not know it skips it, so adding one needs
// no new entry format (nor, since the formats are apart, new keys). An output record it does
// not know (a one-letter kind) could be an output it would fail to restore: that is refused.
TEST(EntryTest, AFieldOfALaterMemoIsSkipped) {
  const std::string body = body_with("created \"", "origin \"ci\" \"job 7\"\ncreated \"");
  auto parsed = parse_entry(with_valid_header(body));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  expect_same(*parsed, sample_entry());
  EXPECT_FALSE(
      parse_entry(with_valid_header(body_with("created \"", "d \"lib/empty\"\ncreated \"")))
          .has_value());
}

Entry packed_entry() {
  Entry entry = sample_entry();
  entry.outputs[0].pack = std::string(64, 'a');
  entry.outputs[0].pack_offset = 0;
  entry.outputs[1].pack = std::string(64, 'a');
  entry.outputs[1].pack_offset = 42;
  return entry;
}

TEST(EntryTest, PackedOutputsRoundTripInFormat3) {
  const std::string text = serialize_entry(packed_entry());
  EXPECT_TRUE(text.starts_with("memo-entry 3 ")) << text;
  EXPECT_NE(text.find("p \"bin/cli.js\" \"755\" \"0\""), std::string::npos) << text;
  auto parsed = parse_entry(text);
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->outputs, packed_entry().outputs);
  EXPECT_EQ(blob_digests(*parsed), (std::vector<std::string>{std::string(64, 'a')}))
      << "the pack, once";
  EXPECT_EQ(without_packs(*parsed).outputs, sample_entry().outputs);
  EXPECT_TRUE(serialize_entry(without_packs(*parsed)).starts_with("memo-entry 2 "));
}

TEST(EntryTest, APackedEntryUnderTheOlderFormatOrABadPackRecordFails) {
  const std::string text = serialize_entry(packed_entry());
  const std::string body = text.substr(text.find('\n') + 1);
  EXPECT_FALSE(parse_entry("memo-entry 2 " + util::sha256_hex(body) + "\n" + body).has_value());
  const std::string pack_record = "\"" + std::string(64, 'a') + "\" \"42\"";
  ASSERT_NE(body.find(pack_record), std::string::npos);
  for (const std::string& bad :
       std::vector<std::string>{"\"xyz\" \"42\"", "\"" + std::string(64, 'a') + "\" \"-1\"",
                                "\"" + std::string(64, 'a') + "\" \"18446744073709551616\"",
                                "\"" + std::string(64, 'a') + "\"", "\"\" \"42\""}) {
    std::string altered = body;
    altered.replace(altered.find(pack_record), pack_record.size(), bad);
    EXPECT_FALSE(parse_entry("memo-entry 3 " + util::sha256_hex(altered) + "\n" + altered)) << bad;
  }
}

TEST(EntryTest, KeysAndEntriesHaveFormatVersionsOfTheirOwn) {
  EXPECT_TRUE(serialize_entry(sample_entry())
                  .starts_with("memo-entry " + std::to_string(kUnpackedEntryFormatVersion) + " "));
  EXPECT_TRUE(serialize_entry(packed_entry())
                  .starts_with("memo-entry " + std::to_string(kEntryFormatVersion) + " "));
  hash::KeyManifest manifest;
  EXPECT_TRUE(
      manifest.text().starts_with("memo-key-manifest " + std::to_string(hash::kKeyFormatVersion)));
}

}  // namespace
}  // namespace memo::store
