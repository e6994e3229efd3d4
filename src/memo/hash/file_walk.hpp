#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "memo/hash/gitignore.hpp"
#include "memo/hash/glob.hpp"
#include "memo/hash/stat_signature.hpp"

namespace memo::hash {

namespace fs = std::filesystem;

struct WalkedFile {
  std::string path;  // relative to the walk's root, '/'-separated
  bool is_symlink = false;
};

// What a walk's result depends on besides its files: every folder it listed and every
// .gitignore it read, each with its signature taken before it was read. While these stay the
// same, so does the list of files.
struct WalkTrace {
  struct Item {
    std::string path;  // relative to the walk's root; "" for the root itself
    StatSignature signature;
  };
  std::vector<Item> folders;
  std::vector<Item> gitignores;
  bool complete = true;  // false when a folder could not be opened or stat-ed
};

struct WalkOptions {
  const GlobSet* include = nullptr;  // null: every file
  const GlobSet* exclude = nullptr;  // null: none
  bool skip_tsbuildinfo = false;
  std::vector<fs::path> skip_folders;  // absolute: memo's own store and logs
  // When set, files and folders that .gitignore files ignore are left out: these rules (from
  // folders above the root) plus every .gitignore found on the way down.
  const GitignoreRules* gitignore = nullptr;
  WalkTrace* trace = nullptr;  // when set, filled in
};

// Lists the regular files and symlinks below `root` without following symlinks, sorted by path.
// node_modules and .git folders are never entered; folders no include glob can reach are pruned.
std::expected<std::vector<WalkedFile>, std::string> walk_files(const fs::path& root,
                                                               const WalkOptions& options);

}  // namespace memo::hash
