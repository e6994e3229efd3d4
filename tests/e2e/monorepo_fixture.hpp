#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/run_memo.hpp"
#include "support/temp_dir.hpp"

namespace memo::testing {

// A small yarn-style monorepo in a temp folder: a root package.json with workspaces, a git
// repo, and packages/a with a few sources. Tests run build/memo inside packages/a.
class MonorepoTest : public ::testing::Test {
 protected:
  void SetUp() override;

  std::filesystem::path repo() const { return dir_.path(); }
  std::filesystem::path package() const { return dir_.path() / "packages/a"; }
  std::filesystem::path store() const { return dir_.path() / "node_modules/.cache/memo"; }

  // Writes a file relative to the repo root.
  void write(const std::string& relative, const std::string& content) const {
    dir_.write(relative, content);
  }
  std::string read(const std::string& relative) const { return dir_.read(relative); }
  bool exists(const std::string& relative) const {
    std::error_code ignored;
    return std::filesystem::exists(std::filesystem::symlink_status(repo() / relative, ignored));
  }

  // Runs memo in packages/a.
  MemoRun memo(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {}) const {
    return run_memo(args, package(), env);
  }
  // Runs memo -- <command> in packages/a.
  MemoRun memo_run(const std::string& command,
                   const std::map<std::string, std::string>& env = {}) const {
    return run_memo({"--", command}, package(), env);
  }

  // A build command that counts its runs in ../../runs.log and writes lib/ from src/.
  static constexpr const char* kBuild =
      "echo run >> ../../runs.log && mkdir -p lib/nested && cp src/index.ts lib/index.js && "
      "echo nested > lib/nested/deep.js && : > lib/empty.js && printf '#!/bin/sh\\n' > lib/cli.js "
      "&& chmod 755 lib/cli.js && ln -sf index.js lib/alias.js";

  int runs() const;

  // A build that counts its runs and writes one output, lib/index.js.
  static constexpr const char* kSmallBuild =
      "echo run >> ../../runs.log && mkdir -p lib && echo built > lib/index.js";

  // The key `memo hash` gives for `command` in packages/a.
  std::string key_of(const std::string& command) const;
  std::filesystem::path entry_file(const std::string& key) const {
    return store() / "entries" / key.substr(0, 2) / key;
  }
  std::filesystem::path blob_file(const std::string& digest) const {
    return store() / "blobs" / digest.substr(0, 2) / digest.substr(2);
  }
  // Plants an entry for packages/a with a valid checksum but whatever output lines the test
  // likes ("f \"<path>\" \"<mode>\" \"<size>\" \"<sha256>\"\n", "l \"<path>\" \"<target>\"\n").
  void plant_entry(const std::string& key, const std::string& output_lines,
                   const std::string& command_ms = "1") const;
  // Stores `content` as a blob and returns its digest.
  std::string plant_blob(const std::string& content) const;

  TempDir dir_;
};

}  // namespace memo::testing
