#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace memo::hash {

// One difference between two key manifests, in terms a user knows: a file added, removed or
// changed, an env var changed (never its value), a dependency added, a locked version bumped,
// the command or a setting changed.
struct ManifestChange {
  std::string kind;     // the manifest line's kind: "file", "env", "lock", "command", …
  std::string change;   // "added", "removed", "changed", "mode"
  std::string subject;  // a path, a variable or package name; "" for whole-line kinds
  std::string before;   // old value(s), for kinds whose values are not secret
  std::string after;
};

std::vector<ManifestChange> diff_manifests(std::string_view before, std::string_view after);

// "changed  packages/a/src/index.ts", "env      NODE_ENV changed", "lockfile is-odd 3.0.0 → 3.0.1".
std::string describe_change(const ManifestChange& change);

// Undoes quote_field; nullopt when `line` is not a well-formed manifest line.
std::vector<std::string> split_manifest_line(std::string_view line);

}  // namespace memo::hash
