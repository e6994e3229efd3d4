#include "memo/workspace/workspace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "support/text_assertions.hpp"

namespace memo::workspace {
namespace {

using memo::testing::Contains;
using memo::testing::TempDir;

std::vector<std::string> folders_of(const Workspace& workspace) {
  std::vector<std::string> out;
  for (const auto& package : workspace.packages) out.push_back(package.folder);
  return out;
}

std::vector<std::string> names_of(const std::vector<const WorkspacePackage*>& packages) {
  std::vector<std::string> out;
  for (const auto* package : packages) out.push_back(package->name);
  return out;
}

std::string package_json(const std::string& name, const std::string& dependencies = "{}") {
  return R"({"name": ")" + name + R"(", "version": "1.0.0", "dependencies": )" + dependencies + "}";
}

// Discovers the workspace at `dir` and fails the test when discovery fails.
Workspace discover_ok(const TempDir& dir) {
  auto workspace = discover_workspace(dir.path());
  EXPECT_TRUE(workspace.has_value()) << workspace.error().message;
  return workspace ? *workspace : Workspace{};
}

// Discovers the workspace at `dir` expecting an error and returns it ("" when there was none).
std::string discover_error(const TempDir& dir) {
  auto workspace = discover_workspace(dir.path());
  EXPECT_FALSE(workspace.has_value())
      << "expected an error, found " << workspace->packages.size() << " packages";
  return workspace ? std::string() : workspace.error().message;
}

// ---------------------------------------------------------------------------------------------
// Discovery

TEST(WorkspaceDiscovery, YarnWorkspacesArrayWithSeveralGlobs) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "private": true,
                                "workspaces": ["packages/*", "apps/*"]})");
  dir.write("packages/a/package.json", package_json("@scope/a"));
  dir.write("packages/b/package.json", package_json("b"));
  dir.write("packages/no-manifest/README.md", "not a package\n");
  dir.write("apps/web/package.json", package_json("web"));
  dir.write("tools/script/package.json", package_json("script"));  // no glob reaches it

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(workspace.root, dir.path());
  EXPECT_EQ(workspace.declared_by, "package.json");
  EXPECT_EQ(folders_of(workspace),
            (std::vector<std::string>{".", "apps/web", "packages/a", "packages/b"}));
  ASSERT_EQ(workspace.packages.size(), 4u);
  EXPECT_EQ(workspace.packages[0].name, "root");
  EXPECT_EQ(workspace.packages[1].name, "web");
  EXPECT_EQ(workspace.packages[2].name, "@scope/a");
  EXPECT_EQ(workspace.packages[3].name, "b");
  EXPECT_TRUE(workspace.warnings.empty()) << workspace.warnings.front();
}

TEST(WorkspaceDiscovery, YarnWorkspacesAsObjectWithPackages) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root",
      "workspaces": {"packages": ["packages/*"], "nohoist": ["**/react-native"]}})");
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("packages/b/package.json", package_json("b"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(workspace.declared_by, "package.json");
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{".", "packages/a", "packages/b"}));
}

TEST(WorkspaceDiscovery, GlobsWithTrailingSlashOrLeadingDotSlashFindTheSamePackages) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["./packages/*", "apps/*/"]})");
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("apps/web/package.json", package_json("web"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{".", "apps/web", "packages/a"}));
  EXPECT_TRUE(workspace.warnings.empty()) << workspace.warnings.front();
}

