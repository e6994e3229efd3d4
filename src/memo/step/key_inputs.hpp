#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "memo/config/config.hpp"
#include "memo/config/loader.hpp"
#include "memo/hash/package_key.hpp"
#include "memo/workspace/lockfile.hpp"
#include "memo/workspace/workspace.hpp"

namespace memo::step {

// What a package's key covers beyond its own settings: the folders of packages nested inside
// it (whose files are theirs, not its), and every workspace package it depends on, each with
// its own hashGlobs and outputGlob from its own config files.
struct KeyInputs {
  std::vector<std::filesystem::path> nested_packages;
  std::vector<hash::PackageSources> dependencies;
  std::vector<std::string> cycle;  // a dependency cycle met on the way, for a warning
  // The external packages the package and its workspace dependencies resolve, as locked:
  // sorted "name@version" (or "name@range (unresolved)").
  std::vector<std::string> external_packages;
  // The same for the root package.json's own dependencies, when includeRootDependencies and
  // the package is not the root itself.
  std::vector<std::string> root_external_packages;
  // When the lockfile cannot be read precisely: its path and the digest of all its bytes.
  std::optional<std::pair<std::string, std::string>> lockfile_fallback;
  std::vector<std::string> warnings;  // lockfile problems, said once by the caller
  // Set when something the key must cover could not be read (an I/O failure, a lockfile beyond
  // memo's bounds): there is no key then, and the command runs uncached. Never a smaller key.
  std::optional<std::string> cache_problem;
};

// The key of `command` in the package, from everything above; inputs.cache_problem as the error
// when it is set.
std::expected<hash::PackageKey, std::string> compute_key(const config::Config& config,
                                                         const std::string& command,
                                                         const KeyInputs& inputs,
                                                         hash::HashingSession* session = nullptr);

// What the keys of one process (memo run) share: each package's config and the lockfile,
// read once for every target whose key they enter. Safe to use from many threads at once.
class KeyInputsCache {
 public:
  using ConfigResult = std::expected<config::Config, std::string>;
  using LockfileResult =
      std::expected<std::optional<workspace::Lockfile>, workspace::LockfileError>;

  const ConfigResult& package_config(const std::filesystem::path& root, const std::string& name,
                                     const config::EnvLookup& environment);
  const LockfileResult& lockfile(const std::filesystem::path& repo_root);

 private:
  std::mutex mutex_;
  std::map<std::filesystem::path, std::unique_ptr<ConfigResult>> configs_;
  std::once_flag lockfile_once_;
  std::optional<LockfileResult> lockfile_;
};

// A dependency's config that cannot be read is an error naming its file. With a cache, what
// it read already is not read again.
std::expected<KeyInputs, std::string> resolve_key_inputs(const config::Config& config,
                                                         const workspace::Workspace& workspace,
                                                         KeyInputsCache* cache = nullptr);

}  // namespace memo::step
