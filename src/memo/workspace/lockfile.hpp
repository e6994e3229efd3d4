#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memo::workspace {

namespace lockfile_detail {
class Graph;
}

// Why a lockfile could not be used. `cache_problem` when memo could not read it at all (an I/O
// failure) or it goes beyond the bounds memo reads within (nesting deeper than
// kMaxLockfileDepth): the key cannot cover it, so the command runs uncached. Otherwise the file
// is not a lockfile memo understands, and the digest of its bytes stands in.
struct LockfileError {
  LockfileError(std::string text, bool problem = false)  // NOLINT: errors are mostly text
      : message(std::move(text)), cache_problem(problem) {}
  std::string message;
  bool cache_problem = false;
  // A lockfile read but not understood: its path from the repo root and the digest of its
  // bytes, which then stand in for the versions it holds.
  std::optional<std::pair<std::string, std::string>> stand_in;
};

// Deeper than this, a lockfile is refused: lockfiles nest a handful of levels, and reading a
// document nested 100,000 levels deep one call per level would overflow the stack.
inline constexpr int kMaxLockfileDepth = 64;

// The repo's lockfile, read so that a package's key covers the resolved versions of the
// external packages it uses, and only those: bumping a dependency a package does not reach
// leaves its key alone.
class Lockfile {
 public:
  // Finds and parses the lockfile at `repo_root`: Rush's common/config/rush/pnpm-lock.yaml when
  // rush.json exists, else pnpm-lock.yaml, yarn.lock (v1 or berry), npm-shrinkwrap.json or
  // package-lock.json (when several exist, the one package.json's "packageManager" names, else
  // the first of that list). std::nullopt when there is none. An error (one line naming the
  // file) when the file cannot be read or parsed, or has a version this code does not know.
  static std::expected<std::optional<Lockfile>, LockfileError> load(
      const std::filesystem::path& repo_root);
  // One given file, `relative_path` under `repo_root`; `kind` is "yarn", "npm", "pnpm" or "rush".
  static std::expected<Lockfile, LockfileError> load(const std::filesystem::path& repo_root,
                                                     const std::string& relative_path,
                                                     const std::string& kind);
  // The same from the file's bytes; errors name `relative_path`. `root_manifest` is the root
  // package.json's text: yarn resolves through its "resolutions" (npm's and pnpm's lockfiles
  // already hold what their overrides chose).
  static std::expected<Lockfile, LockfileError> parse(std::string_view bytes,
                                                      const std::string& relative_path,
                                                      const std::string& kind,
                                                      std::string_view root_manifest = {});

  const std::string& path() const { return path_; }      // relative to the repo root
  const std::string& kind() const { return kind_; }      // as load() was given or found it
  const std::string& digest() const { return digest_; }  // SHA-256 hex of the file's bytes

  // The external packages the workspace package in `importer_folder` (repo-relative,
  // '/'-separated, "." for the root) resolves, directly and transitively, from its declared
  // dependencies (name -> range, the four dependency fields merged): sorted unique
  // "name@version" strings (pnpm's keep their peer suffix, non-registry sources add theirs in
  // parentheses). Names in `workspace_names` are skipped unless the range points elsewhere
  // ("npm:", a URL, git). A declared dependency the lockfile does not lock is
  // "name@range (unresolved)", and so is a locked package's non-optional dependency.
  std::vector<std::string> resolve_external(const std::string& importer_folder,
                                            const std::map<std::string, std::string>& declared,
                                            const std::set<std::string>& workspace_names) const;

 private:
  Lockfile() = default;
  // `name` is what errors call the file: its full path when read from disk.
  static std::expected<Lockfile, LockfileError> make(std::string_view bytes,
                                                     const std::string& relative_path,
                                                     const std::string& kind,
                                                     const std::string& name,
                                                     std::string_view root_manifest);

  std::string path_;
  std::string kind_;
  std::string digest_;
  std::shared_ptr<const lockfile_detail::Graph> graph_;
};

}  // namespace memo::workspace