TEST(WorkspaceDiscovery, DoubleStarFindsNestedPackagesButNeverNodeModules) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/**"]})");
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("packages/group/b/package.json", package_json("b"));
  dir.write("packages/group/deeper/c/package.json", package_json("c"));
  dir.write("packages/a/node_modules/dep/package.json", package_json("dep"));
  dir.write("packages/group/b/node_modules/@s/scoped/package.json", package_json("@s/scoped"));
  dir.write("packages/node_modules/hoisted/package.json", package_json("hoisted"));
  dir.write("node_modules/top/package.json", package_json("top"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{".", "packages/a", "packages/group/b",
                                                             "packages/group/deeper/c"}));
  EXPECT_EQ(workspace.find_by_name("dep"), nullptr);
  EXPECT_EQ(workspace.find_by_name("hoisted"), nullptr);
  EXPECT_EQ(workspace.find_by_name("@s/scoped"), nullptr);
}

TEST(WorkspaceDiscovery, StarAtTheRootNeverCountsNodeModules) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["*"]})");
  dir.write("lib/package.json", package_json("lib"));
  dir.write("node_modules/left-pad/package.json", package_json("left-pad"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{".", "lib"}));
}

TEST(WorkspaceDiscovery, NegatedGlobExcludesAFolder) {
  TempDir dir;
  dir.write("package.json",
            R"({"name": "root", "workspaces": ["packages/*", "apps/*", "!packages/excluded"]})");
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("packages/excluded/package.json", package_json("excluded"));
  dir.write("packages/excluded-not/package.json", package_json("excluded-not"));
  dir.write("apps/web/package.json", package_json("web"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(folders_of(workspace),
            (std::vector<std::string>{".", "apps/web", "packages/a", "packages/excluded-not"}));
  EXPECT_EQ(workspace.find_by_name("excluded"), nullptr);
  EXPECT_TRUE(workspace.warnings.empty()) << "a negation is not a glob that must match";
}

TEST(WorkspaceDiscovery, RootPackageIsIncludedOnlyWhenTheRootHasAPackageJson) {
  {
    TempDir dir;
    dir.write("pnpm-workspace.yaml", "packages:\n  - packages/*\n");
    dir.write("packages/a/package.json", package_json("a"));
    Workspace workspace = discover_ok(dir);
    EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{"packages/a"}));
    EXPECT_EQ(workspace.find_by_folder("."), nullptr);
  }
  {
    TempDir dir;
    dir.write("pnpm-workspace.yaml", "packages:\n  - packages/*\n");
    dir.write("package.json", package_json("the-root"));
    dir.write("packages/a/package.json", package_json("a"));
    Workspace workspace = discover_ok(dir);
    EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{".", "packages/a"}));
    ASSERT_NE(workspace.find_by_folder("."), nullptr);
    EXPECT_EQ(workspace.find_by_folder(".")->name, "the-root");
  }
}

TEST(WorkspaceDiscovery, PnpmWorkspaceYamlWithQuotesAndComments) {
  TempDir dir;
  dir.write("pnpm-workspace.yaml",
            "# The packages of this repo\n"
            "packages:\n"
            "  # applications\n"
            "  - 'apps/*'\n"
            "  - \"packages/*\"   # libraries\n"
            "  - '!packages/excluded'\n"
            "# catalogs are not packages\n"
            "catalog:\n"
            "  react: ^18.0.0\n");
  dir.write("package.json", R"({"name": "root"})");
  dir.write("apps/web/package.json", package_json("web"));
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("packages/excluded/package.json", package_json("excluded"));
  dir.write("other/x/package.json", package_json("x"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(workspace.declared_by, "pnpm-workspace.yaml");
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{".", "apps/web", "packages/a"}));
  EXPECT_TRUE(workspace.warnings.empty()) << workspace.warnings.front();
}

TEST(WorkspaceDiscovery, LernaJsonWithPackages) {
  TempDir dir;
  dir.write("lerna.json", R"({"version": "1.0.0", "packages": ["modules/*", "tools/cli"]})");
  dir.write("package.json", R"({"name": "root"})");
  dir.write("modules/m1/package.json", package_json("m1"));
  dir.write("tools/cli/package.json", package_json("cli"));
  dir.write("packages/not-declared/package.json", package_json("not-declared"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(workspace.declared_by, "lerna.json");
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{".", "modules/m1", "tools/cli"}));
}

TEST(WorkspaceDiscovery, LernaJsonWithoutPackagesDefaultsToPackagesStar) {
  TempDir dir;
  dir.write("lerna.json", R"({"version": "independent"})");
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("packages/b/package.json", package_json("b"));
  dir.write("modules/m1/package.json", package_json("m1"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(workspace.declared_by, "lerna.json");
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{"packages/a", "packages/b"}));
}

TEST(WorkspaceDiscovery, RushJsonWithCommentsListsProjectFolders) {
  TempDir dir;
  dir.write("rush.json", R"(/**
 * This is the main configuration file for Rush.
 */
{
  "$schema": "https://developer.microsoft.com/json-schemas/rush/v5/rush.schema.json",
  // "pnpmVersion": "8.0.0",
  "rushVersion": "5.100.0", /* inline block comment */
  "projects": [
    // the web app
    {"packageName": "@acme/web", "projectFolder": "apps/web"},
    /* a library */
    {"packageName": "@acme/lib", "projectFolder": "libraries/lib", "shouldPublish": true}
  ]
})");
  dir.write("apps/web/package.json", package_json("@acme/web"));
  dir.write("libraries/lib/package.json", package_json("@acme/lib"));
  dir.write("libraries/unlisted/package.json", package_json("@acme/unlisted"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(workspace.declared_by, "rush.json");
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{"apps/web", "libraries/lib"}));
  ASSERT_NE(workspace.find_by_folder("apps/web"), nullptr);
  EXPECT_EQ(workspace.find_by_folder("apps/web")->name, "@acme/web");
  ASSERT_NE(workspace.find_by_folder("libraries/lib"), nullptr);
  EXPECT_EQ(workspace.find_by_folder("libraries/lib")->name, "@acme/lib");
  EXPECT_EQ(workspace.find_by_name("@acme/unlisted"), nullptr);
}

