#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace memo::store {

// A note, kept while a restore runs, of the folders it writes staging files into. A restore
// killed mid-way (kill -9, a crash, a power cut) cannot remove them itself; the next memo run
// on this store does: restoring/<pid>.<n> holds the package root and the folders.
class RestoreJournal {
 public:
  // Writes the note; one that cannot be written only loses the sweep after a crash.
  RestoreJournal(const std::filesystem::path& store_root, const std::filesystem::path& package_root,
                 const std::vector<std::string>& folders);
  ~RestoreJournal();  // the restore is over: the note goes
  RestoreJournal(const RestoreJournal&) = delete;
  RestoreJournal& operator=(const RestoreJournal&) = delete;

 private:
  std::filesystem::path file_;
};

// Removes the staging files of restores whose process is gone, and their notes. Costs one
// failed opendir when there is nothing to do.
void sweep_interrupted_restores(const std::filesystem::path& store_root);

}  // namespace memo::store
