#include "memo/archive/restore.hpp"
#include "memo/archive/output_checks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memo/util/digest.hpp"
#include "support/temp_dir.hpp"

namespace memo::archive {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;

// One node of a folder tree as lstat sees it, for before/after comparisons.
struct Node {
  char kind = '?';  // 'f' file, 'd' folder, 'l' symlink
  unsigned mode = 0;
  std::string content;  // a file's bytes or a link's target

  bool operator==(const Node&) const = default;
};

void PrintTo(const Node& node, std::ostream* out) {
  *out << node.kind << " " << std::oct << node.mode << std::dec << " \"" << node.content << "\"";
}

std::map<std::string, Node> snapshot(const fs::path& root) {
  std::map<std::string, Node> nodes;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path& path = it->path();
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) continue;
    Node node;
    node.mode = info.st_mode & 07777;
    if (S_ISLNK(info.st_mode)) {
      node.kind = 'l';
      node.content = fs::read_symlink(path).string();
    } else if (S_ISDIR(info.st_mode)) {
      node.kind = 'd';
    } else if (S_ISREG(info.st_mode)) {
      node.kind = 'f';
      node.content = memo::testing::read_file(path);
    }
    nodes[path.lexically_relative(root).generic_string()] = node;
  }
  return nodes;
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

bool is_temp_name(const std::string& path) {
  return path.find(".memo-") != std::string::npos || path.ends_with(".tmp");
}

// A blob source for restore: blobs stored in a folder under their SHA-256.
class FakeBlobs {
 public:
  // Stores `content` and returns the output record of a file at `path` holding it.
  OutputFile add(const std::string& path, const std::string& content, unsigned mode = 0644) {
    OutputFile file;
    file.path = path;
    file.type = OutputFile::Type::File;
    file.mode = mode;
    file.size = content.size();
    file.digest = util::sha256_hex(content);
    dir_.write(file.digest, content);
    return file;
  }

  // An output whose stored blob holds `stored` although the entry promises `promised`.
  OutputFile add_lying(const std::string& path, const std::string& promised,
                       const std::string& stored) {
    OutputFile file = add(path, promised);
    dir_.write(file.digest, stored);
    return file;
  }

  // `checked`: every blob is said to be known good, as a store says of one it just wrote.
  BlobOpener opener(bool checked = false) const {
    return [this, checked](const OutputFile& file) -> std::expected<OpenedBlob, BlobOpenError> {
      const std::string& digest = stored_blob(file);
      ++opened_;
      util::Fd fd(::open((dir_.path() / digest).c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) {
        return std::unexpected(
            BlobOpenError{errno == ENOENT ? BlobOpenError::Kind::Missing : BlobOpenError::Kind::Io,
                          "no blob " + digest + ": " + std::strerror(errno)});
      }
      return OpenedBlob{std::move(fd), checked, !file.pack.empty(), file.pack_offset};
    };
  }

  // Outputs whose bytes (path, content) are stored end to end in one pack blob.
  std::vector<OutputFile> add_pack(const std::vector<std::pair<std::string, std::string>>& files) {
    std::string bytes;
    std::vector<OutputFile> outputs;
    for (const auto& [path, content] : files) {
      OutputFile file;
      file.path = path;
      file.size = content.size();
      file.digest = util::sha256_hex(content);
      file.pack_offset = bytes.size();
      bytes += content;
      outputs.push_back(file);
    }
    for (auto& file : outputs) file.pack = util::sha256_hex(bytes);
    dir_.write(outputs.front().pack, bytes);
    return outputs;
  }

  int opened() const { return opened_; }
  fs::path path_of(const OutputFile& file) const { return dir_.path() / file.digest; }

 private:
  TempDir dir_;
  mutable std::atomic<int> opened_{0};
};

OutputFile symlink_output(const std::string& path, const std::string& target) {
  OutputFile link;
  link.path = path;
  link.type = OutputFile::Type::Symlink;
  link.link_target = target;
  return link;
}

class RestoreTest : public ::testing::Test {
 protected:
  RestoreTest() {
    fs::create_directories(package());
    fs::create_directories(outside());
    tmp_.write("outside/sentinel.txt", "do not touch");
  }

  fs::path package() const { return tmp_ / "pkg"; }
  fs::path outside() const { return tmp_ / "outside"; }

