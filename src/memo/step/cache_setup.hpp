#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "memo/config/config.hpp"
#include "memo/step/scratch_store.hpp"
#include "memo/store/cache.hpp"
#include "memo/store/local_store.hpp"

namespace memo::step {

// The cache one run of memo uses: the local store, and the remote backend the provider
// names, layered with the policy the config, the mode and the flags give (lage's): read the
// remote unless --no-remote, WRITE_ONLY or skipRemoteCache; write it only when
// writeRemoteCache (LAGE_WRITE_REMOTE_CACHE …) is true and the mode stores.
class OpenedCache {
 public:
  OpenedCache(const OpenedCache&) = delete;
  OpenedCache& operator=(const OpenedCache&) = delete;
  ~OpenedCache();

  store::Cache& cache() { return *cache_; }

  // The error is the user's to fix (a missing or malformed provider option) and stops memo
  // before anything runs.
  static std::expected<std::unique_ptr<OpenedCache>, std::string> open(const config::Config& config,
                                                                       bool no_remote);

 private:
  OpenedCache() = default;
  std::optional<ScratchStore> scratch_;  // skipLocalCache: a store of this run alone
  std::unique_ptr<store::LocalStore> local_;
  std::unique_ptr<store::Cache> cache_;
};

}  // namespace memo::step
