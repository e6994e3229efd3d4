#pragma once

#include <filesystem>
#include <optional>

#include "memo/util/fd.hpp"

namespace memo::store {

// The local store's lock (<store>/lock, flock): every process that reads an entry's blobs to
// restore them, or writes blobs and then their entry, holds it shared; eviction holds it
// exclusive while it deletes, so it never deletes a blob a restore is reading, nor one a put
// has written but not yet named in its entry.
class StoreLock {
 public:
  // nullopt when the store (or its lock file) cannot be opened: the caller goes on unlocked,
  // as a read-only store allows nothing else. Shared locks never wait long: only eviction
  // holds the lock exclusive, for as long as its deletions take.
  static std::optional<StoreLock> shared(const std::filesystem::path& store_root);
  static std::optional<StoreLock> exclusive(const std::filesystem::path& store_root);

 private:
  explicit StoreLock(util::Fd fd) : fd_(std::move(fd)) {}
  util::Fd fd_;  // closing it releases the lock
};

}  // namespace memo::store
