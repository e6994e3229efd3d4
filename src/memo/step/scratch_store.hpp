#pragma once

#include <filesystem>
#include <utility>

#include "memo/util/fd.hpp"

namespace memo::step {

// The local store of one run with skipLocalCache: a folder `.remote-only.*` in memo's cache
// folder that the remote's hits are imported into and restored from, removed when the run
// ends. The run holds an flock on a file in it; a run that was killed leaves its folder
// unlocked, and the next one to make a scratch store removes it.
class ScratchStore {
 public:
  // Removes the abandoned ones first (sweep_abandoned_scratch_stores).
  static ScratchStore make(const std::filesystem::path& cache_folder);
  ScratchStore(ScratchStore&& other) noexcept
      : root_(std::exchange(other.root_, {})), owner_(std::move(other.owner_)) {}
  ScratchStore& operator=(ScratchStore&&) = delete;
  ~ScratchStore();

  const std::filesystem::path& root() const { return root_; }

 private:
  ScratchStore(std::filesystem::path root, util::Fd owner)
      : root_(std::move(root)), owner_(std::move(owner)) {}
  std::filesystem::path root_;
  util::Fd owner_;  // holds the flock; closed after the folder is gone
};

// Removes the scratch stores in `cache_folder` that no running memo holds, and returns how
// many it removed.
int sweep_abandoned_scratch_stores(const std::filesystem::path& cache_folder);

}  // namespace memo::step
