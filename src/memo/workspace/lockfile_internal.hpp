#pragma once

// Shared between the lockfile parsers (lockfile_<format>.cpp) and lockfile.cpp; not part of the
// module's interface.

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "memo/workspace/lockfile.hpp"

namespace memo::workspace::lockfile_detail {

// Every locked package of a lockfile with its dependencies already resolved to other nodes.
struct Node {
  std::string label;  // "name@version", with the source appended when it is not a registry
  std::vector<std::uint32_t> dependencies;
  // Dependencies the lockfile does not lock: (name, "name@range (unresolved)").
  std::vector<std::pair<std::string, std::string>> unresolved;
  // When set, the node is a link to a folder under this package name: it is skipped (and not
  // followed) when that name is a workspace package.
  std::string workspace_name;
};

struct Declared {
  enum class Kind { Node, Skip, Unresolved };
  Kind kind = Kind::Unresolved;
  std::uint32_t node = 0;

  static Declared skip() { return {Kind::Skip, 0}; }
  static Declared unresolved() { return {Kind::Unresolved, 0}; }
  static Declared of(std::uint32_t node) { return {Kind::Node, node}; }
};

// One parsed lockfile: the graph plus the format's way of resolving what a workspace package
// declares.
class Graph {
 public:
  virtual ~Graph() = default;
  // `folder` is repo-relative, "." for the root; `range` as in package.json.
  virtual Declared resolve_declared(const std::string& folder, const std::string& name,
                                    const std::string& range) const = 0;

  std::vector<Node> nodes;
};

using ParseResult = std::expected<std::unique_ptr<Graph>, LockfileError>;

// One entry of the root package.json's "resolutions": `name` (and, when given, `range` and the
// depending package `parent`) resolves through `value` instead.
struct Resolution {
  std::string parent;
  std::string name;
  std::string range;
  std::string value;
};
using Resolutions = std::vector<Resolution>;

// The "resolutions" of a root package.json's text; none when it has none or is not JSON.
Resolutions parse_resolutions(std::string_view root_manifest);
// The range `name@range` required by `parent` resolves through, or nullptr when no resolution
// applies (the most specific one wins).
const std::string* resolve_range(const Resolutions& resolutions, std::string_view parent,
                                 std::string_view name, std::string_view range);

// Each parser gets the whole file and the name to put in front of its error messages.
// Yarn resolves through the root package.json's "resolutions" first.
ParseResult parse_yarn_v1(std::string_view text, const std::string& name,
                          const Resolutions& resolutions = {});
ParseResult parse_yarn_berry(std::string_view text, const std::string& name,
                             const Resolutions& resolutions = {});
ParseResult parse_npm(std::string_view text, const std::string& name);
// `importer_base` is the folder importers are relative to: "" for pnpm, "common/temp" for Rush.
ParseResult parse_pnpm(std::string_view text, const std::string& name,
                       const std::string& importer_base);

// A YAML reader for the subset lockfiles are written in (block mappings and sequences, quoted and
// plain scalars, flow collections, several documents). Anything else goes to yaml-cpp, which
// is exact but about ten times slower.
struct YamlNode {
  enum class Kind { Null, Scalar, Map, Seq };
  Kind kind = Kind::Null;
  std::string scalar;
  std::vector<std::string> keys;  // Map: keys[i] -> values[i]; Seq: values only
  std::vector<YamlNode> values;

  bool is_map() const { return kind == Kind::Map; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  const YamlNode* find(std::string_view key) const;
  // The scalar at `key`, or "" when absent or not a scalar.
  std::string_view text(std::string_view key) const;
};

// All documents of the stream; an error is "not valid YAML (<reason>)", or "nested deeper than
// 64 levels" (a cache problem: neither reader goes deeper than kMaxLockfileDepth).
std::expected<std::vector<YamlNode>, LockfileError> parse_yaml(std::string_view text);
// The same with yaml-cpp only, for tests comparing the two readers.
std::expected<std::vector<YamlNode>, LockfileError> parse_yaml_slow(std::string_view text);
// `name`: `error` naming the file it is about.
LockfileError prefixed(const std::string& name, const LockfileError& error);

// "name" of "name@range" / "@scope/name@range"; the whole text when it has no '@' after the
// first character.
std::string_view descriptor_name(std::string_view descriptor);
// Whether a resolved URL is a registry tarball (".../name/-/name-1.0.0.tgz").
bool is_registry_tarball(std::string_view url);
// The value of exactly `digits.size()` hex digits (at most 8); nullopt for anything else.
std::optional<std::uint32_t> hex_value(std::string_view digits);
void append_utf8(std::string& out, std::uint32_t code);
// A repo-relative folder in the form importers are looked up by: "packages/a", "." for the root.
std::string normalize_folder(std::string_view folder);

}  // namespace memo::workspace::lockfile_detail
