#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "memo/hash/file_walk.hpp"
#include "memo/hash/git_index.hpp"
#include "memo/hash/stat_signature.hpp"

namespace memo::hash {

// A file as the key sees it: git's mode ("100644", "100755" or "120000" for a symlink) and git's
// blob id of its bytes (of the link's target text, for a symlink). The same file gives the same
// digest with or without git, on any machine.
struct FileDigest {
  std::string path;
  std::string mode;
  std::string blob_id;
  StatSignature signature;  // the lstat taken before the bytes were read
};

// Where git's index can vouch for files: the index, and the walk root's path below its work
// tree ("" when they are the same folder, else "packages/a/").
struct IndexShortcut {
  const GitIndex* index = nullptr;
  std::string prefix;
};

// Digests `files` (relative to `root`) on all cores, in the order given. Files the index
// vouches for are not read.
std::expected<std::vector<FileDigest>, std::string> digest_files(
    const std::filesystem::path& root, const std::vector<WalkedFile>& files,
    const IndexShortcut& shortcut = {});

// The blob id and mode of one file, opened relative to the folder open as `dir_fd`.
std::expected<FileDigest, std::string> digest_file_at(int dir_fd, const std::string& path,
                                                      bool is_symlink);

}  // namespace memo::hash
