// pnpm-lock.yaml (and Rush's copy of it). Each importer (workspace folder) lists its
// dependencies as {specifier, version}; the version is a reference into the locked packages:
// "1.0.0" or "1.0.0(react@18.2.0)" (peer suffix) for the package under the same name,
// "ms@2.1.2" (9.0) or "/ms@2.1.2" (6.0) for an alias, "link:../b" for a workspace folder.
// 6.0 keys packages "/name@version(peers)" with their dependencies; 9.0 keys metadata by
// "name@version" under `packages` and the dependency graph by "name@version(peers)" under
// `snapshots`.

#include <optional>
#include <unordered_map>

#include "memo/workspace/lockfile_internal.hpp"

namespace memo::workspace::lockfile_detail {

namespace {

constexpr const char* kImporterFields[] = {"dependencies", "devDependencies",
                                           "optionalDependencies"};

class PnpmGraph : public Graph {
 public:
  Declared resolve_declared(const std::string& folder, const std::string& name,
                            const std::string&) const override {
    auto importer = importers.find(folder);
    if (importer == importers.end()) return Declared::unresolved();
    auto found = importer->second.find(name);
    return found == importer->second.end() ? Declared::unresolved() : found->second;
  }

  // The node a dependency's reference names; nullopt when nothing is locked under it.
  std::optional<std::uint32_t> find(std::string_view name, std::string_view reference) const {
    auto lookup = [&](const std::string& key) -> std::optional<std::uint32_t> {
      auto found = by_key.find(key);
      if (found == by_key.end()) return std::nullopt;
      return found->second;
    };
    std::string exact = std::string(reference);
    std::optional<std::uint32_t> node;
    if (v9) {
      node = lookup(std::string(name) + "@" + exact);
    } else if (!reference.starts_with("/")) {
      node = lookup("/" + std::string(name) + "@" + exact);
    }
    // An alias ("ms@2.1.2", "/ms@2.1.2") or a source used as the key itself (6.0 tarballs).
    return node ? node : lookup(exact);
  }

  bool v9 = false;
  std::unordered_map<std::string, std::uint32_t> by_key;
  std::unordered_map<std::string, std::unordered_map<std::string, Declared>> importers;
};

std::string_view scalar_or_version(const YamlNode& value) {
  if (value.is_scalar()) return value.scalar;
  return value.is_map() ? value.text("version") : std::string_view();
}

}  // namespace

ParseResult parse_pnpm(std::string_view text, const std::string& name,
                       const std::string& importer_base) {
  auto documents = parse_yaml(text);
  if (!documents) return std::unexpected(prefixed(name, documents.error()));
  // pnpm 11 and later may write an "env" document first; the project's graph is the last one.
  if (documents->empty() || !documents->back().is_map()) {
    return std::unexpected(name + ": expected a YAML mapping with a lockfileVersion");
  }
  const YamlNode& root = documents->back();
  std::string version(root.text("lockfileVersion"));
  if (version.empty()) return std::unexpected(name + ": no lockfileVersion");
  if (version != "6.0" && version != "9.0") {
    if (version[0] >= '1' && version[0] <= '5' && (version.size() == 1 || version[1] == '.')) {
      return std::unexpected(name + ": lockfileVersion " + version +
                             " (pnpm 7 or older) is not supported: regenerate it with pnpm 8 or "
                             "later");
    }
    return std::unexpected(name + ": lockfileVersion " + version +
                           " is not one this code knows (6.0 or 9.0)");
  }

  auto graph = std::make_unique<PnpmGraph>();
  graph->v9 = version == "9.0";
  const YamlNode* packages = root.find("packages");
  const YamlNode* snapshots = graph->v9 ? root.find("snapshots") : packages;
  std::vector<const YamlNode*> entries;  // per node: where its dependencies are listed

  auto add_node = [&](const std::string& key, const YamlNode* entry) {
    Node node;
    std::string_view label = key;
    if (!graph->v9 && label.starts_with("/")) label.remove_prefix(1);
    node.label = std::string(label);
    std::string_view package = entry ? entry->text("name") : std::string_view();
    if (!graph->v9 && !package.empty() && !label.starts_with(std::string(package) + "@")) {
      // 6.0 keys a tarball or git package by its source; "name" and "version" say what it is.
      node.label = std::string(package) + "@" + std::string(entry->text("version")) + " (" +
                   node.label + ")";
    }
    // An injected workspace package ("file:packages/b") is that package's files.
    if (graph->v9) {
      std::string_view own = descriptor_name(key);
      if (own.size() < key.size() && key.substr(own.size() + 1).starts_with("file:")) {
        node.workspace_name = std::string(own);
      }
    } else if (key.starts_with("file:")) {
      node.workspace_name = std::string(package);
    }
    graph->by_key.emplace(key, static_cast<std::uint32_t>(graph->nodes.size()));
    graph->nodes.push_back(std::move(node));
    entries.push_back(entry);
  };
  if (snapshots && snapshots->is_map()) {
    for (std::size_t i = 0; i < snapshots->keys.size(); ++i) {
      add_node(snapshots->keys[i], &snapshots->values[i]);
    }
  }
  if (graph->v9 && packages && packages->is_map()) {
    for (const auto& key : packages->keys) {
      if (!graph->by_key.contains(key)) add_node(key, nullptr);
    }
  }

  for (std::size_t i = 0; i < graph->nodes.size(); ++i) {
    if (!entries[i] || !entries[i]->is_map()) continue;
    Node& node = graph->nodes[i];
    for (const char* field : {"dependencies", "optionalDependencies"}) {
      const YamlNode* list = entries[i]->find(field);
      if (!list || !list->is_map()) continue;
      const bool optional = field[0] == 'o';
      for (std::size_t d = 0; d < list->keys.size(); ++d) {
        const std::string& dependency = list->keys[d];
        std::string_view reference = scalar_or_version(list->values[d]);
        if (reference.starts_with("link:")) continue;
        if (auto target = graph->find(dependency, reference)) {
          node.dependencies.push_back(*target);
        } else if (!optional) {
          node.unresolved.emplace_back(dependency,
                                       dependency + "@" + std::string(reference) + " (unresolved)");
        }
      }
    }
  }

  auto add_importer = [&](const std::string& key, const YamlNode& importer) {
    auto& declared =
        graph->importers[normalize_folder(importer_base.empty() ? key : importer_base + "/" + key)];
    for (const char* field : kImporterFields) {
      const YamlNode* list = importer.find(field);
      if (!list || !list->is_map()) continue;
      for (std::size_t d = 0; d < list->keys.size(); ++d) {
        std::string_view reference = scalar_or_version(list->values[d]);
        if (reference.empty()) continue;
        Declared resolved = Declared::skip();  // "link:": a workspace folder
        if (!reference.starts_with("link:")) {
          auto target = graph->find(list->keys[d], reference);
          resolved = target ? Declared::of(*target) : Declared::unresolved();
        }
        declared.emplace(list->keys[d], resolved);
      }
    }
  };
  const YamlNode* importers = root.find("importers");
  if (importers && importers->is_map()) {
    for (std::size_t i = 0; i < importers->keys.size(); ++i) {
      add_importer(importers->keys[i], importers->values[i]);
    }
  } else {
    add_importer(".", root);  // a single project keeps its dependencies at the top level
  }
  return graph;
}

}  // namespace memo::workspace::lockfile_detail
