#include "memo/store/local_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "memo/util/digest.hpp"
#include "support/temp_dir.hpp"

namespace memo::store {
namespace {

namespace fs = std::filesystem;
using archive::OutputFile;
using hash::WalkedFile;
using memo::testing::TempDir;

std::string key_of(const std::string& name) {
  return util::sha256_hex("key:" + name);
}

Entry entry_for(const std::string& key) {
  Entry entry;
  entry.key = key;
  entry.package = "packages/app";
  entry.name = "app";
  entry.command = "tsc -b";
  entry.manifest = "memo-key-manifest 1\n";
  entry.created = "2024-01-01T00:00:00Z";
  entry.command_ms = 10;
  return entry;
}

std::vector<fs::path> files_below(const fs::path& root) {
  std::vector<fs::path> files;
  if (!fs::exists(root)) return files;
  for (const auto& item : fs::recursive_directory_iterator(root)) {
    if (!item.is_directory()) files.push_back(item.path());
  }
  return files;
}

std::string read_fd(int fd) {
  std::string content;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) content.append(buffer, n);
  ::close(fd);
  return content;
}

class LocalStoreTest : public ::testing::Test {
 protected:
  LocalStoreTest() : store_(tmp_ / "store") {
    tmp_.write("pkg/lib/index.js", "export const x = 1;\n");
    tmp_.write("pkg/lib/sub/types.d.ts", "export {};\n");
    tmp_.write("pkg/bin/cli.js", "#!/usr/bin/env node\n");
    tmp_.write("pkg/lib/empty.js", "");
    ::chmod((package() / "bin/cli.js").c_str(), 0755);
    ::chmod((package() / "lib/index.js").c_str(), 0644);
    ::chmod((package() / "lib/sub/types.d.ts").c_str(), 0640);
    fs::create_symlink("index.js", package() / "lib/alias.js");
    outputs_ = {{"bin/cli.js", false},
                {"lib/alias.js", true},
                {"lib/empty.js", false},
                {"lib/index.js", false},
                {"lib/sub/types.d.ts", false}};
  }

  fs::path package() const { return tmp_ / "pkg"; }

  std::size_t blob_count() const {
    std::size_t count = 0;
    for (const auto& file : files_below(store_.root() / "blobs")) {
      if (!file.filename().string().starts_with(".")) ++count;
    }
    return count;
  }

  std::vector<fs::path> entry_files() const { return files_below(store_.root() / "entries"); }
  fs::path blob_path(const std::string& digest) const {
    return store_.root() / "blobs" / digest.substr(0, 2) / digest.substr(2);
  }

  TempDir tmp_;
  LocalStore store_;
  std::vector<WalkedFile> outputs_;
};

TEST_F(LocalStoreTest, PutThenGetRoundTrip) {
  const std::string key = key_of("a");
  auto put = store_.put(entry_for(key), package(), outputs_);
  ASSERT_TRUE(put.has_value()) << put.error().message;

  ASSERT_EQ(put->entry.outputs.size(), 5u);
  const auto& cli = put->entry.outputs[0];
  EXPECT_EQ(cli.path, "bin/cli.js");
  EXPECT_EQ(cli.type, OutputFile::Type::File);
  EXPECT_EQ(cli.mode, 0755u);
  EXPECT_EQ(cli.size, 20u);
  EXPECT_EQ(cli.digest, util::sha256_hex("#!/usr/bin/env node\n"));
  const auto& alias = put->entry.outputs[1];
  EXPECT_EQ(alias.path, "lib/alias.js");
  EXPECT_EQ(alias.type, OutputFile::Type::Symlink);
  EXPECT_EQ(alias.link_target, "index.js");
  const auto& empty = put->entry.outputs[2];
  EXPECT_EQ(empty.size, 0u);
  EXPECT_EQ(empty.digest, util::sha256_hex(""));
  EXPECT_EQ(put->entry.outputs[3].mode, 0644u);
  EXPECT_EQ(put->entry.outputs[3].digest, util::sha256_hex("export const x = 1;\n"));
  EXPECT_EQ(put->entry.outputs[4].mode, 0640u);
  EXPECT_EQ(put->entry.outputs[4].size, 11u);

  auto got = store_.get(key);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  const Entry& entry = **got;
  EXPECT_EQ(entry.key, key);
  EXPECT_EQ(entry.package, "packages/app");
  EXPECT_EQ(entry.command, "tsc -b");
  EXPECT_EQ(entry.manifest, "memo-key-manifest 1\n");
  EXPECT_DOUBLE_EQ(entry.command_ms, 10);
  EXPECT_EQ(entry.outputs, put->entry.outputs);
}

TEST_F(LocalStoreTest, BlobsHoldTheBytes) {
  auto put = store_.put(entry_for(key_of("a")), package(), outputs_);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  for (const auto& output : put->entry.outputs) {
    if (output.type != OutputFile::Type::File) continue;
    auto fd = store_.open_blob(output.digest);
    ASSERT_TRUE(fd.has_value()) << fd.error().message;
    EXPECT_EQ(read_fd(fd->get()), tmp_.read("pkg/" + output.path)) << output.path;
  }
}

TEST_F(LocalStoreTest, BlobsAreReadOnly) {
  auto put = store_.put(entry_for(key_of("a")), package(), outputs_);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  for (const auto& file : files_below(store_.root() / "blobs")) {
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::all & ~fs::perms::owner_read &
                  ~fs::perms::group_read & ~fs::perms::others_read,
              fs::perms::none)
        << file;
  }
}

