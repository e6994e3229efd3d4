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
  // memo's staging files (see util/staging_name.hpp) are never taken; when set, their paths
  // are collected here.
  std::vector<std::string>* staging_files = nullptr;
};

// Lists the regular files and symlinks below `root` without following symlinks, sorted by path.
// node_modules and .git folders are never entered; folders no include glob can reach are pruned;
// memo's staging files are left out.
std::expected<std::vector<WalkedFile>, std::string> walk_files(const fs::path& root,
                                                               const WalkOptions& options);

// One folder's entries as a walk takes them (names, sorted).
struct FolderListing {
  std::vector<std::string> files;    // the files and symlinks taken
  std::vector<std::string> folders;  // the folders gone into
  bool has_gitignore = false;        // whether a .gitignore is there
};

// Lists the folder `relative` below `root` ("" for the root itself) as walk_files would, given
// `options.gitignore` holding every rule in force in that folder (from above the root and from
// each folder on the way down, that folder's own included). An error when the folder cannot be
// listed whole.
std::expected<FolderListing, std::string> list_folder(const fs::path& root,
                                                      const std::string& relative,
                                                      const WalkOptions& options);

}  // namespace memo::hash
