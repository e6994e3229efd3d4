#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "memo/hash/file_walk.hpp"
#include "memo/store/store_error.hpp"

namespace memo::store {

// backfill's "local-skip" provider: no outputs are copied. A record per package remembers the
// key of its last successful run and which outputs it left; a later run with the same key is a
// hit when those outputs are still there with the same sizes, and then nothing is copied.
class LocalSkipStore {
 public:
  explicit LocalSkipStore(std::filesystem::path root);

  StoreResult<bool> is_current(const std::string& package, const std::string& key,
                               const std::filesystem::path& package_root) const;
  StoreResult<void> record(const std::string& package, const std::string& key,
                           const std::filesystem::path& package_root,
                           const std::vector<hash::WalkedFile>& outputs,
                           const std::string& manifest = "");
  // The key and manifest of the last record, for `memo explain`.
  std::optional<std::pair<std::string, std::string>> last_record(const std::string& package) const;

 private:
  std::filesystem::path record_path(const std::string& package) const;
  std::filesystem::path root_;
};

}  // namespace memo::store