TEST(WorkspaceDiscovery, RepoWithoutWorkspaceDeclarationIsASinglePackage) {
  TempDir dir;
  dir.write("package.json", package_json("solo", R"({"left-pad": "^1.0.0"})"));
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("examples/demo/package.json", package_json("demo"));

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(workspace.declared_by, "");
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{"."}));
  EXPECT_EQ(workspace.packages[0].name, "solo");
  EXPECT_TRUE(workspace.warnings.empty());
}

TEST(WorkspaceDiscovery, PackageWithoutANameIsNamedAfterItsFolder) {
  TempDir dir;
  dir.write("package.json", R"({"workspaces": ["packages/*"]})");
  dir.write("packages/nameless/package.json", R"({"version": "1.0.0"})");

  Workspace workspace = discover_ok(dir);
  ASSERT_NE(workspace.find_by_folder("packages/nameless"), nullptr);
  EXPECT_EQ(workspace.find_by_folder("packages/nameless")->name, "nameless");
  ASSERT_NE(workspace.find_by_folder("."), nullptr);
  EXPECT_EQ(workspace.find_by_folder(".")->name, dir.path().filename().string());
}

TEST(WorkspaceDiscovery, DependenciesAreReadFromAllFourFields) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/*"]})");
  dir.write("packages/a/package.json", R"({
    "name": "a",
    "dependencies": {"b": "workspace:*", "react": "^18.2.0"},
    "devDependencies": {"typescript": "5.4.0"},
    "peerDependencies": {"react-dom": ">=18"},
    "optionalDependencies": {"fsevents": "~2.3.0"},
    "scripts": {"build": "tsc"}
  })");
  dir.write("packages/b/package.json", package_json("b"));

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* a = workspace.find_by_name("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dependencies, (std::map<std::string, std::string>{{"b", "workspace:*"},
                                                                 {"fsevents", "~2.3.0"},
                                                                 {"react", "^18.2.0"},
                                                                 {"react-dom", ">=18"},
                                                                 {"typescript", "5.4.0"}}));
}

// ---------------------------------------------------------------------------------------------
// The dependency graph

// A package.json workspace with packages/<name> for each name, each with `dependencies`.
void write_graph(const TempDir& dir,
                 const std::vector<std::pair<std::string, std::string>>& packages) {
  dir.write("package.json", R"({"name": "root", "private": true, "workspaces": ["packages/*"]})");
  for (const auto& [name, dependencies] : packages) {
    dir.write("packages/" + name + "/package.json", package_json(name, dependencies));
  }
}

TEST(WorkspaceGraph, DirectDependenciesComeFromAllFourFields) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/*"]})");
  dir.write("packages/a/package.json", R"({
    "name": "a",
    "dependencies": {"b": "1.0.0", "react": "^18.0.0"},
    "devDependencies": {"c": "^1.0.0"},
    "peerDependencies": {"d": "*"},
    "optionalDependencies": {"e": "~1.0.0"}
  })");
  for (const char* name : {"b", "c", "d", "e", "unused"}) {
    dir.write(std::string("packages/") + name + "/package.json", package_json(name));
  }

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* a = workspace.find_by_name("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(names_of(workspace.direct_dependencies(*a)),
            (std::vector<std::string>{"b", "c", "d", "e"}));
  EXPECT_TRUE(workspace.direct_dependencies(*workspace.find_by_name("b")).empty());
}

TEST(WorkspaceGraph, WorkspaceProtocolRangesAreInternal) {
  TempDir dir;
  write_graph(dir, {{"a", R"({"b": "workspace:*", "c": "workspace:^", "d": "workspace:../d"})"},
                    {"b", "{}"},
                    {"c", "{}"},
                    {"d", "{}"}});

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* a = workspace.find_by_name("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(names_of(workspace.direct_dependencies(*a)), (std::vector<std::string>{"b", "c", "d"}));
}

TEST(WorkspaceGraph, RangesPointingElsewhereAreNotInternal) {
  TempDir dir;
  write_graph(dir, {{"a", R"({"b": "npm:other@1", "c": "npm:c@^2.0.0",
                              "d": "https://example.com/d-1.0.0.tgz",
                              "e": "github:someone/e", "f": "git+ssh://git@example.com/f.git",
                              "g": "^1.0.0", "left-pad": "1.3.0"})"},
                    {"b", "{}"},
                    {"c", "{}"},
                    {"d", "{}"},
                    {"e", "{}"},
                    {"f", "{}"},
                    {"g", "{}"}});

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* a = workspace.find_by_name("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(names_of(workspace.direct_dependencies(*a)), (std::vector<std::string>{"g"}));
  EXPECT_EQ(names_of(workspace.transitive_dependencies(*a, nullptr)),
            (std::vector<std::string>{"g"}));
}

TEST(WorkspaceGraph, APackageDependingOnItselfIsNotItsOwnDependency) {
  TempDir dir;
  write_graph(dir, {{"a", R"({"a": "workspace:*", "b": "workspace:*"})"}, {"b", "{}"}});

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* a = workspace.find_by_name("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(names_of(workspace.direct_dependencies(*a)), (std::vector<std::string>{"b"}));
  std::vector<std::string> cycle;
  EXPECT_EQ(names_of(workspace.transitive_dependencies(*a, &cycle)),
            (std::vector<std::string>{"b"}));
  EXPECT_TRUE(cycle.empty());
}

TEST(WorkspaceGraph, TransitiveDependenciesAreSortedByName) {
  TempDir dir;
  // Folder order (p1, p2, p3, p4) differs from name order and from the walk order.
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/*"]})");
  dir.write("packages/p1/package.json", package_json("top", R"({"zeta": "workspace:*"})"));
  dir.write("packages/p2/package.json", package_json("zeta", R"({"mu": "workspace:*"})"));
  dir.write("packages/p3/package.json", package_json("mu", R"({"alpha": "workspace:*"})"));
  dir.write("packages/p4/package.json", package_json("alpha"));

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* top = workspace.find_by_name("top");
  ASSERT_NE(top, nullptr);
  std::vector<std::string> cycle;
  EXPECT_EQ(names_of(workspace.transitive_dependencies(*top, &cycle)),
            (std::vector<std::string>{"alpha", "mu", "zeta"}));
  EXPECT_TRUE(cycle.empty());
  EXPECT_EQ(names_of(workspace.transitive_dependencies(*workspace.find_by_name("mu"), nullptr)),
            (std::vector<std::string>{"alpha"}));
  EXPECT_TRUE(workspace.transitive_dependencies(*workspace.find_by_name("alpha"), nullptr).empty());
}

TEST(WorkspaceGraph, DiamondListsTheSharedDependencyOnce) {
  TempDir dir;
  write_graph(dir, {{"a", R"({"b": "workspace:*", "c": "workspace:*"})"},
                    {"b", R"({"d": "workspace:^"})"},
                    {"c", R"({"d": "workspace:^"})"},
                    {"d", "{}"}});

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* a = workspace.find_by_name("a");
  ASSERT_NE(a, nullptr);
  std::vector<std::string> cycle;
  EXPECT_EQ(names_of(workspace.transitive_dependencies(*a, &cycle)),
            (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_TRUE(cycle.empty()) << "a diamond is not a cycle";
}

TEST(WorkspaceGraph, CycleIsReportedAndTheWalkTerminates) {
  TempDir dir;
  write_graph(dir, {{"a", R"({"b": "workspace:*"})"},
                    {"b", R"({"c": "workspace:*"})"},
                    {"c", R"({"a": "workspace:*"})"}});

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* a = workspace.find_by_name("a");
  ASSERT_NE(a, nullptr);
  std::vector<std::string> cycle;
  EXPECT_EQ(names_of(workspace.transitive_dependencies(*a, &cycle)),
            (std::vector<std::string>{"b", "c"}));
  ASSERT_GE(cycle.size(), 3u);
  EXPECT_EQ((std::vector<std::string>(cycle.begin(), cycle.begin() + 3)),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(cycle.size() == 3 || (cycle.size() == 4 && cycle.back() == "a"))
      << "the cycle may only be closed by repeating its first package";

  // Without a place to report the cycle the walk still ends with the same answer.
  EXPECT_EQ(names_of(workspace.transitive_dependencies(*workspace.find_by_name("b"), nullptr)),
            (std::vector<std::string>{"a", "c"}));
}

TEST(WorkspaceGraph, CycleBelowTheStartingPackageIsReported) {
  TempDir dir;
  write_graph(dir, {{"app", R"({"x": "workspace:*"})"},
                    {"x", R"({"y": "workspace:*"})"},
                    {"y", R"({"x": "workspace:*", "z": "workspace:*"})"},
                    {"z", "{}"}});

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* app = workspace.find_by_name("app");
  ASSERT_NE(app, nullptr);
  std::vector<std::string> cycle;
  EXPECT_EQ(names_of(workspace.transitive_dependencies(*app, &cycle)),
            (std::vector<std::string>{"x", "y", "z"}));
  ASSERT_GE(cycle.size(), 2u);
  EXPECT_EQ(cycle[0], "x");
  EXPECT_EQ(cycle[1], "y");
  EXPECT_EQ(std::count(cycle.begin(), cycle.end(), "app"), 0) << "app is not on the cycle";
  EXPECT_EQ(std::count(cycle.begin(), cycle.end(), "z"), 0) << "z is not on the cycle";
}

// ---------------------------------------------------------------------------------------------
// Errors: one line naming the file

TEST(WorkspaceErrors, WorkspacePackageJsonThatIsNotJsonNamesFileLineAndColumn) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/*"]})");
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("packages/broken/package.json", "{\n  \"name\": \"broken\",\n  oops\n}\n");

  std::string error = discover_error(dir);
  EXPECT_TRUE(Contains(error, (dir / "packages/broken/package.json").string()));
  EXPECT_TRUE(Contains(error, "line 3"));
  EXPECT_TRUE(Contains(error, "column"));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(WorkspaceErrors, RootPackageJsonThatIsNotJsonNamesTheFile) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/*"],})");
  dir.write("packages/a/package.json", package_json("a"));

  std::string error = discover_error(dir);
  EXPECT_TRUE(Contains(error, (dir / "package.json").string()));
  EXPECT_TRUE(Contains(error, "line 1"));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(WorkspaceErrors, RushJsonThatIsNotJsonNamesTheFile) {
  TempDir dir;
  dir.write("rush.json", "{\n  // a comment is fine\n  \"projects\": [\n}\n");

  std::string error = discover_error(dir);
  EXPECT_TRUE(Contains(error, (dir / "rush.json").string()));
  EXPECT_TRUE(Contains(error, "line 4"));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(WorkspaceErrors, TwoPackagesWithOneNameNameBothFiles) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/*", "apps/*"]})");
  dir.write("apps/one/package.json", package_json("dup"));
  dir.write("packages/two/package.json", package_json("dup"));
  dir.write("packages/fine/package.json", package_json("fine"));

  std::string error = discover_error(dir);
  EXPECT_TRUE(Contains(error, (dir / "apps/one/package.json").string()));
  EXPECT_TRUE(Contains(error, (dir / "packages/two/package.json").string()));
  EXPECT_TRUE(Contains(error, "\"dup\""));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(WorkspaceErrors, SubPackageNamedLikeTheRootIsADuplicate) {
  TempDir dir;
  dir.write("package.json", R"({"name": "same", "workspaces": ["packages/*"]})");
  dir.write("packages/a/package.json", package_json("same"));

  std::string error = discover_error(dir);
  EXPECT_TRUE(Contains(error, (dir / "packages/a/package.json").string()));
  EXPECT_TRUE(Contains(error, "\"same\""));
}

TEST(WorkspaceErrors, WorkspacesOfAWrongTypeNamesTheFile) {
  for (const std::string workspaces : {R"("packages/*")", "42", "true", R"({"nohoist": ["**/x"]})",
                                       R"({"packages": "packages/*"})"}) {
    TempDir dir;
    dir.write("package.json", R"({"name": "root", "workspaces": )" + workspaces + "}");
    dir.write("packages/a/package.json", package_json("a"));

    auto workspace = discover_workspace(dir.path());
    ASSERT_FALSE(workspace.has_value()) << "workspaces: " << workspaces;
    EXPECT_TRUE(Contains(workspace.error().message, (dir / "package.json").string())) << workspaces;
    EXPECT_TRUE(Contains(workspace.error().message, "workspaces")) << workspaces;
    EXPECT_EQ(workspace.error().message.find('\n'), std::string::npos) << workspace.error().message;
  }
}

TEST(WorkspaceErrors, PnpmWorkspaceYamlThatIsNotYamlNamesTheFile) {
  for (const std::string yaml :
       {"packages: [apps/*, packages/*\n", "packages: {apps: [}\n", "packages:\n  - a\n - b\n"}) {
    TempDir dir;
    dir.write("pnpm-workspace.yaml", yaml);
    dir.write("packages/a/package.json", package_json("a"));

    auto workspace = discover_workspace(dir.path());
    ASSERT_FALSE(workspace.has_value()) << yaml;
    EXPECT_TRUE(Contains(workspace.error().message, (dir / "pnpm-workspace.yaml").string()));
    EXPECT_TRUE(Contains(workspace.error().message, "YAML"));
    EXPECT_EQ(workspace.error().message.find('\n'), std::string::npos) << workspace.error().message;
  }
}

TEST(WorkspaceErrors, PackageJsonThatIsNotAnObjectNamesTheFile) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/*"]})");
  dir.write("packages/a/package.json", R"(["a"])");

  std::string error = discover_error(dir);
  EXPECT_TRUE(Contains(error, (dir / "packages/a/package.json").string()));
}

TEST(WorkspaceErrors, NameThatIsNotAStringIsAnErrorNotAnException) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/*"]})");
  dir.write("packages/a/package.json", R"({"name": 42})");

  std::expected<Workspace, WorkspaceError> workspace = Workspace{};
  ASSERT_NO_THROW(workspace = discover_workspace(dir.path()));
  ASSERT_FALSE(workspace.has_value());
  EXPECT_TRUE(Contains(workspace.error().message, (dir / "packages/a/package.json").string()));
  EXPECT_TRUE(Contains(workspace.error().message, "name"));
}

// ---------------------------------------------------------------------------------------------
// Warnings

TEST(WorkspaceWarnings, GlobMatchingNothingNamesTheFileAndTheGlob) {
  TempDir dir;
  dir.write("package.json",
            R"({"name": "root", "workspaces": ["packages/*", "tools/*", "!packages/old"]})");
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("tools/README.md", "no packages here\n");

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{".", "packages/a"}));
  ASSERT_EQ(workspace.warnings.size(), 1u);
  EXPECT_TRUE(Contains(workspace.warnings[0], (dir / "package.json").string()));
  EXPECT_TRUE(Contains(workspace.warnings[0], "\"tools/*\""));
  EXPECT_FALSE(Contains(workspace.warnings[0], "packages/"));
}

TEST(WorkspaceWarnings, PnpmGlobMatchingNothingNamesPnpmWorkspaceYaml) {
  TempDir dir;
  dir.write("pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n  - 'examples/**'\n");
  dir.write("packages/a/package.json", package_json("a"));

  Workspace workspace = discover_ok(dir);
  ASSERT_EQ(workspace.warnings.size(), 1u);
  EXPECT_TRUE(Contains(workspace.warnings[0], (dir / "pnpm-workspace.yaml").string()));
  EXPECT_TRUE(Contains(workspace.warnings[0], "examples/**"));
}

TEST(WorkspaceWarnings, LernaDefaultGlobMatchingNothingNamesLernaJson) {
  TempDir dir;
  dir.write("lerna.json", R"({"version": "1.0.0"})");
  dir.write("package.json", R"({"name": "root"})");

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{"."}));
  ASSERT_EQ(workspace.warnings.size(), 1u);
  EXPECT_TRUE(Contains(workspace.warnings[0], (dir / "lerna.json").string()));
  EXPECT_TRUE(Contains(workspace.warnings[0], "packages/*"));
}

TEST(WorkspaceWarnings, GlobMatchingOnlyNodeModulesOrFoldersWithoutManifestsWarns) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["vendor/**", "packages/*"]})");
  dir.write("packages/a/package.json", package_json("a"));
  dir.write("vendor/node_modules/x/package.json", package_json("x"));
  dir.write("vendor/src/index.js", "");

  Workspace workspace = discover_ok(dir);
  EXPECT_EQ(folders_of(workspace), (std::vector<std::string>{".", "packages/a"}));
  ASSERT_EQ(workspace.warnings.size(), 1u);
  EXPECT_TRUE(Contains(workspace.warnings[0], "\"vendor/**\""));
}

// ---------------------------------------------------------------------------------------------
// Lookup

TEST(WorkspaceLookup, FindByNameAndByFolder) {
  TempDir dir;
  dir.write("package.json", R"({"name": "root", "workspaces": ["packages/*"]})");
  dir.write("packages/a/package.json", package_json("@scope/a"));
  dir.write("packages/b/package.json", package_json("b"));

  Workspace workspace = discover_ok(dir);
  const WorkspacePackage* a = workspace.find_by_name("@scope/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->folder, "packages/a");
  EXPECT_EQ(workspace.find_by_folder("packages/a"), a);
  EXPECT_EQ(workspace.find_by_name("root"), workspace.find_by_folder("."));
  ASSERT_NE(workspace.find_by_folder("packages/b"), nullptr);
  EXPECT_EQ(workspace.find_by_folder("packages/b")->name, "b");

  EXPECT_EQ(workspace.find_by_name("a"), nullptr) << "names are matched whole, scope included";
  EXPECT_EQ(workspace.find_by_name("missing"), nullptr);
  EXPECT_EQ(workspace.find_by_name(""), nullptr);
  EXPECT_EQ(workspace.find_by_folder("packages"), nullptr);
  EXPECT_EQ(workspace.find_by_folder("packages/a/"), nullptr);
  EXPECT_EQ(workspace.find_by_folder("packages/c"), nullptr);
}

}  // namespace
}  // namespace memo::workspace
