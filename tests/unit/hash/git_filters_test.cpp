// Which git settings and attributes files can make the work tree's bytes differ from the blob
// ids in git's index, from every place git reads them.
#include "memo/hash/git_filters.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace memo::hash {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;

class GitFilters : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("repo/.git/config", "[core]\n\tbare = false\n");
    repo_ = {dir_.path() / "repo", dir_.path() / "repo/.git", dir_.path() / "repo/.git"};
    env_.home = dir_.path() / "home";
  }
  std::optional<std::string> reason() const {
    return content_filter_reason(repo_, env_, repo_config(repo_, env_));
  }

  TempDir dir_;
  GitRepoDirs repo_;
  GitEnvironment env_;
};

TEST_F(GitFilters, NothingConverts) {
  EXPECT_EQ(reason(), std::nullopt);
}

TEST_F(GitFilters, TheSystemAttributesFile) {
  env_.system_attributes = {dir_.path() / "etc/gitattributes"};
  dir_.write("etc/gitattributes", "*.txt text eol=crlf\n");
  ASSERT_TRUE(reason());
  EXPECT_NE(reason()->find("etc/gitattributes"), std::string::npos) << *reason();
}

TEST_F(GitFilters, SystemConfigSettings) {
  env_.system_configs = {dir_.path() / "etc/gitconfig"};
  dir_.write("etc/gitconfig", "[core]\n\tattributesfile = /nowhere\n");
  EXPECT_EQ(reason(), std::nullopt);
  dir_.write("etc/gitconfig", "[core]\n\teol = crlf\n");
  EXPECT_TRUE(reason());
}

TEST_F(GitFilters, TheRepositorysOwnConfigAndWorktreeConfig) {
  dir_.write("repo/.git/config", "[core]\n\tautocrlf\n");  // true, written without '='
  EXPECT_TRUE(reason());
  dir_.write("repo/.git/config", "[core]\n");
  dir_.write("repo/.git/config.worktree", "[attr]\n\ttree = HEAD\n");
  EXPECT_TRUE(reason());
}

TEST_F(GitFilters, RelativeAttributesFileIsFromTheWorkTreeTop) {
  dir_.write("repo/.git/config", "[core]\n\tattributesFile = conf/attrs\n");
  EXPECT_EQ(reason(), std::nullopt);
  dir_.write("repo/conf/attrs", "* ident\n");
  EXPECT_TRUE(reason());
}

TEST_F(GitFilters, CommandLineSettings) {
  env_.command_line = {{"core.autocrlf", "false", "GIT_CONFIG_KEY_0"}};
  EXPECT_EQ(reason(), std::nullopt);
  env_.command_line = {{"core.attributesfile", (dir_.path() / "a").string(), "GIT_CONFIG_KEY_0"}};
  dir_.write("a", "*.c filter=lfs\n");
  EXPECT_TRUE(reason());
}

TEST_F(GitFilters, WhatMemoCannotReadCounts) {
  env_.unreadable = "GIT_CONFIG_PARAMETERS is set";
  EXPECT_EQ(reason(), "GIT_CONFIG_PARAMETERS is set");
}

// The environment names git's files as git does.
class ProcessEnv : public ::testing::Test {
 protected:
  static bool has(const std::vector<fs::path>& files, const fs::path& file) {
    return std::find(files.begin(), files.end(), file) != files.end();
  }
};

TEST_F(ProcessEnv, NoSystemFlagsAndOverrides) {
  ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  ::setenv("GIT_ATTR_NOSYSTEM", "true", 1);
  ::setenv("GIT_CONFIG_GLOBAL", "/some/global", 1);
  GitEnvironment env = GitEnvironment::from_process();
  EXPECT_TRUE(env.system_configs.empty());
  EXPECT_TRUE(env.system_attributes.empty());
  EXPECT_EQ(env.global_configs, std::vector<fs::path>{"/some/global"});

  ::unsetenv("GIT_CONFIG_NOSYSTEM");
  ::unsetenv("GIT_ATTR_NOSYSTEM");
  ::unsetenv("GIT_CONFIG_GLOBAL");
  ::setenv("GIT_CONFIG_SYSTEM", "/some/system", 1);
  env = GitEnvironment::from_process();
  EXPECT_EQ(env.system_configs, std::vector<fs::path>{"/some/system"});
  EXPECT_TRUE(has(env.system_attributes, "/etc/gitattributes"));
  ::unsetenv("GIT_CONFIG_SYSTEM");
  env = GitEnvironment::from_process();
  EXPECT_TRUE(has(env.system_configs, "/etc/gitconfig"));
}

TEST_F(ProcessEnv, UserFilesFromHomeAndXdg) {
  const char* old_home = std::getenv("HOME");
  const std::string saved_home = old_home ? old_home : "";
  ::setenv("HOME", "/h", 1);
  ::setenv("XDG_CONFIG_HOME", "", 1);
  GitEnvironment env = GitEnvironment::from_process();
  EXPECT_TRUE(has(env.user_attributes, "/h/.config/git/attributes"));
  EXPECT_TRUE(has(env.global_configs, "/h/.gitconfig"));
  EXPECT_TRUE(has(env.global_configs, "/h/.config/git/config"));
  ::setenv("XDG_CONFIG_HOME", "/x", 1);
  env = GitEnvironment::from_process();
  EXPECT_TRUE(has(env.user_attributes, "/x/git/attributes"));
  EXPECT_TRUE(has(env.global_configs, "/x/git/config"));
  ::unsetenv("XDG_CONFIG_HOME");
  ::setenv("HOME", saved_home.c_str(), 1);
}

}  // namespace
}  // namespace memo::hash
