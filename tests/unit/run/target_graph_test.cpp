#include "memo/run/target_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace memo::run {
namespace {

// ui depends on core; app depends on ui; docs stands alone and has no build script.
workspace::Workspace sample_workspace() {
  workspace::Workspace workspace;
  workspace.root = "/repo";
  auto add = [&](std::string name, std::string folder, std::map<std::string, std::string> deps,
                 bool build_script = true) {
    workspace::WorkspacePackage package;
    package.name = std::move(name);
    package.folder = std::move(folder);
    package.dependencies = std::move(deps);
    if (build_script) package.scripts = {{"build", "tsc -b"}, {"test", "jest"}};
    workspace.packages.push_back(std::move(package));
  };
  add("root", ".", {}, true);
  add("app", "packages/app", {{"ui", "*"}});
  add("core", "packages/core", {});
  add("docs", "packages/docs", {}, false);
  add("ui", "packages/ui", {{"core", "workspace:*"}});
  return workspace;
}

Pipeline pipeline_of(std::map<std::string, std::vector<std::string>> depends_on) {
  Pipeline pipeline;
  pipeline.file = "/repo/memo.json";
  for (auto& [task, dependencies] : depends_on) pipeline.tasks[task].depends_on = dependencies;
  return pipeline;
}

std::vector<std::string> ids(const TargetGraph& graph) {
  std::vector<std::string> out;
  for (const auto& target : graph.targets) out.push_back(target.id());
  return out;
}

std::size_t index_of(const TargetGraph& graph, const std::string& id) {
  auto all = ids(graph);
  return static_cast<std::size_t>(std::find(all.begin(), all.end(), id) - all.begin());
}

TEST(TargetGraphTest, CaretTasksComeFromEveryWorkspaceDependencyFirst) {
  auto workspace = sample_workspace();
  auto graph = build_target_graph(workspace, pipeline_of({{"build", {"^build"}}}), {"build"}, {});
  ASSERT_TRUE(graph) << graph.error();
  EXPECT_EQ(graph->targets.size(), 4u) << "the repo root's own scripts are left out";
  EXPECT_LT(index_of(*graph, "core#build"), index_of(*graph, "ui#build"));
  EXPECT_LT(index_of(*graph, "ui#build"), index_of(*graph, "app#build"));
  const Target& ui = graph->targets[index_of(*graph, "ui#build")];
  ASSERT_EQ(ui.dependencies.size(), 1u);
  EXPECT_EQ(graph->targets[ui.dependencies[0]].id(), "core#build");
  EXPECT_FALSE(graph->targets[index_of(*graph, "docs#build")].script)
      << "no script: waited for only";
}

TEST(TargetGraphTest, APlainTaskIsTheSamePackagesAndPkgHashTaskIsThatPackages) {
  auto workspace = sample_workspace();
  auto pipeline = pipeline_of({{"build", {}}, {"test", {"build", "core#build"}}});
  auto graph = build_target_graph(workspace, pipeline, {"test"}, {.to = {"app"}, .only = false});
  ASSERT_TRUE(graph) << graph.error();
  EXPECT_EQ(ids(*graph), (std::vector<std::string>{"app#build", "core#build", "app#test"}));
}

TEST(TargetGraphTest, SelectionsPickPackagesAndOnlyDropsDependencies) {
  auto workspace = sample_workspace();
  auto pipeline = pipeline_of({{"build", {"^build"}}});
  auto to = build_target_graph(workspace, pipeline, {"build"}, {.to = {"ui"}});
  ASSERT_TRUE(to);
  EXPECT_EQ(ids(*to), (std::vector<std::string>{"core#build", "ui#build"}));
  auto scope = build_target_graph(workspace, pipeline, {"build"}, {.scope = {"ui"}});
  ASSERT_TRUE(scope);
  EXPECT_EQ(index_of(*scope, "docs#build"), scope->targets.size()) << "docs does not depend on ui";
  EXPECT_LT(index_of(*scope, "app#build"), scope->targets.size());
  auto only = build_target_graph(workspace, pipeline, {"build"}, {.to = {"app"}, .only = true});
  ASSERT_TRUE(only);
  EXPECT_EQ(ids(*only), (std::vector<std::string>{"app#build"}));
  auto glob = build_target_graph(workspace, pipeline, {"build"}, {.to = {"c*"}, .only = true});
  ASSERT_TRUE(glob);
  EXPECT_EQ(ids(*glob), (std::vector<std::string>{"core#build"}));
}

TEST(TargetGraphTest, MistakesAreOneErrorNamingTheFileAndTheTasks) {
  auto workspace = sample_workspace();
  struct Case {
    Pipeline pipeline;
    std::vector<std::string> tasks;
    Selection selection;
    std::string message;
  };
  std::vector<Case> cases{
      {pipeline_of({{"build", {"lint"}}}), {"build"}, {}, "there is no task \"lint\""},
      {pipeline_of({{"build", {"ghost#build"}}}), {"build"}, {}, "no package is named ghost"},
      {pipeline_of({{"build", {"test"}}, {"test", {"build"}}}),
       {"build"},
       {},
       "depend on each other"},
      {pipeline_of({{"build", {}}}), {"deploy"}, {}, "no task \"deploy\""},
      {pipeline_of({{"build", {}}}), {"build"}, {.to = {"nobody"}}, "--to nobody"},
  };
  for (const auto& item : cases) {
    auto graph = build_target_graph(workspace, item.pipeline, item.tasks, item.selection);
    ASSERT_FALSE(graph) << item.message;
    EXPECT_NE(graph.error().find(item.message), std::string::npos) << graph.error();
    if (item.selection.to.empty()) {
      EXPECT_TRUE(graph.error().starts_with("/repo/memo.json: ")) << graph.error();
    }
  }
}

TEST(TargetGraphTest, AChangedFileBelongsToThePackageWithTheLongestFolder) {
  auto workspace = sample_workspace();
  EXPECT_EQ(packages_holding(workspace, {"packages/ui/src/a.ts", "packages/ui/b.ts",
                                         "packages/core/package.json"}),
            (std::vector<std::string>{"core", "ui"}));
  EXPECT_EQ(packages_holding(workspace, {"yarn.lock"}),
            (std::vector<std::string>{"app", "core", "docs", "ui"}))
      << "a root file may matter to every package";
  EXPECT_TRUE(packages_holding(workspace, {}).empty());
}

TEST(TargetGraphTest, TheDotGraphHasAnEdgeToEachDependency) {
  auto workspace = sample_workspace();
  auto graph = build_target_graph(workspace, pipeline_of({{"build", {"^build"}}}), {"build"},
                                  {.to = {"ui"}});
  ASSERT_TRUE(graph);
  EXPECT_EQ(target_graph_dot(*graph),
            "digraph memo {\n  \"core#build\";\n  \"ui#build\";\n"
            "  \"ui#build\" -> \"core#build\";\n}\n");
}

}  // namespace
}  // namespace memo::run
