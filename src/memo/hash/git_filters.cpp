#include "memo/hash/git_filters.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "memo/util/ascii.hpp"
#include "memo/util/environment.hpp"
#include "memo/util/files.hpp"

namespace memo::hash {

namespace fs = std::filesystem;

namespace {

// git_env_bool: unset or "" is false.
bool env_true(const char* name) {
  auto value = util::env_value(name);
  return value && !value->empty() && !git_config_false(*value);
}

// The folders git may have been built to read "etc/gitconfig" and "etc/gitattributes" from:
// "/etc" (a /usr install), the usual prefixes, and the prefix of the git found on PATH.
std::vector<fs::path> system_etc_folders() {
  std::vector<fs::path> folders{"/etc", "/usr/etc", "/usr/local/etc", "/opt/homebrew/etc"};
  const std::string path = util::env_value("PATH").value_or("");
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t stop = path.find(':', start);
    if (stop == std::string::npos) stop = path.size();
    const fs::path dir = path.substr(start, stop - start);
    start = stop + 1;
    if (dir.empty() || !dir.is_absolute() || ::access((dir / "git").c_str(), X_OK) != 0) continue;
    const fs::path etc = dir.parent_path() / "etc";
    if (std::find(folders.begin(), folders.end(), etc) == folders.end()) folders.push_back(etc);
    break;
  }
  return folders;
}

std::vector<GitConfigEntry> command_line_settings() {
  std::vector<GitConfigEntry> settings;
  const long count =
      std::strtol(util::env_value("GIT_CONFIG_COUNT").value_or("0").c_str(), nullptr, 10);
  for (long i = 0; i < count && i < 10'000; ++i) {
    const std::string n = std::to_string(i);
    auto key = util::env_value(("GIT_CONFIG_KEY_" + n).c_str());
    auto value = util::env_value(("GIT_CONFIG_VALUE_" + n).c_str());
    if (!key) continue;
    // "section.sub.name": section and name are case-insensitive, the subsection is not.
    std::string normalized = *key;
    const std::size_t first = normalized.find('.');
    const std::size_t last = normalized.rfind('.');
    if (first != std::string::npos) {
      normalized = util::ascii_lowercase(normalized.substr(0, first)) +
                   normalized.substr(first, last - first) +
                   util::ascii_lowercase(normalized.substr(last));
    }
    settings.push_back({normalized, value.value_or(""), "GIT_CONFIG_KEY_" + n});
  }
  return settings;
}

// Whether an attributes file holds a rule (anything but blank lines and comments).
bool has_rules(const fs::path& file) {
  auto text = util::read_file(file);
  if (!text) return false;
  std::size_t start = 0;
  while (start < text->size()) {
    std::size_t stop = text->find('\n', start);
    if (stop == std::string::npos) stop = text->size();
    const std::size_t first = text->find_first_not_of(" \t\r", start);
    if (first < stop && (*text)[first] != '#') return true;
    start = stop + 1;
  }
  return false;
}

// A path setting as git reads it: "~/" is the home folder; relative is from the work tree's
// top, where git runs.
fs::path setting_path(const std::string& value, const GitRepoDirs& repo,
                      const GitEnvironment& env) {
  if (value.starts_with("~/") && env.home) return *env.home / value.substr(2);
  fs::path path(value);
  return path.is_absolute() ? path : repo.work_tree / path;
}

std::optional<std::string> setting_reason(const GitConfigEntry& entry) {
  const std::string value = util::ascii_lowercase(entry.value);
  if (entry.key == "core.autocrlf" && !git_config_false(value)) {
    return "core.autocrlf=" + entry.value + " in " + entry.source;
  }
  if (entry.key == "core.eol" && value == "crlf") return "core.eol=crlf in " + entry.source;
  if (entry.key == "attr.tree") return "attr.tree in " + entry.source;
  return std::nullopt;
}

std::vector<fs::path> attributes_files(const GitRepoDirs& repo, const GitEnvironment& env,
                                       const std::vector<GitConfigEntry>& config) {
  std::vector<fs::path> files = env.system_attributes;
  files.insert(files.end(), env.user_attributes.begin(), env.user_attributes.end());
  for (const GitConfigEntry& entry : config) {
    if (entry.key == "core.attributesfile" && !entry.value.empty()) {
      files.push_back(setting_path(entry.value, repo, env));
    }
  }
  files.push_back(repo.common_dir / "info" / "attributes");
  files.push_back(repo.git_dir / "info" / "attributes");
  return files;
}

}  // namespace

