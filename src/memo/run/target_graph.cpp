#include "memo/run/target_graph.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "memo/hash/glob.hpp"

namespace memo::run {

namespace {

using workspace::Workspace;
using workspace::WorkspacePackage;

// Package names as typed: a name, or a glob on names ("@acme/*").
std::expected<std::vector<const WorkspacePackage*>, std::string> packages_named(
    const Workspace& workspace, const std::vector<std::string>& patterns, const char* option) {
  std::vector<const WorkspacePackage*> found;
  for (const auto& pattern : patterns) {
    auto glob = hash::GlobSet::compile({pattern});
    bool matched = false;
    for (const auto& package : workspace.packages) {
      if (package.name == pattern || (glob && glob->matches(package.name))) {
        found.push_back(&package);
        matched = true;
      }
    }
    if (!matched) {
      return std::unexpected(std::string(option) + " " + pattern + ": no package of " +
                             workspace.root.string() + " has that name");
    }
  }
  return found;
}

// The packages that depend on `start`, directly or not, and `start` itself.
std::set<const WorkspacePackage*> with_dependents(
    const Workspace& workspace, const std::vector<const WorkspacePackage*>& start) {
  std::set<const WorkspacePackage*> reached(start.begin(), start.end());
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& package : workspace.packages) {
      if (reached.contains(&package)) continue;
      for (const auto* dependency : workspace.direct_dependencies(package)) {
        if (reached.contains(dependency)) {
          reached.insert(&package);
          grew = true;
          break;
        }
      }
    }
  }
  return reached;
}

std::expected<std::vector<const WorkspacePackage*>, std::string> selected_packages(
    const Workspace& workspace, const Selection& selection) {
  if (selection.to.empty() && selection.scope.empty()) {
    std::vector<const WorkspacePackage*> all;
    for (const auto& package : workspace.packages) {
      if (package.folder != "." || workspace.packages.size() == 1) all.push_back(&package);
    }
    return all;
  }
  auto to = packages_named(workspace, selection.to, "--to");
  if (!to) return std::unexpected(to.error());
  auto scope = packages_named(workspace, selection.scope, "--scope");
  if (!scope) return std::unexpected(scope.error());
  std::set<const WorkspacePackage*> chosen(to->begin(), to->end());
  for (const auto* package : with_dependents(workspace, *scope)) chosen.insert(package);
  std::vector<const WorkspacePackage*> ordered;
  for (const auto& package : workspace.packages) {
    if (chosen.contains(&package)) ordered.push_back(&package);
  }
  return ordered;
}

class GraphBuilder {
 public:
  GraphBuilder(const Workspace& workspace, const Pipeline& pipeline, bool only)
      : workspace_(workspace), pipeline_(pipeline), only_(only) {}

  // The index of the target, made (with those it depends on) the first time it is asked for.
  std::expected<std::size_t, std::string> target(const WorkspacePackage& package,
                                                 const std::string& task) {
    const std::string id = package.name + "#" + task;
    if (auto known = index_.find(id); known != index_.end()) return known->second;
    const TaskSpec* spec = spec_for(package, task);
    if (!spec) return std::unexpected(file() + ": no task \"" + task + "\" (in " + id + ")");
    Target made;
    made.package = &package;
    made.task = task;
    made.spec = spec;
    if (spec->command) {
      made.script = spec->command;
    } else if (auto script = package.scripts.find(spec->script.value_or(task));
               script != package.scripts.end()) {
      made.script = script->second;
    }
    const std::size_t at = targets_.size();
    targets_.push_back(std::move(made));
    index_.emplace(id, at);
    if (only_) return at;
    for (const auto& dependency : spec->depends_on) {
      auto added = add_dependency(at, package, task, dependency);
      if (!added) return std::unexpected(added.error());
    }
    return at;
  }

  std::expected<TargetGraph, std::string> finish() {
    auto order = topological_order();
    if (!order) return std::unexpected(order.error());
    // Renumbered in that order, so that every dependency comes before its dependents.
    std::vector<std::size_t> new_index(targets_.size());
    for (std::size_t i = 0; i < order->size(); ++i) new_index[(*order)[i]] = i;
    TargetGraph graph;
    for (std::size_t old : *order) {
      Target target = targets_[old];
      for (auto& dependency : target.dependencies) dependency = new_index[dependency];
      graph.targets.push_back(std::move(target));
    }
    return graph;
  }

 private:
  std::string file() const { return pipeline_.file.string(); }

  const TaskSpec* spec_for(const WorkspacePackage& package, const std::string& task) const {
    if (auto own = pipeline_.tasks.find(package.name + "#" + task); own != pipeline_.tasks.end()) {
      return &own->second;
    }
    auto general = pipeline_.tasks.find(task);
    return general == pipeline_.tasks.end() ? nullptr : &general->second;
  }

