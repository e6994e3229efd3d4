#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>

namespace memo::store {

// The big blobs this process wrote into the store and hashed on the way in, each with the
// stamp its file had once in place (device, inode, size, modification time). A blob whose
// file still has that stamp holds the bytes its name says, so reading it again soon after (a
// restore right after a download, an upload right after a store) need not hash it again.
// Another file in its place, or the same file written since, has another stamp and is hashed
// as any other. Small blobs are not kept: hashing them costs less than keeping them.
class CheckedBlobs {
 public:
  // From this size on a blob is kept.
  static constexpr std::uint64_t kFrom = 1 << 20;

  // Keeps `digest` as checked, with the stamp of the file now at `path`.
  void note(const std::string& digest, const std::filesystem::path& path);
  // Whether the blob open as `fd` is the very file noted for `digest`, unchanged since.
  bool holds(const std::string& digest, int fd) const;

 private:
  struct Stamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    std::int64_t modified_ns = 0;
    bool operator==(const Stamp&) const = default;
  };

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Stamp> stamps_;
};

}  // namespace memo::store