  TempDir tmp_;
  FakeBlobs blobs_;
};

TEST_F(RestoreTest, RestoresNestedFilesModesEmptyFilesAndSymlinks) {
  std::vector<OutputFile> outputs = {
      blobs_.add("lib/index.js", "export const a = 1;\n"),
      blobs_.add("lib/deep/er/types.d.ts", "export {};\n"),
      blobs_.add("bin/cli.js", "#!/usr/bin/env node\n", 0755),
      blobs_.add("lib/empty.js", ""),
      blobs_.add("lib/private.txt", "secret", 0600),
      blobs_.add("top.txt", "top"),
      symlink_output("lib/alias.js", "index.js"),
      symlink_output("lib/deep/cli", "../../bin/cli.js"),
  };
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->files, 6u);
  EXPECT_EQ(stats->symlinks, 2u);
  EXPECT_EQ(stats->bytes,
            std::string("export const a = 1;\nexport {};\n#!/usr/bin/env node\nsecrettop").size());

  EXPECT_EQ(tmp_.read("pkg/lib/index.js"), "export const a = 1;\n");
  EXPECT_EQ(tmp_.read("pkg/lib/deep/er/types.d.ts"), "export {};\n");
  EXPECT_EQ(tmp_.read("pkg/bin/cli.js"), "#!/usr/bin/env node\n");
  EXPECT_EQ(tmp_.read("pkg/top.txt"), "top");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(package() / "lib/empty.js")));
  EXPECT_EQ(fs::file_size(package() / "lib/empty.js"), 0u);
  EXPECT_TRUE(fs::is_directory(package() / "lib/deep/er"));

  EXPECT_EQ(mode_of(package() / "bin/cli.js"), 0755u);
  EXPECT_EQ(mode_of(package() / "lib/index.js"), 0644u);
  EXPECT_EQ(mode_of(package() / "lib/private.txt"), 0600u);

  ASSERT_TRUE(fs::is_symlink(package() / "lib/alias.js"));
  EXPECT_EQ(fs::read_symlink(package() / "lib/alias.js"), "index.js");
  ASSERT_TRUE(fs::is_symlink(package() / "lib/deep/cli"));
  EXPECT_EQ(fs::read_symlink(package() / "lib/deep/cli"), "../../bin/cli.js");
  EXPECT_EQ(tmp_.read("pkg/lib/deep/cli"), "#!/usr/bin/env node\n");

  for (const auto& [path, node] : snapshot(package())) {
    EXPECT_FALSE(is_temp_name(path)) << path;
  }
}

TEST_F(RestoreTest, ModeIsExactRegardlessOfUmask) {
  mode_t old = ::umask(077);
  auto stats = restore_outputs(package(), {blobs_.add("run.sh", "x", 0755)}, blobs_.opener());
  ::umask(old);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(mode_of(package() / "run.sh"), 0755u);
}

TEST_F(RestoreTest, ReplacesExistingFilesAndLinks) {
  tmp_.write("pkg/lib/index.js", "old content that is longer than the new one");
  fs::create_symlink("elsewhere.js", package() / "lib/alias.js");
  std::vector<OutputFile> outputs = {blobs_.add("lib/index.js", "new"),
                                     symlink_output("lib/alias.js", "index.js")};
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(tmp_.read("pkg/lib/index.js"), "new");
  EXPECT_EQ(fs::read_symlink(package() / "lib/alias.js"), "index.js");
}

TEST_F(RestoreTest, EmptyOutputListSucceeds) {
  auto before = snapshot(package());
  auto stats = restore_outputs(package(), {}, blobs_.opener());
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->files, 0u);
  EXPECT_EQ(snapshot(package()), before);
}

TEST_F(RestoreTest, MissingPackageRootIsAnError) {
  auto stats = restore_outputs(tmp_ / "missing", {blobs_.add("a", "a")}, blobs_.opener());
  EXPECT_FALSE(stats.has_value());
  EXPECT_FALSE(fs::exists(tmp_ / "missing"));
}

TEST_F(RestoreTest, WrongBlobBytesChangeNothing) {
  tmp_.write("pkg/lib/index.js", "previous index");
  tmp_.write("pkg/lib/keep.js", "keep me");
  tmp_.write("pkg/README.md", "readme");
  ::chmod((package() / "lib/keep.js").c_str(), 0640);
  fs::create_symlink("keep.js", package() / "lib/link.js");
  const auto before = snapshot(package());
  const auto outside_before = snapshot(outside());

  std::vector<OutputFile> outputs;
  // Many good outputs in existing and new folders, and one whose blob has other bytes of the
  // same size (so only the digest can tell).
  for (int i = 0; i < 20; ++i) {
    outputs.push_back(
        blobs_.add("lib/gen" + std::to_string(i) + ".js", "good " + std::to_string(i)));
  }
  outputs.push_back(blobs_.add("lib/index.js", "new index"));
  outputs.push_back(blobs_.add("README.md", "new readme"));
  outputs.push_back(symlink_output("lib/link.js", "index.js"));
  outputs.push_back(symlink_output("newlinks/a", "../README.md"));
  outputs.push_back(blobs_.add_lying("lib/bad.js", "the promised bytes", "the returned bytes"));

  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_FALSE(stats.has_value());
  EXPECT_NE(stats.error().message.find("lib/bad.js"), std::string::npos) << stats.error().message;
  EXPECT_EQ(snapshot(package()), before);
  EXPECT_EQ(snapshot(outside()), outside_before);
}

