#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "memo/config/config.hpp"
#include "memo/hash/package_key.hpp"
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

// A dependency's config that cannot be read is an error naming its file.
std::expected<KeyInputs, std::string> resolve_key_inputs(const config::Config& config,
                                                         const workspace::Workspace& workspace);

}  // namespace memo::step
