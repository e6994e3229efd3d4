#pragma once

#include <time.h>

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "memo/util/fd.hpp"

namespace memo::util {

namespace fs = std::filesystem;

// What open_regular_file returns for a FIFO, a device, a socket or a folder: memo reads only
// regular files, and opening anything else could block forever. errno_message names it.
inline constexpr int kNotRegularFile = 100000;

// Opens `path` (relative to `dir_fd`; AT_FDCWD for the working directory) for reading without
// ever blocking: O_NONBLOCK, then anything but a regular file is refused with kNotRegularFile.
// `flags` adds open flags such as O_NOFOLLOW. The error is the errno (or kNotRegularFile).
std::expected<Fd, int> open_regular_file(int dir_fd, const char* path, int flags = 0);

// Whole-file reads and writes for small files (configs, entries). Errors are one-line messages
// that name the file and the system's reason (errno is left set). Only regular files are read.
// read_file follows symlinks.
std::expected<std::string, std::string> read_file(const fs::path& path);
// Reads what is left of the open file `fd`; `name` is for the error message.
std::expected<std::string, std::string> read_open_file(int fd, const std::string& name);
// Reads the file at `path` relative to the directory `dir_fd` without following a final symlink.
std::expected<std::string, std::string> read_file_at(int dir_fd, const char* path);

std::string errno_message(int error_number);

// A file time stat gives (st_mtim, st_ctim) in nanoseconds since the epoch.
inline std::int64_t stat_time_ns(const struct timespec& time) {
  return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

// The status of `path` (followed), a not_found status when it or a folder on the way is
// missing; any other failure to tell is an error naming the path.
std::expected<fs::file_status, std::string> status_unless_missing(const fs::path& path);

// Writes `content` to `path` atomically: a temp file in the same folder, then rename. A reader
// sees the old file or the new one, never half of one. Parent folders are created.
std::expected<void, std::string> write_file_atomically(const fs::path& path,
                                                       std::string_view content);

// A temp file beside its destination that becomes the destination only on commit(); the
// destructor removes it otherwise, so a failure never leaves a half-written file under the
// real name.
class AtomicFile {
 public:
  static std::expected<AtomicFile, std::string> create(const fs::path& destination,
                                                       int mode = 0644);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  ~AtomicFile();

  std::expected<void, std::string> write(const void* data, std::size_t size);
  std::expected<void, std::string> commit();
  // Commits under another name in the same filesystem, for content named by its digest.
  std::expected<void, std::string> commit_as(const fs::path& destination);
  // Gives up: the temp file is removed now rather than by the destructor.
  void discard();
  int fd() const { return fd_.get(); }

 private:
  AtomicFile(fs::path destination, fs::path temp, Fd fd);
  fs::path destination_;
  fs::path temp_;
  Fd fd_;
  bool committed_ = false;
};

// Writes all of `bytes` to `fd` (memo's stdout, say), waiting while a pipe is full. false when
// it cannot: a reader that went away gives EPIPE here, never a SIGPIPE that would end memo.
bool write_all(int fd, std::string_view bytes);

// The size and SHA-256 (lowercase hex) of the whole file open as `fd`, read from its start with
// pread (the file offset is left alone). The error is the errno.
struct ContentDigest {
  std::uint64_t size = 0;
  std::string sha256;
};
std::expected<ContentDigest, int> sha256_of_open_file(int fd);

// A name no other process or thread uses at the same time: "<prefix>.<pid>.<counter>.tmp".
std::string unique_temp_name(std::string_view prefix);

std::expected<void, std::string> create_directories(const fs::path& path);

}  // namespace memo::util
