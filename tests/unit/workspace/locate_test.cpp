#include "memo/workspace/locate.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace memo::workspace {
namespace {

using memo::testing::TempDir;

TEST(Locate, PackageRootIsTheNearestFolderWithPackageJson) {
  TempDir dir;
  dir.write("package.json", "{}");
  dir.write("packages/a/package.json", R"({"name": "a"})");
  dir.write("packages/a/src/deep/x.ts", "");
  EXPECT_EQ(find_package_root(dir / "packages/a/src/deep"), dir / "packages/a");
  EXPECT_EQ(find_package_root(dir / "packages/a"), dir / "packages/a");
  EXPECT_EQ(find_package_root(dir / "packages"), dir.path());
}

TEST(Locate, WithoutAnyPackageJsonTheStartFolderIsThePackage) {
  TempDir dir;
  dir.write("src/x.c", "");
  // The temp folder's ancestors could hold a package.json on some machines; only assert when
  // they do not.
  auto found = find_package_root(dir / "src");
  if (!std::filesystem::exists(found / "package.json")) {
    EXPECT_EQ(found, dir / "src");
  }
}

TEST(Locate, RepoRootIsTheNearestWorkspaceDeclaration) {
  for (const auto& [file, content] : std::vector<std::pair<std::string, std::string>>{
           {"package.json", R"({"workspaces": ["packages/*"]})"},
           {"pnpm-workspace.yaml", "packages:\n  - packages/*\n"},
           {"rush.json", "{}"},
           {"lerna.json", "{}"}}) {
    TempDir dir;
    dir.write(file, content);
    dir.write("packages/a/package.json", "{}");
    EXPECT_EQ(find_repo_root(dir / "packages/a"), dir.path()) << file;
  }
}

TEST(Locate, RepoRootStopsAtGitAndIgnoresAPlainParentPackageJson) {
  TempDir dir;
  dir.write("package.json", R"({"workspaces": ["repo/packages/*"]})");
  dir.write("repo/.git/HEAD", "ref: refs/heads/main\n");
  dir.write("repo/package.json", R"({"name": "no-workspaces"})");
  dir.write("repo/packages/a/package.json", "{}");
  EXPECT_EQ(find_repo_root(dir / "repo/packages/a"), dir / "repo")
      << "a workspace above the .git belongs to another project";
}

TEST(Locate, PackageNameFromPackageJsonOrFolder) {
  TempDir dir;
  dir.write("named/package.json", R"({"name": "@scope/named"})");
  dir.write("nameless/package.json", R"({"version": "1.0.0"})");
  dir.write("broken/package.json", "{not json");
  EXPECT_EQ(read_package_name(dir / "named"), "@scope/named");
  EXPECT_EQ(read_package_name(dir / "nameless"), "nameless");
  EXPECT_EQ(read_package_name(dir / "broken"), "broken");
}

}  // namespace
}  // namespace memo::workspace