  std::expected<void, std::string> add_dependency(std::size_t at, const WorkspacePackage& package,
                                                  const std::string& task,
                                                  const std::string& dependency) {
    const std::string from = package.name + "#" + task;
    std::vector<std::pair<const WorkspacePackage*, std::string>> wanted;
    if (dependency.starts_with("^")) {
      for (const auto* upstream : workspace_.direct_dependencies(package)) {
        wanted.emplace_back(upstream, dependency.substr(1));
      }
    } else if (std::size_t hash = dependency.find('#'); hash != std::string::npos && hash > 0) {
      const WorkspacePackage* named = workspace_.find_by_name(dependency.substr(0, hash));
      if (!named) {
        return std::unexpected(file() + ": " + from + " depends on " + dependency +
                               ", but no package is named " + dependency.substr(0, hash));
      }
      wanted.emplace_back(named, dependency.substr(hash + 1));
    } else {
      wanted.emplace_back(&package, dependency);
    }
    for (const auto& [upstream, upstream_task] : wanted) {
      if (!spec_for(*upstream, upstream_task)) {
        return std::unexpected(file() + ": " + from + " depends on \"" + dependency +
                               "\", but there is no task \"" + upstream_task + "\"");
      }
      auto index = target(*upstream, upstream_task);
      if (!index) return std::unexpected(index.error());
      auto& dependencies = targets_[at].dependencies;
      if (std::find(dependencies.begin(), dependencies.end(), *index) == dependencies.end()) {
        dependencies.push_back(*index);
      }
    }
    return {};
  }

  // Dependencies first; a cycle is an error naming its targets.
  std::expected<std::vector<std::size_t>, std::string> topological_order() const {
    enum class Mark { None, Visiting, Done };
    std::vector<Mark> marks(targets_.size(), Mark::None);
    std::vector<std::size_t> order, path;
    std::optional<std::string> cycle;
    auto visit = [&](auto& self, std::size_t i) -> void {
      if (cycle || marks[i] == Mark::Done) return;
      if (marks[i] == Mark::Visiting) {
        std::string text;
        auto start = std::find(path.begin(), path.end(), i);
        for (auto it = start; it != path.end(); ++it) text += targets_[*it].id() + " -> ";
        cycle = text + targets_[i].id();
        return;
      }
      marks[i] = Mark::Visiting;
      path.push_back(i);
      for (std::size_t dependency : targets_[i].dependencies) self(self, dependency);
      path.pop_back();
      marks[i] = Mark::Done;
      order.push_back(i);
    };
    for (std::size_t i = 0; i < targets_.size(); ++i) visit(visit, i);
    if (cycle) return std::unexpected(file() + ": the tasks depend on each other: " + *cycle);
    return order;
  }

  const Workspace& workspace_;
  const Pipeline& pipeline_;
  bool only_;
  std::vector<Target> targets_;
  std::map<std::string, std::size_t> index_;
};

}  // namespace

std::expected<TargetGraph, std::string> build_target_graph(const Workspace& workspace,
                                                           const Pipeline& pipeline,
                                                           const std::vector<std::string>& tasks,
                                                           const Selection& selection) {
  for (const auto& task : tasks) {
    if (!pipeline.tasks.contains(task)) {
      return std::unexpected(pipeline.file.string() + ": no task \"" + task +
                             "\"; add it to \"tasks\"");
    }
  }
  auto packages = selected_packages(workspace, selection);
  if (!packages) return std::unexpected(packages.error());
  GraphBuilder builder(workspace, pipeline, selection.only);
  for (const auto* package : *packages) {
    for (const auto& task : tasks) {
      auto made = builder.target(*package, task);
      if (!made) return std::unexpected(made.error());
    }
  }
  return builder.finish();
}

std::vector<std::string> packages_holding(const Workspace& workspace,
                                          const std::vector<std::string>& changed_files) {
  std::set<std::string> names;
  for (const auto& file : changed_files) {
    const WorkspacePackage* holder = nullptr;
    for (const auto& package : workspace.packages) {
      const bool inside = package.folder == "." || file.starts_with(package.folder + "/");
      if (inside &&
          (!holder || holder->folder == "." || package.folder.size() > holder->folder.size())) {
        holder = &package;
      }
    }
    if (!holder) continue;
    if (holder->folder == "." && workspace.packages.size() > 1) {
      // A root file (the lockfile, a shared config): every package may depend on it.
      for (const auto& package : workspace.packages) {
        if (package.folder != ".") names.insert(package.name);
      }
    } else {
      names.insert(holder->name);
    }
  }
  return {names.begin(), names.end()};
}

std::string target_graph_dot(const TargetGraph& graph) {
  std::string dot = "digraph memo {\n";
  auto quoted = [](const std::string& id) {
    std::string text = "\"";
    for (char c : id) {
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    return text + "\"";
  };
  for (const auto& target : graph.targets) {
    dot += "  " + quoted(target.id()) + ";\n";
    for (std::size_t dependency : target.dependencies) {
      dot += "  " + quoted(target.id()) + " -> " + quoted(graph.targets[dependency].id()) + ";\n";
    }
  }
  return dot + "}\n";
}

}  // namespace memo::run
