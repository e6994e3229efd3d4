#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "memo/archive/restore.hpp"
#include "memo/hash/file_walk.hpp"
#include "memo/store/blob_sink.hpp"
#include "memo/store/checked_blobs.hpp"
#include "memo/store/entry.hpp"
#include "memo/store/store_error.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"

namespace memo::store {

namespace fs = std::filesystem;

// The content-addressed store on local disk:
//   blobs/<2 hex>/<62 hex>   a file's bytes, named by their SHA-256, stored once for all entries;
//                            or a pack: many small files of one entry, end to end
//   entries/<2 hex>/<key>    the entry (see entry.hpp), written last
// Every file is written under a temp name and renamed into place, so any number of memo
// processes can share the store and a crash never leaves a readable half entry. A blob keeps
// the read permissions of the output it came from (an owner-only output stays owner-only), and
// one that is not what its name says (other bytes, a folder, a FIFO) is replaced by the next
// store that needs it.
class LocalStore {
 public:
  explicit LocalStore(fs::path root);
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  // The entry for `key`, std::nullopt when there is none; a Corrupt error for an entry that
  // fails its checksum or is unsafe (the caller removes it).
  StoreResult<std::optional<Entry>> get(const std::string& key) const;

  // The command's output log as it runs: written to a temp file in the store as it comes,
  // hashed on the way, and made a blob by put() with the entry that names it (removed with
  // the spool otherwise).
  class LogSpool {
   public:
    StoreResult<void> write(std::string_view bytes);

   private:
    friend class LocalStore;
    explicit LogSpool(util::AtomicFile file);
    util::AtomicFile file_;
    std::unique_ptr<util::Hasher> hasher_;
    std::uint64_t size_ = 0;
  };
  StoreResult<LogSpool> log_spool();

  // Copies `outputs` (relative to `package_root`) into blobs, fills entry.outputs (and
  // entry.log from `log`, unless the command printed nothing) and writes the entry. Symlinks are
  // stored as links, never followed; one that leaves the package (also through other links on its
  // way) is refused.
  // SmallFiles: an entry with many files stores its small ones together in pack blobs (see
  // OutputFile::pack), which a restore copies from; None: a blob per file, for restores that
  // link or clone the store's files.
  enum class Packing { SmallFiles, None };
  struct Stored {
    Entry entry;
    std::uint64_t new_bytes = 0;       // written now: blobs not stored before, and the entry
    std::vector<struct stat> as_read;  // each output's stat data when its bytes were read
  };
  StoreResult<Stored> put(Entry entry, const fs::path& package_root,
                          const std::vector<hash::WalkedFile>& outputs, LogSpool* log = nullptr,
                          Packing packing = Packing::SmallFiles);

  StoreResult<void> remove(const std::string& key);

  // A blob arriving as a stream (from a remote artifact): written beside its place, hashed on
  // the way, and renamed into place by commit() only when its bytes are what `digest` says.
  // When that blob is in the store already, the bytes are only hashed.
  class IncomingBlob {
   public:
    StoreResult<void> write(std::string_view bytes);
    // A Corrupt error when the bytes were not the digest's or not `size` long.
    StoreResult<std::uint64_t> commit();  // the bytes newly written to the store

   private:
    friend class LocalStore;
    IncomingBlob(std::string digest, std::uint64_t size, fs::path destination,
                 std::unique_ptr<util::AtomicFile> file, CheckedBlobs* checked);
    std::string digest_;
    std::uint64_t size_;
    std::uint64_t seen_ = 0;
    fs::path destination_;
    CheckedBlobs* checked_;
    // Both behind pointers: the sink's thread uses the file while the blob is moved about.
    std::unique_ptr<util::AtomicFile> file_;  // none when the blob is in place already
    std::unique_ptr<BlobSink> sink_;
  };
  StoreResult<IncomingBlob> incoming_blob(const archive::OutputFile& output);

  // Writes the entry itself, once every blob it names is in the store (imported ones).
  StoreResult<std::uint64_t> put_entry_record(const Entry& entry);

  // Keeps a dependency's key lines (hash::ManifestPart) as a blob, for `memo explain`; entries
  // whose manifest names it keep it from eviction. A failure only costs explain its detail.
  void keep_manifest_part(const std::string& digest, std::string_view lines);
  // Those lines, when the store has them whole; nullopt otherwise.
  std::optional<std::string> manifest_part(const std::string& digest) const;

  // The blob's bytes, opened without following a link or blocking on a FIFO.
  std::expected<util::Fd, archive::BlobOpenError> open_blob(const std::string& digest) const;
  // The stored bytes of an output file: its own blob, or its pack with the offset they start
  // at; `checked` as is_checked() says of that blob.
  std::expected<archive::OpenedBlob, archive::BlobOpenError> open_output(
      const archive::OutputFile& file) const;
  // Whether the blob open as `fd` is one this store wrote and hashed, unchanged since (see
  // CheckedBlobs): its bytes need no hashing again.
  bool is_checked(const std::string& digest, int fd) const;
  // Removes the blob `digest` whatever stands there: its bytes proved wrong.
  void discard_blob(const std::string& digest);
  // Marks the entry as just used (a hit): eviction removes the least recently used first.
  void mark_used(const std::string& key);

  // The newest key stored for a package and command, so `memo explain` finds what to compare
  // with: latest/<sha256 of package and command>.
  StoreResult<void> record_latest(const std::string& package, const std::string& command,
                                  const std::string& key);
  std::optional<std::string> latest(const std::string& package, const std::string& command) const;

  const fs::path& root() const { return root_; }

 private:
  fs::path entry_path(const std::string& key) const;
  fs::path blob_path(const std::string& digest) const;
  fs::path latest_path(const std::string& package, const std::string& command) const;

  fs::path root_;
  mutable std::once_flag blobs_opened_;
  mutable util::Fd blobs_fd_;  // opened on first use: blobs are opened relative to it
  CheckedBlobs checked_;
};

}  // namespace memo::store
