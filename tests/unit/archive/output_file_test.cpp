#include "memo/archive/output_file.hpp"

#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace memo::archive {
namespace {

using nlohmann::json;

const std::string kDigest(64, 'a');

// Records as they arrive in a stored entry: parsed from text, where numbers are unsigned.
json file_record(const std::string& path) {
  json record = json::parse(R"({"type": "file", "mode": 420, "size": 3})");
  record["path"] = path;
  record["sha256"] = kDigest;
  return record;
}

json link_record(const std::string& path, const std::string& target) {
  return {{"path", path}, {"type", "symlink"}, {"target", target}};
}

TEST(IsSafeRelativePathTest, AcceptsPlainRelativePaths) {
  EXPECT_TRUE(is_safe_relative_path("a"));
  EXPECT_TRUE(is_safe_relative_path("lib/index.js"));
  EXPECT_TRUE(is_safe_relative_path("lib/deep/er/file.d.ts"));
  EXPECT_TRUE(is_safe_relative_path(".hidden"));
  EXPECT_TRUE(is_safe_relative_path("..a"));
  EXPECT_TRUE(is_safe_relative_path("a.."));
  EXPECT_TRUE(is_safe_relative_path("lib/..."));
  EXPECT_TRUE(is_safe_relative_path("with space/x"));
}

TEST(IsSafeRelativePathTest, RejectsEmptyAndAbsolute) {
  EXPECT_FALSE(is_safe_relative_path(""));
  EXPECT_FALSE(is_safe_relative_path("/"));
  EXPECT_FALSE(is_safe_relative_path("/etc/passwd"));
  EXPECT_FALSE(is_safe_relative_path("//x"));
}

TEST(IsSafeRelativePathTest, RejectsDotAndDotDotComponents) {
  EXPECT_FALSE(is_safe_relative_path(".."));
  EXPECT_FALSE(is_safe_relative_path("."));
  EXPECT_FALSE(is_safe_relative_path("../x"));
  EXPECT_FALSE(is_safe_relative_path("lib/../x"));
  EXPECT_FALSE(is_safe_relative_path("lib/.."));
  EXPECT_FALSE(is_safe_relative_path("./lib"));
  EXPECT_FALSE(is_safe_relative_path("lib/./x"));
  EXPECT_FALSE(is_safe_relative_path("lib/."));
}

TEST(IsSafeRelativePathTest, RejectsEmptyComponents) {
  EXPECT_FALSE(is_safe_relative_path("lib//x"));
  EXPECT_FALSE(is_safe_relative_path("lib/"));
  EXPECT_FALSE(is_safe_relative_path("lib/x/"));
}

TEST(IsSafeRelativePathTest, RejectsNulByte) {
  using namespace std::string_literals;
  EXPECT_FALSE(is_safe_relative_path("lib/a\0b"s));
  EXPECT_FALSE(is_safe_relative_path("\0"s));
}

TEST(IsSafeRelativePathTest, RejectsOverlongPaths) {
  std::string ok(4096, 'a');
  for (std::size_t i = 100; i < ok.size(); i += 100) ok[i] = '/';
  EXPECT_TRUE(is_safe_relative_path(ok));
  EXPECT_FALSE(is_safe_relative_path(ok + "b"));
}

TEST(IsContainedSymlinkTest, TargetsInsideThePackage) {
  EXPECT_TRUE(is_contained_symlink("a", "b"));
  EXPECT_TRUE(is_contained_symlink("a", "sub/b"));
  EXPECT_TRUE(is_contained_symlink("a", "./b"));
  EXPECT_TRUE(is_contained_symlink("lib/a", "../x"));  // resolves to "x" at the package root
  EXPECT_TRUE(is_contained_symlink("lib/a", "b"));
  EXPECT_TRUE(is_contained_symlink("lib/deep/a", "../../x"));
  EXPECT_TRUE(is_contained_symlink("a", "sub/../b"));
  EXPECT_TRUE(is_contained_symlink("lib/a", "../lib/../x"));
}

TEST(IsContainedSymlinkTest, TargetsEscapingThePackage) {
  EXPECT_FALSE(is_contained_symlink("a", "../x"));
  EXPECT_FALSE(is_contained_symlink("a", ".."));
  EXPECT_FALSE(is_contained_symlink("lib/a", "../../x"));
  EXPECT_FALSE(is_contained_symlink("lib/deep/a", "../../../x"));
  EXPECT_FALSE(is_contained_symlink("a", "sub/../../x"));  // climbs back down, then out
  EXPECT_FALSE(is_contained_symlink("a", "./../x"));
}

TEST(IsContainedSymlinkTest, RejectsAbsoluteEmptyAndNul) {
  using namespace std::string_literals;
  EXPECT_FALSE(is_contained_symlink("a", "/etc/passwd"));
  EXPECT_FALSE(is_contained_symlink("lib/a", "/"));
  EXPECT_FALSE(is_contained_symlink("a", ""));
  EXPECT_FALSE(is_contained_symlink("a", "b\0/../../x"s));
}

TEST(OutputFileJsonTest, FileRoundTrip) {
  OutputFile file;
  file.path = "lib/index.js";
  file.type = OutputFile::Type::File;
  file.mode = 0755;
  file.size = 12345;
  file.digest = std::string(64, 'f');
  auto parsed = output_file_from_json(to_json(file));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(*parsed, file);
}

TEST(OutputFileJsonTest, SymlinkRoundTrip) {
  OutputFile link;
  link.path = "lib/alias.js";
  link.type = OutputFile::Type::Symlink;
  link.link_target = "index.js";
  auto parsed = output_file_from_json(to_json(link));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->type, OutputFile::Type::Symlink);
  EXPECT_EQ(parsed->path, "lib/alias.js");
  EXPECT_EQ(parsed->link_target, "index.js");
}

