#include "memo/workspace/workspace.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <set>

#include "memo/hash/file_walk.hpp"
#include "memo/hash/glob.hpp"
#include "memo/util/files.hpp"
#include "memo/util/json.hpp"

namespace memo::workspace {

namespace {

using json = nlohmann::json;

constexpr const char* kDependencyFields[] = {"dependencies", "devDependencies", "peerDependencies",
                                             "optionalDependencies"};

// A file that is not there is the user's to fix; one that is there but cannot be read (EMFILE,
// EIO, EACCES) is a cache problem.
WorkspaceError read_error(const std::string& message) {
  return WorkspaceError(message, errno != ENOENT && errno != ENOTDIR);
}

std::expected<json, WorkspaceError> read_json(const fs::path& file, bool allow_comments = false) {
  auto text = util::read_file(file);
  if (!text) return std::unexpected(read_error(text.error()));
  auto parsed = util::parse_json(*text, allow_comments);
  if (!parsed) return std::unexpected(file.string() + ": " + parsed.error());
  return parsed;
}

// Whether `path` exists; a failure to tell (other than a missing folder on the way) is a cache
// problem, never "no".
std::expected<bool, WorkspaceError> path_exists(const fs::path& path) {
  auto status = util::status_unless_missing(path);
  if (!status) return std::unexpected(WorkspaceError(status.error(), true));
  return fs::exists(*status);
}

std::vector<std::string> strings_of(const json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const auto& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// The workspace globs and the file declaring them; empty when the repo declares none.
std::expected<std::pair<std::vector<std::string>, std::string>, WorkspaceError> workspace_globs(
    const fs::path& root) {
  auto text = util::read_file(root / "pnpm-workspace.yaml");
  if (!text && errno != ENOENT) return std::unexpected(read_error(text.error()));
  if (text) {
    try {
      YAML::Node document = YAML::Load(*text);
      std::vector<std::string> globs;
      if (document["packages"]) {
        for (const auto& item : document["packages"]) globs.push_back(item.as<std::string>());
      }
      return std::pair{globs, std::string("pnpm-workspace.yaml")};
    } catch (const YAML::Exception& error) {
      return std::unexpected((root / "pnpm-workspace.yaml").string() + ": not valid YAML (" +
                             error.what() + ")");
    }
  }
  auto has_manifest = path_exists(root / "package.json");
  if (!has_manifest) return std::unexpected(has_manifest.error());
  if (*has_manifest) {
    auto manifest = read_json(root / "package.json");
    if (!manifest) return std::unexpected(manifest.error());
    if (manifest->is_object() && manifest->contains("workspaces")) {
      const json& workspaces = (*manifest)["workspaces"];
      if (workspaces.is_array())
        return std::pair{strings_of(workspaces), std::string("package.json")};
      if (workspaces.is_object() && workspaces.contains("packages") &&
          workspaces["packages"].is_array()) {
        return std::pair{strings_of(workspaces["packages"]), std::string("package.json")};
      }
      return std::unexpected((root / "package.json").string() +
                             ": \"workspaces\" must be an array of globs or {\"packages\": [...]}");
    }
  }
  auto has_lerna = path_exists(root / "lerna.json");
  if (!has_lerna) return std::unexpected(has_lerna.error());
  if (*has_lerna) {
    auto lerna = read_json(root / "lerna.json");
    if (!lerna) return std::unexpected(lerna.error());
    if (!lerna->is_object())
      return std::unexpected((root / "lerna.json").string() + ": expected a JSON object");
    std::vector<std::string> globs = strings_of(lerna->value("packages", json::array()));
    if (globs.empty()) globs = {"packages/*"};  // lerna's default
    return std::pair{globs, std::string("lerna.json")};
  }
  return std::pair{std::vector<std::string>{}, std::string()};
}

}  // namespace

const WorkspacePackage* Workspace::find_by_name(const std::string& name) const {
  for (const auto& package : packages) {
    if (package.name == name) return &package;
  }
  return nullptr;
}

const WorkspacePackage* Workspace::find_by_folder(const std::string& folder) const {
  for (const auto& package : packages) {
    if (package.folder == folder) return &package;
  }
  return nullptr;
}

std::vector<const WorkspacePackage*> Workspace::direct_dependencies(
    const WorkspacePackage& package) const {
  std::vector<const WorkspacePackage*> result;
  for (const auto& [name, range] : package.dependencies) {
    const WorkspacePackage* dependency = find_by_name(name);
    if (!dependency || dependency == &package) continue;
    // An alias to the registry, a URL or a git spec names something else with that name.
    if (range.starts_with("npm:") || range.find("://") != std::string::npos ||
        range.starts_with("git") || range.starts_with("github:")) {
      continue;
    }
    result.push_back(dependency);
  }
  return result;
}

std::vector<const WorkspacePackage*> Workspace::transitive_dependencies(
    const WorkspacePackage& package, std::vector<std::string>* cycle) const {
  std::set<const WorkspacePackage*> done;
  std::vector<const WorkspacePackage*> path;
  std::set<const WorkspacePackage*> on_path;
  std::function<void(const WorkspacePackage*)> visit = [&](const WorkspacePackage* current) {
    path.push_back(current);
    on_path.insert(current);
    for (const WorkspacePackage* next : direct_dependencies(*current)) {
      if (on_path.contains(next)) {
        if (cycle && cycle->empty()) {
          auto start = std::find(path.begin(), path.end(), next);
          for (auto it = start; it != path.end(); ++it) cycle->push_back((*it)->name);
          cycle->push_back(next->name);
        }
        continue;
      }
      if (done.insert(next).second) visit(next);
    }
    on_path.erase(current);
    path.pop_back();
  };
  visit(&package);
  done.erase(&package);
  std::vector<const WorkspacePackage*> result(done.begin(), done.end());
  std::sort(result.begin(), result.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  return result;
}

std::expected<Workspace, WorkspaceError> discover_workspace(const fs::path& repo_root) {
  Workspace workspace;
  workspace.root = repo_root;
  std::vector<std::string> folders;

  auto has_rush = path_exists(repo_root / "rush.json");
  if (!has_rush) return std::unexpected(has_rush.error());
  if (*has_rush) {
    auto rush = read_json(repo_root / "rush.json", true);
    if (!rush) return std::unexpected(rush.error());
    workspace.declared_by = "rush.json";
    if (!rush->is_object()) {
      return std::unexpected((repo_root / "rush.json").string() + ": expected a JSON object");
    }
    for (const auto& project : rush->value("projects", json::array())) {
      if (project.is_object() && project.contains("projectFolder") &&
          project["projectFolder"].is_string()) {
        std::string folder = fs::path(project["projectFolder"].get<std::string>())
                                 .lexically_normal()
                                 .generic_string();
        while (folder.size() > 1 && folder.ends_with("/")) folder.pop_back();
        folders.push_back(folder);
      }
    }
  } else {
    auto declared = workspace_globs(repo_root);
    if (!declared) return std::unexpected(declared.error());
    auto& [globs, file] = *declared;
    workspace.declared_by = file;
    if (!globs.empty()) {
      auto compiled = hash::GlobSet::compile(globs);
      if (!compiled) return std::unexpected((repo_root / file).string() + ": " + compiled.error());
      // A folder is a package when a glob matches it and it holds a package.json: list the
      // package.json files the globs can reach (pruned by the globs, never in node_modules).
      std::vector<std::string> manifest_globs;
      for (const auto& glob : globs) {
        std::string trimmed = glob;
        while (trimmed.ends_with("/")) trimmed.pop_back();
        manifest_globs.push_back(trimmed + "/package.json");
      }
      auto manifests = hash::GlobSet::compile(manifest_globs);
      if (!manifests)
        return std::unexpected((repo_root / file).string() + ": " + manifests.error());
      hash::WalkOptions options;
      options.include = &*manifests;
      auto found = hash::walk_files(repo_root, options);
      // A listing that failed part-way (EMFILE, EIO) would be a workspace with packages missing.
      if (!found) return std::unexpected(WorkspaceError(found.error(), true));
      for (const auto& manifest : *found) {
        if (!manifest.path.ends_with("package.json")) continue;
        std::string folder = manifest.path == "package.json"
                                 ? "."
                                 : manifest.path.substr(0, manifest.path.size() - 13);
        folders.push_back(folder);
      }
      for (const auto& glob : globs) {
        if (glob.starts_with("!")) continue;
        std::string trimmed = glob;  // "apps/*/" names the folders "apps/*" matches
        while (trimmed.ends_with("/")) trimmed.pop_back();
        auto single = hash::GlobSet::compile({trimmed});
        bool matched = false;
        for (const auto& folder : folders) matched |= single && single->matches(folder);
        if (!matched) {
          workspace.warnings.push_back((repo_root / file).string() + ": workspace glob \"" + glob +
                                       "\" matches no package");
        }
      }
    }
  }

  // The root package is part of the workspace too (its scripts and dependencies count).
  auto has_root = path_exists(repo_root / "package.json");
  if (!has_root) return std::unexpected(has_root.error());
  if (std::find(folders.begin(), folders.end(), ".") == folders.end() && *has_root) {
    folders.push_back(".");
  }
  std::sort(folders.begin(), folders.end());
  folders.erase(std::unique(folders.begin(), folders.end()), folders.end());

  std::map<std::string, std::string> folder_of_name;
  for (const auto& folder : folders) {
    fs::path manifest_file = repo_root / folder / "package.json";
    auto manifest = read_json(manifest_file);
    if (!manifest) return std::unexpected(manifest.error());
    if (!manifest->is_object()) {
      return std::unexpected(manifest_file.string() + ": expected a JSON object");
    }
    WorkspacePackage package;
    package.folder = folder;
    if (manifest->contains("name") && !(*manifest)["name"].is_string()) {
      return std::unexpected(manifest_file.string() + ": \"name\" must be a string");
    }
    package.name = manifest->value("name", "");
    if (package.name.empty()) {
      package.name =
          folder == "." ? repo_root.filename().string() : fs::path(folder).filename().string();
    }
    if (auto version = manifest->find("version");
        version != manifest->end() && version->is_string()) {
      package.version = version->get<std::string>();
    }
    if (auto scripts = manifest->find("scripts");
        scripts != manifest->end() && scripts->is_object()) {
      for (const auto& [name, script] : scripts->items()) {
        if (script.is_string()) package.scripts.emplace(name, script.get<std::string>());
      }
    }
    for (const char* field : kDependencyFields) {
      const json& dependencies = manifest->value(field, json::object());
      if (!dependencies.is_object()) continue;
      for (const auto& [name, range] : dependencies.items()) {
        package.dependencies.emplace(name, range.is_string() ? range.get<std::string>() : "");
      }
    }
    auto [existing, inserted] = folder_of_name.emplace(package.name, folder);
    if (!inserted) {
      return std::unexpected(manifest_file.string() + ": the name \"" + package.name +
                             "\" is also the name of " + (repo_root / existing->second).string() +
                             "/package.json; rename one of them");
    }
    workspace.packages.push_back(std::move(package));
  }
  return workspace;
}

}  // namespace memo::workspace
