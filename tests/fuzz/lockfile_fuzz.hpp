#pragma once

// What every lockfile target does with its bytes: parse them as `kind`, then resolve what a few
// workspace packages declare, the way a package's key is made.

#include <map>
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "memo/workspace/lockfile.hpp"

namespace memo::fuzz {

inline void check_lockfile(std::string_view bytes, const std::string& path,
                           const std::string& kind) {
  auto lockfile = memo::workspace::Lockfile::parse(bytes, path, kind);
  if (!lockfile) return;
  const std::map<std::string, std::string> declared = {
      {"a", "^1.0.0"},  {"b", "workspace:*"},    {"left-pad", "1.3.0"}, {"@scope/c", "~2.0.0"},
      {"d", "npm:e@1"}, {"f", "github:o/f#ref"}, {"g", "file:../g"},    {"h", "*"}};
  const std::set<std::string> workspace_names = {"b", "@scope/c"};
  for (const char* folder : {".", "packages/a", "packages/b", "common/temp/projects/a"}) {
    (void)lockfile->resolve_external(folder, declared, workspace_names);
  }
}

}  // namespace memo::fuzz
