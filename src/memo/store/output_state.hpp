#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "memo/archive/output_file.hpp"
#include "memo/store/entry.hpp"
#include "memo/store/store_error.hpp"

namespace memo::store {

// What memo last left in a package's output folders: the key, and every output with its digest
// and the stat data it had right after memo restored or stored it. On the next run with the
// same key, outputs whose stat data still match are intact without being read; others are
// re-hashed, and only those that really changed (or went missing) are restored again, so
// untouched files keep their timestamps. Kept in state/<sha256 of the package>.
class OutputState {
 public:
  struct Output {
    archive::OutputFile file;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    std::uint64_t inode = 0;
  };

  explicit OutputState(std::filesystem::path store_root);

  // Records `outputs` as they are now on disk under `package_root`, with how long the command
  // that made them took (what a hit with the outputs intact saves) and the entry's output log
  // (what that hit replays, found without reading the entry). `as_read`, one per output: the
  // stat data each had when the store read its bytes, recorded instead of asking again (a file
  // written since has other stat data then, and is never taken for intact).
  StoreResult<void> save(const std::string& package, const std::string& key,
                         const std::filesystem::path& package_root,
                         const std::vector<archive::OutputFile>& outputs, double command_ms = 0,
                         const std::optional<OutputLog>& log = std::nullopt,
                         const std::vector<struct stat>* as_read = nullptr) const;

  struct Comparison {
    std::vector<std::string> changed;  // the recorded outputs no longer as memo left them
    double command_ms = 0;
    std::optional<OutputLog> log;
  };
  // The outputs recorded for `key` compared with the disk; nullopt when the record is for
  // another key (or there is none, or it cannot be read).
  std::optional<Comparison> changed_outputs(const std::string& package, const std::string& key,
                                            const std::filesystem::path& package_root) const;

  // The outputs of `wanted` (an entry under any key) already on disk as that entry has them:
  // memo left the same bytes, mode and type at that path (for another key, say, before a
  // branch switch and back) and they are untouched since, or still hold the same bytes.
  // Restoring them again would change nothing but their timestamps.
  std::set<std::string> already_in_place(const std::string& package,
                                         const std::filesystem::path& package_root,
                                         const std::vector<archive::OutputFile>& wanted) const;

 private:
  struct Record {
    std::string key;
    double command_ms = 0;
    std::vector<Output> outputs;
    std::optional<OutputLog> log;
  };
  std::filesystem::path path_for(const std::string& package) const;
  // The record, or nullopt when there is no readable one (or, with `only_key`, when it is for
  // another key).
  std::optional<Record> load(const std::string& package,
                             const std::string* only_key = nullptr) const;
  std::filesystem::path root_;
};

}  // namespace memo::store
