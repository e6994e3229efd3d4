#include "memo/step/key_inputs.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace memo::step {
namespace {

using memo::testing::TempDir;

TEST(KeyInputsCacheTest, APackagesConfigIsReadOnceForEveryKeyItEnters) {
  TempDir repo;
  repo.write("package.json", R"({"private": true, "workspaces": ["packages/*"]})");
  repo.write("packages/lib/package.json", R"({"name": "lib"})");
  repo.write("packages/lib/memo.json", R"({"outputGlob": ["dist/**"]})");
  const auto no_variables = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
  KeyInputsCache cache;
  const auto& first = cache.package_config(repo / "packages/lib", "lib", no_variables);
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->output_glob, std::vector<std::string>{"dist/**"});
  // Changed behind the cache's back: the run keeps what it read.
  repo.write("packages/lib/memo.json", R"({"outputGlob": ["out/**"]})");
  const auto& again = cache.package_config(repo / "packages/lib", "lib", no_variables);
  EXPECT_EQ(&again, &first);
  EXPECT_EQ(again->output_glob, std::vector<std::string>{"dist/**"});
}

TEST(KeyInputsCacheTest, TheLockfileIsParsedOnce) {
  TempDir repo;
  repo.write("yarn.lock", "# yarn lockfile v1\n\n");
  KeyInputsCache cache;
  const auto& first = cache.lockfile(repo.path());
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->has_value());
  EXPECT_EQ(&cache.lockfile(repo.path()), &first);
}

}  // namespace
}  // namespace memo::step