// Hashed on the way or known good ahead (checked), a blob longer than its entry says is
// refused and nothing changes.
TEST_F(RestoreTest, WrongBlobSizeChangesNothing) {
  tmp_.write("pkg/lib/index.js", "previous index");
  const auto before = snapshot(package());
  std::vector<OutputFile> outputs = {
      blobs_.add("lib/index.js", "new index"),
      blobs_.add_lying("lib/sub/bad.js", "short", "much longer than promised"),
  };
  for (bool checked : {false, true}) {
    auto stats = restore_outputs(package(), outputs, blobs_.opener(checked));
    ASSERT_FALSE(stats.has_value()) << checked;
    if (checked) {
      EXPECT_TRUE(stats.error().entry_at_fault);
    }
    EXPECT_EQ(snapshot(package()), before) << checked;
  }
}

TEST_F(RestoreTest, ACheckedBlobIsCopiedWhole) {
  std::string big(3'000'000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919 % 251);
  tmp_.write("pkg/lib/big.bin", "previous");
  auto stats =
      restore_outputs(package(), {blobs_.add("lib/big.bin", big, 0640)}, blobs_.opener(true));
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->bytes, big.size());
  EXPECT_EQ(tmp_.read("pkg/lib/big.bin"), big);
  EXPECT_EQ(mode_of(package() / "lib/big.bin"), 0640u);
}

ino_t inode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_ino;
}

TEST_F(RestoreTest, HardlinkModeLinksTheStoredFilesReadOnlyAndCopiesExecutables) {
  tmp_.write("pkg/lib/old.js", "previous");
  const OutputFile index = blobs_.add("lib/index.js", "export const a = 1;\n");
  const OutputFile replaced = blobs_.add("lib/old.js", "new");
  const OutputFile tool = blobs_.add("bin/cli.js", "#!/usr/bin/env node\n", 0755);
  auto stats =
      restore_outputs(package(), {index, replaced, tool}, blobs_.opener(), RestoreMode::Hardlink);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->files, 3u);
  EXPECT_EQ(stats->linked, 2u);
  EXPECT_EQ(inode_of(package() / "lib/index.js"), inode_of(blobs_.path_of(index)));
  EXPECT_EQ(inode_of(package() / "lib/old.js"), inode_of(blobs_.path_of(replaced)));
  EXPECT_NE(inode_of(package() / "bin/cli.js"), inode_of(blobs_.path_of(tool)));
  EXPECT_EQ(tmp_.read("pkg/lib/old.js"), "new");
  EXPECT_EQ(mode_of(package() / "lib/index.js"), 0444u);
  EXPECT_EQ(mode_of(package() / "bin/cli.js"), 0755u);
  for (const auto& [path, node] : snapshot(package())) EXPECT_FALSE(is_temp_name(path)) << path;
}

// A tool that writes a linked output in place (root ignores the read-only mode) writes the
// store's file: the next restore of those bytes hashes them, refuses them and places nothing.
TEST_F(RestoreTest, HardlinkModeRefusesAStoredFileWrittenThroughALink) {
  const OutputFile index = blobs_.add("lib/index.js", "export const a = 1;\n");
  ASSERT_TRUE(restore_outputs(package(), {index}, blobs_.opener(), RestoreMode::Hardlink));
  ::chmod((package() / "lib/index.js").c_str(), 0644);
  tmp_.write("pkg/lib/index.js", "export const a = 2;\n");  // in place, as the tool does
  ASSERT_EQ(memo::testing::read_file(blobs_.path_of(index)), "export const a = 2;\n");

  fs::create_directories(tmp_ / "other");
  for (auto mode : {RestoreMode::Hardlink, RestoreMode::Clone, RestoreMode::Copy}) {
    auto stats = restore_outputs(tmp_ / "other", {index}, blobs_.opener(), mode);
    ASSERT_FALSE(stats.has_value());
    EXPECT_TRUE(stats.error().entry_at_fault);
    EXPECT_EQ(stats.error().bad_blobs, std::vector<std::string>{index.digest});
    EXPECT_FALSE(fs::exists(tmp_ / "other/lib/index.js"));
  }
}

