#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <cstdlib>
#include "memo/store/artifact/artifact_importer.hpp"
#include "memo/store/artifact/artifact_writer.hpp"
#include "memo/store/local_store.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "support/temp_dir.hpp"

namespace memo::store::artifact {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;
using remote::ArtifactLayout;

using memo::testing::read_file;
using memo::testing::write_file;

int run_shell(const std::string& script, const fs::path& cwd) {
  return std::system(("cd '" + cwd.string() + "' && { " + script + "; }").c_str());
}

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (auto& c : bytes) c = static_cast<char>(generator());
  return bytes;
}

// Everything an ArtifactWriter gives, read in pieces of `piece` bytes.
std::string read_all(ArtifactWriter& writer, std::size_t piece = 7000) {
  std::string bytes;
  std::vector<char> buffer(piece);
  while (true) {
    auto n = writer.read(buffer);
    EXPECT_TRUE(n) << (n ? "" : n.error());
    if (!n || *n == 0) return bytes;
    bytes.append(buffer.data(), *n);
  }
}

// Feeds `bytes` to an importer in pieces, as a download would.
std::expected<Entry, std::string> import(LocalStore& store, const std::string& key,
                                         std::string_view bytes, ArtifactLayout layout = {},
                                         std::optional<std::uint64_t> max_size = std::nullopt) {
  ArtifactImporter importer(store, key, std::move(layout), max_size);
  if (!importer.expect(bytes.size())) return std::unexpected(*importer.refusal());
  for (std::size_t at = 0; at < bytes.size(); at += 16384) {
    if (!importer.write(bytes.substr(at, 16384))) return std::unexpected(*importer.refusal());
  }
  return importer.finish();
}

class ArtifactTest : public ::testing::Test {
 protected:
  ArtifactTest() : source_(tmp_ / "source-store"), target_(tmp_ / "target-store") {
    tmp_.write("pkg/lib/index.js", "export const a = 1;\n");
    tmp_.write("pkg/lib/big.bin", random_bytes(3'000'000, 1));
    tmp_.write("pkg/lib/empty.txt", "");
    tmp_.write("pkg/lib/deep/" + std::string(120, 'n') + ".js", "long name\n");
    fs::create_symlink("index.js", tmp_ / "pkg/lib/alias.js");
    std::vector<hash::WalkedFile> outputs{{"lib/index.js", false},
                                          {"lib/big.bin", false},
                                          {"lib/empty.txt", false},
                                          {"lib/deep/" + std::string(120, 'n') + ".js", false},
                                          {"lib/alias.js", true}};
    Entry entry;
    entry.key = util::sha256_hex("a key");
    entry.package = "packages/app";
    entry.name = "app";
    entry.command = "tsc -b";
    entry.manifest = "memo-key-manifest 1\n";
    entry.created = "2026-12-02T00:00:00Z";
    auto stored = source_.put(entry, tmp_ / "pkg", outputs);
    EXPECT_TRUE(stored) << (stored ? "" : stored.error().message);
    entry_ = stored->entry;
  }

  std::string artifact(ArtifactLayout layout = {}) {
    ArtifactWriter writer(entry_, source_, std::move(layout));
    return read_all(writer);
  }

  TempDir tmp_;
  LocalStore source_;
  LocalStore target_;
  Entry entry_;
};

TEST_F(ArtifactTest, AnEntryTravelsWholeFromOneStoreToAnother) {
  std::string bytes = artifact();
  EXPECT_LT(bytes.size(), 3'100'000u);
  auto imported = import(target_, entry_.key, bytes);
  ASSERT_TRUE(imported) << imported.error();
  EXPECT_EQ(imported->outputs, entry_.outputs);
  auto stored = target_.get(entry_.key);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->outputs, entry_.outputs);
  for (const auto& output : entry_.outputs) {
    if (output.type == archive::OutputFile::Type::Symlink) continue;
    EXPECT_TRUE(target_.open_blob(output.digest)) << output.path;
  }
}

