#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memo::hash {

// One setting of a git config file. `key` is "section.name" or "section.subsection.name" with
// the section and the name lowercased (git compares them so); the subsection keeps its case.
// A name given without '=' ("[core] autocrlf") has the value "" (true, for git).
struct GitConfigEntry {
  std::string key;
  std::string value;
  std::string source;  // the file it was read from, or "GIT_CONFIG_KEY_<n>" and the like
};

// The settings of one config text, in order; includes are not followed. Lines git would
// reject are skipped.
std::vector<GitConfigEntry> parse_git_config(std::string_view text, const std::string& source);

// The settings of `file` (none when it cannot be read), with every include.path and
// includeIf.<condition>.path followed in place, whatever the condition: more settings than git
// may use, never fewer. Relative include paths are relative to the including file's folder;
// "~/" is `home`.
std::vector<GitConfigEntry> read_git_config(const std::filesystem::path& file,
                                            const std::optional<std::filesystem::path>& home);

// Whether git reads `value` as false: "false", "no", "off" or a zero number, in any case.
// ("" is false for git too, but a setting written without '=' is true; both read "" here, so
// this says true for neither.)
bool git_config_false(std::string_view value);

}  // namespace memo::hash
