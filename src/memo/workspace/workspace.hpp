#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace memo::workspace {

namespace fs = std::filesystem;

struct WorkspacePackage {
  std::string name;
  std::string folder;  // relative to the repo root, '/'-separated; "." for the root package
  // Every dependency the package declares (dependencies, devDependencies, peerDependencies,
  // optionalDependencies): name -> range as written.
  std::map<std::string, std::string> dependencies;
  std::string version;                         // "" when it has none
  std::map<std::string, std::string> scripts;  // package.json "scripts" (memo run)
};

// The packages of a monorepo and how they depend on each other.
struct Workspace {
  fs::path root;
  std::string
      declared_by;  // "package.json", "pnpm-workspace.yaml", "rush.json", "lerna.json" or ""
  std::vector<WorkspacePackage> packages;  // sorted by folder
  std::vector<std::string> warnings;       // globs that matched nothing, cycles

  const WorkspacePackage* find_by_name(const std::string& name) const;
  const WorkspacePackage* find_by_folder(const std::string& folder) const;

  // The workspace packages `package` depends on, directly or through others, sorted by name.
  // A cycle is reported in `cycle` (the packages on it, in order) and does not stop the walk.
  std::vector<const WorkspacePackage*> transitive_dependencies(
      const WorkspacePackage& package, std::vector<std::string>* cycle) const;
  // The internal dependencies of one package: declared names that are workspace packages and
  // whose range does not point elsewhere (an npm: alias, a URL, a git spec).
  std::vector<const WorkspacePackage*> direct_dependencies(const WorkspacePackage& package) const;
};

// Why the workspace could not be read. `cache_problem` when a file or folder that is there could
// not be read (EMFILE under a low `ulimit -n`, EIO, EACCES): the workspace would come out with
// packages missing, so no key can be computed and the command runs uncached. Otherwise the
// workspace is the user's to fix (a package.json that is not JSON, two packages with one name).
struct WorkspaceError {
  WorkspaceError(std::string text, bool problem = false)  // NOLINT: errors are mostly text
      : message(std::move(text)), cache_problem(problem) {}
  std::string message;
  bool cache_problem = false;
};

// Reads the workspace declared at `repo_root` (package.json "workspaces" as an array or as
// {"packages": […]}, pnpm-workspace.yaml, rush.json "projects", lerna.json "packages"); a repo
// without one is a single package. Errors (a package.json that is not JSON, two packages with
// one name) are one line naming the file.
std::expected<Workspace, WorkspaceError> discover_workspace(const fs::path& repo_root);

}  // namespace memo::workspace
