#include "memo/workspace/lockfile.hpp"

#include <algorithm>
#include <cerrno>

#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/json.hpp"
#include "memo/workspace/lockfile_internal.hpp"

namespace memo::workspace {

namespace fs = std::filesystem;

namespace lockfile_detail {

std::string_view descriptor_name(std::string_view descriptor) {
  std::size_t at = descriptor.find('@', 1);
  return at == std::string_view::npos ? descriptor : descriptor.substr(0, at);
}

bool is_registry_tarball(std::string_view url) {
  std::size_t end = url.find_first_of("#?");
  if (end != std::string_view::npos) url = url.substr(0, end);
  return url.find("/-/") != std::string_view::npos && url.ends_with(".tgz");
}

std::optional<std::uint32_t> hex_value(std::string_view digits) {
  if (digits.empty() || digits.size() > 8) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : digits) {
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (digit < 0) return std::nullopt;
    value = value << 4 | static_cast<std::uint32_t>(digit);
  }
  return value;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
    return;
  }
  int continuation = code < 0x800 ? 1 : code < 0x10000 ? 2 : 3;
  constexpr unsigned char kLead[] = {0, 0xC0, 0xE0, 0xF0};
  out += static_cast<char>(kLead[continuation] | (code >> (6 * continuation)));
  for (int shift = 6 * (continuation - 1); shift >= 0; shift -= 6) {
    out += static_cast<char>(0x80 | ((code >> shift) & 0x3F));
  }
}

std::string normalize_folder(std::string_view folder) {
  std::string normal = fs::path(folder).lexically_normal().generic_string();
  while (normal.size() > 1 && normal.ends_with("/")) normal.pop_back();
  return normal.empty() ? "." : normal;
}

}  // namespace lockfile_detail

namespace {

using lockfile_detail::Declared;

// The rule Workspace::direct_dependencies applies: a workspace package's name with a range that
// points to the registry, a URL or git names some other package.
bool names_workspace_package(const std::string& name, const std::string& range,
                             const std::set<std::string>& workspace_names) {
  if (!workspace_names.contains(name)) return false;
  return !(range.starts_with("npm:") || range.find("://") != std::string::npos ||
           range.starts_with("git") || range.starts_with("github:"));
}

bool is_berry(std::string_view text) {
  return text.starts_with("__metadata:") || text.find("\n__metadata:") != std::string_view::npos;
}

// The root package.json's text, "" when there is none; one memo cannot read is a cache
// problem, since which lockfile counts and how it resolves depend on it.
std::expected<std::string, LockfileError> root_manifest(const fs::path& repo_root) {
  auto text = util::read_file(repo_root / "package.json");
  if (text) return std::move(*text);
  if (errno == ENOENT) return "";
  return std::unexpected(LockfileError(text.error(), true));
}

// "pnpm", "yarn" or "npm" from package.json's "packageManager": "pnpm@9.1.0". A package.json
// that is missing or not JSON names none (the workspace reports it).
std::string package_manager(std::string_view manifest_text) {
  auto manifest = util::parse_json(manifest_text);
  if (!manifest || !manifest->is_object()) return "";
  auto field = manifest->find("packageManager");
  if (field == manifest->end() || !field->is_string()) return "";
  std::string value = field->get<std::string>();
  return value.substr(0, value.find('@'));
}

}  // namespace

std::expected<Lockfile, LockfileError> Lockfile::make(std::string_view bytes,
                                                      const std::string& relative_path,
                                                      const std::string& kind,
                                                      const std::string& name,
                                                      std::string_view root_manifest) {
  using namespace lockfile_detail;
  ParseResult graph = std::unexpected(name + ": unknown lockfile kind \"" + kind +
                                      "\" (expected yarn, npm, pnpm or rush)");
  if (kind == "yarn") {
    const Resolutions resolutions = parse_resolutions(root_manifest);
    graph = is_berry(bytes) ? parse_yarn_berry(bytes, name, resolutions)
                            : parse_yarn_v1(bytes, name, resolutions);
  } else if (kind == "npm") {
    graph = parse_npm(bytes, name);
  } else if (kind == "pnpm") {
    graph = parse_pnpm(bytes, name, "");
  } else if (kind == "rush") {
    // Rush runs pnpm in common/temp: its importers are relative to that folder.
    graph = parse_pnpm(bytes, name, "common/temp");
  }
  if (!graph) {
    LockfileError error = graph.error();
    if (!error.cache_problem) error.stand_in = std::pair{relative_path, util::sha256_hex(bytes)};
    return std::unexpected(std::move(error));
  }
  Lockfile lockfile;
  lockfile.path_ = relative_path;
  lockfile.kind_ = kind;
  lockfile.digest_ = util::sha256_hex(bytes);
  lockfile.graph_ = std::move(*graph);
  return lockfile;
}

