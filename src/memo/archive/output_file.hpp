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
  // A small file of an entry with many is stored with the others in one pack blob (see
  // store/packs.hpp): that blob's digest, and where the file's bytes start in it. Empty: the
  // file's bytes are a blob of their own, named by `digest`.
  std::string pack;
  std::uint64_t pack_offset = 0;

  bool operator==(const OutputFile&) const = default;
};

// The digest of the blob holding a file's bytes: its pack's, or its own.
inline const std::string& stored_blob(const OutputFile& file) {
  return file.pack.empty() ? file.digest : file.pack;
}

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
