#pragma once

#include <expected>
#include <filesystem>
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
};

// A dependency's config that cannot be read is an error naming its file.
std::expected<KeyInputs, std::string> resolve_key_inputs(const config::Config& config,
                                                         const workspace::Workspace& workspace);

}  // namespace memo::step
