#include "memo/step/key_inputs.hpp"

#include <set>

#include "memo/config/loader.hpp"
#include "memo/util/log.hpp"
#include "memo/util/parallel.hpp"
#include "memo/workspace/locate.hpp"
#include "memo/workspace/lockfile.hpp"

namespace memo::step {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> nested_in(const workspace::Workspace& workspace, const std::string& folder) {
  std::vector<fs::path> nested;
  for (const auto& other : workspace.packages) {
    if (other.folder == folder) continue;
    bool inside = folder == "." || other.folder.starts_with(folder + "/");
    if (inside) nested.push_back((workspace.root / other.folder).lexically_normal());
  }
  return nested;
}

// A range the lockfile does not resolve says nothing of what is installed, and a constant would
// keep the key when the lockfile moves: the whole lockfile's digest counts then.
void cover_unresolved(KeyInputs& inputs, const workspace::Lockfile& lockfile) {
  std::string unresolved;
  for (const auto* specs : {&inputs.external_packages, &inputs.root_external_packages}) {
    for (const auto& spec : *specs) {
      if (spec.ends_with(" (unresolved)")) {
        unresolved += (unresolved.empty() ? "" : ", ") + spec.substr(0, spec.size() - 13);
      }
    }
  }
  if (unresolved.empty()) return;
  util::Log::verbose(lockfile.path() + " does not resolve " + unresolved +
                     "; the whole lockfile's digest counts for them");
  inputs.lockfile_fallback = std::pair{lockfile.path(), lockfile.digest()};
}

// Resolves, through the lockfile, the external packages that `self` and its workspace
// dependencies use. A lockfile memo cannot read is a warning, and then its whole digest
// stands in (more misses, never a wrong hit).
void add_external_packages(KeyInputs& inputs, const workspace::Workspace& workspace,
                           const workspace::WorkspacePackage& self,
                           const std::vector<const workspace::WorkspacePackage*>& dependencies,
                           const workspace::WorkspacePackage* root, KeyInputsCache* cache) {
  std::vector<const workspace::WorkspacePackage*> packages{&self};
  packages.insert(packages.end(), dependencies.begin(), dependencies.end());
  bool declares_external = false;
  std::set<std::string> workspace_names;
  for (const auto& package : workspace.packages) workspace_names.insert(package.name);
  std::vector<const workspace::WorkspacePackage*> declaring = packages;
  if (root) declaring.push_back(root);
  for (const auto* package : declaring) {
    for (const auto& [name, range] : package->dependencies) {
      declares_external |= !workspace_names.contains(name);
    }
  }
  if (!declares_external) return;

  std::optional<KeyInputsCache::LockfileResult> own;
  if (!cache) own = workspace::Lockfile::load(workspace.root);
  const KeyInputsCache::LockfileResult& lockfile = cache ? cache->lockfile(workspace.root) : *own;
  if (!lockfile && !lockfile.error().stand_in) {
    inputs.cache_problem = lockfile.error().message;
    return;
  }
  if (!lockfile) {
    inputs.warnings.push_back(lockfile.error().message +
                              "; using the whole lockfile's digest for external dependencies");
    inputs.lockfile_fallback = *lockfile.error().stand_in;
  }
  auto resolve = [&](const std::vector<const workspace::WorkspacePackage*>& of) {
    std::set<std::string> external;
    for (const auto* package : of) {
      if (lockfile && *lockfile) {
        for (auto& spec : (*lockfile)->resolve_external(package->folder, package->dependencies,
                                                        workspace_names)) {
          external.insert(std::move(spec));
        }
      } else {
        // No lockfile to say which versions: the declared ranges are all there is.
        for (const auto& [name, range] : package->dependencies) {
          if (!workspace_names.contains(name))
            external.insert(name + "@" + range + " (unresolved)");
        }
      }
    }
    return std::vector<std::string>(external.begin(), external.end());
  };
  if (lockfile && !*lockfile) {
    inputs.warnings.push_back("no lockfile in " + workspace.root.string() +
                              "; external dependencies count by their declared ranges only");
  }
  inputs.external_packages = resolve(packages);
  if (root) inputs.root_external_packages = resolve({root});
  if (lockfile && *lockfile) cover_unresolved(inputs, **lockfile);
}

}  // namespace

