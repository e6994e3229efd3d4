#include "memo/hash/digest_cache.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memo/hash/file_walk.hpp"
#include "memo/hash/gitignore.hpp"
#include "memo/util/digest.hpp"
#include "support/temp_dir.hpp"

namespace memo::hash {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;

constexpr std::int64_t kSecond = 1'000'000'000;

// A package walked and digested as compute_package_key does it.
struct Walked {
  WalkTrace trace;
  std::vector<FileDigest> digests;
};

Walked walk_and_digest(const fs::path& root) {
  Walked walked;
  GitignoreRules gitignore;
  WalkOptions options;
  options.gitignore = &gitignore;
  options.skip_tsbuildinfo = true;
  options.trace = &walked.trace;
  auto files = walk_files(root, options);
  EXPECT_TRUE(files.has_value());
  auto digests = digest_files(root, *files);
  EXPECT_TRUE(digests.has_value());
  walked.digests = std::move(*digests);
  return walked;
}

// A record of the package as it is now. Files written by a test are seconds old at most, so the
// record says it was made later than that (as a record made a little later would), or nothing
// in it could be trusted yet.
DigestRecord record_now(const fs::path& root,
                        std::int64_t started_ns = wall_clock_ns() + 10 * kSecond) {
  auto walked = walk_and_digest(root);
  auto record = make_record(started_ns, walked.trace, walked.digests, "packages/a");
  EXPECT_TRUE(record.has_value());
  return std::move(*record);
}

DigestRecord round_trip(const DigestRecord& record) {
  auto decoded = decode_record(encode_record(record));
  EXPECT_TRUE(decoded.has_value());
  return std::move(*decoded);
}

std::string fresh_lines(const fs::path& root) {
  return manifest_lines(record_now(root));
}

// Lists a folder again as compute_package_key does: with the rules of every .gitignore from
// the package root down to it.
FolderLister lister_for(const fs::path& root) {
  return [root](const std::string& folder) {
    GitignoreRules rules;
    std::vector<std::string> bases{""};
    for (std::size_t slash = folder.find('/'); slash != std::string::npos;
         slash = folder.find('/', slash + 1)) {
      bases.push_back(folder.substr(0, slash));
    }
    if (!folder.empty()) bases.push_back(folder);
    for (const auto& base : bases) {
      std::error_code missing;
      if (fs::exists(root / base / ".gitignore", missing)) {
        rules.add_file(base, testing::read_file(root / base / ".gitignore"));
      }
    }
    WalkOptions options;
    options.gitignore = &rules;
    options.skip_tsbuildinfo = true;
    return list_folder(root, folder, options);
  };
}

class DigestCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("src/a.ts", "export const a = 1;\n");
    dir.write("src/deep/b.ts", "export const b = 2;\n");
    dir.write("package.json", "{}\n");
    dir.write(".gitignore", "*.log\n");
    dir.write("debug.log", "ignored\n");
  }
  TempDir dir;
};

TEST_F(DigestCacheTest, RecordsEveryFileWithItsManifestLine) {
  auto record = record_now(dir.path());
  std::string lines = manifest_lines(record);
  EXPECT_EQ(record.files.size(), 4u);  // .gitignore, package.json, src/a.ts, src/deep/b.ts
  EXPECT_NE(lines.find("file \"packages/a/src/deep/b.ts\" \"100644\" \"" +
                       util::git_blob_id("export const b = 2;\n") + "\"\n"),
            std::string::npos)
      << lines;
  EXPECT_EQ(lines.find("debug.log"), std::string::npos) << lines;
  ASSERT_EQ(record.folders.size(), 3u);
  EXPECT_EQ(record.folders[0].path, "");
  EXPECT_EQ(record.gitignores.size(), 1u);
}

TEST_F(DigestCacheTest, SurvivesEncodingWhole) {
  auto record = record_now(dir.path());
  auto decoded = round_trip(record);
  EXPECT_EQ(decoded.started_ns, record.started_ns);
  EXPECT_EQ(manifest_lines(decoded), manifest_lines(record));
  ASSERT_EQ(decoded.files.size(), record.files.size());
  for (std::size_t i = 0; i < record.files.size(); ++i) {
    EXPECT_EQ(decoded.files[i].name, record.files[i].name);
    EXPECT_EQ(decoded.files[i].folder, record.files[i].folder);
    EXPECT_EQ(decoded.files[i].signature, record.files[i].signature);
  }
  ASSERT_EQ(decoded.folders.size(), record.folders.size());
  EXPECT_EQ(decoded.folders[1].path, record.folders[1].path);
  EXPECT_EQ(decoded.folders[1].signature, record.folders[1].signature);
  EXPECT_EQ(decoded.gitignores[0].path, ".gitignore");
}

