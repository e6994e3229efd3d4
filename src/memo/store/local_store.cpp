#include "memo/store/local_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <span>

#include "memo/archive/confined_dir.hpp"
#include "memo/archive/link_containment.hpp"
#include "memo/store/store_lock.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/log.hpp"
#include "memo/util/parallel.hpp"

namespace memo::store {

namespace {

StoreError io_error(int error_number, const std::string& message) {
  return store_error_from_errno(error_number, message);
}

// Files up to this size are read whole and hashed before anything is written, so a blob that
// is stored already costs no write at all; bigger ones are streamed through a temp file.
constexpr std::uint64_t kInMemoryLimit = 8u << 20;

fs::path blob_file(const fs::path& blobs, const std::string& digest) {
  return blobs / digest.substr(0, 2) / digest.substr(2);
}

// Blobs are read-only, and readable by whom the output was: an owner-only output (a 0600
// key file) does not become world-readable in the store.
mode_t blob_mode(unsigned output_mode) {
  return 0400 | (output_mode & 0044);
}

// Whether a good blob of `size` bytes stands at `path` already. Anything else there (other
// bytes of another size, a folder, a FIFO) is removed so the blob can be written again; same
// size with other bytes is caught by the restore's digest check, which discards it.
bool blob_in_place(const fs::path& path, std::uint64_t size) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return false;
  if (S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) == size) return true;
  std::error_code ignored;
  fs::remove_all(path, ignored);
  return false;
}

// Writes `bytes` as the blob `digest` unless it is there: a temp file in the blob's own
// folder, then rename. (Temp files go to the 256 shard folders, never to one shared folder:
// creating many files in one big folder is slow on some filesystems.)
StoreResult<std::uint64_t> write_blob(const fs::path& blobs, const std::string& digest,
                                      std::string_view bytes, unsigned output_mode) {
  fs::path destination = blob_file(blobs, digest);
  if (blob_in_place(destination, bytes.size())) return 0;
  auto file = util::AtomicFile::create(destination, static_cast<int>(blob_mode(output_mode)));
  if (!file) return std::unexpected(io_error(errno, file.error()));
  if (auto written = file->write(bytes.data(), bytes.size()); !written) {
    return std::unexpected(io_error(errno, written.error()));
  }
  if (auto committed = file->commit(); !committed) {
    return std::unexpected(io_error(errno, committed.error()));
  }
  return bytes.size();
}

// Renames a temp file whose bytes were hashed as they were written to its digest, or drops it
// when that blob is there already. Returns the bytes it added to the store.
StoreResult<std::uint64_t> commit_streamed_blob(util::AtomicFile& temp, const std::string& digest,
                                                std::uint64_t size, const fs::path& blobs) {
  fs::path destination = blob_file(blobs, digest);
  if (blob_in_place(destination, size)) {
    temp.discard();
    return 0;
  }
  if (auto made = util::create_directories(destination.parent_path()); !made) {
    return std::unexpected(io_error(errno, made.error()));
  }
  if (auto committed = temp.commit_as(destination); !committed) {
    return std::unexpected(io_error(errno, committed.error()));
  }
  return size;
}

// Streams a big file into a temp file in a shard folder chosen by its path, hashing on the
// way, then renames it to its digest (or drops it when that blob is there). Fills in the
// output's size and digest; returns the bytes written to the store.
StoreResult<std::uint64_t> stream_blob(int fd, archive::OutputFile& output, const fs::path& blobs) {
  const std::string& path = output.path;
  auto temp = util::AtomicFile::create(blobs / util::sha256_hex(path).substr(0, 2) / "incoming",
                                       static_cast<int>(blob_mode(output.mode)));
  if (!temp) return std::unexpected(io_error(errno, temp.error()));
  util::Hasher hasher(util::Hasher::Algorithm::Sha256);
  std::vector<char> buffer(1 << 20);
  output.size = 0;
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(io_error(errno, path + ": " + util::errno_message(errno)));
    if (n == 0) break;
    hasher.update(buffer.data(), static_cast<size_t>(n));
    if (auto written = temp->write(buffer.data(), static_cast<size_t>(n)); !written) {
      return std::unexpected(io_error(errno, written.error()));
    }
    output.size += static_cast<std::uint64_t>(n);
  }
  output.digest = hasher.hex_digest();
  return commit_streamed_blob(*temp, output.digest, output.size, blobs);
}

