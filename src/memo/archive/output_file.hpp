#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace memo::archive {

// One cached output, relative to its package.
struct OutputFile {
  enum class Type { File, Symlink };
  std::string path;  // '/'-separated, checked by is_safe_relative_path
  Type type = Type::File;
  unsigned mode = 0644;     // permission bits of a file
  std::uint64_t size = 0;   // bytes of a file
  std::string digest;       // SHA-256 of a file's bytes
  std::string link_target;  // a symlink's target, relative

  bool operator==(const OutputFile&) const = default;
};

// A path that cannot leave the folder it is joined to: relative, '/'-separated, no empty, "."
// or ".." component, no NUL, at most 4096 bytes.
bool is_safe_relative_path(std::string_view path);

// A symlink at `link_path` whose `target` stays inside the package once resolved lexically from
// the link's folder: relative, and never climbing above the package root.
bool is_contained_symlink(std::string_view link_path, std::string_view target);

nlohmann::json to_json(const OutputFile& file);
// `file` when nothing in it could lead a restore astray: a safe path, a symlink that stays in
// the package, a file's digest of 64 hex digits (its mode cut to permission bits).
std::expected<OutputFile, std::string> check_output_file(OutputFile file);
// Rejects anything that is not a well-formed, safe OutputFile (a hostile entry is not restored).
std::expected<OutputFile, std::string> output_file_from_json(const nlohmann::json& json);

}  // namespace memo::archive
