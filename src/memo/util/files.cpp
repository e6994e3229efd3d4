#include "memo/util/files.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "memo/util/digest.hpp"

namespace memo::util {

std::expected<fs::file_status, std::string> status_unless_missing(const fs::path& path) {
  std::error_code error;
  fs::file_status status = fs::status(path, error);
  if (error && error != std::errc::no_such_file_or_directory &&
      error != std::errc::not_a_directory) {
    return std::unexpected(path.string() + ": " + error.message());
  }
  return status;
}

std::string errno_message(int error_number) {
  if (error_number == kNotRegularFile) return "not a regular file";
  return std::strerror(error_number);
}

std::expected<Fd, int> open_regular_file(int dir_fd, const char* path, int flags) {
  Fd fd(::openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags));
  if (!fd) return std::unexpected(errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return std::unexpected(errno);
  if (!S_ISREG(info.st_mode)) {
    errno = kNotRegularFile;
    return std::unexpected(kNotRegularFile);
  }
  return fd;
}

std::expected<std::string, std::string> read_open_file(int fd, const std::string& name) {
  std::string content;
  struct stat info {};
  if (fstat(fd, &info) == 0 && info.st_size > 0) content.reserve(static_cast<size_t>(info.st_size));
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(name + ": " + errno_message(errno));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  return content;
}

std::expected<std::string, std::string> read_file(const fs::path& path) {
  // Follows symlinks: a config file may well be one (pnpm and shared configs link them).
  auto fd = open_regular_file(AT_FDCWD, path.c_str());
  if (!fd) {
    errno = fd.error();
    return std::unexpected(path.string() + ": " + errno_message(fd.error()));
  }
  return read_open_file(fd->get(), path.string());
}

std::expected<std::string, std::string> read_file_at(int dir_fd, const char* path) {
  auto fd = open_regular_file(dir_fd, path, O_NOFOLLOW);
  if (!fd) {
    errno = fd.error();
    return std::unexpected(std::string(path) + ": " + errno_message(fd.error()));
  }
  return read_open_file(fd->get(), path);
}

std::string unique_temp_name(std::string_view prefix) {
  static std::atomic<unsigned long> counter{0};
  // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on a chain of operator+.
  std::string name(prefix);
  static const pid_t pid = ::getpid();  // memo never forks without exec
  name.append(".").append(std::to_string(pid));
  name.append(".").append(std::to_string(counter.fetch_add(1))).append(".tmp");
  return name;
}

std::expected<void, std::string> create_directories(const fs::path& path) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error) return std::unexpected(path.string() + ": " + error.message());
  return {};
}

AtomicFile::AtomicFile(fs::path destination, fs::path temp, Fd fd)
    : destination_(std::move(destination)), temp_(std::move(temp)), fd_(std::move(fd)) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : destination_(std::move(other.destination_)),
      temp_(std::move(other.temp_)),
      fd_(std::move(other.fd_)),
      committed_(other.committed_) {
  other.committed_ = true;
}

std::expected<AtomicFile, std::string> AtomicFile::create(const fs::path& destination, int mode) {
  std::string hidden_name = ".";
  hidden_name += destination.filename().string();
  fs::path temp = destination.parent_path() / unique_temp_name(hidden_name);
  auto open_temp = [&] {
    return Fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  };
  Fd fd = open_temp();
  if (!fd && errno == ENOENT) {
    if (auto made = util::create_directories(destination.parent_path()); !made) {
      return std::unexpected(made.error());
    }
    fd = open_temp();
  }
  if (!fd) return std::unexpected(temp.string() + ": " + errno_message(errno));
  return AtomicFile(destination, std::move(temp), std::move(fd));
}

AtomicFile::~AtomicFile() {
  fd_.reset();
  if (!committed_) ::unlink(temp_.c_str());
}

std::expected<void, std::string> AtomicFile::write(const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_.get(), bytes, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(temp_.string() + ": " + errno_message(errno));
    }
    bytes += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

std::expected<void, std::string> AtomicFile::commit_as(const fs::path& destination) {
  destination_ = destination;
  return commit();
}

void AtomicFile::discard() {
  fd_.reset();
  if (!committed_) ::unlink(temp_.c_str());
  committed_ = true;
}

std::expected<void, std::string> AtomicFile::commit() {
  // A crash can still lose the bytes of a renamed file on power loss; every reader verifies
  // digests, so such a file reads as corrupt (a miss), never as a wrong hit.
  if (!fd_.close()) return std::unexpected(temp_.string() + ": " + errno_message(errno));
  if (::rename(temp_.c_str(), destination_.c_str()) != 0) {
    return std::unexpected(destination_.string() + ": " + errno_message(errno));
  }
  committed_ = true;
  return {};
}

std::expected<void, std::string> write_file_atomically(const fs::path& path,
                                                       std::string_view content) {
  auto file = AtomicFile::create(path);
  if (!file) return std::unexpected(file.error());
  if (auto written = file->write(content.data(), content.size()); !written) return written;
  return file->commit();
}

std::expected<ContentDigest, int> sha256_of_open_file(int fd) {
  Hasher hasher(Hasher::Algorithm::Sha256);
  std::vector<char> buffer(1 << 16);
  ContentDigest result;
  for (;;) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(result.size));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(errno);
    if (n == 0) break;
    hasher.update(buffer.data(), static_cast<std::size_t>(n));
    result.size += static_cast<std::uint64_t>(n);
  }
  result.sha256 = hasher.hex_digest();
  return result;
}

bool write_all(int fd, std::string_view bytes) {
  // SIGPIPE is blocked for this thread while it writes, and one the write raised is taken
  // back before it is unblocked.
  sigset_t pipe_signal, before;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &before);
  bool written = true;
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EAGAIN) {
      pollfd writable{fd, POLLOUT, 0};
      ::poll(&writable, 1, -1);
    } else if (n < 0 && errno != EINTR) {
      written = false;
      break;
    }
  }
  if (!written && errno == EPIPE) {
    const timespec now{0, 0};
    ::sigtimedwait(&pipe_signal, nullptr, &now);
  }
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  return written;
}

}  // namespace memo::util
