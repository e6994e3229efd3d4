#pragma once

#include <filesystem>
#include <string>

namespace memo::workspace {

namespace fs = std::filesystem;

// The nearest folder at or above `start` holding a package.json; `start` itself when none does.
fs::path find_package_root(const fs::path& start);

// The repo's root seen from a package: the nearest folder at or above it holding a workspace
// declaration (package.json "workspaces", pnpm-workspace.yaml, rush.json, lerna.json) or .git;
// the package root itself when there is none.
fs::path find_repo_root(const fs::path& package_root);

// The "name" of the package.json in `package_root`, or the folder's name when there is none.
std::string read_package_name(const fs::path& package_root);

}  // namespace memo::workspace
