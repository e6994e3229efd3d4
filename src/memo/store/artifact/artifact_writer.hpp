#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memo/store/artifact/compression.hpp"
#include "memo/store/artifact/tar.hpp"
#include "memo/store/entry.hpp"
#include "memo/store/local_store.hpp"
#include "memo/store/remote/backend.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/fd.hpp"

namespace memo::store::artifact {

// The name of the entry record inside an artifact, its first member (after an npm tarball's
// package.json).
inline constexpr const char* kEntryMember = ".memo/entry";
// The command's output log, when the entry has one: the last member, after the outputs.
inline constexpr const char* kLogMember = ".memo/log";

// The entry's log as the blob an artifact carries after the outputs.
archive::OutputFile log_member_file(const OutputLog& log);

// Bumped when an artifact written now must not be read by an older memo. The entry record
// inside has its own version (kEntryFormatVersion), and keys theirs (kKeyFormatVersion).
inline constexpr int kArtifactFormatVersion = 1;

// An entry of the local store as one artifact, produced as it is read: a tar stream of the
// entry record, then each output (files with their bytes, symlinks) and the log, compressed as the
// layout says. Blobs are read as the upload goes, checked against their digests on the way:
// a blob damaged in the local store stops the upload instead of sharing the damage.
class ArtifactWriter : public remote::ArtifactSource {
 public:
  ArtifactWriter(Entry entry, const LocalStore& store, remote::ArtifactLayout layout);

  std::expected<std::size_t, std::string> read(std::span<char> buffer) override;
  // Before the first read: the exact number of bytes the reads will give, for a big artifact
  // whose bytes are mostly stored as they are (their chunks are sampled, not read, to count
  // them); std::nullopt for a small or compressible one, for which spooling costs less.
  std::optional<std::uint64_t> exact_size() override;

 private:
  std::expected<void, std::string> produce();
  std::expected<void, std::string> next_member();
  std::expected<void, std::string> begin_file(const archive::OutputFile& output,
                                              const std::string& member_name);
  std::expected<void, std::string> add_member(const TarMember& member, std::string_view content);
  std::expected<void, std::string> continue_file();
  std::expected<void, std::string> end_file();
  std::expected<std::size_t, std::string> read_at(char* into, std::size_t want,
                                                  std::uint64_t offset);

  Entry entry_;
  const LocalStore& store_;
  remote::ArtifactLayout layout_;
  std::unique_ptr<Compressor> compressor_;
  std::string pending_;  // compressed bytes not handed out yet
  std::size_t pending_offset_ = 0;
  std::size_t next_output_ = 0;
  std::optional<archive::OutputFile> log_;  // the entry's log, as the last member
  bool log_begun_ = false;
  bool header_written_ = false;
  bool finished_ = false;
  // The file being read: its blob, the bytes left and the digest of what was read.
  std::optional<util::Fd> file_;
  std::uint64_t file_start_ = 0;  // where the file's bytes begin in its blob (a pack's offset)
  bool file_in_pack_ = false;
  const archive::OutputFile* file_output_ = nullptr;
  std::uint64_t file_left_ = 0;
  std::unique_ptr<util::Hasher> file_hasher_;  // none for a blob known good (CheckedBlobs)
  std::vector<char> read_buffer_;
  // What was compressed, and what was stored as it is (counted, not copied, when sizing).
  std::uint64_t compressed_bytes_ = 0;
  std::uint64_t stored_bytes_ = 0;
  bool sizing_ = false;  // the pass of exact_size(): no bytes of stored chunks, no hashing
};

}  // namespace memo::store::artifact
