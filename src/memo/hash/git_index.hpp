#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memo/hash/git_filters.hpp"

namespace memo::hash {

// git's index (.git/index, versions 2 to 4), read only to skip reading files git already knows:
// when a file's stat data matches its index entry and the entry is not racy (modified within
// the same second the index was written), the index's blob id is the file's digest. Anything
// else is read and hashed, so the key never depends on whether git is there.
class GitIndex {
 public:
  // The index of the git work tree holding `folder`, or why it is not used: there is none, it
  // cannot be read, it is damaged, or its format is one this code does not know (SHA-256
  // repositories among them). Repos whose files git may filter (core.autocrlf, attributes
  // files anywhere git reads them, see git_filters.hpp) are refused too: their index ids
  // need not be the bytes' ids. Only entries below `folders` (absolute) are kept, so a big
  // repo's index costs little memory when a few packages are hashed; empty keeps every entry.
  static std::expected<GitIndex, std::string> load_for(
      const std::filesystem::path& folder, const std::vector<std::filesystem::path>& folders = {},
      const GitEnvironment& env = GitEnvironment::from_process());
  // Parses index bytes (SHA-1 repositories only); `index_mtime` is the index file's
  // modification time. `prefixes` ("packages/a/", relative to the work tree) choose the
  // entries kept; empty keeps all. A damaged index gives an error, never a throw.
  static std::expected<GitIndex, std::string> parse(std::string_view bytes,
                                                    const struct timespec& index_mtime,
                                                    const std::vector<std::string>& prefixes = {});

  // The blob id git holds for `path` (relative to the work tree) when `info` (an lstat of it)
  // says the file is unchanged since git recorded it; nullopt otherwise.
  std::optional<std::string> unchanged_blob_id(std::string_view path,
                                               const struct stat& info) const;

  // The entry of each of `paths` (sorted, relative to the folder `prefix` names, e.g.
  // "packages/a/"), or -1: one merge over the index's sorted entries, no lookups.
  std::vector<std::int64_t> locate(std::string_view prefix,
                                   const std::vector<std::string_view>& paths) const;
  // As unchanged_blob_id, for an entry found by locate().
  std::optional<std::string> unchanged_blob_id_at(std::int64_t entry,
                                                  const struct stat& info) const;

  const std::filesystem::path& work_tree() const { return work_tree_; }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint32_t ctime_s, ctime_ns, mtime_s, mtime_ns, dev, ino, mode, uid, gid, size;
    unsigned char sha1[20];
    bool trusted;  // stage 0, not assume-valid, not skip-worktree, not intent-to-add
  };
  // One entry as read, with its path (valid until the next entry is read).
  struct ReadEntry {
    Entry entry;
    std::string_view path;
  };
  class EntryReader;
  // Keeps an entry that was read when `kept`; notes a .gitattributes anywhere.
  void add(const ReadEntry& read, bool kept);
  std::filesystem::path work_tree_;
  std::vector<Entry> entries_;
  // Every kept path, back to back in one string (a big repo has 100,000 of them).
  std::string path_arena_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> path_spans_;  // offset, length
  std::string_view path(std::size_t i) const {
    return std::string_view(path_arena_).substr(path_spans_[i].first, path_spans_[i].second);
  }
  struct timespec index_mtime_ {};
  bool has_gitattributes_ = false;  // any path, kept or not
};

}  // namespace memo::hash
