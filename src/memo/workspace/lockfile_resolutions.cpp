// The root package.json's "resolutions" (yarn 1 and berry): a range replaced before the lockfile
// is consulted, so the lockfile locks the replacement, not the range a package declares.
//
//   "resolutions": {"ms": "2.1.3", "is-odd@^3.0.0": "3.0.1", "a/is-number": "npm:6.0.0",
//                   "**/typescript": "patch:typescript@npm%3A5.0.0#./typescript.patch"}

#include <nlohmann/json.hpp>

#include "memo/util/json.hpp"
#include "memo/workspace/lockfile_internal.hpp"

namespace memo::workspace::lockfile_detail {

namespace {

std::string_view without_npm(std::string_view range) {
  if (range.starts_with("npm:")) range.remove_prefix(4);
  return range;
}

// "a/**/@s/q@^1" -> {"a", "**", "@s/q@^1"}: a scope's slash stays inside its name.
std::vector<std::string> path_segments(std::string_view pattern) {
  std::vector<std::string> segments;
  while (!pattern.empty()) {
    std::size_t slash = pattern.find('/');
    if (pattern.starts_with('@') && slash != std::string_view::npos) {
      slash = pattern.find('/', slash + 1);
    }
    segments.emplace_back(pattern.substr(0, slash));
    if (slash == std::string_view::npos) break;
    pattern.remove_prefix(slash + 1);
  }
  return segments;
}

std::optional<Resolution> parse_resolution(std::string_view pattern, std::string value) {
  std::vector<std::string> segments = path_segments(pattern);
  if (segments.empty() || segments.back().empty()) return std::nullopt;
  Resolution resolution;
  const std::string& target = segments.back();
  std::string_view name = descriptor_name(target);
  resolution.name = std::string(name);
  if (name.size() < target.size()) resolution.range = target.substr(name.size() + 1);
  if (segments.size() > 1 && segments[segments.size() - 2] != "**") {
    resolution.parent = std::string(descriptor_name(segments[segments.size() - 2]));
  }
  resolution.value = std::move(value);
  return resolution;
}

}  // namespace

Resolutions parse_resolutions(std::string_view root_manifest) {
  Resolutions resolutions;
  auto manifest = util::parse_json(root_manifest);
  if (!manifest || !manifest->is_object()) return resolutions;
  auto field = manifest->find("resolutions");
  if (field == manifest->end() || !field->is_object()) return resolutions;
  for (const auto& [pattern, value] : field->items()) {
    if (!value.is_string()) continue;
    if (auto resolution = parse_resolution(pattern, value.get<std::string>())) {
      resolutions.push_back(std::move(*resolution));
    }
  }
  return resolutions;
}

const std::string* resolve_range(const Resolutions& resolutions, std::string_view parent,
                                 std::string_view name, std::string_view range) {
  const std::string* best = nullptr;
  int best_rank = -1;
  for (const auto& resolution : resolutions) {
    if (resolution.name != name) continue;
    if (!resolution.range.empty() && without_npm(resolution.range) != without_npm(range)) {
      continue;
    }
    if (!resolution.parent.empty() && resolution.parent != parent) continue;
    // The most specific pattern wins: a parent, then a range, narrow it.
    int rank = (resolution.parent.empty() ? 0 : 2) + (resolution.range.empty() ? 0 : 1);
    if (rank > best_rank) {
      best = &resolution.value;
      best_rank = rank;
    }
  }
  return best;
}

}  // namespace memo::workspace::lockfile_detail