TEST_F(DigestCacheTest, DamagedOrHostileTextIsNeverBelieved) {
  const std::string text = encode_record(record_now(dir.path()));
  ASSERT_TRUE(decode_record(text).has_value());
  EXPECT_FALSE(decode_record("").has_value());
  EXPECT_FALSE(decode_record(text.substr(0, text.size() - 1)).has_value());  // cut short
  std::string flipped = text;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE(decode_record(flipped).has_value());

  // Well-formed but with a valid checksum over a body that reaches out of the package.
  auto with_body = [](const std::string& body) {
    return "memo-file-digests 1 " + util::sha256_hex(body) + "\n" + body;
  };
  const std::string signature = "1:2:3:4:33188";
  const std::string line = "file \"x\" \"100644\" \"" + std::string(40, 'a') + "\"";
  EXPECT_TRUE(decode_record(with_body("started 5\nd " + signature + " \nf 0 " + signature + " " +
                                      line + "\tx\n"))
                  .has_value());
  EXPECT_FALSE(decode_record(with_body("started 5\nd " + signature + " ../up\n")).has_value());
  EXPECT_FALSE(decode_record(with_body("started 5\nd " + signature + " /abs\n")).has_value());
  EXPECT_FALSE(decode_record(with_body("started 5\nd " + signature + " \nf 0 " + signature + " " +
                                       line + "\ta/b\n"))
                   .has_value());
  EXPECT_FALSE(decode_record(with_body("started 5\nd " + signature + " \nf 0 " + signature + " " +
                                       line + "\t..\n"))
                   .has_value());
  EXPECT_FALSE(decode_record(with_body("started 5\nd " + signature + " \nf 1 " + signature + " " +
                                       line + "\tx\n"))
                   .has_value());  // no folder 1
  EXPECT_FALSE(decode_record(with_body("started 5\nx what\n")).has_value());
  EXPECT_FALSE(decode_record(with_body("d " + signature + " \n")).has_value());  // no start
}

TEST_F(DigestCacheTest, UnchangedPackageIsReusedWithoutReading) {
  auto record = round_trip(record_now(dir.path()));
  // A digest no file has: had memo read src/a.ts again, it would be gone.
  const std::string planted =
      "file \"packages/a/src/a.ts\" \"100644\" \"" + std::string(40, 'f') + "\"";
  for (auto& file : record.files) {
    if (file.name == "a.ts") file.line = planted;
  }
  const std::string before = manifest_lines(record);
  ASSERT_NE(before.find(planted), std::string::npos);
  EXPECT_EQ(reuse_record(dir.path(), "packages/a", wall_clock_ns(), record), RecordCheck::kCurrent);
  EXPECT_EQ(manifest_lines(record), before);
}

TEST_F(DigestCacheTest, ChangedFileIsDigestedAgain) {
  auto record = round_trip(record_now(dir.path()));
  dir.write("src/a.ts", "export const a = 9;\n");  // same size, same folder listing
  const std::int64_t now = wall_clock_ns();
  ASSERT_EQ(reuse_record(dir.path(), "packages/a", now, record), RecordCheck::kUpdated);
  EXPECT_EQ(record.started_ns, now);
  EXPECT_EQ(manifest_lines(record), fresh_lines(dir.path()));
  // Written back and read again, the update holds.
  auto again = round_trip(record);
  EXPECT_EQ(manifest_lines(again), fresh_lines(dir.path()));
}

TEST_F(DigestCacheTest, ModeChangeIsSeen) {
  auto record = round_trip(record_now(dir.path()));
  fs::permissions(dir / "src/a.ts", fs::perms::owner_exec, fs::perm_options::add);
  ASSERT_NE(reuse_record(dir.path(), "packages/a", wall_clock_ns(), record), RecordCheck::kStale);
  EXPECT_NE(manifest_lines(record).find("file \"packages/a/src/a.ts\" \"100755\""),
            std::string::npos);
}

TEST_F(DigestCacheTest, ChangedListingMeansAWalk) {
  struct Case {
    const char* what;
    std::function<void(TempDir&)> change;
  };
  const std::vector<Case> cases = {
      {"a new file", [](TempDir& d) { d.write("src/deep/c.ts", "new\n"); }},
      {"a removed file", [](TempDir& d) { fs::remove(d / "src/a.ts"); }},
      {"a renamed file", [](TempDir& d) { fs::rename(d / "src/a.ts", d / "src/z.ts"); }},
      {"a new folder", [](TempDir& d) { d.write("src/more/d.ts", "new\n"); }},
      {"a changed .gitignore", [](TempDir& d) { d.write(".gitignore", "*.lag\n"); }},
      {"a new .gitignore below", [](TempDir& d) { d.write("src/.gitignore", "a.ts\n"); }},
  };
  for (const auto& c : cases) {
    TempDir fresh;
    fresh.write("src/a.ts", "export const a = 1;\n");
    fresh.write("src/deep/b.ts", "export const b = 2;\n");
    fresh.write(".gitignore", "*.log\n");
    auto record = round_trip(record_now(fresh.path()));
    c.change(fresh);
    EXPECT_EQ(
        reuse_record(fresh.path(), "packages/a", wall_clock_ns(), record, lister_for(fresh.path())),
        RecordCheck::kStale)
        << c.what;
  }
}

