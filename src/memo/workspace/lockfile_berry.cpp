// yarn berry's (v2 and later) yarn.lock: YAML with a __metadata entry; every other key lists
// descriptors ("is-odd@npm:^3.0.1, is-odd@npm:^3.0.2") resolving to one package, and each
// workspace has an entry of its own ("a@workspace:packages/a") listing what it depends on.

#include <algorithm>
#include <charconv>
#include <optional>
#include <unordered_map>

#include "memo/workspace/lockfile_internal.hpp"

namespace memo::workspace::lockfile_detail {

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// __metadata.version of yarn 2.0 (4) to yarn 4 (8, then 10 with cacheKey 10c0).
constexpr int kOldestVersion = 4;
constexpr int kNewestVersion = 10;

class BerryGraph : public Graph {
 public:
  // The entry a dependency resolves to: descriptors are written "name@npm:^1.0.0", while older
  // lockfiles and package.json leave out the default "npm:" protocol.
  // A descriptor a patch wraps ("typescript@npm:^5.0.0" under yarn's builtin compat patch)
  // installs the patched entry: its resolution carries the patch's hash.
  std::optional<std::uint32_t> find(const std::string& name, const std::string& range) const {
    for (const std::string& descriptor : {name + "@" + range, name + "@npm:" + range}) {
      if (auto patch = patched.find(descriptor); patch != patched.end()) return patch->second;
      if (auto found = by_descriptor.find(descriptor); found != by_descriptor.end()) {
        return found->second;
      }
    }
    return std::nullopt;
  }

  // What `parent` (a package name) requiring `name@range` gets: through a resolution of the
  // root package.json first (yarn locks the replacement), else the range itself.
  std::optional<std::uint32_t> find_for(std::string_view parent, const std::string& name,
                                        const std::string& range) const {
    if (const std::string* value = resolve_range(resolutions, parent, name, range)) {
      if (auto entry = find(name, *value)) return entry;
    }
    return find(name, range);
  }

  Declared resolve_declared(const std::string& folder, const std::string& name,
                            const std::string& range) const override {
    std::optional<std::uint32_t> entry;
    auto owner = workspace_names.find(folder);
    // (Both sides string_views: with "" on one side, the other would be copied into a
    // temporary string the view outlives.)
    std::string_view parent =
        owner == workspace_names.end() ? std::string_view() : std::string_view(owner->second);
    auto workspace = workspace_dependencies.find(folder);
    if (workspace != workspace_dependencies.end()) {
      for (const auto& [dependency, locked_range] : workspace->second) {
        if (dependency == name) entry = find_for(parent, name, locked_range);
      }
    }
    if (!entry) entry = find_for(parent, name, range);
    if (!entry) return Declared::unresolved();
    return is_workspace[*entry] ? Declared::skip() : Declared::of(*entry);
  }

  Resolutions resolutions;
  std::unordered_map<std::string, std::uint32_t> by_descriptor;
  std::unordered_map<std::string, std::uint32_t> patched;         // by the descriptor a patch wraps
  std::vector<bool> is_workspace;                                 // per entry (= node)
  std::vector<std::string> package_names;                         // per entry
  std::unordered_map<std::string, Pairs> workspace_dependencies;  // by folder
  std::unordered_map<std::string, std::string> workspace_names;   // by folder
};

// "typescript@npm:^5.0.0" of "typescript@patch:typescript@npm%3A^5.0.0#optional!builtin<…>";
// "" when `descriptor` is not a patch.
std::string patched_descriptor(std::string_view descriptor) {
  std::string_view package = descriptor_name(descriptor);
  std::string_view range = descriptor.substr(std::min(package.size() + 1, descriptor.size()));
  if (!range.starts_with("patch:")) return "";
  range = range.substr(
      6, range.find('#') == std::string_view::npos ? std::string_view::npos : range.find('#') - 6);
  std::string inner;
  for (std::size_t i = 0; i < range.size(); ++i) {
    auto code =
        range[i] == '%' && i + 2 < range.size() ? hex_value(range.substr(i + 1, 2)) : std::nullopt;
    if (code) {
      inner += static_cast<char>(*code);
      i += 2;
    } else {
      inner += range[i];
    }
  }
  return inner;
}

}  // namespace