TEST_F(RestoreTest, HardlinkAndCloneModesRefuseAStoredFileOfTheWrongSizeEvenWhenChecked) {
  const OutputFile lying = blobs_.add_lying("lib/bad.js", "short", "much longer than promised");
  for (auto mode : {RestoreMode::Hardlink, RestoreMode::Clone}) {
    for (bool checked : {false, true}) {
      auto stats = restore_outputs(package(), {lying}, blobs_.opener(checked), mode);
      ASSERT_FALSE(stats.has_value());
      EXPECT_TRUE(stats.error().entry_at_fault);
      EXPECT_FALSE(fs::exists(package() / "lib/bad.js"));
    }
  }
}

// Where the file system has no reflinks (ext4, tmpfs) clone copies, with the entry's modes.
TEST_F(RestoreTest, CloneModeRestoresTheBytesAndModes) {
  tmp_.write("pkg/lib/old.js", "previous");
  std::vector<OutputFile> outputs = {blobs_.add("lib/index.js", "index"),
                                     blobs_.add("lib/old.js", "new"),
                                     blobs_.add("bin/cli.js", "#!/bin/sh\n", 0755)};
  auto stats = restore_outputs(package(), outputs, blobs_.opener(), RestoreMode::Clone);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(tmp_.read("pkg/lib/index.js"), "index");
  EXPECT_EQ(tmp_.read("pkg/lib/old.js"), "new");
  EXPECT_EQ(mode_of(package() / "lib/index.js"), 0644u);
  EXPECT_EQ(mode_of(package() / "bin/cli.js"), 0755u);
  EXPECT_NE(inode_of(package() / "lib/index.js"), inode_of(blobs_.path_of(outputs[0])));
}

TEST_F(RestoreTest, FilesStoredInAPackAreCopiedOutOfItInEveryMode) {
  const auto outputs =
      blobs_.add_pack({{"lib/a.js", "alpha"}, {"lib/b.js", ""}, {"c.js", "gamma"}});
  for (auto mode : {RestoreMode::Copy, RestoreMode::Clone, RestoreMode::Hardlink}) {
    fs::remove_all(package());
    fs::create_directories(package());
    auto stats = restore_outputs(package(), outputs, blobs_.opener(), mode);
    ASSERT_TRUE(stats.has_value()) << stats.error().message;
    EXPECT_EQ(stats->files, 3u);
    EXPECT_EQ(stats->linked, 0u) << "a pack is never linked into the package";
    EXPECT_EQ(tmp_.read("pkg/lib/a.js"), "alpha");
    EXPECT_EQ(tmp_.read("pkg/lib/b.js"), "");
    EXPECT_EQ(tmp_.read("pkg/c.js"), "gamma");
    EXPECT_EQ(mode_of(package() / "lib/a.js"), 0644u);
  }
}

// A pack altered in the store (or an entry placing a file where the pack holds other bytes)
// fails the restore, names the pack as the blob to discard, and places nothing.
TEST_F(RestoreTest, AFileWhoseBytesInThePackAreWrongFailsTheRestore) {
  auto outputs = blobs_.add_pack({{"lib/a.js", "alpha"}, {"lib/b.js", "beta"}});
  std::vector<std::vector<OutputFile>> hostile(3, outputs);
  hostile[0][1].pack_offset = 0;  // another file's bytes
  hostile[1][1].pack_offset = 7;  // runs past the pack's end
  hostile[2][0].size = 9;         // the two files' bytes as one
  for (const auto& entry : hostile) {
    const auto before = snapshot(package());
    auto stats = restore_outputs(package(), entry, blobs_.opener());
    ASSERT_FALSE(stats.has_value());
    EXPECT_TRUE(stats.error().entry_at_fault);
    EXPECT_EQ(stats.error().bad_blobs, std::vector<std::string>{outputs[0].pack});
    EXPECT_EQ(snapshot(package()), before);
  }
}

TEST_F(RestoreTest, MissingBlobChangesNothing) {
  tmp_.write("pkg/lib/index.js", "previous index");
  const auto before = snapshot(package());
  OutputFile missing = blobs_.add("lib/missing.js", "gone");
  std::vector<OutputFile> outputs = {blobs_.add("lib/index.js", "new index"), missing};
  missing.digest = std::string(64, '0');  // no blob by that name
  outputs[1] = missing;
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(snapshot(package()), before);
}

