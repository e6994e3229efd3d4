#include "memo/archive/output_file.hpp"

#include <limits>
#include <vector>

#include "memo/util/digest.hpp"

namespace memo::archive {

bool is_safe_relative_path(std::string_view path) {
  if (path.empty() || path.size() > 4096 || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (part.find('\0') != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

bool is_contained_symlink(std::string_view link_path, std::string_view target) {
  if (target.empty() || target.front() == '/' || target.find('\0') != std::string_view::npos) {
    return false;
  }
  // Depth of the link's folder below the package root, then walk the target's components.
  long depth = 0;
  for (char c : link_path) depth += c == '/';
  std::size_t start = 0;
  while (start <= target.size()) {
    std::size_t end = target.find('/', start);
    if (end == std::string_view::npos) end = target.size();
    std::string_view part = target.substr(start, end - start);
    if (part == "..") {
      if (--depth < 0) return false;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
    start = end + 1;
  }
  return true;
}

nlohmann::json to_json(const OutputFile& file) {
  if (file.type == OutputFile::Type::Symlink) {
    return {{"path", file.path}, {"type", "symlink"}, {"target", file.link_target}};
  }
  return {{"path", file.path},
          {"type", "file"},
          {"mode", file.mode},
          {"size", file.size},
          {"sha256", file.digest}};
}

std::expected<OutputFile, std::string> check_output_file(OutputFile file) {
  if (!is_safe_relative_path(file.path)) {
    return std::unexpected("unsafe output path \"" + file.path + "\"");
  }
  if (file.type == OutputFile::Type::Symlink) {
    if (!is_contained_symlink(file.path, file.link_target)) {
      return std::unexpected(file.path + ": symlink target \"" + file.link_target +
                             "\" leaves the package");
    }
    return file;
  }
  file.mode &= 0777;
  if (!util::is_hex_digest(file.digest, 64)) return std::unexpected(file.path + ": bad digest");
  if (!file.pack.empty() && !util::is_hex_digest(file.pack, 64)) {
    return std::unexpected(file.path + ": bad pack digest");
  }
  // Within what a file offset can say (off_t), however a hostile entry sums them.
  constexpr std::uint64_t kLargestOffset = std::numeric_limits<std::int64_t>::max();
  if (file.size > kLargestOffset || file.pack_offset > kLargestOffset - file.size) {
    return std::unexpected(file.path + ": size or place out of range");
  }
  return file;
}

std::expected<OutputFile, std::string> output_file_from_json(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("path") || !json["path"].is_string() ||
      !json.contains("type") || !json["type"].is_string()) {
    return std::unexpected("an output record lacks a path or a type");
  }
  OutputFile file;
  file.path = json["path"].get<std::string>();
  const std::string type = json["type"];
  if (type == "symlink") {
    if (!json.contains("target") || !json["target"].is_string()) {
      return std::unexpected(file.path + ": symlink without a target");
    }
    file.type = OutputFile::Type::Symlink;
    file.link_target = json["target"].get<std::string>();
    return check_output_file(std::move(file));
  }
  if (type != "file") return std::unexpected(file.path + ": unsupported type \"" + type + "\"");
  if (!json.contains("mode") || !json["mode"].is_number_unsigned() || !json.contains("size") ||
      !json["size"].is_number_unsigned() || !json.contains("sha256") ||
      !json["sha256"].is_string()) {
    return std::unexpected(file.path + ": incomplete file record");
  }
  file.mode = json["mode"].get<unsigned>();
  file.size = json["size"].get<std::uint64_t>();
  file.digest = json["sha256"].get<std::string>();
  return check_output_file(std::move(file));
}

}  // namespace memo::archive
