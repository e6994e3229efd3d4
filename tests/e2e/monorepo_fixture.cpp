#include "e2e/monorepo_fixture.hpp"

#include <sstream>

namespace memo::testing {

void MonorepoTest::SetUp() {
  write("package.json", R"({"name": "root", "private": true, "workspaces": ["packages/*"]})");
  write("packages/a/package.json", R"({"name": "@demo/a", "version": "1.0.0"})");
  write("packages/a/src/index.ts", "export const a = 1;\n");
  write("packages/a/src/util.ts", "export const u = 2;\n");
  ASSERT_EQ(run_shell("git init -q", repo()), 0);
}

int MonorepoTest::runs() const {
  if (!exists("runs.log")) return 0;
  std::istringstream log(read("runs.log"));
  int count = 0;
  for (std::string line; std::getline(log, line);) count += line == "run";
  return count;
}

}  // namespace memo::testing
