#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace memo::hash {

// git's index (.git/index, versions 2 to 4), read only to skip reading files git already knows:
// when a file's stat data matches its index entry and the entry is not racy (modified within
// the same second the index was written), the index's blob id is the file's digest. Anything
// else is read and hashed, so the key never depends on whether git is there.
class GitIndex {
 public:
  // The index of the git work tree holding `folder`, or nullopt when there is none, it cannot
  // be read, or its format is one this code does not know. Repos whose files git filters
  // (core.autocrlf, .gitattributes) get nullopt too: their index ids are not the bytes' ids.
  static std::optional<GitIndex> load_for(const std::filesystem::path& folder);
  // Parses index bytes; `index_mtime` is the index file's modification time.
  static std::optional<GitIndex> parse(std::string_view bytes, const struct timespec& index_mtime);

  // The blob id git holds for `path` (relative to the work tree) when `info` (an lstat of it)
  // says the file is unchanged since git recorded it; nullopt otherwise.
  std::optional<std::string> unchanged_blob_id(std::string_view path, const struct stat& info) const;

  const std::filesystem::path& work_tree() const { return work_tree_; }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint32_t ctime_s, ctime_ns, mtime_s, mtime_ns, dev, ino, mode, uid, gid, size;
    unsigned char sha1[20];
    bool trusted;  // stage 0, not assume-valid, not skip-worktree, not intent-to-add
  };
  std::filesystem::path work_tree_;
  std::vector<Entry> entries_;
  std::vector<std::string> paths_;
  std::unordered_map<std::string_view, std::size_t> by_path_;
  struct timespec index_mtime_ {};
};

}  // namespace memo::hash