ParseResult parse_yarn_berry(std::string_view text, const std::string& name,
                             const Resolutions& resolutions) {
  auto documents = parse_yaml(text);
  if (!documents) return std::unexpected(prefixed(name, documents.error()));
  if (documents->size() != 1 || !documents->front().is_map()) {
    return std::unexpected(name + ": expected one YAML mapping of descriptors to packages");
  }
  const YamlNode& root = documents->front();
  const YamlNode* metadata = root.find("__metadata");
  std::string_view version = metadata ? metadata->text("version") : std::string_view();
  int number = 0;
  auto [end, parsed] = std::from_chars(version.data(), version.data() + version.size(), number);
  if (version.empty() || parsed != std::errc() || end != version.data() + version.size()) {
    return std::unexpected(name + ": __metadata has no version number");
  }
  if (number < kOldestVersion || number > kNewestVersion) {
    return std::unexpected(name + ": __metadata.version " + std::string(version) +
                           " is not a yarn lockfile version this code knows (" +
                           std::to_string(kOldestVersion) + " to " +
                           std::to_string(kNewestVersion) + ")");
  }

  auto graph = std::make_unique<BerryGraph>();
  graph->resolutions = resolutions;
  std::vector<Pairs> dependencies;
  std::vector<std::vector<std::string>> optional;
  for (std::size_t i = 0; i < root.keys.size(); ++i) {
    const std::string& key = root.keys[i];
    if (key == "__metadata") continue;
    const YamlNode& entry = root.values[i];
    if (!entry.is_map()) {
      return std::unexpected(name + ": the entry \"" + key + "\" is not a mapping");
    }
    std::string_view resolution = entry.text("resolution");
    std::string_view package = descriptor_name(resolution);
    if (package.size() >= resolution.size()) {
      return std::unexpected(name + ": the entry \"" + key +
                             "\" has no \"name@reference\" resolution");
    }
    std::string_view reference = resolution.substr(package.size() + 1);
    const auto index = static_cast<std::uint32_t>(graph->nodes.size());

    std::string_view descriptors = key;
    while (!descriptors.empty()) {
      std::size_t comma = std::min(descriptors.find(','), descriptors.size());
      std::string_view descriptor = descriptors.substr(0, comma);
      while (descriptor.starts_with(' ')) descriptor.remove_prefix(1);
      while (descriptor.ends_with(' ')) descriptor.remove_suffix(1);
      if (!descriptor.empty()) graph->by_descriptor.emplace(std::string(descriptor), index);
      if (std::string inner = patched_descriptor(descriptor); !inner.empty()) {
        graph->patched.emplace(std::move(inner), index);
      }
      descriptors.remove_prefix(std::min(comma + 1, descriptors.size()));
    }

    Pairs entry_dependencies;
    if (const YamlNode* list = entry.find("dependencies"); list && list->is_map()) {
      for (std::size_t d = 0; d < list->keys.size(); ++d) {
        if (list->values[d].is_scalar()) {
          entry_dependencies.emplace_back(list->keys[d], list->values[d].scalar);
        }
      }
    }
    std::vector<std::string> entry_optional;
    if (const YamlNode* meta = entry.find("dependenciesMeta"); meta && meta->is_map()) {
      for (std::size_t d = 0; d < meta->keys.size(); ++d) {
        if (meta->values[d].text("optional") == "true") entry_optional.push_back(meta->keys[d]);
      }
    }

    Node node;
    std::string version_text(entry.text("version"));
    node.label = std::string(package) + "@" + version_text;
    if (reference != "npm:" + version_text) node.label += " (" + std::string(resolution) + ")";
    const bool workspace = reference.starts_with("workspace:");
    if (workspace) {
      std::string folder = normalize_folder(reference.substr(10));
      graph->workspace_dependencies[folder] = entry_dependencies;
      graph->workspace_names[folder] = std::string(package);
    }
    graph->is_workspace.push_back(workspace);
    graph->package_names.emplace_back(package);
    graph->nodes.push_back(std::move(node));
    dependencies.push_back(std::move(entry_dependencies));
    optional.push_back(std::move(entry_optional));
  }

  for (std::size_t i = 0; i < graph->nodes.size(); ++i) {
    if (graph->is_workspace[i]) continue;
    Node& node = graph->nodes[i];
    for (const auto& [dependency, range] : dependencies[i]) {
      auto target = graph->find_for(graph->package_names[i], dependency, range);
      if (target) {
        if (!graph->is_workspace[*target]) node.dependencies.push_back(*target);
      } else if (std::find(optional[i].begin(), optional[i].end(), dependency) ==
                 optional[i].end()) {
        node.unresolved.emplace_back(dependency, dependency + "@" + range + " (unresolved)");
      }
    }
  }
  return graph;
}

}  // namespace memo::workspace::lockfile_detail