TEST_F(RestoreTest, NewFoldersAreNotLeftBehindOnFailure) {
  const auto before = snapshot(package());
  std::vector<OutputFile> outputs = {
      blobs_.add("lib/deep/nested/a.js", "a"),
      blobs_.add_lying("lib/deep/b.js", "promised", "returned"),
  };
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(snapshot(package()), before);
}

TEST_F(RestoreTest, SymlinkedFolderLeadingOutsideIsReplacedByAFolder) {
  fs::create_symlink("../outside", package() / "lib");
  fs::create_directories(package() / "dist");
  fs::create_symlink(outside(), package() / "dist/abs");  // absolute link, deeper down
  const auto outside_before = snapshot(outside());

  std::vector<OutputFile> outputs = {blobs_.add("lib/index.js", "index"),
                                     blobs_.add("lib/sub/x.js", "x"),
                                     blobs_.add("dist/abs/y.js", "y")};
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_TRUE(stats.has_value()) << stats.error().message;

  EXPECT_FALSE(fs::is_symlink(package() / "lib"));
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(package() / "lib")));
  EXPECT_FALSE(fs::is_symlink(package() / "dist/abs"));
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(package() / "dist/abs")));
  EXPECT_EQ(tmp_.read("pkg/lib/index.js"), "index");
  EXPECT_EQ(tmp_.read("pkg/lib/sub/x.js"), "x");
  EXPECT_EQ(tmp_.read("pkg/dist/abs/y.js"), "y");
  EXPECT_EQ(snapshot(outside()), outside_before);
}

TEST_F(RestoreTest, FileStandingWhereAFolderMustBeIsReplaced) {
  tmp_.write("pkg/lib", "a file named lib");
  auto stats = restore_outputs(package(), {blobs_.add("lib/a.js", "a")}, blobs_.opener());
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_TRUE(fs::is_directory(package() / "lib"));
  EXPECT_EQ(tmp_.read("pkg/lib/a.js"), "a");
}

TEST_F(RestoreTest, SymlinkAtAFilesPathIsReplacedAndItsTargetUntouched) {
  fs::create_directories(package() / "lib");
  fs::create_symlink("../../outside/sentinel.txt", package() / "lib/index.js");
  fs::create_symlink(outside() / "sentinel.txt", package() / "top.js");
  const auto outside_before = snapshot(outside());

  std::vector<OutputFile> outputs = {blobs_.add("lib/index.js", "restored"),
                                     blobs_.add("top.js", "top", 0755)};
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_TRUE(stats.has_value()) << stats.error().message;

  EXPECT_FALSE(fs::is_symlink(package() / "lib/index.js"));
  EXPECT_EQ(tmp_.read("pkg/lib/index.js"), "restored");
  EXPECT_FALSE(fs::is_symlink(package() / "top.js"));
  EXPECT_EQ(tmp_.read("pkg/top.js"), "top");
  EXPECT_EQ(snapshot(outside()), outside_before);
  EXPECT_EQ(mode_of(outside() / "sentinel.txt"), outside_before.at("sentinel.txt").mode);
}

TEST_F(RestoreTest, RefusesPathsThatLeaveThePackage) {
  const auto before = snapshot(tmp_.path());
  for (const std::string& path :
       {std::string("../outside/evil.js"), std::string("lib/../../outside/evil.js"),
        (outside() / "evil.js").string(), std::string("lib//a"), std::string(""),
        std::string("./a")}) {
    std::vector<OutputFile> outputs = {blobs_.add("lib/ok.js", "ok"), blobs_.add(path, "evil")};
    auto stats = restore_outputs(package(), outputs, blobs_.opener());
    EXPECT_FALSE(stats.has_value()) << path;
    EXPECT_EQ(snapshot(tmp_.path()), before) << path;
  }
}

TEST_F(RestoreTest, RefusesSymlinksThatLeaveThePackage) {
  const auto before = snapshot(tmp_.path());
  for (const auto& [path, target] : std::vector<std::pair<std::string, std::string>>{
           {"a", "../outside"}, {"lib/a", "../../outside"}, {"lib/a", "/etc/passwd"}, {"a", ""}}) {
    std::vector<OutputFile> outputs = {blobs_.add("lib/ok.js", "ok"), symlink_output(path, target)};
    auto stats = restore_outputs(package(), outputs, blobs_.opener());
    EXPECT_FALSE(stats.has_value()) << path << " -> " << target;
    EXPECT_EQ(snapshot(tmp_.path()), before) << path << " -> " << target;
  }
}

