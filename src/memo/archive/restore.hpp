#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "memo/archive/output_file.hpp"
#include "memo/hash/glob.hpp"

namespace memo::archive {

// Opens the stored bytes of a digest for reading; the caller closes the fd.
using BlobOpener = std::function<std::expected<int, std::string>(const std::string& digest)>;

struct RestoreStats {
  std::size_t files = 0;
  std::size_t symlinks = 0;
  std::uint64_t bytes = 0;
};

// Puts `outputs` back under `package_root`, all or nothing: bytes are checked against the
// entry's digest while they are written; an output with nothing in its place is written under
// its own name (and removed again if the restore fails), one replacing an existing file is
// written beside it under a temp name and renamed over it only when all are good. Nothing is ever written outside the
// package: folders are opened with O_NOFOLLOW from the package root, and symlinks in the way
// of a folder are replaced by the folder. Files are restored with their modes.
// On failure, `*entry_is_bad` (when given) says whether the entry's own bytes were at fault
// (a blob missing or not matching its digest) rather than the package (a full disk, a folder
// where a file should go), so the caller drops only entries that deserve it.
std::expected<RestoreStats, std::string> restore_outputs(const std::filesystem::path& package_root,
                                                         const std::vector<OutputFile>& outputs,
                                                         const BlobOpener& open_blob,
                                                         bool* entry_is_bad = nullptr);

// Re-reads the restored outputs and returns the paths whose bytes, mode or link target differ
// from the entry (validateOutput).
std::expected<std::vector<std::string>, std::string> find_changed_outputs(
    const std::filesystem::path& package_root, const std::vector<OutputFile>& outputs);

// Deletes the files matching `outputs` under `package_root` (clearOutput); returns how many.
std::expected<std::size_t, std::string> clear_outputs(const std::filesystem::path& package_root,
                                                      const hash::GlobSet& outputs);

}  // namespace memo::archive
