#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "memo/config/config.hpp"
#include "memo/hash/digest_cache.hpp"
#include "memo/hash/glob.hpp"

namespace memo::hash {

// A package whose files enter a key: the package itself, or one of its workspace dependencies.
struct PackageSources {
  std::string name;
  std::filesystem::path root;                          // absolute
  std::vector<std::string> hash_globs;                 // empty: every file
  std::vector<std::string> output_glob;                // never inputs
  std::vector<std::filesystem::path> nested_packages;  // absolute; their files are theirs
};

// The locked external packages a key covers ("name@version"), or, when the lockfile could
// not be read, its path and digest.
struct ExternalPackages {
  std::vector<std::string> resolved;
  // Those of the root package.json's own dependencies (includeRootDependencies), for every key.
  std::vector<std::string> root;
  std::optional<std::pair<std::string, std::string>> lockfile_fallback;
};

// A package's record of its files (see digest_cache.hpp), made while hashing, to be kept for
// the next run.
struct PendingRecord {
  std::filesystem::path file;
  std::filesystem::path package_root;
  DigestRecord record;
};

// A dependency's files as its key line names them: the digest, and the sorted lines it is of.
struct ManifestPart {
  std::string digest;
  std::shared_ptr<const std::string> lines;
};

struct PackageKey {
  std::string key;       // 64 hex digits
  std::string manifest;  // KeyManifest::text(): a dependency is one line (see expand_manifest)
  std::vector<ManifestPart> parts;  // each dependency's
  std::size_t file_count = 0;
  // Not written yet: the caller keeps them with keep_records, when it suits it (while the
  // command runs, say). Keys never depend on them.
  std::vector<PendingRecord> records;
};

// What one process that computes many keys shares between them (`memo run`): git's index,
// read once for the whole repo, and each package's file lines, walked and digested once and
// reused by every key that covers the package (its own, its dependents'), until forget() says
// its files may have changed (its command ran). Safe to use from many threads at once.
class HashingSession {
 public:
  explicit HashingSession(std::filesystem::path repo_root);
  ~HashingSession();
  HashingSession(const HashingSession&) = delete;
  HashingSession& operator=(const HashingSession&) = delete;

  // The package's files are walked and digested again the next time a key covers them.
  void forget(const std::filesystem::path& package_root);

  struct State;  // package_key.cpp's

 private:
  friend std::expected<PackageKey, std::string> compute_package_key(
      const config::Config&, const std::string&, const std::vector<std::filesystem::path>&,
      const std::vector<PackageSources>&, const ExternalPackages&, HashingSession*);
  std::unique_ptr<State> state_;
};

// Writes the records; one that cannot be written only costs the next run a walk.
void keep_records(std::vector<PendingRecord>& records);

// The key of running `command` in the package `config` describes: the package's files
// (hashGlobs, default all but node_modules, .git, *.tsbuildinfo and what .gitignore ignores;
// never the outputs nor memo's own folders), the files of every workspace package it depends
// on (`dependencies`, each under its own globs), the repo-root files matched by
// environmentGlob, the command, cacheKey, the listed env vars, the output globs and the entry
// format version. With a session, what it already knows of a package is reused.
std::expected<PackageKey, std::string> compute_package_key(
    const config::Config& config, const std::string& command,
    const std::vector<std::filesystem::path>& nested_packages = {},
    const std::vector<PackageSources>& dependencies = {}, const ExternalPackages& external = {},
    HashingSession* session = nullptr);

// The package's folder relative to the repo root, '/'-separated; "." for the root itself.
std::string package_path_in_repo(const config::Config& config);

// The manifest with every dependency's lines in place, for people to read.
std::string expanded_manifest(const PackageKey& key);

}  // namespace memo::hash