// An output as stored, the bytes its blob added to the store (0 when it was there), and its
// stat data when it was read.
struct StoredOutput {
  archive::OutputFile file;
  std::uint64_t new_bytes = 0;
  struct stat as_read {};
};

// A regular output file, open, described by its path, mode and size (not yet its digest).
struct OpenedOutput {
  util::Fd fd;
  archive::OutputFile file;
  struct stat info {};
};

// Opens the output `path`, found as `name` in the folder open as `dir_fd`.
StoreResult<OpenedOutput> open_output_file(int dir_fd, const char* name, const std::string& path) {
  auto fd = util::open_regular_file(dir_fd, name, O_NOFOLLOW);
  if (!fd)
    return std::unexpected(io_error(fd.error(), path + ": " + util::errno_message(fd.error())));
  struct stat info {};
  ::fstat(fd->get(), &info);
  archive::OutputFile output;
  output.path = path;
  output.type = archive::OutputFile::Type::File;
  output.mode = info.st_mode & 0777;
  output.size = static_cast<std::uint64_t>(info.st_size);
  return OpenedOutput{std::move(*fd), std::move(output), info};
}

// Stores an output file as a blob of its own and fills in its digest.
StoreResult<StoredOutput> store_alone(OpenedOutput opened, const fs::path& blobs) {
  archive::OutputFile& output = opened.file;
  if (output.size > kInMemoryLimit) {
    auto written = stream_blob(opened.fd.get(), output, blobs);
    if (!written) return std::unexpected(written.error());
    return StoredOutput{std::move(output), *written, opened.info};
  }
  auto bytes = util::read_open_file(opened.fd.get(), output.path);
  if (!bytes) return std::unexpected(io_error(errno, output.path + ": " + bytes.error()));
  output.size = bytes->size();
  output.digest = util::sha256_hex(*bytes);
  auto written = write_blob(blobs, output.digest, *bytes, output.mode);
  if (!written) return std::unexpected(written.error());
  return StoredOutput{std::move(output), *written, opened.info};
}

// Stores the regular file `path` (below `package_fd`) as a blob and describes it.
StoreResult<StoredOutput> store_file(int package_fd, const std::string& path,
                                     const fs::path& blobs) {
  auto opened = open_output_file(package_fd, path.c_str(), path);
  if (!opened) return std::unexpected(opened.error());
  return store_alone(std::move(*opened), blobs);
}

// Small files of one entry gathered into a pack blob: their bytes end to end. Writing one file
// instead of hundreds is most of what storing a tree of small outputs costs (each new file is
// a creation, a rename and a block of its own on disk).
class Pack {
 public:
  explicit Pack(const fs::path& blobs) : blobs_(blobs) {}

  // Adds the bytes of `output`, filling in its digest and its place in the pack.
  void add(StoredOutput& output, std::string_view bytes) {
    output.file.digest = util::sha256_hex(bytes);
    output.file.pack_offset = bytes_.size();
    read_bits_ &= output.file.mode;
    bytes_.append(bytes);
    members_.push_back(&output);
  }
  bool full() const { return bytes_.size() >= kPackBytes; }

  // Writes the pack as a blob and points its files at it; a file alone becomes a blob of its
  // own. The pack is empty again after.
  StoreResult<void> write() {
    if (members_.empty()) return {};
    StoredOutput& first = *members_.front();
    const bool alone = members_.size() == 1;
    const std::string digest = alone ? first.file.digest : util::sha256_hex(bytes_);
    auto written = write_blob(blobs_, digest, bytes_, alone ? first.file.mode : read_bits_);
    if (!written) return std::unexpected(written.error());
    first.new_bytes = *written;
    if (alone) first.file.pack_offset = 0;
    for (StoredOutput* member : members_) member->file.pack = alone ? "" : digest;
    bytes_.clear();
    members_.clear();
    read_bits_ = 0777;
    return {};
  }

  // Files up to this size go into packs; a pack is written once it holds this many bytes.
  static constexpr std::uint64_t kMemberLimit = 64u << 10;
  static constexpr std::size_t kPackBytes = 4u << 20;

