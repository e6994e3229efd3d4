#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "memo/hash/gitignore.hpp"
#include "memo/hash/glob.hpp"

namespace memo::hash {

namespace fs = std::filesystem;

struct WalkedFile {
  std::string path;  // relative to the walk's root, '/'-separated
  bool is_symlink = false;
};

struct WalkOptions {
  const GlobSet* include = nullptr;  // null: every file
  const GlobSet* exclude = nullptr;  // null: none
  bool skip_tsbuildinfo = false;
  std::vector<fs::path> skip_folders;  // absolute: memo's own store and logs
  // When set, files and folders that .gitignore files ignore are left out: these rules (from
  // folders above the root) plus every .gitignore found on the way down.
  const GitignoreRules* gitignore = nullptr;
};

// Lists the regular files and symlinks below `root` without following symlinks, sorted by path.
// node_modules and .git folders are never entered; folders no include glob can reach are pruned.
std::expected<std::vector<WalkedFile>, std::string> walk_files(const fs::path& root,
                                                               const WalkOptions& options);

}  // namespace memo::hash
