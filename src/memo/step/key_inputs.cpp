#include "memo/step/key_inputs.hpp"

#include "memo/config/loader.hpp"

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

}  // namespace

std::expected<KeyInputs, std::string> resolve_key_inputs(const config::Config& config,
                                                         const workspace::Workspace& workspace) {
  KeyInputs inputs;
  const std::string folder = hash::package_path_in_repo(config);
  inputs.nested_packages = nested_in(workspace, folder);
  const workspace::WorkspacePackage* self = workspace.find_by_folder(folder);
  if (!self) return inputs;  // not a workspace package: it stands alone

  for (const auto* dependency : workspace.transitive_dependencies(*self, &inputs.cycle)) {
    fs::path root = (workspace.root / dependency->folder).lexically_normal();
    if (root.filename().empty()) root = root.parent_path();
    // The dependency's own settings say which of its files are sources and which are outputs.
    auto dependency_config =
        config::load_config(root, config::Flags{}, config::process_environment());
    if (!dependency_config) return std::unexpected(dependency_config.error());
    // Declared "deps" inputs replace each dependency's own hashGlobs ([] means none).
    std::vector<std::string> globs = dependency_config->hash_globs;
    if (config.inputs.deps) globs = config.inputs.deps->empty() ? std::vector<std::string>{"!**"}
                                                                : *config.inputs.deps;
    inputs.dependencies.push_back({dependency->name, root, globs,
                                   dependency_config->output_glob,
                                   nested_in(workspace, dependency->folder)});
  }
  return inputs;
}

}  // namespace memo::step
