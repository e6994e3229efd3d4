#include "memo/hash/manifest_diff.hpp"

#include <gtest/gtest.h>

#include "memo/hash/manifest.hpp"

namespace memo::hash {
namespace {

std::vector<std::string> described(KeyManifest before, KeyManifest after) {
  std::vector<std::string> lines;
  for (const auto& change : diff_manifests(before.text(), after.text())) {
    lines.push_back(describe_change(change));
  }
  return lines;
}

TEST(ManifestDiff, SplitUndoesQuoting) {
  std::string tricky = "a \"quoted\" \\ path\n\x01\xff";
  auto fields = split_manifest_line("file " + quote_field(tricky) + " " + quote_field("100644"));
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0], "file");
  EXPECT_EQ(fields[1], tricky);
  EXPECT_EQ(fields[2], "100644");
  EXPECT_TRUE(split_manifest_line("file \"unterminated").empty());
}

TEST(ManifestDiff, IdenticalManifestsHaveNoChanges) {
  KeyManifest a;
  a.add("file", {"src/a.ts", "100644", "1111"});
  a.add("command", {"tsc"});
  EXPECT_TRUE(diff_manifests(a.text(), a.text()).empty());
}

TEST(ManifestDiff, FilesAddedRemovedChangedAndModes) {
  KeyManifest before, after;
  before.add("file", {"src/a.ts", "100644", "1111"});
  before.add("file", {"src/b.ts", "100644", "2222"});
  before.add("file", {"bin/cli.js", "100644", "3333"});
  after.add("file", {"src/a.ts", "100644", "9999"});
  after.add("file", {"src/c.ts", "100644", "4444"});
  after.add("file", {"bin/cli.js", "100755", "3333"});
  EXPECT_EQ(described(before, after),
            (std::vector<std::string>{"mode     bin/cli.js (100644 -> 100755)", "changed  src/a.ts",
                                      "removed  src/b.ts", "added    src/c.ts"}));
}

TEST(ManifestDiff, EnvChangesNameTheVariableOnly) {
  KeyManifest before, after;
  before.add("env", {"API_TOKEN", "digest-one"});
  after.add("env", {"API_TOKEN", "digest-two"});
  auto lines = described(before, after);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "env      API_TOKEN changed");
}

TEST(ManifestDiff, LockedVersionsShowOldAndNew) {
  KeyManifest before, after;
  before.add("lock", {"is-odd", "3.0.0"});
  before.add("lock", {"ms", "2.1.3"});
  after.add("lock", {"is-odd", "3.0.1"});
  after.add("lock", {"left-pad", "1.3.0"});
  EXPECT_EQ(described(before, after), (std::vector<std::string>{"lockfile is-odd 3.0.0 -> 3.0.1",
                                                                "lockfile left-pad 1.3.0 added",
                                                                "lockfile ms 2.1.3 removed"}));
}

TEST(ManifestDiff, WholeLineSettingsAndDependencies) {
  KeyManifest before, after;
  before.add("command", {"tsc -b"});
  after.add("command", {"tsc -b --verbose"});
  before.add("output-glob", {"lib/**"});
  after.add("output-glob", {"lib/**"});
  after.add("output-glob", {"dist/**"});
  after.add("dependency", {"@demo/b", "packages/b"});
  auto lines = described(before, after);
  EXPECT_EQ(lines,
            (std::vector<std::string>{"command changed: \"tsc -b\" -> \"tsc -b --verbose\"",
                                      "dependency @demo/b added (packages/b)",
                                      "outputGlob changed: \"lib/**\" -> \"dist/**, lib/**\""}));
}

TEST(ManifestDiff, FormatVersionChange) {
  auto changes = diff_manifests("memo-key-manifest 1\n", "memo-key-manifest 2\n");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, "format");
}

}  // namespace
}  // namespace memo::hash