TEST_F(ArtifactTest, TheCommandsOutputLogTravelsLast) {
  tmp_.write("pkg/lib/one.js", "1\n");
  auto spool = source_.log_spool();
  ASSERT_TRUE(spool);
  ASSERT_TRUE(spool->write("the run's output"));
  Entry entry = entry_;
  entry.key = util::sha256_hex("a key with a log");
  auto stored = source_.put(entry, tmp_ / "pkg", {{"lib/one.js", false}}, &*spool);
  ASSERT_TRUE(stored) << stored.error().message;
  ASSERT_TRUE(stored->entry.log);
  EXPECT_EQ(stored->entry.log->digest, util::sha256_hex("the run's output"));

  ArtifactWriter writer(stored->entry, source_, {});
  std::string bytes = read_all(writer);
  write_file(tmp_ / "log.tar.zst", bytes);
  TempDir listing;
  ASSERT_EQ(
      run_shell("zstd -q -d -c log.tar.zst | tar -t > " + (listing / "list").string(), tmp_.path()),
      0);
  EXPECT_EQ(listing.read("list"), ".memo/entry\nlib/one.js\n.memo/log\n");
  auto imported = import(target_, entry.key, bytes);
  ASSERT_TRUE(imported) << imported.error();
  EXPECT_EQ(imported->log, stored->entry.log);
  auto blob = target_.open_blob(stored->entry.log->digest);
  ASSERT_TRUE(blob);
  char text[64] = {};
  EXPECT_EQ(::read(blob->get(), text, sizeof text), 16);
  EXPECT_STREQ(text, "the run's output");
}

TEST_F(ArtifactTest, TarAndZstdListTheArtifact) {
  write_file(tmp_ / "artifact.tar.zst", artifact());
  TempDir listing;
  int status = run_shell("zstd -q -d -c artifact.tar.zst | tar -t > " + (listing / "list").string(),
                         tmp_.path());
  ASSERT_EQ(status, 0);
  std::string list = read_file(listing / "list");
  EXPECT_EQ(list.find(".memo/entry\n"), 0u) << list;
  EXPECT_NE(list.find("lib/big.bin\n"), std::string::npos) << list;
  EXPECT_NE(list.find("lib/deep/" + std::string(120, 'n') + ".js\n"), std::string::npos) << list;
}

TEST_F(ArtifactTest, AnNpmTarballHasItsPackageJsonFirstAndIsReadBack) {
  ArtifactLayout npm{ArtifactLayout::Compression::Gzip, "package/", "{\"name\":\"cache\"}"};
  std::string bytes = artifact(npm);
  write_file(tmp_ / "artifact.tgz", bytes);
  TempDir listing;
  ASSERT_EQ(run_shell("tar -tzf artifact.tgz > " + (listing / "list").string(), tmp_.path()), 0);
  EXPECT_EQ(listing.read("list").find("package/package.json\npackage/.memo/entry\n"), 0u);
  auto imported = import(target_, entry_.key, bytes, npm);
  ASSERT_TRUE(imported) << imported.error();
  EXPECT_EQ(imported->outputs, entry_.outputs);
}

TEST_F(ArtifactTest, AnyChangedByteIsRefusedAndNothingIsStored) {
  const std::string bytes = artifact();
  for (std::size_t at : {std::size_t{10}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 10}) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    LocalStore store(tmp_ / ("damaged-" + std::to_string(at)));
    EXPECT_FALSE(import(store, entry_.key, damaged)) << "byte " << at;
    auto stored = store.get(entry_.key);
    ASSERT_TRUE(stored);
    EXPECT_FALSE(*stored) << "byte " << at;
  }
}