GitEnvironment GitEnvironment::from_process() {
  GitEnvironment env;
  if (auto home = util::env_value("HOME"); home && !home->empty()) env.home = fs::path(*home);
  std::optional<fs::path> xdg;
  if (auto value = util::env_value("XDG_CONFIG_HOME"); value && !value->empty()) {
    xdg = fs::path(*value);
  } else if (env.home) {
    xdg = *env.home / ".config";
  }
  const std::vector<fs::path> etc = system_etc_folders();
  if (!env_true("GIT_CONFIG_NOSYSTEM")) {
    if (auto system = util::env_value("GIT_CONFIG_SYSTEM")) {
      env.system_configs.emplace_back(*system);
    } else {
      for (const fs::path& folder : etc) env.system_configs.push_back(folder / "gitconfig");
    }
  }
  if (auto global = util::env_value("GIT_CONFIG_GLOBAL")) {
    env.global_configs.emplace_back(*global);
  } else {
    if (xdg) env.global_configs.push_back(*xdg / "git" / "config");
    if (env.home) env.global_configs.push_back(*env.home / ".gitconfig");
  }
  if (xdg) env.user_attributes.push_back(*xdg / "git" / "attributes");
  if (!env_true("GIT_ATTR_NOSYSTEM")) {
    for (const fs::path& folder : etc) env.system_attributes.push_back(folder / "gitattributes");
  }
  env.command_line = command_line_settings();
  if (auto parameters = util::env_value("GIT_CONFIG_PARAMETERS");
      parameters && !parameters->empty()) {
    env.unreadable = "GIT_CONFIG_PARAMETERS is set";
  } else if (auto source = util::env_value("GIT_ATTR_SOURCE"); source && !source->empty()) {
    env.unreadable = "GIT_ATTR_SOURCE is set";
  }
  return env;
}

std::vector<GitConfigEntry> repo_config(const GitRepoDirs& repo, const GitEnvironment& env) {
  std::vector<GitConfigEntry> config;
  const auto add = [&config, &env](const fs::path& file) {
    std::vector<GitConfigEntry> entries = read_git_config(file, env.home);
    config.insert(config.end(), std::make_move_iterator(entries.begin()),
                  std::make_move_iterator(entries.end()));
  };
  for (const fs::path& file : env.system_configs) add(file);
  for (const fs::path& file : env.global_configs) add(file);
  add(repo.common_dir / "config");
  add(repo.git_dir / "config.worktree");
  config.insert(config.end(), env.command_line.begin(), env.command_line.end());
  return config;
}

std::optional<std::string> content_filter_reason(const GitRepoDirs& repo, const GitEnvironment& env,
                                                 const std::vector<GitConfigEntry>& config) {
  if (env.unreadable) return env.unreadable;
  // Any value anywhere counts, even one a later file overrides: an includeIf's condition is
  // not evaluated, so which value wins is not known for sure.
  for (const GitConfigEntry& entry : config) {
    if (auto reason = setting_reason(entry)) return reason;
  }
  std::error_code error;
  if (fs::exists(fs::symlink_status(repo.work_tree / ".gitattributes", error))) {
    return "a .gitattributes file at the top of the work tree";
  }
  for (const fs::path& file : attributes_files(repo, env, config)) {
    if (has_rules(file)) return "git attributes in " + file.string();
  }
  return std::nullopt;
}

}  // namespace memo::hash