 private:
  const fs::path& blobs_;
  std::string bytes_;
  std::vector<StoredOutput*> members_;
  unsigned read_bits_ = 0777;  // the pack is readable only by whom every file in it is
};

// Stores the regular files `items` of `outputs` into packs, and any too big for one alone.
StoreResult<void> store_packed(int package_fd, const std::vector<hash::WalkedFile>& outputs,
                               std::span<const std::size_t> items, const fs::path& blobs,
                               std::vector<StoredOutput>& stored) {
  Pack pack(blobs);
  // In walk order a folder's files come together: each folder is opened once.
  std::string folder_path;
  util::Fd folder;
  for (std::size_t i : items) {
    const std::string& path = outputs[i].path;
    const auto [parent, name] = archive::split_parent(path);
    if (!parent.empty() && (!folder || parent != folder_path)) {
      folder_path = parent;
      folder.reset(::openat(package_fd, folder_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!folder)
        return std::unexpected(io_error(errno, path + ": " + util::errno_message(errno)));
    }
    auto opened = open_output_file(parent.empty() ? package_fd : folder.get(),
                                   std::string(name).c_str(), path);
    if (!opened) return std::unexpected(opened.error());
    if (opened->file.size > Pack::kMemberLimit) {
      auto alone = store_alone(std::move(*opened), blobs);
      if (!alone) return std::unexpected(alone.error());
      stored[i] = std::move(*alone);
      continue;
    }
    auto bytes = util::read_open_file(opened->fd.get(), outputs[i].path);
    if (!bytes) return std::unexpected(io_error(errno, outputs[i].path + ": " + bytes.error()));
    opened->file.size = bytes->size();
    stored[i].file = std::move(opened->file);
    stored[i].as_read = opened->info;
    pack.add(stored[i], *bytes);
    if (pack.full()) {
      if (auto written = pack.write(); !written) return written;
    }
  }
  return pack.write();
}

StoreError link_leaves_package(const std::string& path, const std::string& target) {
  return StoreError{StoreError::Kind::Denied,
                    "output " + path + " is a symlink to \"" + target +
                        "\", outside the package; memo caches only links that stay inside"};
}

StoreResult<StoredOutput> store_symlink(int package_fd, const std::string& path) {
  char target[4096];
  ssize_t size = ::readlinkat(package_fd, path.c_str(), target, sizeof target);
  if (size < 0) return std::unexpected(io_error(errno, path + ": " + util::errno_message(errno)));
  archive::OutputFile output;
  output.path = path;
  output.type = archive::OutputFile::Type::Symlink;
  output.link_target.assign(target, static_cast<size_t>(size));
  if (!archive::is_contained_symlink(path, output.link_target)) {
    return std::unexpected(link_leaves_package(path, output.link_target));
  }
  struct stat info {};
  if (::fstatat(package_fd, path.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return std::unexpected(io_error(errno, path + ": " + util::errno_message(errno)));
  }
  return StoredOutput{std::move(output), 0, info};
}

// An entry with this many regular files on has its small ones packed; one with fewer keeps a
// blob per file, which later entries share when their files are the same.
constexpr std::size_t kPackFrom = 16;
// The files read into one pack by one thread, in order (a pack ends sooner when it is full).
constexpr std::size_t kFilesPerPack = 128;

// The work of storing outputs, in pieces done side by side: one output alone, or a run of
// regular files packed together.
std::vector<std::vector<std::size_t>> store_pieces(const std::vector<hash::WalkedFile>& outputs,
                                                   LocalStore::Packing packing) {
  std::vector<std::size_t> files;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].is_symlink) files.push_back(i);
  }
  const bool pack = packing == LocalStore::Packing::SmallFiles && files.size() >= kPackFrom;
  std::vector<std::vector<std::size_t>> pieces;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].is_symlink || !pack) pieces.push_back({i});
  }
  for (std::size_t at = 0; pack && at < files.size(); at += kFilesPerPack) {
    const std::size_t end = std::min(files.size(), at + kFilesPerPack);
    pieces.emplace_back(files.begin() + static_cast<std::ptrdiff_t>(at),
                        files.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return pieces;
}

// Stores every output side by side; the first failure stops the rest.
StoreResult<std::vector<StoredOutput>> store_outputs(int package_fd,
                                                     const std::vector<hash::WalkedFile>& outputs,
                                                     const fs::path& blobs,
                                                     LocalStore::Packing packing) {
  std::vector<StoredOutput> stored(outputs.size());
  const auto pieces = store_pieces(outputs, packing);
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  StoreError first_error;
  auto store_piece = [&](const std::vector<std::size_t>& piece) -> StoreResult<void> {
    if (piece.size() > 1) return store_packed(package_fd, outputs, piece, blobs, stored);
    const std::size_t i = piece.front();
    auto one = outputs[i].is_symlink ? store_symlink(package_fd, outputs[i].path)
                                     : store_file(package_fd, outputs[i].path, blobs);
    if (!one) return std::unexpected(one.error());
    stored[i] = std::move(*one);
    return {};
  };
  util::parallel_for(
      pieces.size(),
      [&](std::size_t p) {
        if (failed) return;
        auto done = store_piece(pieces[p]);
        if (done) return;
        std::lock_guard lock(error_mutex);
        if (!failed.exchange(true)) first_error = std::move(done.error());
      },
      pieces.size() < outputs.size() ? 1 : 16);
  if (failed) return std::unexpected(first_error);
  return stored;
}

archive::BlobOpenError blob_open_error(const std::string& digest, int error_number) {
  using Kind = archive::BlobOpenError::Kind;
  // A link or anything but a regular file where a blob should be is damage; a blob that is not
  // there is the entry's fault too. Running out of descriptors or being denied is neither.
  Kind kind = error_number == ENOENT ? Kind::Missing
              : error_number == ELOOP || error_number == util::kNotRegularFile ||
                      error_number == ENOTDIR || error_number == EISDIR
                  ? Kind::Damaged
                  : Kind::Io;
  return {kind, "blob " + digest.substr(0, 12) + ": " + util::errno_message(error_number)};
}

}  // namespace

