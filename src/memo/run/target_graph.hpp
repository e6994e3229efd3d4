#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "memo/run/pipeline.hpp"
#include "memo/workspace/workspace.hpp"

namespace memo::run {

// One package's task: its script, run in its folder once the targets it depends on are done.
struct Target {
  const workspace::WorkspacePackage* package = nullptr;
  std::string task;
  const TaskSpec* spec = nullptr;     // the pipeline's ("pkg#task" when it has one, else "task")
  std::optional<std::string> script;  // package.json's; none: nothing to run, only to wait for
  std::vector<std::size_t> dependencies;  // indices into TargetGraph::targets

  std::string id() const { return package->name + "#" + task; }
};

// Which packages' tasks to run. With neither list, every package (but the repo root's own
// package.json, when there are others: its scripts usually start the runner itself).
struct Selection {
  std::vector<std::string> to;     // these, and the packages they depend on
  std::vector<std::string> scope;  // these, and the packages that depend on them
  bool only = false;               // the selected targets alone, none of their dependencies
};

struct TargetGraph {
  std::vector<Target> targets;  // every dependency before its dependents
};

// The targets `tasks` make for the selected packages, and every target they depend on through
// the pipeline's dependsOn. An unknown task, a "pkg#task" naming no package, an unknown
// package in the selection, or a cycle is an error naming the pipeline's file and the tasks.
std::expected<TargetGraph, std::string> build_target_graph(const workspace::Workspace& workspace,
                                                           const Pipeline& pipeline,
                                                           const std::vector<std::string>& tasks,
                                                           const Selection& selection);

// The names of the packages holding `changed_files` (paths relative to the repo root): the
// package whose folder is the longest prefix of each. A file of no package but the root's is
// the root's, and so every package's (`--since` then selects all).
std::vector<std::string> packages_holding(const workspace::Workspace& workspace,
                                          const std::vector<std::string>& changed_files);

// The graph as Graphviz DOT: an edge from each target to each it depends on.
std::string target_graph_dot(const TargetGraph& graph);

}  // namespace memo::run