TEST_F(DigestCacheTest, AFolderThatChangedOnlyInWhatTheWalkLeavesOutIsListedAgain) {
  auto record = round_trip(record_now(dir.path()));
  const std::string before = manifest_lines(record);
  dir.write("trace.log", "ignored too\n");         // ignored by the .gitignore
  dir.write("tsconfig.tsbuildinfo", "{}\n");       // never an input
  fs::create_directories(dir / "node_modules/x");  // never entered
  DigestRecord without_lister = round_trip(record);
  EXPECT_EQ(reuse_record(dir.path(), "packages/a", wall_clock_ns(), without_lister),
            RecordCheck::kStale);
  const std::int64_t now = wall_clock_ns();
  // Updated: the folder's new stat data, as of this run.
  ASSERT_EQ(reuse_record(dir.path(), "packages/a", now, record, lister_for(dir.path())),
            RecordCheck::kUpdated);
  EXPECT_EQ(record.started_ns, now);
  EXPECT_EQ(manifest_lines(record), before);
  EXPECT_EQ(manifest_lines(record), fresh_lines(dir.path()));
}

TEST_F(DigestCacheTest, AbsentGitignoreAboveMustStayAbsent) {
  auto walked = walk_and_digest(dir.path());
  // As compute_package_key records a folder above the package with no .gitignore.
  walked.trace.gitignores.push_back({"../.gitignore-memo-test-absent", StatSignature{}});
  auto record = round_trip(
      *make_record(wall_clock_ns() + 10 * kSecond, walked.trace, walked.digests, "packages/a"));
  EXPECT_NE(reuse_record(dir.path(), "packages/a", wall_clock_ns(), record), RecordCheck::kStale);
  testing::write_file(dir.path().parent_path() / ".gitignore-memo-test-absent", "*\n");
  EXPECT_EQ(reuse_record(dir.path(), "packages/a", wall_clock_ns(), record), RecordCheck::kStale);
  fs::remove(dir.path().parent_path() / ".gitignore-memo-test-absent");
}

TEST_F(DigestCacheTest, RecentSignaturesAreNotTrusted) {
  // Made now: the files were written within the margin, so a change in the same clock tick
  // could hide behind an equal signature. Nothing is trusted; the folders force a walk.
  auto record = round_trip(record_now(dir.path(), wall_clock_ns()));
  EXPECT_EQ(reuse_record(dir.path(), "packages/a", wall_clock_ns(), record), RecordCheck::kStale);
}

TEST_F(DigestCacheTest, TheRecordFilesOwnTimeCountsToo) {
  // A wall clock ahead of the file system's: the record's start says the files are old, the
  // record file's own time (stamped by the same file system as the files) says they are not.
  auto record = round_trip(record_now(dir.path()));
  record.written_ns = wall_clock_ns();
  EXPECT_EQ(reuse_record(dir.path(), "packages/a", wall_clock_ns(), record), RecordCheck::kStale);
}

TEST_F(DigestCacheTest, WrittenAndReadBackWithTheFilesTime) {
  const fs::path file = dir / "cache/file-digests/record";
  auto record = record_now(dir.path());
  ASSERT_TRUE(write_record(file, dir.path(), record));
  auto read = read_record(file, dir.path());
  ASSERT_TRUE(read.has_value());
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(read->written_ns, signature_of(info).mtime_ns);
  EXPECT_EQ(manifest_lines(*read), manifest_lines(record));
  EXPECT_FALSE(read_record(dir / "cache/file-digests/none", dir.path()).has_value());
}

TEST_F(DigestCacheTest, ImpossibleValuesAreRefused) {
  auto with_body = [](const std::string& body) {
    return "memo-file-digests 1 " + util::sha256_hex(body) + "\n" + body;
  };
  const std::string signature = "1:2:3:4:33188";
  const std::string line = "file \"x\" \"100644\" \"" + std::string(40, 'a') + "\"";
  EXPECT_FALSE(decode_record(with_body("started -9223372036854775808\n")).has_value());
  EXPECT_FALSE(decode_record(with_body("started 0\n")).has_value());
  EXPECT_FALSE(decode_record(with_body("started 5\nd " + signature + " \nf 0 " + signature + " " +
                                       line + "\tx" + std::string(1, '\0') + "y\n"))
                   .has_value());
  EXPECT_FALSE(
      decode_record(with_body("started 5\nd " + signature + " \nf 0 1:2:3 " + line + "\tx\n"))
          .has_value());
}

TEST_F(DigestCacheTest, ManyChangedFilesMeanAWalk) {
  for (int i = 0; i < 70; ++i) dir.write("src/many/f" + std::to_string(i) + ".ts", "1\n");
  auto record = round_trip(record_now(dir.path()));
  for (int i = 0; i < 70; ++i) dir.write("src/many/f" + std::to_string(i) + ".ts", "2\n");
  EXPECT_EQ(reuse_record(dir.path(), "packages/a", wall_clock_ns(), record), RecordCheck::kStale);
}

TEST_F(DigestCacheTest, IncompleteTraceIsNotRecorded) {
  auto walked = walk_and_digest(dir.path());
  walked.trace.complete = false;
  EXPECT_FALSE(make_record(wall_clock_ns(), walked.trace, walked.digests, "").has_value());
}

}  // namespace
}  // namespace memo::hash