class FindChangedOutputsTest : public RestoreTest {
 protected:
  FindChangedOutputsTest() {
    outputs_ = {blobs_.add("lib/a.js", "aaaa"), blobs_.add("lib/b.js", "bbbb"),
                blobs_.add("bin/run", "#!/bin/sh\n", 0755), blobs_.add("lib/empty", ""),
                symlink_output("lib/link", "a.js")};
    auto stats = restore_outputs(package(), outputs_, blobs_.opener());
    EXPECT_TRUE(stats.has_value()) << stats.error().message;
  }

  std::vector<std::string> changed() const {
    auto result = find_changed_outputs(package(), outputs_);
    EXPECT_TRUE(result.has_value()) << result.error();
    return result.value_or(std::vector<std::string>{"<error>"});
  }

  std::vector<OutputFile> outputs_;
};

TEST_F(FindChangedOutputsTest, NothingChangedAfterRestore) {
  EXPECT_EQ(changed(), std::vector<std::string>{});
}

TEST_F(FindChangedOutputsTest, DetectsAModifiedByteOfTheSameSize) {
  tmp_.write("pkg/lib/b.js", "bbXb");
  EXPECT_EQ(changed(), std::vector<std::string>{"lib/b.js"});
}

TEST_F(FindChangedOutputsTest, DetectsAChangedSize) {
  tmp_.write("pkg/lib/empty", "\n");
  EXPECT_EQ(changed(), std::vector<std::string>{"lib/empty"});
}

TEST_F(FindChangedOutputsTest, DetectsAChmod) {
  ASSERT_EQ(::chmod((package() / "bin/run").c_str(), 0644), 0);
  ASSERT_EQ(::chmod((package() / "lib/a.js").c_str(), 0755), 0);
  EXPECT_EQ(changed(), (std::vector<std::string>{"lib/a.js", "bin/run"}));
}

TEST_F(FindChangedOutputsTest, DetectsADeletedFile) {
  fs::remove(package() / "lib/a.js");
  EXPECT_EQ(changed(), std::vector<std::string>{"lib/a.js"});
}

TEST_F(FindChangedOutputsTest, DetectsADeletedFolder) {
  fs::remove_all(package() / "lib");
  EXPECT_EQ(changed(), (std::vector<std::string>{"lib/a.js", "lib/b.js", "lib/empty", "lib/link"}));
}

TEST_F(FindChangedOutputsTest, DetectsAChangedLink) {
  fs::remove(package() / "lib/link");
  fs::create_symlink("b.js", package() / "lib/link");
  EXPECT_EQ(changed(), std::vector<std::string>{"lib/link"});
}

TEST_F(FindChangedOutputsTest, DetectsALinkReplacedByAFile) {
  fs::remove(package() / "lib/link");
  tmp_.write("pkg/lib/link", "a.js");
  EXPECT_EQ(changed(), std::vector<std::string>{"lib/link"});
}

TEST_F(FindChangedOutputsTest, DetectsAFileReplacedByASymlinkToIdenticalBytes) {
  tmp_.write("outside/copy.js", "aaaa");
  fs::remove(package() / "lib/a.js");
  fs::create_symlink(outside() / "copy.js", package() / "lib/a.js");
  EXPECT_EQ(changed(), std::vector<std::string>{"lib/a.js"});
}

TEST_F(FindChangedOutputsTest, DetectsAFolderReplacedBySymlinkToIdenticalCopy) {
  fs::rename(package() / "lib", tmp_ / "outside/lib");
  fs::create_symlink("../outside/lib", package() / "lib");
  EXPECT_EQ(changed(), (std::vector<std::string>{"lib/a.js", "lib/b.js", "lib/empty", "lib/link"}));
}

TEST_F(FindChangedOutputsTest, MissingPackageRootIsAnError) {
  EXPECT_FALSE(find_changed_outputs(tmp_ / "missing", outputs_).has_value());
}

