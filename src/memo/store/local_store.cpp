#include "memo/store/local_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
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

// Writes `bytes` as the blob `digest` unless it exists: a temp file in the blob's own folder,
// then rename. (Temp files go to the 256 shard folders, never to one shared folder: creating
// many files in one big folder is slow on some filesystems.)
StoreResult<void> write_blob(const fs::path& blobs, const std::string& digest,
                             std::string_view bytes) {
  fs::path destination = blob_file(blobs, digest);
  if (::access(destination.c_str(), F_OK) == 0) return {};
  auto file = util::AtomicFile::create(destination, 0444);
  if (!file) return std::unexpected(io_error(errno, file.error()));
  if (auto written = file->write(bytes.data(), bytes.size()); !written) {
    return std::unexpected(io_error(errno, written.error()));
  }
  if (auto committed = file->commit(); !committed) {
    return std::unexpected(io_error(errno, committed.error()));
  }
  return {};
}

// Streams a big file into a temp file in a shard folder chosen by its path, hashing on the way,
// then renames it to its digest (or drops it when that blob exists). Returns the digest.
StoreResult<std::string> stream_blob(int fd, const std::string& path, const fs::path& blobs,
                                     std::uint64_t& size) {
  auto temp = util::AtomicFile::create(blobs / util::sha256_hex(path).substr(0, 2) / "incoming", 0444);
  if (!temp) return std::unexpected(io_error(errno, temp.error()));
  util::Hasher hasher(util::Hasher::Algorithm::Sha256);
  std::vector<char> buffer(1 << 20);
  size = 0;
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(io_error(errno, path + ": " + util::errno_message(errno)));
    if (n == 0) break;
    hasher.update(buffer.data(), static_cast<size_t>(n));
    if (auto written = temp->write(buffer.data(), static_cast<size_t>(n)); !written) {
      return std::unexpected(io_error(errno, written.error()));
    }
    size += static_cast<std::uint64_t>(n);
  }
  std::string digest = hasher.hex_digest();
  fs::path destination = blob_file(blobs, digest);
  if (::access(destination.c_str(), F_OK) == 0) {
    temp->discard();
    return digest;
  }
  if (auto made = util::create_directories(destination.parent_path()); !made) {
    return std::unexpected(io_error(errno, made.error()));
  }
  if (auto committed = temp->commit_as(destination); !committed) {
    return std::unexpected(io_error(errno, committed.error()));
  }
  return digest;
}

// Stores the regular file `path` (below `package_fd`) as a blob and describes it.
StoreResult<archive::OutputFile> store_file(int package_fd, const std::string& path,
                                            const fs::path& blobs) {
  int fd = ::openat(package_fd, path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error(errno, path + ": " + util::errno_message(errno)));
  struct stat info {};
  ::fstat(fd, &info);
  archive::OutputFile output;
  output.path = path;
  output.type = archive::OutputFile::Type::File;
  output.mode = info.st_mode & 0777;
  if (static_cast<std::uint64_t>(info.st_size) > kInMemoryLimit) {
    auto digest = stream_blob(fd, path, blobs, output.size);
    ::close(fd);
    if (!digest) return std::unexpected(digest.error());
    output.digest = std::move(*digest);
    return output;
  }
  auto bytes = util::read_open_file(fd, path);
  ::close(fd);
  if (!bytes) return std::unexpected(io_error(errno, path + ": " + bytes.error()));
  output.size = bytes->size();
  output.digest = util::sha256_hex(*bytes);
  if (auto written = write_blob(blobs, output.digest, *bytes); !written) {
    return std::unexpected(written.error());
  }
  return output;
}

StoreResult<archive::OutputFile> store_symlink(int package_fd, const std::string& path) {
  char target[4096];
  ssize_t size = ::readlinkat(package_fd, path.c_str(), target, sizeof target);
  if (size < 0) return std::unexpected(io_error(errno, path + ": " + util::errno_message(errno)));
  archive::OutputFile output;
  output.path = path;
  output.type = archive::OutputFile::Type::Symlink;
  output.link_target.assign(target, static_cast<size_t>(size));
  if (!archive::is_contained_symlink(path, output.link_target)) {
    return std::unexpected(StoreError{
        StoreError::Kind::Denied, "output " + path + " is a symlink to \"" + output.link_target +
                                      "\", outside the package; memo caches only links that stay inside"});
  }
  return output;
}

}  // namespace