LocalStore::LocalStore(fs::path root) : root_(std::move(root)) {}

fs::path LocalStore::entry_path(const std::string& key) const {
  return root_ / "entries" / key.substr(0, 2) / key;
}

fs::path LocalStore::blob_path(const std::string& digest) const {
  return blob_file(root_ / "blobs", digest);
}

StoreResult<std::optional<Entry>> LocalStore::get(const std::string& key) const {
  auto text = util::read_file(entry_path(key));
  if (!text) {
    if (errno == ENOENT) return std::optional<Entry>();
    StoreError error = store_error_from_errno(errno, text.error());
    // Something else than a file where the entry should be is a damaged entry.
    if (errno == util::kNotRegularFile) error.kind = StoreError::Kind::Corrupt;
    return std::unexpected(error);
  }
  auto entry = parse_entry(*text);
  if (!entry) {
    return std::unexpected(
        StoreError{StoreError::Kind::Corrupt, entry_path(key).string() + ": " + entry.error()});
  }
  if (entry->key != key) {
    return std::unexpected(
        StoreError{StoreError::Kind::Corrupt, entry_path(key).string() + ": holds another key"});
  }
  return std::optional<Entry>(std::move(*entry));
}

StoreResult<void> LocalStore::remove(const std::string& key) {
  std::error_code error;
  fs::remove_all(entry_path(key), error);  // a folder planted there goes too
  if (error) {
    return std::unexpected(
        store_error_from_errno(error.value(), entry_path(key).string() + ": " + error.message()));
  }
  return {};
}

void LocalStore::mark_used(const std::string& key) {
  ::utimensat(AT_FDCWD, entry_path(key).c_str(), nullptr, 0);
}

fs::path LocalStore::latest_path(const std::string& package, const std::string& command) const {
  return root_ / "latest" / util::sha256_hex(package + '\0' + command);
}

StoreResult<void> LocalStore::record_latest(const std::string& package, const std::string& command,
                                            const std::string& key) {
  if (auto written = util::write_file_atomically(latest_path(package, command), key); !written) {
    return std::unexpected(io_error(errno, written.error()));
  }
  return {};
}

std::optional<std::string> LocalStore::latest(const std::string& package,
                                              const std::string& command) const {
  auto key = util::read_file(latest_path(package, command));
  if (!key || !util::is_hex_digest(*key, 64)) return std::nullopt;
  return *key;
}