TEST_F(LocalStoreTest, BlobsOfOwnerOnlyOutputsAreOwnerOnly) {
  tmp_.write("pkg/lib/key.pem", "private key");
  ::chmod((package() / "lib/key.pem").c_str(), 0600);
  auto put = store_.put(entry_for(key_of("a")), package(), {{"lib/key.pem", false}});
  ASSERT_TRUE(put.has_value()) << put.error().message;
  struct stat info {};
  ASSERT_EQ(::stat(blob_path(put->entry.outputs[0].digest).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0400u) << "not readable by group or others";
}

TEST_F(LocalStoreTest, ABlobOfOtherSizeOrAFolderInItsPlaceIsWrittenAgain) {
  auto first = store_.put(entry_for(key_of("a")), package(), outputs_);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const std::string digest = first->entry.outputs[3].digest;  // lib/index.js
  ASSERT_EQ(first->entry.outputs[3].path, "lib/index.js");
  fs::path blob = blob_path(digest);
  fs::remove(blob);
  fs::create_directories(blob / "planted");
  auto second = store_.put(entry_for(key_of("b")), package(), outputs_);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(blob)));
  auto fd = store_.open_blob(digest);
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_EQ(read_fd(fd->get()), "export const x = 1;\n");
  fs::remove(blob);
  memo::testing::write_file(blob, "short");
  ASSERT_TRUE(store_.put(entry_for(key_of("c")), package(), outputs_));
  EXPECT_EQ(memo::testing::read_file(blob), "export const x = 1;\n");
}

TEST_F(LocalStoreTest, OpenBlobTellsMissingFromDamagedBlobs) {
  auto put = store_.put(entry_for(key_of("a")), package(), outputs_);
  ASSERT_TRUE(put.has_value());
  const std::string digest = put->entry.outputs[3].digest;
  store_.discard_blob(digest);
  auto missing = store_.open_blob(digest);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, archive::BlobOpenError::Kind::Missing);
  ASSERT_EQ(::mkfifo(blob_path(digest).c_str(), 0644), 0);
  auto fifo = store_.open_blob(digest);  // must not block
  ASSERT_FALSE(fifo);
  EXPECT_EQ(fifo.error().kind, archive::BlobOpenError::Kind::Damaged);
  store_.discard_blob(digest);
  EXPECT_FALSE(fs::exists(fs::symlink_status(blob_path(digest))));
}

TEST_F(LocalStoreTest, OpenBlobRejectsBadOrMissingDigests) {
  EXPECT_FALSE(store_.open_blob("../../etc/passwd").has_value());
  EXPECT_FALSE(store_.open_blob("").has_value());
  EXPECT_FALSE(store_.open_blob(std::string(64, 'G')).has_value());
  EXPECT_FALSE(store_.open_blob(std::string(64, '0')).has_value());
}

TEST_F(LocalStoreTest, IdenticalContentIsStoredOnce) {
  tmp_.write("pkg/lib/copy1.js", "same bytes");
  tmp_.write("pkg/lib/copy2.js", "same bytes");
  tmp_.write("pkg/lib/other.js", "other bytes");
  std::vector<WalkedFile> outputs = {
      {"lib/copy1.js", false}, {"lib/copy2.js", false}, {"lib/other.js", false}};
  auto first = store_.put(entry_for(key_of("a")), package(), outputs);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(blob_count(), 2u);
  EXPECT_EQ(first->entry.outputs[0].digest, first->entry.outputs[1].digest);

  // Another entry with the same bytes adds no blob; a new byte sequence adds one.
  tmp_.write("pkg/lib/new.js", "new bytes");
  outputs.push_back({"lib/new.js", false});
  auto second = store_.put(entry_for(key_of("b")), package(), outputs);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(blob_count(), 3u);
  EXPECT_EQ(entry_files().size(), 2u);
}

