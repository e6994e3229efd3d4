#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "memo/hash/git_config.hpp"

namespace memo::hash {

// Where git looks for the settings and attributes that change a file's bytes on their way
// into the index (core.autocrlf, text, eol, filter, ident, working-tree-encoding): every place
// git reads, and more, since git's install prefix can only be guessed.
struct GitEnvironment {
  std::optional<std::filesystem::path> home;
  std::vector<std::filesystem::path> system_configs;   // none with GIT_CONFIG_NOSYSTEM
  std::vector<std::filesystem::path> global_configs;   // GIT_CONFIG_GLOBAL, else XDG, ~/.gitconfig
  std::vector<std::filesystem::path> user_attributes;  // core.attributesFile's default
  std::vector<std::filesystem::path> system_attributes;  // none with GIT_ATTR_NOSYSTEM
  std::vector<GitConfigEntry> command_line;              // GIT_CONFIG_COUNT, _KEY_<n>, _VALUE_<n>
  // Something git would read that memo does not (GIT_CONFIG_PARAMETERS, GIT_ATTR_SOURCE).
  std::optional<std::string> unreadable;

  // As this process's environment says.
  static GitEnvironment from_process();
};

// A repository's folders: the work tree, its git folder, and the git folder holding the
// shared config and info/ (the main repository's, for a worktree; else the git folder).
struct GitRepoDirs {
  std::filesystem::path work_tree;
  std::filesystem::path git_dir;
  std::filesystem::path common_dir;
};

// Every setting git applies in the repository, in git's order: system, global, the repo's,
// the worktree's, the command line's (includes followed).
std::vector<GitConfigEntry> repo_config(const GitRepoDirs& repo, const GitEnvironment& env);

// Why the bytes of the work tree's files may not be what the blob ids in git's index name
// (a setting or attributes file that converts content), or nullopt when nothing does.
// Conservative: an attributes file with any rule counts, whatever the rule.
std::optional<std::string> content_filter_reason(const GitRepoDirs& repo, const GitEnvironment& env,
                                                 const std::vector<GitConfigEntry>& config);

}  // namespace memo::hash
