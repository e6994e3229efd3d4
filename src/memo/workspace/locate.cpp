#include "memo/workspace/locate.hpp"

#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "memo/util/files.hpp"
#include "memo/util/json.hpp"

namespace memo::workspace {

namespace {

// Whether anything is at `path`, a dangling symlink included; a failure to tell is "no".
bool path_or_link_exists(const fs::path& path) {
  std::error_code ignored;
  return fs::exists(fs::symlink_status(path, ignored));
}

bool reads_as_workspace_root(const fs::path& dir) {
  if (path_or_link_exists(dir / "pnpm-workspace.yaml") || path_or_link_exists(dir / "rush.json") ||
      path_or_link_exists(dir / "lerna.json")) {
    return true;
  }
  auto manifest = util::read_file(dir / "package.json");
  if (!manifest) return false;
  auto json = util::parse_json(*manifest);
  return json && json->is_object() && json->contains("workspaces");
}

// Asked once per folder and process: every dependency of a package asks of the same folders
// above it, and the root's package.json can be big.
bool declares_workspace(const fs::path& dir) {
  static std::mutex mutex;
  static std::map<fs::path, bool> known;
  {
    std::lock_guard lock(mutex);
    if (auto found = known.find(dir); found != known.end()) return found->second;
  }
  bool declares = reads_as_workspace_root(dir);
  std::lock_guard lock(mutex);
  known.emplace(dir, declares);
  return declares;
}

}  // namespace

fs::path find_package_root(const fs::path& start) {
  for (fs::path dir = start;; dir = dir.parent_path()) {
    if (path_or_link_exists(dir / "package.json")) return dir;
    if (dir == dir.root_path() || dir.empty()) return start;
  }
}

fs::path find_repo_root(const fs::path& package_root) {
  // A repo never extends above its .git: a workspace file higher up belongs to another project.
  for (fs::path dir = package_root;; dir = dir.parent_path()) {
    if (declares_workspace(dir) || path_or_link_exists(dir / ".git")) return dir;
    if (dir == dir.root_path() || dir.empty()) return package_root;
  }
}

std::string read_package_name(const fs::path& package_root) {
  if (auto manifest = util::read_file(package_root / "package.json")) {
    auto json = util::parse_json(*manifest);
    if (json && json->is_object() && json->contains("name") && (*json)["name"].is_string()) {
      return (*json)["name"].get<std::string>();
    }
  }
  return package_root.filename().string();
}

}  // namespace memo::workspace