TEST_F(LocalStoreTest, GetOfAMissingKeyIsNullopt) {
  auto got = store_.get(key_of("missing"));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_FALSE(got->has_value());

  ASSERT_TRUE(store_.put(entry_for(key_of("a")), package(), outputs_).has_value());
  got = store_.get(key_of("missing"));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_FALSE(got->has_value());
}

TEST_F(LocalStoreTest, CorruptedEntryIsACorruptError) {
  const std::string key = key_of("a");
  ASSERT_TRUE(store_.put(entry_for(key), package(), outputs_).has_value());
  auto files = entry_files();
  ASSERT_EQ(files.size(), 1u);
  std::string text = memo::testing::read_file(files[0]);
  text[text.size() / 2] = static_cast<char>(text[text.size() / 2] ^ 0x20);
  fs::permissions(files[0], fs::perms::owner_write, fs::perm_options::add);
  memo::testing::write_file(files[0], text);

  auto got = store_.get(key);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt);
}

TEST_F(LocalStoreTest, TruncatedEntryIsACorruptError) {
  const std::string key = key_of("a");
  ASSERT_TRUE(store_.put(entry_for(key), package(), outputs_).has_value());
  auto files = entry_files();
  ASSERT_EQ(files.size(), 1u);
  std::string text = memo::testing::read_file(files[0]);
  memo::testing::write_file(files[0], text.substr(0, text.size() - 7));
  auto got = store_.get(key);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt);
}

TEST_F(LocalStoreTest, EntryHoldingAnotherKeyIsACorruptError) {
  const std::string key = key_of("a");
  const std::string other = key_of("b");
  ASSERT_TRUE(store_.put(entry_for(key), package(), outputs_).has_value());
  auto files = entry_files();
  ASSERT_EQ(files.size(), 1u);
  fs::path misplaced = store_.root() / "entries" / other.substr(0, 2) / other;
  fs::create_directories(misplaced.parent_path());
  fs::copy_file(files[0], misplaced);
  auto got = store_.get(other);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt);
}

TEST_F(LocalStoreTest, RemoveDeletesTheEntry) {
  const std::string key = key_of("a");
  const std::string kept = key_of("b");
  ASSERT_TRUE(store_.put(entry_for(key), package(), outputs_).has_value());
  ASSERT_TRUE(store_.put(entry_for(kept), package(), outputs_).has_value());
  ASSERT_TRUE(store_.get(key).value().has_value());

  auto removed = store_.remove(key);
  ASSERT_TRUE(removed.has_value()) << removed.error().message;
  auto got = store_.get(key);
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(store_.get(kept).value().has_value());

  // Removing what is not there is fine.
  EXPECT_TRUE(store_.remove(key).has_value());
  EXPECT_TRUE(store_.remove(key_of("never")).has_value());
}

TEST_F(LocalStoreTest, PutRefusesASymlinkLeavingThePackage) {
  fs::create_symlink("../../outside", package() / "lib/escape");
  auto outputs = outputs_;
  outputs.push_back({"lib/escape", true});
  const std::string key = key_of("a");
  auto put = store_.put(entry_for(key), package(), outputs);
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().kind, StoreError::Kind::Denied);
  EXPECT_NE(put.error().message.find("lib/escape"), std::string::npos) << put.error().message;
  auto got = store_.get(key);
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->has_value());
}

TEST_F(LocalStoreTest, PutRefusesAnAbsoluteSymlink) {
  fs::create_symlink(package() / "lib/index.js", package() / "lib/absolute.js");
  auto put = store_.put(entry_for(key_of("a")), package(), {{"lib/absolute.js", true}});
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().kind, StoreError::Kind::Denied);
  EXPECT_TRUE(entry_files().empty());
}

TEST_F(LocalStoreTest, PutStoresASymlinkWithoutFollowingIt) {
  // Listed as a symlink: its target text is stored, never the bytes behind it.
  tmp_.write("pkg/lib/target.js", "behind the link");
  fs::create_symlink("target.js", package() / "lib/link.js");
  auto put = store_.put(entry_for(key_of("a")), package(), {{"lib/link.js", true}});
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(put->entry.outputs[0].type, OutputFile::Type::Symlink);
  EXPECT_EQ(put->entry.outputs[0].link_target, "target.js");
  EXPECT_EQ(blob_count(), 0u);
}