std::expected<Lockfile, LockfileError> Lockfile::parse(std::string_view bytes,
                                                       const std::string& relative_path,
                                                       const std::string& kind,
                                                       std::string_view root_manifest) {
  return make(bytes, relative_path, kind, relative_path, root_manifest);
}

std::expected<Lockfile, LockfileError> Lockfile::load(const fs::path& repo_root,
                                                      const std::string& relative_path,
                                                      const std::string& kind) {
  auto bytes = util::read_file(repo_root / relative_path);
  if (!bytes) return std::unexpected(LockfileError(bytes.error(), true));
  auto manifest = root_manifest(repo_root);
  if (!manifest) return std::unexpected(manifest.error());
  return make(*bytes, relative_path, kind, (repo_root / relative_path).string(), *manifest);
}

namespace {

// Whether `file` is a regular file; a failure other than its absence is a cache problem.
std::expected<bool, LockfileError> is_file(const fs::path& file) {
  auto status = util::status_unless_missing(file);
  if (!status) return std::unexpected(LockfileError(status.error(), true));
  return fs::is_regular_file(*status);
}

}  // namespace

std::expected<std::optional<Lockfile>, LockfileError> Lockfile::load(const fs::path& repo_root) {
  const std::string rush_lockfile = "common/config/rush/pnpm-lock.yaml";
  auto rush = is_file(repo_root / "rush.json");
  if (!rush) return std::unexpected(rush.error());
  auto rush_locked = is_file(repo_root / rush_lockfile);
  if (!rush_locked) return std::unexpected(rush_locked.error());
  if (*rush && *rush_locked) {
    auto lockfile = load(repo_root, rush_lockfile, "rush");
    if (!lockfile) return std::unexpected(lockfile.error());
    return std::optional<Lockfile>(std::move(*lockfile));
  }
  static const std::pair<const char*, const char*> kCandidates[] = {{"pnpm-lock.yaml", "pnpm"},
                                                                    {"yarn.lock", "yarn"},
                                                                    {"npm-shrinkwrap.json", "npm"},
                                                                    {"package-lock.json", "npm"}};
  std::vector<std::pair<std::string, std::string>> found;
  for (const auto& [file, kind] : kCandidates) {
    auto present = is_file(repo_root / file);
    if (!present) return std::unexpected(present.error());
    if (*present) found.emplace_back(file, kind);
  }
  if (found.empty()) return std::optional<Lockfile>();
  auto chosen = found.begin();
  if (found.size() > 1) {
    auto manifest = root_manifest(repo_root);
    if (!manifest) return std::unexpected(manifest.error());
    const std::string manager = package_manager(*manifest);
    auto named = std::find_if(found.begin(), found.end(),
                              [&](const auto& candidate) { return candidate.second == manager; });
    if (named != found.end()) chosen = named;
  }
  auto lockfile = load(repo_root, chosen->first, chosen->second);
  if (!lockfile) return std::unexpected(lockfile.error());
  return std::optional<Lockfile>(std::move(*lockfile));
}

std::vector<std::string> Lockfile::resolve_external(
    const std::string& importer_folder, const std::map<std::string, std::string>& declared,
    const std::set<std::string>& workspace_names) const {
  const std::string folder = lockfile_detail::normalize_folder(importer_folder);
  const auto& nodes = graph_->nodes;
  std::vector<std::string> result;
  std::vector<bool> seen(nodes.size());
  std::vector<std::uint32_t> pending;
  for (const auto& [name, range] : declared) {
    if (names_workspace_package(name, range, workspace_names)) continue;
    Declared resolved = graph_->resolve_declared(folder, name, range);
    if (resolved.kind == Declared::Kind::Unresolved) {
      result.push_back(name + "@" + range + " (unresolved)");
    } else if (resolved.kind == Declared::Kind::Node && !seen[resolved.node]) {
      seen[resolved.node] = true;
      pending.push_back(resolved.node);
    }
  }
  // Each node is visited once, so cycles end.
  while (!pending.empty()) {
    const auto& node = nodes[pending.back()];
    pending.pop_back();
    if (!node.workspace_name.empty() && workspace_names.contains(node.workspace_name)) continue;
    result.push_back(node.label);
    for (std::uint32_t next : node.dependencies) {
      if (!seen[next]) {
        seen[next] = true;
        pending.push_back(next);
      }
    }
    for (const auto& [name, label] : node.unresolved) {
      if (!workspace_names.contains(name)) result.push_back(label);
    }
  }
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

}  // namespace memo::workspace