std::expected<hash::PackageKey, std::string> compute_key(const config::Config& config,
                                                         const std::string& command,
                                                         const KeyInputs& inputs,
                                                         hash::HashingSession* session) {
  if (inputs.cache_problem) return std::unexpected(*inputs.cache_problem);
  return hash::compute_package_key(
      config, command, inputs.nested_packages, inputs.dependencies,
      {inputs.external_packages, inputs.root_external_packages, inputs.lockfile_fallback}, session);
}

const KeyInputsCache::ConfigResult& KeyInputsCache::package_config(
    const fs::path& root, const std::string& name, const config::EnvLookup& environment) {
  std::unique_lock lock(mutex_);
  if (auto known = configs_.find(root); known != configs_.end()) return *known->second;
  lock.unlock();
  // Read outside the lock (it may start node); two threads may read the same one, the first
  // result stays.
  auto loaded = std::make_unique<ConfigResult>(
      config::load_package_config({root, workspace::find_repo_root(root), name}, environment));
  lock.lock();
  auto [slot, inserted] = configs_.emplace(root, std::move(loaded));
  return *slot->second;
}

const KeyInputsCache::LockfileResult& KeyInputsCache::lockfile(const fs::path& repo_root) {
  std::call_once(lockfile_once_, [&] { lockfile_ = workspace::Lockfile::load(repo_root); });
  return *lockfile_;
}

std::expected<KeyInputs, std::string> resolve_key_inputs(const config::Config& config,
                                                         const workspace::Workspace& workspace,
                                                         KeyInputsCache* cache) {
  KeyInputs inputs;
  const std::string folder = hash::package_path_in_repo(config);
  inputs.nested_packages = nested_in(workspace, folder);
  const workspace::WorkspacePackage* self = workspace.find_by_folder(folder);
  if (!self) return inputs;  // not a workspace package: it stands alone

  const auto dependencies = workspace.transitive_dependencies(*self, &inputs.cycle);
  std::vector<fs::path> roots;
  for (const auto* dependency : dependencies) {
    fs::path root = (workspace.root / dependency->folder).lexically_normal();
    if (root.filename().empty()) root = root.parent_path();
    roots.push_back(root);
  }
  // The dependencies' own settings say which of their files are sources and which are
  // outputs; reading them is mostly waiting on small files, so side by side.
  // The cache's are used in place: a Config is big to copy.
  using ConfigResult = KeyInputsCache::ConfigResult;
  std::vector<ConfigResult> owned(cache ? 0 : dependencies.size(), std::unexpected(std::string()));
  std::vector<const ConfigResult*> configs(dependencies.size());
  const auto environment = config::process_environment();
  util::parallel_for(
      dependencies.size(),
      [&](std::size_t i) {
        if (cache) {
          configs[i] = &cache->package_config(roots[i], dependencies[i]->name, environment);
          return;
        }
        // The dependency's own repo root: a submodule or nested workspace is its own.
        owned[i] = config::load_package_config(
            {roots[i], workspace::find_repo_root(roots[i]), dependencies[i]->name}, environment);
        configs[i] = &owned[i];
      },
      4);
  for (std::size_t i = 0; i < dependencies.size(); ++i) {
    const auto* dependency = dependencies[i];
    const fs::path& root = roots[i];
    const ConfigResult& dependency_config = *configs[i];
    if (!dependency_config) return std::unexpected(dependency_config.error());
    // Declared "deps" inputs replace each dependency's own hashGlobs ([] means none).
    std::vector<std::string> globs = dependency_config->hash_globs;
    if (config.inputs.deps)
      globs = config.inputs.deps->empty() ? std::vector<std::string>{"!**"} : *config.inputs.deps;
    inputs.dependencies.push_back({dependency->name, root, globs, dependency_config->output_glob,
                                   nested_in(workspace, dependency->folder)});
  }
  // The root's own dependencies (build tools) count for every package, unless turned off.
  const workspace::WorkspacePackage* root = workspace.find_by_folder(".");
  if (!config.include_root_dependencies || root == self) root = nullptr;
  add_external_packages(inputs, workspace, *self, dependencies, root, cache);
  return inputs;
}

}  // namespace memo::step