TEST_F(LocalStoreTest, PutOfAFileThatBecameASymlinkFails) {
  // Listed as a file but a symlink now: O_NOFOLLOW refuses to read through it.
  tmp_.write("outside/secret", "secret");
  fs::create_symlink(tmp_ / "outside/secret", package() / "lib/sneaky.js");
  auto put = store_.put(entry_for(key_of("a")), package(), {{"lib/sneaky.js", false}});
  EXPECT_FALSE(put.has_value());
  EXPECT_EQ(blob_count(), 0u);
  EXPECT_TRUE(entry_files().empty());
}

TEST_F(LocalStoreTest, PutOfAMissingOutputFailsWithoutAnEntry) {
  auto outputs = outputs_;
  outputs.push_back({"lib/vanished.js", false});
  auto put = store_.put(entry_for(key_of("a")), package(), outputs);
  ASSERT_FALSE(put.has_value());
  EXPECT_TRUE(entry_files().empty());
}

TEST_F(LocalStoreTest, NoTempFilesLeftAfterPut) {
  ASSERT_TRUE(store_.put(entry_for(key_of("a")), package(), outputs_).has_value());
  ASSERT_TRUE(store_.put(entry_for(key_of("a")), package(), outputs_).has_value());  // again
  auto outputs = outputs_;
  outputs.push_back({"lib/vanished.js", false});
  ASSERT_FALSE(store_.put(entry_for(key_of("b")), package(), outputs).has_value());
  auto files = files_below(store_.root());
  EXPECT_FALSE(files.empty());
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    EXPECT_FALSE(name.ends_with(".tmp")) << file;
    EXPECT_FALSE(name.starts_with(".")) << file;
  }
}

TEST_F(LocalStoreTest, ConcurrentPutsAllSucceed) {
  // Enough files that put itself spreads over threads too.
  std::vector<WalkedFile> outputs = outputs_;
  for (int i = 0; i < 40; ++i) {
    const std::string path = "lib/gen/f" + std::to_string(i) + ".js";
    tmp_.write("pkg/" + path, "content " + std::to_string(i % 10));
    outputs.push_back({path, false});
  }
  constexpr int kThreads = 8;
  constexpr int kRounds = 5;
  const std::string shared = key_of("shared");
  std::vector<std::string> failures(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        LocalStore store(store_.root());  // as if in another process
        for (int round = 0; round < kRounds; ++round) {
          for (const std::string& key : {shared, key_of("own" + std::to_string(t))}) {
            // Half the writers pack the files, half keep a blob per file.
            auto put =
                store.put(entry_for(key), package(), outputs, nullptr,
                          t % 2 ? LocalStore::Packing::None : LocalStore::Packing::SmallFiles);
            if (!put) failures[t] += put.error().message + "\n";
            auto got = store.get(key);
            if (!got || !got->has_value()) failures[t] += "get failed for " + key + "\n";
          }
        }
      });
    }
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;

  for (const std::string& key : {shared, key_of("own0"), key_of("own7")}) {
    auto got = store_.get(key);
    ASSERT_TRUE(got.has_value()) << got.error().message;
    ASSERT_TRUE(got->has_value()) << key;
    EXPECT_EQ((*got)->outputs.size(), outputs.size());
  }
  EXPECT_EQ(entry_files().size(), static_cast<std::size_t>(kThreads + 1));
  // 4 distinct files in outputs_ (the link has no blob) + 10 distinct generated contents, and
  // the one pack of them all.
  EXPECT_EQ(blob_count(), 15u);
  for (const auto& file : files_below(store_.root())) {
    EXPECT_FALSE(file.filename().string().ends_with(".tmp")) << file;
  }
}

TEST_F(LocalStoreTest, PutIntoAnUnwritableStoreIsAStoreError) {
  fs::create_directories(store_.root());
  ASSERT_EQ(::chmod(store_.root().c_str(), 0555), 0);
  if (::access(store_.root().c_str(), W_OK) == 0) {
    ::chmod(store_.root().c_str(), 0755);
    GTEST_SKIP() << "running with privileges that ignore folder permissions (root?)";
  }
  auto put = store_.put(entry_for(key_of("a")), package(), outputs_);
  ::chmod(store_.root().c_str(), 0755);
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().kind, StoreError::Kind::Denied) << put.error().message;
}