TEST_F(ArtifactTest, ATruncatedArtifactIsRefused) {
  const std::string bytes = artifact();
  for (std::size_t size : {std::size_t{0}, std::size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    auto imported = import(target_, entry_.key, std::string_view(bytes).substr(0, size));
    ASSERT_FALSE(imported) << size;
    EXPECT_FALSE(*target_.get(entry_.key));
  }
}

TEST_F(ArtifactTest, AnArtifactOfAnotherKeyIsRefused) {
  auto imported = import(target_, util::sha256_hex("another key"), artifact());
  ASSERT_FALSE(imported);
  EXPECT_NE(imported.error().find("another key"), std::string::npos) << imported.error();
}

TEST_F(ArtifactTest, AnArtifactOverMaxSizeIsRefusedBeforeItsBytes) {
  ArtifactImporter importer(target_, entry_.key, {}, 1000);
  EXPECT_FALSE(importer.expect(5000));
  EXPECT_TRUE(importer.too_large());
  ArtifactImporter unannounced(target_, entry_.key, {}, 1000);
  ASSERT_TRUE(unannounced.expect(std::nullopt));
  EXPECT_FALSE(unannounced.write(artifact()));
  EXPECT_TRUE(unannounced.too_large());
}

// An archive made by tar itself: names that leave the package, devices and extra members.
TEST_F(ArtifactTest, ForeignMembersAreRefused) {
  write_file(tmp_ / "hostile/.memo/entry", serialize_entry(entry_));
  write_file(tmp_ / "hostile/evil.txt", "x");
  std::string scripts[] = {
      "tar -cf - -C hostile .memo/entry --transform 's,evil,../evil,' evil.txt",
      "tar -cf - -C hostile .memo/entry -P /etc/hostname",
      "tar -cf - -C hostile .memo/entry evil.txt",
      "mkfifo hostile/fifo; tar -cf - -C hostile .memo/entry fifo",
      "tar -cf - -C hostile evil.txt .memo/entry",
  };
  for (const auto& script : scripts) {
    ASSERT_EQ(run_shell("rm -f hostile.tar.zst; (" + script +
                            ") 2>/dev/null | zstd -q -c > hostile.tar.zst",
                        tmp_.path()),
              0)
        << script;
    auto imported = import(target_, entry_.key, read_file(tmp_ / "hostile.tar.zst"));
    EXPECT_FALSE(imported) << script;
    EXPECT_FALSE(*target_.get(entry_.key)) << script;
  }
}

// The error an upload of `entry` from `store` stops with, empty when it goes through.
std::string upload_error(const Entry& entry, const LocalStore& store) {
  ArtifactWriter writer(entry, store, {});
  std::vector<char> buffer(1 << 16);
  while (true) {
    auto n = writer.read(buffer);
    if (!n) return n.error();
    if (*n == 0) return "";
  }
}

fs::path blob_file(const fs::path& store, const std::string& digest) {
  return store / "blobs" / digest.substr(0, 2) / digest.substr(2);
}

TEST_F(ArtifactTest, ADamagedLocalBlobStopsTheUpload) {
  const auto& big = entry_.outputs[1];
  ASSERT_EQ(big.path, "lib/big.bin");
  fs::path blob = blob_file(tmp_ / "source-store", big.digest);
  fs::permissions(blob, fs::perms::owner_all);
  std::string bytes = read_file(blob);
  bytes[5] ^= 1;
  write_file(blob, bytes);
  LocalStore later(tmp_ / "source-store");  // as the next memo process opens it
  std::string error = upload_error(entry_, later);
  EXPECT_NE(error.find("lib/big.bin"), std::string::npos) << error;
}

TEST_F(ArtifactTest, ABlobThisStoreWroteIsCheckedAgainOnceAnotherFileTakesItsPlace) {
  const auto& big = entry_.outputs[1];
  fs::path blob = blob_file(tmp_ / "source-store", big.digest);
  std::string bytes = read_file(blob);
  bytes[5] ^= 1;
  write_file(tmp_ / "other", bytes);
  fs::rename(tmp_ / "other", blob);
  std::string error = upload_error(entry_, source_);
  EXPECT_NE(error.find("lib/big.bin"), std::string::npos) << error;
}

TEST_F(ArtifactTest, ABlobThisStoreWroteIsCheckedAgainOnceWrittenOver) {
  const auto& big = entry_.outputs[1];
  fs::path blob = blob_file(tmp_ / "source-store", big.digest);
  fs::permissions(blob, fs::perms::owner_all);
  std::string bytes = read_file(blob);
  bytes[5] ^= 1;
  write_file(blob, bytes);
  // Written in the same clock tick as the store, the file would keep its time: say it later.
  fs::last_write_time(blob, fs::last_write_time(blob) + std::chrono::seconds(1));
  std::string error = upload_error(entry_, source_);
  EXPECT_NE(error.find("lib/big.bin"), std::string::npos) << error;
}

TEST_F(ArtifactTest, AnIncompressibleBlobTravelsAsItIsAndDecompressesWithZstd) {
  // lib/big.bin is 3 MB of random bytes: stored, not compressed, so the artifact is hardly
  // bigger than it; the rest is compressed around it, and zstd reads the frames as one.
  std::string bytes = artifact();
  EXPECT_LT(bytes.size(), 3'000'000u + 4096);
  write_file(tmp_ / "artifact.tar.zst", bytes);
  int status = run_shell(
      "zstd -q -d -c artifact.tar.zst | tar -xO lib/big.bin | cmp - pkg/lib/big.bin", tmp_.path());
  EXPECT_EQ(status, 0);
  auto imported = import(target_, entry_.key, bytes);
  ASSERT_TRUE(imported) << imported.error();
  EXPECT_EQ(imported->outputs, entry_.outputs);
}

TEST_F(ArtifactTest, CompressibleBytesAreCompressed) {
  tmp_.write("pkg/lib/big.txt", std::string(3'000'000, 'a'));
  Entry entry = entry_;
  auto stored = source_.put(entry, tmp_ / "pkg", {{"lib/big.txt", false}});
  ASSERT_TRUE(stored);
  ArtifactWriter writer(stored->entry, source_, {});
  EXPECT_LT(read_all(writer).size(), 10'000u);
}

// An entry whose outputs are `files` (path, bytes), stored in `store` from `package`.
Entry stored_entry(LocalStore& store, const TempDir& tmp,
                   const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<hash::WalkedFile> outputs;
  for (const auto& [path, bytes] : files) {
    tmp.write("sized/" + path, bytes);
    outputs.push_back({path, false});
  }
  Entry entry;
  entry.key = util::sha256_hex("sized");
  entry.package = "packages/sized";
  entry.command = "build";
  auto stored = store.put(entry, tmp / "sized", outputs);
  EXPECT_TRUE(stored) << (stored ? "" : stored.error().message);
  return stored->entry;
}

// Files the source store keeps in packs travel as members of their own, and arrive as blobs of
// their own; the record in the artifact names no pack.
TEST_F(ArtifactTest, PackedFilesTravelAsFilesOfTheirOwn) {
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 0; i < 30; ++i) {
    files.push_back(
        {"lib/f" + std::to_string(i) + ".js", "export const n = " + std::to_string(i) + ";\n"});
  }
  const Entry packed = stored_entry(source_, tmp_, files);
  ASSERT_FALSE(packed.outputs.front().pack.empty());
  ArtifactWriter writer(packed, source_, {});
  const std::string bytes = read_all(writer);
  EXPECT_EQ(bytes.find(packed.outputs.front().pack), std::string::npos) << "no pack named";
  auto imported = import(target_, packed.key, bytes);
  ASSERT_TRUE(imported) << imported.error();
  EXPECT_EQ(imported->outputs, without_packs(packed).outputs);
  for (const auto& output : imported->outputs) {
    auto fd = target_.open_blob(output.digest);
    ASSERT_TRUE(fd) << output.path;
    auto blob = util::read_open_file(fd->get(), output.path);
    ASSERT_TRUE(blob) << output.path;
    EXPECT_EQ(*blob, read_file(tmp_ / "sized" / output.path));
  }
}

TEST_F(ArtifactTest, ABigIncompressibleArtifactTellsItsExactSizeAhead) {
  Entry entry = stored_entry(source_, tmp_,
                             {{"lib/a.js", "export const a = 1;\n"},
                              {"lib/big.bin", random_bytes(9'500'000, 2)},
                              {"lib/tail.bin", random_bytes(300'000, 3)}});
  ArtifactWriter writer(entry, source_, {});
  auto size = writer.exact_size();
  ASSERT_TRUE(size);
  std::string bytes = read_all(writer, 65536);
  EXPECT_EQ(*size, bytes.size());
  auto imported = import(target_, entry.key, bytes);
  ASSERT_TRUE(imported) << imported.error();
  EXPECT_EQ(imported->outputs, entry.outputs);
  // Reopened, as the next process sees the store: the blobs are hashed again, same size.
  LocalStore later(tmp_ / "source-store");
  ArtifactWriter again(entry, later, {});
  EXPECT_EQ(again.exact_size(), size);
}

TEST_F(ArtifactTest, SmallOrCompressibleArtifactsAreNotSizedAhead) {
  ArtifactWriter small(entry_, source_, {});
  EXPECT_FALSE(small.exact_size());
  Entry text = stored_entry(source_, tmp_, {{"lib/big.txt", std::string(20'000'000, 'a')}});
  ArtifactWriter compressible(text, source_, {});
  EXPECT_FALSE(compressible.exact_size());
  ArtifactWriter npm(text, source_,
                     ArtifactLayout{ArtifactLayout::Compression::Gzip, "package/", "{}"});
  EXPECT_FALSE(npm.exact_size());
}

}  // namespace
}  // namespace memo::store::artifact