TEST_F(RestoreTest, ClearOutputsRemovesOnlyMatchingFiles) {
  tmp_.write("pkg/lib/a.js", "a");
  tmp_.write("pkg/lib/sub/b.js", "b");
  tmp_.write("pkg/lib/sub/deeper/c.d.ts", "c");
  fs::create_symlink("a.js", package() / "lib/link.js");
  fs::create_symlink("../../outside", package() / "lib/ext");  // a link to a folder outside
  tmp_.write("pkg/src/a.ts", "src");
  tmp_.write("pkg/lib.txt", "not in lib/");
  tmp_.write("pkg/library/a.js", "not in lib/ either");
  tmp_.write("pkg/package.json", "{}");
  const auto outside_before = snapshot(outside());

  auto globs = hash::GlobSet::compile({"lib/**"});
  ASSERT_TRUE(globs.has_value()) << globs.error();
  auto removed = clear_outputs(package(), *globs);
  ASSERT_TRUE(removed.has_value()) << removed.error();
  EXPECT_EQ(*removed, 5u);

  EXPECT_FALSE(fs::exists(fs::symlink_status(package() / "lib/a.js")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(package() / "lib/sub/b.js")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(package() / "lib/sub/deeper/c.d.ts")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(package() / "lib/link.js")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(package() / "lib/ext")));
  EXPECT_EQ(tmp_.read("pkg/src/a.ts"), "src");
  EXPECT_EQ(tmp_.read("pkg/lib.txt"), "not in lib/");
  EXPECT_EQ(tmp_.read("pkg/library/a.js"), "not in lib/ either");
  EXPECT_EQ(tmp_.read("pkg/package.json"), "{}");
  EXPECT_EQ(snapshot(outside()), outside_before);
}

TEST_F(RestoreTest, ClearOutputsHonoursNegations) {
  tmp_.write("pkg/lib/a.js", "a");
  tmp_.write("pkg/lib/keep.d.ts", "keep");
  auto globs = hash::GlobSet::compile({"lib/**", "!**/*.d.ts"});
  ASSERT_TRUE(globs.has_value()) << globs.error();
  auto removed = clear_outputs(package(), *globs);
  ASSERT_TRUE(removed.has_value()) << removed.error();
  EXPECT_EQ(*removed, 1u);
  EXPECT_FALSE(fs::exists(package() / "lib/a.js"));
  EXPECT_EQ(tmp_.read("pkg/lib/keep.d.ts"), "keep");
}

TEST_F(RestoreTest, ClearOutputsWithNothingToRemove) {
  tmp_.write("pkg/src/a.ts", "src");
  auto globs = hash::GlobSet::compile({"lib/**"});
  ASSERT_TRUE(globs.has_value());
  auto removed = clear_outputs(package(), *globs);
  ASSERT_TRUE(removed.has_value()) << removed.error();
  EXPECT_EQ(*removed, 0u);
  EXPECT_EQ(tmp_.read("pkg/src/a.ts"), "src");
}

}  // namespace
}  // namespace memo::archive