void LocalStore::keep_manifest_part(const std::string& digest, std::string_view lines) {
  if (auto written = write_blob(root_ / "blobs", digest, lines, 0444); !written) {
    util::Log::verbose("cannot keep a dependency's key lines: " + written.error().message);
  }
}

std::optional<std::string> LocalStore::manifest_part(const std::string& digest) const {
  auto fd = open_blob(digest);
  if (!fd) return std::nullopt;
  auto lines = util::read_open_file(fd->get(), digest);
  if (!lines || util::sha256_hex(*lines) != digest) return std::nullopt;
  return std::move(*lines);
}

std::expected<util::Fd, archive::BlobOpenError> LocalStore::open_blob(
    const std::string& digest) const {
  if (!util::is_hex_digest(digest, 64)) {
    return std::unexpected(
        archive::BlobOpenError{archive::BlobOpenError::Kind::Damaged, "bad blob digest"});
  }
  // Relative to the blobs folder: a restore opens thousands, each a short path walk.
  std::call_once(blobs_opened_, [this] {
    blobs_fd_.reset(::open((root_ / "blobs").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  });
  std::string relative = digest.substr(0, 2) + "/" + digest.substr(2);
  auto fd = blobs_fd_ ? util::open_regular_file(blobs_fd_.get(), relative.c_str(), O_NOFOLLOW)
                      : util::open_regular_file(AT_FDCWD, blob_path(digest).c_str(), O_NOFOLLOW);
  if (!fd) return std::unexpected(blob_open_error(digest, fd.error()));
  return std::move(*fd);
}

std::expected<archive::OpenedBlob, archive::BlobOpenError> LocalStore::open_output(
    const archive::OutputFile& file) const {
  const std::string& digest = archive::stored_blob(file);
  auto fd = open_blob(digest);
  if (!fd) return std::unexpected(fd.error());
  const bool checked = is_checked(digest, fd->get());
  return archive::OpenedBlob{std::move(*fd), checked, !file.pack.empty(), file.pack_offset};
}

bool LocalStore::is_checked(const std::string& digest, int fd) const {
  return checked_.holds(digest, fd);
}

void LocalStore::discard_blob(const std::string& digest) {
  if (!util::is_hex_digest(digest, 64)) return;
  std::error_code ignored;
  fs::remove_all(blob_path(digest), ignored);
}

LocalStore::LogSpool::LogSpool(util::AtomicFile file)
    : file_(std::move(file)),
      hasher_(std::make_unique<util::Hasher>(util::Hasher::Algorithm::Sha256)) {}

StoreResult<void> LocalStore::LogSpool::write(std::string_view bytes) {
  hasher_->update(bytes);
  size_ += bytes.size();
  if (auto written = file_.write(bytes.data(), bytes.size()); !written) {
    return std::unexpected(io_error(errno, written.error()));
  }
  return {};
}

StoreResult<LocalStore::LogSpool> LocalStore::log_spool() {
  // A temp file in a shard folder, where eviction finds it if memo dies before the store.
  auto file = util::AtomicFile::create(root_ / "blobs" / "00" / "log", 0444);
  if (!file) return std::unexpected(io_error(errno, file.error()));
  return LogSpool(std::move(*file));
}

StoreResult<LocalStore::Stored> LocalStore::put(Entry entry, const fs::path& package_root,
                                                const std::vector<hash::WalkedFile>& outputs,
                                                LogSpool* log, Packing packing) {
  util::Fd package_fd(::open(package_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!package_fd) {
    return std::unexpected(
        io_error(errno, package_root.string() + ": " + util::errno_message(errno)));
  }
  const fs::path blobs = root_ / "blobs";
  if (auto made = util::create_directories(blobs); !made) {
    return std::unexpected(io_error(errno, made.error()));
  }
  // Shared with other writers and restores, exclusive of eviction: it must not take a blob
  // written here before the entry naming it is.
  auto lock = StoreLock::shared(root_);
  auto stored = store_outputs(package_fd.get(), outputs, blobs, packing);
  if (!stored) return std::unexpected(stored.error());
  Stored result;
  entry.outputs.clear();
  for (auto& output : *stored) {
    result.new_bytes += output.new_bytes;
    // Written and hashed just now: its bytes are known good while its file stays as it is.
    const std::string& blob = archive::stored_blob(output.file);
    if (output.new_bytes > 0) checked_.note(blob, blob_path(blob));
    entry.outputs.push_back(std::move(output.file));
    result.as_read.push_back(output.as_read);
  }
  if (auto leaving = archive::first_link_leaving_package(package_fd.get(), entry.outputs)) {
    for (const auto& output : entry.outputs) {
      if (output.path == *leaving) {
        return std::unexpected(link_leaves_package(output.path, output.link_target));
      }
    }
  }
  if (log && log->size_ == 0) log->file_.discard();  // a silent command: nothing to replay
  if (log && log->size_ > 0) {
    const std::string digest = log->hasher_->hex_digest();
    auto added = commit_streamed_blob(log->file_, digest, log->size_, blobs);
    if (!added) return std::unexpected(added.error());
    result.new_bytes += *added;
    checked_.note(digest, blob_path(digest));
    entry.log = OutputLog{log->size_, digest};
  }
  // The entry goes last: once it is readable, every blob it names is in place.
  const std::string text = serialize_entry(entry);
  if (auto written = util::write_file_atomically(entry_path(entry.key), text); !written) {
    return std::unexpected(io_error(errno, written.error()));
  }
  result.new_bytes += text.size();
  result.entry = std::move(entry);
  return result;
}

LocalStore::IncomingBlob::IncomingBlob(std::string digest, std::uint64_t size, fs::path destination,
                                       std::unique_ptr<util::AtomicFile> file,
                                       CheckedBlobs* checked)
    : digest_(std::move(digest)),
      size_(size),
      destination_(std::move(destination)),
      checked_(checked),
      file_(std::move(file)),
      sink_(std::make_unique<BlobSink>(size_, file_.get())) {}

StoreResult<void> LocalStore::IncomingBlob::write(std::string_view bytes) {
  seen_ += bytes.size();
  if (seen_ > size_) return std::unexpected(StoreError{StoreError::Kind::Corrupt, "blob too long"});
  if (auto written = sink_->write(bytes); !written) {
    return std::unexpected(io_error(written.error().error_number, written.error().message));
  }
  return {};
}

StoreResult<std::uint64_t> LocalStore::IncomingBlob::commit() {
  auto digest = sink_->finish();
  if (!digest) {
    if (file_) file_->discard();
    return std::unexpected(io_error(digest.error().error_number, digest.error().message));
  }
  if (seen_ != size_ || *digest != digest_) {
    if (file_) file_->discard();
    return std::unexpected(
        StoreError{StoreError::Kind::Corrupt,
                   "the bytes of blob " + digest_.substr(0, 12) + " are not what the entry says"});
  }
  if (!file_) return 0;
  if (auto committed = file_->commit_as(destination_); !committed) {
    return std::unexpected(io_error(errno, committed.error()));
  }
  checked_->note(digest_, destination_);
  return size_;
}

StoreResult<LocalStore::IncomingBlob> LocalStore::incoming_blob(const archive::OutputFile& output) {
  fs::path destination = blob_path(output.digest);
  if (blob_in_place(destination, output.size)) {
    return IncomingBlob(output.digest, output.size, destination, nullptr, &checked_);
  }
  if (auto made = util::create_directories(destination.parent_path()); !made) {
    return std::unexpected(io_error(errno, made.error()));
  }
  // In the blob's own shard folder, as stream_blob does: the rename stays in one folder.
  auto file = util::AtomicFile::create(destination.parent_path() / "incoming",
                                       static_cast<int>(blob_mode(output.mode)));
  if (!file) return std::unexpected(io_error(errno, file.error()));
  return IncomingBlob(output.digest, output.size, destination,
                      std::make_unique<util::AtomicFile>(std::move(*file)), &checked_);
}

StoreResult<std::uint64_t> LocalStore::put_entry_record(const Entry& entry) {
  const std::string text = serialize_entry(entry);
  if (auto written = util::write_file_atomically(entry_path(entry.key), text); !written) {
    return std::unexpected(io_error(errno, written.error()));
  }
  return text.size();
}

}  // namespace memo::store