LocalStore::LocalStore(fs::path root) : root_(std::move(root)) {}

LocalStore::~LocalStore() {
  if (blobs_fd_ >= 0) ::close(blobs_fd_);
}

fs::path LocalStore::entry_path(const std::string& key) const {
  return root_ / "entries" / key.substr(0, 2) / key;
}

fs::path LocalStore::blob_path(const std::string& digest) const {
  return root_ / "blobs" / digest.substr(0, 2) / digest.substr(2);
}

StoreResult<std::optional<Entry>> LocalStore::get(const std::string& key) const {
  auto text = util::read_file(entry_path(key));
  if (!text) {
    if (errno == ENOENT) return std::optional<Entry>();
    return std::unexpected(store_error_from_errno(errno, text.error()));
  }
  auto entry = parse_entry(*text);
  if (!entry) {
    return std::unexpected(StoreError{StoreError::Kind::Corrupt,
                                      entry_path(key).string() + ": " + entry.error()});
  }
  if (entry->key != key) {
    return std::unexpected(StoreError{StoreError::Kind::Corrupt,
                                      entry_path(key).string() + ": holds another key"});
  }
  return std::optional<Entry>(std::move(*entry));
}

StoreResult<void> LocalStore::remove(const std::string& key) {
  if (::unlink(entry_path(key).c_str()) != 0 && errno != ENOENT) {
    return std::unexpected(store_error_from_errno(errno, entry_path(key).string() + ": " +
                                                             util::errno_message(errno)));
  }
  return {};
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

std::expected<int, std::string> LocalStore::open_blob(const std::string& digest) const {
  if (!util::is_hex_digest(digest, 64)) return std::unexpected("bad blob digest");
  // Relative to the blobs folder: a restore opens thousands, each a short path walk.
  static std::mutex opening;
  int blobs = -1;
  {
    std::lock_guard lock(opening);
    if (blobs_fd_ < 0) {
      blobs_fd_ = ::open((root_ / "blobs").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    blobs = blobs_fd_;
  }
  std::string relative = digest.substr(0, 2) + "/" + digest.substr(2);
  int fd = blobs >= 0 ? ::openat(blobs, relative.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                          : ::open(blob_path(digest).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return std::unexpected("blob " + digest.substr(0, 12) + ": " + util::errno_message(errno));
  }
  return fd;
}

StoreResult<Entry> LocalStore::put(Entry entry, const fs::path& package_root,
                                   const std::vector<hash::WalkedFile>& outputs) {
  int package_fd = ::open(package_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (package_fd < 0) {
    return std::unexpected(io_error(errno, package_root.string() + ": " + util::errno_message(errno)));
  }
  const fs::path blobs = root_ / "blobs";
  if (auto made = util::create_directories(blobs); !made) {
    ::close(package_fd);
    return std::unexpected(io_error(errno, made.error()));
  }
  entry.outputs.assign(outputs.size(), {});
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  StoreError first_error;
  util::parallel_for(outputs.size(), [&](std::size_t i) {
    if (failed) return;
    auto stored = outputs[i].is_symlink ? store_symlink(package_fd, outputs[i].path)
                                        : store_file(package_fd, outputs[i].path, blobs);
    if (stored) {
      entry.outputs[i] = std::move(*stored);
      return;
    }
    std::lock_guard lock(error_mutex);
    if (!failed.exchange(true)) first_error = std::move(stored.error());
  });
  ::close(package_fd);
  if (failed) return std::unexpected(first_error);

  // The entry goes last: once it is readable, every blob it names is in place.
  if (auto written = util::write_file_atomically(entry_path(entry.key), serialize_entry(entry));
      !written) {
    return std::unexpected(io_error(errno, written.error()));
  }
  return entry;
}

}  // namespace memo::store
