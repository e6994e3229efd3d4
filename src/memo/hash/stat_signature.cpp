#include "memo/hash/stat_signature.hpp"

namespace memo::hash {

StatSignature signature_of(const struct stat& info) {
  return {static_cast<std::uint64_t>(info.st_ino), static_cast<std::uint64_t>(info.st_size),
          static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
          static_cast<std::int64_t>(info.st_ctim.tv_sec) * 1'000'000'000 + info.st_ctim.tv_nsec,
          static_cast<std::uint32_t>(info.st_mode)};
}

}  // namespace memo::hash
