#pragma once

#include <sys/stat.h>

#include <cstdint>

namespace memo::hash {

// What lstat says of a file or folder: when it is the same later, and was already old when it
// was taken, the file's bytes (or the folder's listing) are the same too (git's index relies
// on the same data). All zeros: no such file.
struct StatSignature {
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint32_t mode = 0;  // type and permission bits
  bool operator==(const StatSignature&) const = default;
};
StatSignature signature_of(const struct stat& info);

}  // namespace memo::hash
