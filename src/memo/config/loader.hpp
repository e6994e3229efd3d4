#pragma once

#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memo/config/config.hpp"
#include "memo/config/settings.hpp"

namespace memo::config {

// The per-run settings from the command line, as the user typed them.
struct Flags {
  std::map<std::string, std::string> values;  // setting key -> raw text, e.g. "mode" -> "PASS"
  std::map<std::string, std::string> names;   // setting key -> flag as typed, e.g. "--mode"
  std::optional<std::filesystem::path> config_file;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

// Builds the effective config for a run started in `working_directory`: defaults <
// backfill.config.js files < memo.json files (both from the repo root down to the package,
// nearer wins) < --config FILE < .env at the repo root < environment < flags. A value the user
// must fix is an error naming the file, variable or flag and what was expected.
std::expected<Config, std::string> load_config(const std::filesystem::path& working_directory,
                                               const Flags& flags, const EnvLookup& env);

// A package whose folders are already known (a workspace dependency): no search for the roots,
// no flags, and the name given. Its settings come from the same layers as load_config's.
struct PackageLocation {
  std::filesystem::path root;
  std::filesystem::path repo_root;
  std::string name;
};
std::expected<Config, std::string> load_package_config(const PackageLocation& package,
                                                       const EnvLookup& env);

}  // namespace memo::config
