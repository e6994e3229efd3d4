#include "memo/store/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace memo::store {

namespace {

std::optional<util::Fd> locked(const std::filesystem::path& store_root, int operation) {
  const auto file = store_root / "lock";
  util::Fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) fd.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return std::nullopt;
  while (::flock(fd.get(), operation) != 0) {
    if (errno != EINTR) return std::nullopt;
  }
  return fd;
}

}  // namespace

std::optional<StoreLock> StoreLock::shared(const std::filesystem::path& store_root) {
  auto fd = locked(store_root, LOCK_SH);
  if (!fd) return std::nullopt;
  return StoreLock(std::move(*fd));
}

std::optional<StoreLock> StoreLock::exclusive(const std::filesystem::path& store_root) {
  auto fd = locked(store_root, LOCK_EX);
  if (!fd) return std::nullopt;
  return StoreLock(std::move(*fd));
}

}  // namespace memo::store
