#include "e2e/monorepo_fixture.hpp"

#include <sstream>

#include "memo/hash/manifest.hpp"
#include "memo/store/entry.hpp"
#include "memo/util/digest.hpp"

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

std::string MonorepoTest::key_of(const std::string& command) const {
  auto run = memo({"hash", "--", command});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return run.out.substr(0, 64);
}

void MonorepoTest::plant_entry(const std::string& key, const std::string& output_lines,
                               const std::string& command_ms) const {
  std::string body = "key \"" + key + "\"\npackage \"packages/a\"\nname \"@demo/a\"\n" +
                     "command \"x\"\ncreated \"\"\ncommand-ms \"" + command_ms + "\"\n" +
                     output_lines + "manifest 0\n";
  write_file(entry_file(key), "memo-entry " + std::to_string(store::kUnpackedEntryFormatVersion) +
                                  " " + util::sha256_hex(body) + "\n" + body);
}

std::string MonorepoTest::plant_blob(const std::string& content) const {
  std::string digest = util::sha256_hex(content);
  write_file(blob_file(digest), content);
  return digest;
}

}  // namespace memo::testing