namespace memo::archive {
namespace {

TEST_F(RestoreTest, FailureInTheRenamePhaseRemovesWhatTheRestoreCreated) {
  // dist/b is a non-empty folder where the entry has a file: its rename fails after dist/a.js
  // was already written under its own name.
  tmp_.write("pkg/dist/b/keep.txt", "the user's");
  const auto before = snapshot(package());
  std::vector<OutputFile> outputs{blobs_.add("dist/a.js", "new a"), blobs_.add("dist/b", "new b"),
                                  blobs_.add("other/c.js", "new c")};
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(snapshot(package()), before);
  EXPECT_FALSE(stats.error().entry_at_fault) << "the package, not the entry, was at fault";
}

TEST_F(RestoreTest, BadBytesMarkTheEntryAsBadAndNameTheBlob) {
  OutputFile lying = blobs_.add_lying("a.js", "promised", "returned");
  auto stats = restore_outputs(package(), {lying}, blobs_.opener());
  ASSERT_FALSE(stats.has_value());
  EXPECT_TRUE(stats.error().entry_at_fault);
  EXPECT_EQ(stats.error().bad_blobs, std::vector<std::string>{lying.digest});
}

TEST_F(RestoreTest, ABlobThatCannotBeOpenedForWantOfDescriptorsKeepsTheEntry) {
  BlobOpener out_of_fds = [](const OutputFile&) -> std::expected<OpenedBlob, BlobOpenError> {
    return std::unexpected(BlobOpenError{BlobOpenError::Kind::Io, "Too many open files"});
  };
  const auto before = snapshot(package());
  auto stats = restore_outputs(package(), {blobs_.add("lib/a.js", "a")}, out_of_fds);
  ASSERT_FALSE(stats.has_value());
  EXPECT_FALSE(stats.error().entry_at_fault) << "an I/O problem, not a bad entry";
  EXPECT_TRUE(stats.error().bad_blobs.empty());
  EXPECT_EQ(snapshot(package()), before);
}

TEST_F(RestoreTest, AFailedRestoreLeavesAnotherProcesssFileInPlace) {
  // lib/x.js is written first under its own name; before lib/y.js fails, another process
  // restoring the same package renames its own lib/x.js into place.
  OutputFile x = blobs_.add("lib/x.js", "ours");
  OutputFile y = blobs_.add("lib/y.js", "ours too");
  BlobOpener racing = [&](const OutputFile& file) -> std::expected<OpenedBlob, BlobOpenError> {
    if (file.digest == y.digest) {
      tmp_.write("theirs.tmp", "theirs");
      fs::rename(tmp_ / "theirs.tmp", package() / "lib/x.js");
      return std::unexpected(BlobOpenError{BlobOpenError::Kind::Missing, "blob gone"});
    }
    return blobs_.opener()(file);
  };
  fs::create_directories(package() / "lib");
  auto stats = restore_outputs(package(), {x, y}, racing);
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(tmp_.read("pkg/lib/x.js"), "theirs") << "not ours to remove";
  EXPECT_FALSE(fs::exists(package() / "lib/y.js"));
}

TEST_F(RestoreTest, AFailedRestorePutsBackTheSymlinkItReplacedByAFolder) {
  fs::create_directories(package() / "real");
  tmp_.write("pkg/real/keep.js", "the user's");
  fs::create_symlink("real", package() / "lib");
  tmp_.write("pkg/dist", "a file where a folder goes");
  const auto before = snapshot(package());
  std::vector<OutputFile> outputs{blobs_.add("lib/a.js", "a"), blobs_.add("dist/b.js", "b"),
                                  blobs_.add_lying("lib/bad.js", "promised", "returned")};
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(snapshot(package()), before) << "the link and the file are back, nothing else there";
}

TEST_F(RestoreTest, ASuccessfulRestoreLeavesNothingAside) {
  fs::create_symlink("elsewhere", package() / "lib");
  auto stats = restore_outputs(package(), {blobs_.add("lib/a.js", "a")}, blobs_.opener());
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  for (const auto& [path, node] : snapshot(package())) EXPECT_FALSE(is_temp_name(path)) << path;
}

TEST_F(RestoreTest, RefusesALinkThatLeavesThroughAnotherLink) {
  const auto before = snapshot(tmp_.path());
  std::vector<OutputFile> outputs{symlink_output("lib/s", ".."),
                                  symlink_output("lib/t", "s/lib/s/../../../outside")};
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_FALSE(stats.has_value());
  EXPECT_NE(stats.error().message.find("lib/t"), std::string::npos) << stats.error().message;
  EXPECT_TRUE(stats.error().entry_at_fault);
  EXPECT_EQ(snapshot(tmp_.path()), before);
}

TEST_F(RestoreTest, RefusesALinkThatLeavesThroughALinkAlreadyInThePackage) {
  fs::create_directories(package() / "src");
  fs::create_symlink("../..", package() / "src/up");
  const auto before = snapshot(tmp_.path());
  auto stats = restore_outputs(package(), {symlink_output("lib/x", "../src/up/pkg/../outside")},
                               blobs_.opener());
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(snapshot(tmp_.path()), before);
}

TEST_F(RestoreTest, LinksThatStayInsideThroughOtherLinksAreRestored) {
  std::vector<OutputFile> outputs{blobs_.add("lib/deep/index.js", "x"),
                                  symlink_output("lib/d", "deep"),
                                  symlink_output("lib/main.js", "d/../d/index.js"),
                                  symlink_output("lib/dangling", "missing/../../src")};
  auto stats = restore_outputs(package(), outputs, blobs_.opener());
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(tmp_.read("pkg/lib/main.js"), "x");
}

TEST(FindUnrestorableOutput, OnlyPathsTheOutputGlobsMatchAndNoneInsideUnwalkedFolders) {
  auto globs = hash::GlobSet::compile({"lib/**", "dist/*.js"}).value();
  auto file = [](std::string path) {
    OutputFile output;
    output.path = std::move(path);
    output.digest = std::string(64, 'a');
    return output;
  };
  EXPECT_FALSE(find_unrestorable_output({file("lib/a.js"), file("dist/b.js")}, globs));
  for (const std::string path :
       {"src/index.ts", "backfill.config.js", ".git/hooks/pre-commit", "dist/sub/c.js",
        "lib/node_modules/x/y.js", "lib/.git/config", "lib/.memo-a.js.123.4.tmp"}) {
    auto refused = find_unrestorable_output({file("lib/a.js"), file(path)}, globs);
    ASSERT_TRUE(refused) << path;
    EXPECT_NE(refused->find(path), std::string::npos) << *refused;
  }
}

}  // namespace
}  // namespace memo::archive
