#include "memo/store/checked_blobs.hpp"

#include <sys/stat.h>

#include <optional>

#include "memo/util/files.hpp"

namespace memo::store {

void CheckedBlobs::note(const std::string& digest, const std::filesystem::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<std::uint64_t>(info.st_size) < kFrom) {
    return;
  }
  Stamp stamp{info.st_dev, info.st_ino, info.st_size, util::stat_time_ns(info.st_mtim)};
  std::lock_guard lock(mutex_);
  stamps_[digest] = stamp;
}

bool CheckedBlobs::holds(const std::string& digest, int fd) const {
  std::optional<Stamp> noted;
  {
    std::lock_guard lock(mutex_);
    auto found = stamps_.find(digest);
    if (found == stamps_.end()) return false;
    noted = found->second;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return false;
  return *noted == Stamp{info.st_dev, info.st_ino, info.st_size, util::stat_time_ns(info.st_mtim)};
}

}  // namespace memo::store
