#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "memo/hash/glob.hpp"

namespace memo::hash {

// The rules of the .gitignore files that apply below one folder, evaluated as git does: the
// last matching pattern wins, deeper files override higher ones, "!" re-includes, a trailing
// "/" matches folders only, a pattern with a slash inside is anchored to its file's folder and
// one without matches at any depth. An ignored folder is never entered, so nothing below it can
// be re-included. memo reads only .gitignore files (not .git/info/exclude nor the user's global
// excludes), so the same tree gives the same key with or without a .git folder.
class GitignoreRules {
 public:
  // Adds the rules of `text`, a .gitignore in the folder `base` below the walk's root ("" for
  // the root itself).
  void add_file(std::string_view base, std::string_view text);
  // Adds the rules of a .gitignore in a folder above the walk's root; `root_below_it` is the
  // root's path relative to that folder (e.g. "packages/a").
  void add_ancestor_file(std::string_view root_below_it, std::string_view text);

  // Reads `folder`/.gitignore if there is one and adds it with add_file(base, …).
  void add_file_if_present(const std::filesystem::path& folder, std::string_view base);

  // `path` is relative to the walk's root.
  bool is_ignored(std::string_view path, bool is_folder) const;

  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::string base;  // '/'-terminated prefix under the walk's root, or "" for the root
    std::string up;    // for a file above the root: the root's path below that file's folder
    GlobSet glob;
    bool negated = false;
    bool folders_only = false;
  };
  void add_rules(std::string base, std::string up, std::string_view text);
  std::vector<Rule> rules_;
  mutable std::string scratch_;  // each walk has its own copy of the rules: not shared
};

}  // namespace memo::hash
