#pragma once

#include <expected>
#include <set>
#include <string>
#include <vector>

namespace memo::archive {

// Makes the folders a restore writes into, below the package open as `root_fd`, and remembers
// what it changed so that a failed restore can leave the package as it found it: the folders it
// created, and the symlinks or files that stood where a folder must be, which are moved aside
// under a staging name (never followed, never deleted until the restore has succeeded).
class FolderPreparation {
 public:
  explicit FolderPreparation(int root_fd) : root_fd_(root_fd) {}

  // Makes every folder of `folders` (relative, '/'-separated, "" for the root) and its
  // parents. An error names the folder that could not be made.
  std::expected<void, std::string> make(const std::vector<std::string>& folders);

  // The restore succeeded: what was moved aside is removed.
  void commit();
  // The restore failed: the folders made are removed if empty (deepest first) and what was
  // moved aside goes back where it was.
  void undo();

 private:
  struct MovedAside {
    std::string parent;  // the folder it was in
    std::string name;
    std::string aside;  // its staging name meanwhile
  };
  std::expected<void, std::string> make_one(const std::string& folder);

  int root_fd_;
  std::set<std::string> present_;  // folders known to be there (made or found)
  std::vector<std::string> created_;
  std::vector<MovedAside> moved_;
};

}  // namespace memo::archive
