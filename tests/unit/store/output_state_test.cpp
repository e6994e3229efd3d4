#include "memo/store/output_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memo/util/digest.hpp"
#include "support/temp_dir.hpp"

namespace memo::store {
namespace {

namespace fs = std::filesystem;
using archive::OutputFile;
using memo::testing::TempDir;

const std::string kKeyA(64, 'a');
const std::string kKeyB(64, 'b');

OutputFile file_output(const std::string& path, const std::string& bytes, unsigned mode = 0644) {
  return {path, OutputFile::Type::File, mode, bytes.size(), util::sha256_hex(bytes), ""};
}

class OutputStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    package.write("lib/a.js", "a");
    package.write("lib/b.js", "b");
    package.write("lib/deep/c.js", "c");
    outputs = {file_output("lib/a.js", "a"), file_output("lib/b.js", "b"),
               file_output("lib/deep/c.js", "c")};
    ASSERT_TRUE(state.save("packages/x", kKeyA, package.path(), outputs).has_value());
  }
  std::optional<std::vector<std::string>> changed(const std::string& key = kKeyA) const {
    auto comparison = state.changed_outputs("packages/x", key, package.path());
    if (!comparison) return std::nullopt;
    return comparison->changed;
  }

  TempDir store, package;
  OutputState state{store.path()};
  std::vector<OutputFile> outputs;
};

TEST_F(OutputStateTest, UntouchedOutputsOfTheSameKeyAreIntact) {
  auto result = changed();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->empty());
  EXPECT_FALSE(changed(kKeyB).has_value()) << "a record for another key says nothing";
  EXPECT_FALSE(state.changed_outputs("packages/y", kKeyA, package.path()).has_value());
}

// What a store records: the stat data the outputs had when their bytes were read. One written
// since (same size, other bytes) is not taken for intact.
TEST_F(OutputStateTest, StatDataAsReadByTheStoreIsRecordedAndAFileWrittenSinceIsNotIntact) {
  std::vector<struct stat> as_read(outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    ASSERT_EQ(::lstat((package.path() / outputs[i].path).c_str(), &as_read[i]), 0);
  }
  package.write("lib/b.js", "B");  // after the read, before the record
  const timespec later[2] = {{0, UTIME_OMIT}, {as_read[1].st_mtim.tv_sec + 5, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (package.path() / "lib/b.js").c_str(), later, 0), 0);
  ASSERT_TRUE(state.save("packages/x", kKeyA, package.path(), outputs, 0, std::nullopt, &as_read));
  EXPECT_EQ(changed(), std::vector<std::string>{"lib/b.js"});
}

TEST_F(OutputStateTest, ChangedAndDeletedOutputsAreNamed) {
  package.write("lib/a.js", "A");
  fs::remove_all(package / "lib/deep");
  auto result = changed();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, (std::vector<std::string>{"lib/a.js", "lib/deep/c.js"}));
}

TEST_F(OutputStateTest, TouchedButSameBytesIsIntact) {
  ::usleep(5'000);
  package.write("lib/b.js", "b");  // rewritten: new times, same bytes
  auto result = changed();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->empty());
  ASSERT_EQ(::chmod((package / "lib/b.js").c_str(), 0755), 0);  // same bytes, another mode
  EXPECT_EQ(*changed(), (std::vector<std::string>{"lib/b.js"}));
}

TEST_F(OutputStateTest, AnotherEntrysOutputsAlreadyInPlace) {
  // Entry B holds a.js with the same bytes, b.js with other bytes, c.js executable, and d.js,
  // which memo never left here.
  std::vector<OutputFile> wanted = {file_output("lib/a.js", "a"), file_output("lib/b.js", "B"),
                                    file_output("lib/deep/c.js", "c", 0755),
                                    file_output("lib/d.js", "d")};
  package.write("lib/d.js", "d");  // there, but not by memo's hand: not vouched for
  EXPECT_EQ(state.already_in_place("packages/x", package.path(), wanted),
            (std::set<std::string>{"lib/a.js"}));
  package.write("lib/a.js", "edited");
  EXPECT_TRUE(state.already_in_place("packages/x", package.path(), wanted).empty());
  EXPECT_TRUE(state.already_in_place("packages/y", package.path(), wanted).empty());
}

TEST_F(OutputStateTest, DamagedRecordsSayNothing) {
  for (const auto& entry : fs::recursive_directory_iterator(store.path())) {
    if (!entry.is_regular_file()) continue;
    std::string text = memo::testing::read_file(entry.path());
    memo::testing::write_file(entry.path(), text.substr(0, text.size() - 3));  // torn
  }
  EXPECT_FALSE(changed().has_value());
  EXPECT_TRUE(state.already_in_place("packages/x", package.path(), outputs).empty());
}

TEST_F(OutputStateTest, HostilePathsInARecordAreRefused) {
  for (const auto& entry : fs::recursive_directory_iterator(store.path())) {
    if (!entry.is_regular_file()) continue;
    std::string text = memo::testing::read_file(entry.path());
    auto at = text.find("\"lib/a.js\"");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 10, "\"../a.js\"");
    memo::testing::write_file(entry.path(), text);
  }
  EXPECT_FALSE(changed().has_value());
}

}  // namespace
}  // namespace memo::store
