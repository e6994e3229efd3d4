#include "memo/store/local_skip_store.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace memo::store {
namespace {

namespace fs = std::filesystem;
using hash::WalkedFile;
using memo::testing::TempDir;

class LocalSkipStoreTest : public ::testing::Test {
 protected:
  LocalSkipStoreTest() : store_(tmp_ / "store") {
    tmp_.write("pkg/lib/index.js", "index");
    tmp_.write("pkg/lib/sub/a.d.ts", "types");
    tmp_.write("pkg/lib/empty.js", "");
    fs::create_symlink("index.js", package() / "lib/alias.js");
    outputs_ = {{"lib/alias.js", true},
                {"lib/empty.js", false},
                {"lib/index.js", false},
                {"lib/sub/a.d.ts", false}};
  }

  fs::path package() const { return tmp_ / "pkg"; }

  void record(const std::string& key = "key-1") {
    auto recorded = store_.record("packages/app", key, package(), outputs_);
    ASSERT_TRUE(recorded.has_value()) << recorded.error().message;
  }

  bool current(const std::string& key = "key-1") const {
    auto result = store_.is_current("packages/app", key, package());
    EXPECT_TRUE(result.has_value()) << result.error().message;
    return result.value_or(false);
  }

  std::vector<fs::path> record_files() const {
    std::vector<fs::path> files;
    if (!fs::exists(tmp_ / "store")) return files;
    for (const auto& item : fs::recursive_directory_iterator(tmp_ / "store")) {
      if (item.is_regular_file()) files.push_back(item.path());
    }
    return files;
  }

  TempDir tmp_;
  LocalSkipStore store_;
  std::vector<WalkedFile> outputs_;
};

TEST_F(LocalSkipStoreTest, NotCurrentBeforeAnyRecord) {
  EXPECT_FALSE(current());
}

TEST_F(LocalSkipStoreTest, CurrentAfterRecord) {
  record();
  EXPECT_TRUE(current());
}

TEST_F(LocalSkipStoreTest, CurrentWithNoOutputs) {
  outputs_.clear();
  record();
  EXPECT_TRUE(current());
  EXPECT_FALSE(current("key-2"));
}

TEST_F(LocalSkipStoreTest, NotCurrentAfterTheKeyChanges) {
  record();
  EXPECT_FALSE(current("key-2"));
  EXPECT_TRUE(current("key-1"));
}

TEST_F(LocalSkipStoreTest, ANewRecordReplacesTheOld) {
  record("key-1");
  record("key-2");
  EXPECT_TRUE(current("key-2"));
  EXPECT_FALSE(current("key-1"));
  EXPECT_EQ(record_files().size(), 1u);
}

TEST_F(LocalSkipStoreTest, RecordsArePerPackage) {
  record();
  auto other = store_.is_current("packages/other", "key-1", package());
  ASSERT_TRUE(other.has_value()) << other.error().message;
  EXPECT_FALSE(*other);
}

TEST_F(LocalSkipStoreTest, NotCurrentAfterAnOutputIsDeleted) {
  record();
  fs::remove(package() / "lib/sub/a.d.ts");
  EXPECT_FALSE(current());
}

TEST_F(LocalSkipStoreTest, NotCurrentAfterASymlinkOutputIsDeleted) {
  record();
  fs::remove(package() / "lib/alias.js");
  EXPECT_FALSE(current());
}

TEST_F(LocalSkipStoreTest, NotCurrentAfterAnOutputChangesSize) {
  record();
  tmp_.write("pkg/lib/index.js", "index, now longer");
  EXPECT_FALSE(current());
}

TEST_F(LocalSkipStoreTest, NotCurrentAfterAnEmptyOutputGrows) {
  record();
  tmp_.write("pkg/lib/empty.js", "x");
  EXPECT_FALSE(current());
}

TEST_F(LocalSkipStoreTest, CurrentAfterSameSizeRewrite) {
  // Only presence and size are checked (backfill's local-skip); same-size edits go unnoticed.
  record();
  tmp_.write("pkg/lib/index.js", "INDEX");
  EXPECT_TRUE(current());
}

TEST_F(LocalSkipStoreTest, UnrelatedFilesDoNotMatter) {
  record();
  tmp_.write("pkg/lib/new.js", "new");
  tmp_.write("pkg/src/a.ts", "source");
  EXPECT_TRUE(current());
}

TEST_F(LocalSkipStoreTest, MissingOutputsAtRecordTimeAreLeftOut) {
  outputs_.push_back({"lib/never-written.js", false});
  record();
  EXPECT_TRUE(current());
}

TEST_F(LocalSkipStoreTest, MalformedRecordIsCorrupt) {
  record();
  auto files = record_files();
  ASSERT_EQ(files.size(), 1u);
  for (const std::string text :
       {"", "not json", "[]", "{}", R"({"key": 1, "outputs": []})", R"({"key": "key-1"})",
        R"({"key": "key-1", "outputs": {}})", R"({"outputs": []})"}) {
    memo::testing::write_file(files[0], text);
    auto result = store_.is_current("packages/app", "key-1", package());
    ASSERT_FALSE(result.has_value()) << text;
    EXPECT_EQ(result.error().kind, StoreError::Kind::Corrupt) << text;
  }
}

TEST_F(LocalSkipStoreTest, HostileOutputPathsAreNotTrusted) {
  record();
  auto files = record_files();
  ASSERT_EQ(files.size(), 1u);
  // A record naming a path outside the package never counts as current.
  tmp_.write("outside.txt", "x");
  memo::testing::write_file(
      files[0], R"({"key": "key-1", "outputs": [{"path": "../outside.txt", "size": 1}]})");
  EXPECT_FALSE(current());
  memo::testing::write_file(files[0], R"({"key": "key-1", "outputs": [{"path": ")" +
                                          (tmp_ / "outside.txt").string() + R"(", "size": 1}]})");
  EXPECT_FALSE(current());
  memo::testing::write_file(files[0], R"({"key": "key-1", "outputs": [42]})");
  EXPECT_FALSE(current());
}

TEST_F(LocalSkipStoreTest, RecordIntoAStoreThatIsAFileIsAnError) {
  tmp_.write("store", "a file");
  auto recorded = store_.record("packages/app", "key-1", package(), outputs_);
  EXPECT_FALSE(recorded.has_value());
}

}  // namespace
}  // namespace memo::store