TEST(OutputFileJsonTest, ValidRecordsParse) {
  // The fixtures the rejection tests mutate are themselves valid.
  EXPECT_TRUE(output_file_from_json(file_record("lib/a.js")).has_value());
  EXPECT_TRUE(output_file_from_json(link_record("lib/a.js", "../x.js")).has_value());
}

TEST(OutputFileJsonTest, ModeKeepsOnlyPermissionBits) {
  json record = file_record("a");
  record["mode"] = json::parse("2541");  // 04755: setuid must not survive a restore
  auto parsed = output_file_from_json(record);
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->mode, 0755u);
}

TEST(OutputFileJsonTest, RejectsUnsafePaths) {
  for (const std::string path :
       {"/etc/passwd", "../x", "lib/../../x", "lib//x", "lib/", "", ".", "lib/./x"}) {
    EXPECT_FALSE(output_file_from_json(file_record(path)).has_value()) << path;
    EXPECT_FALSE(output_file_from_json(link_record(path, "x")).has_value()) << path;
  }
}

TEST(OutputFileJsonTest, RejectsEscapingSymlinks) {
  EXPECT_FALSE(output_file_from_json(link_record("a", "../x")).has_value());
  EXPECT_FALSE(output_file_from_json(link_record("lib/a", "../../x")).has_value());
  EXPECT_FALSE(output_file_from_json(link_record("lib/a", "/etc/passwd")).has_value());
  EXPECT_FALSE(output_file_from_json(link_record("lib/a", "")).has_value());
}

TEST(OutputFileJsonTest, RejectsBadDigests) {
  for (const std::string& digest :
       {std::string(63, 'a'), std::string(65, 'a'), std::string(64, 'g'), std::string(""),
        std::string(40, 'a'), "../../" + std::string(58, 'a')}) {
    json record = file_record("a");
    record["sha256"] = digest;
    EXPECT_FALSE(output_file_from_json(record).has_value()) << digest;
  }
  json record = file_record("a");
  record["sha256"] = 42;
  EXPECT_FALSE(output_file_from_json(record).has_value());
}

TEST(OutputFileJsonTest, RejectsUnknownType) {
  for (const std::string type : {"directory", "fifo", "hardlink", "", "File", "SYMLINK"}) {
    json record = file_record("a");
    record["type"] = type;
    record["target"] = "b";
    EXPECT_FALSE(output_file_from_json(record).has_value()) << type;
  }
  json record = file_record("a");
  record["type"] = 1;
  EXPECT_FALSE(output_file_from_json(record).has_value());
}

TEST(OutputFileJsonTest, RejectsMissingFields) {
  for (const char* field : {"path", "type", "mode", "size", "sha256"}) {
    json record = file_record("a");
    record.erase(field);
    EXPECT_FALSE(output_file_from_json(record).has_value()) << field;
  }
  json link = link_record("a", "b");
  link.erase("target");
  EXPECT_FALSE(output_file_from_json(link).has_value());
}

TEST(OutputFileJsonTest, RejectsWrongFieldTypes) {
  {
    json record = file_record("a");
    record["path"] = 7;
    EXPECT_FALSE(output_file_from_json(record).has_value());
  }
  {
    json record = file_record("a");
    record["mode"] = -1;
    EXPECT_FALSE(output_file_from_json(record).has_value());
  }
  {
    json record = file_record("a");
    record["mode"] = "0644";
    EXPECT_FALSE(output_file_from_json(record).has_value());
  }
  {
    json record = file_record("a");
    record["size"] = -3;
    EXPECT_FALSE(output_file_from_json(record).has_value());
  }
  {
    json record = file_record("a");
    record["size"] = 1.5;
    EXPECT_FALSE(output_file_from_json(record).has_value());
  }
  {
    json link = link_record("a", "b");
    link["target"] = json::array({"b"});
    EXPECT_FALSE(output_file_from_json(link).has_value());
  }
}

TEST(OutputFileJsonTest, RejectsNonObjects) {
  EXPECT_FALSE(output_file_from_json(json::array()).has_value());
  EXPECT_FALSE(output_file_from_json(json("lib/a.js")).has_value());
  EXPECT_FALSE(output_file_from_json(json(nullptr)).has_value());
  EXPECT_FALSE(output_file_from_json(json::object()).has_value());
}

TEST(CheckOutputFileTest, APackedFileNeedsAPackDigestAndAPlaceAFileOffsetCanSay) {
  OutputFile file;
  file.path = "lib/a.js";
  file.size = 10;
  file.digest = std::string(64, 'd');
  file.pack = std::string(64, 'e');
  file.pack_offset = 100;
  EXPECT_TRUE(check_output_file(file).has_value());
  EXPECT_EQ(stored_blob(file), file.pack);
  OutputFile bad_pack = file;
  bad_pack.pack = "e";
  EXPECT_FALSE(check_output_file(bad_pack).has_value());
  OutputFile past_the_end = file;
  past_the_end.pack_offset = std::numeric_limits<std::int64_t>::max() - 5;
  EXPECT_FALSE(check_output_file(past_the_end).has_value());
  OutputFile wrapping = file;
  wrapping.pack_offset = std::numeric_limits<std::uint64_t>::max() - 5;
  EXPECT_FALSE(check_output_file(wrapping).has_value());
  file.pack.clear();
  EXPECT_EQ(stored_blob(file), file.digest);
}

}  // namespace
}  // namespace memo::archive
