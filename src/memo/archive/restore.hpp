#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "memo/archive/output_file.hpp"
#include "memo/util/fd.hpp"

namespace memo::archive {

// Why the stored bytes of a digest could not be opened. Missing and Damaged (something else
// than a regular file where the blob should be) are the entry's fault; Io (EMFILE, EACCES,
// EIO…) is not, and leaves the entry alone.
struct BlobOpenError {
  enum class Kind { Missing, Damaged, Io };
  Kind kind = Kind::Io;
  std::string message;
};

// The stored bytes of a file, open for reading. `checked`: they were hashed against the
// digest as they were written, and the file is unchanged since, so the restore copies them
// without hashing them again (the size is still checked). `in_pack`: the open file is a pack
// (OutputFile::pack) holding these bytes from `offset` on, among others; it is always copied
// from, and its bytes always hashed.
struct OpenedBlob {
  util::Fd fd;
  bool checked = false;
  bool in_pack = false;
  std::uint64_t offset = 0;
};

// Opens the stored bytes of an output file (stored_blob(file)) for reading.
using BlobOpener = std::function<std::expected<OpenedBlob, BlobOpenError>(const OutputFile& file)>;

// How a file's stored bytes reach the package. Copy writes them anew. Clone shares the store's
// blocks (FICLONE) where the file system has reflinks, else copies, silently. Hardlink links the
// stored file itself into the package, read-only (its mode is the store's: no write bits), and
// copies what cannot be linked (an executable, another file system, a store file memo may not
// link or chmod), or a file stored in a pack. Clone and hardlink hash the stored bytes before they
// are placed, as copy does while it writes: bytes that no longer match their digest (a linked
// output written in place writes the store's file too) fail the restore and are never placed.
enum class RestoreMode { Copy, Clone, Hardlink };

struct RestoreStats {
  std::size_t files = 0;
  std::size_t linked = 0;  // of `files`, hardlinked or cloned rather than copied
  std::size_t symlinks = 0;
  std::uint64_t bytes = 0;
};

struct RestoreFailure {
  std::string message;
  // The entry is to blame (a blob missing or not holding its digest's bytes, a path or link
  // that would leave the package), not the package (a full disk, a folder where a file goes).
  bool entry_at_fault = false;
  std::vector<std::string> bad_blobs;  // digests whose stored bytes proved wrong
};

// Puts `outputs` back under `package_root`, all or nothing: bytes are checked against the
// entry's digest while they are written; an output with nothing in its place is written under
// its own name, one replacing an existing file is written beside it under a staging name and
// renamed over it only when all are good. Nothing is ever written outside the package: folders
// are opened with O_NOFOLLOW from the package root, a symlink or file standing where a folder
// goes is moved aside for the folder, and every symlink is checked to stay inside once the
// links on its way are followed. Files are restored with their modes.
// A failed restore undoes what it did, and only that: files it wrote under their own names
// (unless another process has put its own there since), the folders it made, and whatever it
// moved aside goes back.
std::expected<RestoreStats, RestoreFailure> restore_outputs(
    const std::filesystem::path& package_root, const std::vector<OutputFile>& outputs,
    const BlobOpener& open_blob, RestoreMode mode = RestoreMode::Copy);

}  // namespace memo::archive
