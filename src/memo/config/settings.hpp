#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "memo/config/config.hpp"

namespace memo::config {

// One row per setting: its key in backfill.config.js / memo.json, its env suffix (read as
// BACKFILL_<suffix> when backfill reads it, and always as MEMO_<suffix>, which wins), the flag
// that sets it per run, the help text `memo --help` prints, and how a value of the right
// shape goes into a Config and is shown again by `memo config`; other_env lists other tools'
// names for the variable. The loader and the help only
// walk this table: a new setting is one row.
struct SettingSpec {
  enum class Type {
    String,
    Bool,
    StringList,
    GlobList,
    Mode,
    RestoreMode,
    LogLevel,
    Path,
    Provider,
    Inputs,
    Size,
    Number
  };
  using Apply = std::expected<void, std::string> (*)(Config& config, const nlohmann::json& value,
                                                     const std::filesystem::path& base);
  using Show = nlohmann::json (*)(const Config& config);

  std::string_view key;
  Type type;
  std::string_view env_suffix;  // empty: no env var
  bool backfill_reads_env;      // BACKFILL_<suffix> is honoured too
  std::string_view flag;        // empty: no flag
  std::string_view help;
  Apply apply;  // null: not set by any layer (packageRoot is found before them)
  Show show;
  // Other tools' names for the same variable, read before BACKFILL_/MEMO_ (which win),
  // separated by spaces: "LAGE_WRITE_REMOTE_CACHE LAGE_WRITE_CACHE".
  std::string_view other_env = {};
};

const std::vector<SettingSpec>& setting_specs();
const SettingSpec* find_setting(std::string_view key);

// Checks that `value` has the shape the setting's type wants, then applies it. The error says
// what was expected; the caller puts in front of it where the value came from. `base` resolves
// a relative path.
std::expected<void, std::string> apply_setting(Config& config, const SettingSpec& spec,
                                               const nlohmann::json& value,
                                               const std::filesystem::path& base);

}  // namespace memo::config