TEST_F(LocalStoreTest, PutIntoAStoreThatIsAFileIsAStoreError) {
  tmp_.write("store", "a file where the store should be");
  auto put = store_.put(entry_for(key_of("a")), package(), outputs_);
  ASSERT_FALSE(put.has_value());
  EXPECT_FALSE(put.error().message.empty());
  EXPECT_EQ(tmp_.read("store"), "a file where the store should be");
}

TEST_F(LocalStoreTest, PutWithAMissingPackageIsAStoreError) {
  auto put = store_.put(entry_for(key_of("a")), tmp_ / "missing", outputs_);
  ASSERT_FALSE(put.has_value());
  EXPECT_TRUE(entry_files().empty());
}

// An output tree of `count` small files (and one big one, and a symlink) below pkg/many.
std::vector<WalkedFile> many_outputs(TempDir& tmp, std::size_t count) {
  std::vector<WalkedFile> outputs;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string path = "many/f" + std::to_string(i) + ".js";
    tmp.write("pkg/" + path, "export const n = " + std::to_string(i) + ";\n");
    outputs.push_back({path, false});
  }
  tmp.write("pkg/many/big.bin", std::string(200'000, 'b'));
  outputs.push_back({"many/big.bin", false});
  fs::create_symlink("f0.js", tmp / "pkg/many/link.js");
  outputs.push_back({"many/link.js", true});
  return outputs;
}

TEST_F(LocalStoreTest, ManySmallFilesAreStoredInPacksThatHoldTheirBytes) {
  const auto outputs = many_outputs(tmp_, 300);
  auto put = store_.put(entry_for(key_of("many")), package(), outputs);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  std::set<std::string> packs;
  for (const auto& output : put->entry.outputs) {
    if (output.type != OutputFile::Type::File) continue;
    EXPECT_EQ(output.digest, util::sha256_hex(tmp_.read("pkg/" + output.path))) << output.path;
    if (output.path == "many/big.bin") {
      EXPECT_TRUE(output.pack.empty()) << "a big file is a blob of its own";
      continue;
    }
    ASSERT_FALSE(output.pack.empty()) << output.path;
    packs.insert(output.pack);
    auto opened = store_.open_output(output);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    EXPECT_TRUE(opened->in_pack);
    std::string bytes(output.size, '\0');
    ASSERT_EQ(
        ::pread(opened->fd.get(), bytes.data(), bytes.size(), static_cast<off_t>(opened->offset)),
        static_cast<ssize_t>(bytes.size()));
    EXPECT_EQ(bytes, tmp_.read("pkg/" + output.path));
  }
  EXPECT_EQ(packs.size(), 3u) << "128 files a pack";
  EXPECT_EQ(blob_count(), packs.size() + 1);
  for (const auto& pack : packs)
    EXPECT_EQ((fs::status(blob_path(pack)).permissions() & fs::perms::owner_write),
              fs::perms::none);

  auto got = store_.get(key_of("many"));
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->outputs, put->entry.outputs);
  auto named = blob_digests(**got);
  EXPECT_EQ(std::set<std::string>(named.begin(), named.end()).size(), packs.size() + 1);
}

TEST_F(LocalStoreTest, FewFilesOrPackingNoneKeepABlobPerFile) {
  auto few = store_.put(entry_for(key_of("few")), package(), outputs_);
  ASSERT_TRUE(few.has_value()) << few.error().message;
  for (const auto& output : few->entry.outputs) EXPECT_TRUE(output.pack.empty()) << output.path;

  const auto outputs = many_outputs(tmp_, 40);
  auto unpacked = store_.put(entry_for(key_of("unpacked")), package(), outputs, nullptr,
                             LocalStore::Packing::None);
  ASSERT_TRUE(unpacked.has_value()) << unpacked.error().message;
  for (const auto& output : unpacked->entry.outputs) {
    EXPECT_TRUE(output.pack.empty()) << output.path;
  }
}

// A pack is readable only by whom each file in it is: one owner-only file makes it owner-only.
TEST_F(LocalStoreTest, APackIsNoMoreReadableThanTheLeastReadableFileInIt) {
  const auto outputs = many_outputs(tmp_, 20);
  ::chmod((package() / "many/f3.js").c_str(), 0600);
  auto put = store_.put(entry_for(key_of("private")), package(), outputs);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  const auto& packed = put->entry.outputs[3];
  ASSERT_FALSE(packed.pack.empty());
  EXPECT_EQ(packed.mode, 0600u);
  EXPECT_EQ(fs::status(blob_path(packed.pack)).permissions() & fs::perms::all,
            fs::perms::owner_read);
}

}  // namespace
}  // namespace memo::store
