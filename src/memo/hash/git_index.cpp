#include "memo/hash/git_index.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"

namespace memo::hash {

namespace fs = std::filesystem;

namespace {

std::uint32_t read_u32(const unsigned char* p) {
  std::uint32_t value;
  std::memcpy(&value, p, 4);
  return ntohl(value);
}

// The git folder of the work tree holding `folder`: "<top>/.git", or the folder a ".git" file
// points to (worktrees, submodules).
std::optional<std::pair<fs::path, fs::path>> find_git_dir(const fs::path& folder) {
  for (fs::path dir = folder;; dir = dir.parent_path()) {
    std::error_code error;
    fs::path dot_git = dir / ".git";
    auto status = fs::symlink_status(dot_git, error);
    if (!error && fs::is_directory(status)) return std::pair{dir, dot_git};
    if (!error && fs::is_regular_file(status)) {
      auto text = util::read_file(dot_git);
      if (!text || !text->starts_with("gitdir: ")) return std::nullopt;
      std::string target = text->substr(8);
      while (!target.empty() && (target.back() == '\n' || target.back() == '\r')) target.pop_back();
      fs::path git_dir = fs::path(target).is_absolute() ? fs::path(target) : dir / target;
      return std::pair{dir, git_dir};
    }
    if (dir == dir.root_path() || dir.empty()) return std::nullopt;
  }
}

// Filters make git's blob ids differ from the bytes on disk; memo then reads every file.
bool repo_filters_content(const fs::path& work_tree, const fs::path& git_dir) {
  if (fs::exists(work_tree / ".gitattributes")) return true;
  if (auto info = util::read_file(git_dir / "info" / "attributes"); info && !info->empty()) {
    return true;
  }
  auto config = util::read_file(git_dir / "config");
  if (config) {
    std::string lower = *config;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("autocrlf") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::optional<GitIndex> GitIndex::load_for(const fs::path& folder) {
  auto found = find_git_dir(folder);
  if (!found) return std::nullopt;
  auto [work_tree, git_dir] = *found;
  if (repo_filters_content(work_tree, git_dir)) return std::nullopt;
  fs::path index_file = git_dir / "index";
  struct stat info {};
  if (::stat(index_file.c_str(), &info) != 0) return std::nullopt;
  auto bytes = util::read_file(index_file);
  if (!bytes) return std::nullopt;
  auto index = parse(*bytes, info.st_mtim);
  if (index) index->work_tree_ = work_tree;
  return index;
}

std::optional<GitIndex> GitIndex::parse(std::string_view bytes, const struct timespec& index_mtime) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t size = bytes.size();
  if (size < 12 + 20 || std::memcmp(data, "DIRC", 4) != 0) return std::nullopt;
  // The trailing SHA-1 covers everything before it: a torn or altered index is not used.
  // (index.skipHash writes zeros there instead.)
  static constexpr unsigned char kZeros[20] = {};
  if (std::memcmp(data + size - 20, kZeros, 20) != 0 &&
      util::to_hex(data + size - 20, 20) != util::sha1_hex(bytes.substr(0, size - 20))) {
    return std::nullopt;
  }
  const std::uint32_t version = read_u32(data + 4);
  if (version < 2 || version > 4) return std::nullopt;
  const std::uint32_t count = read_u32(data + 8);

  GitIndex index;
  index.index_mtime_ = index_mtime;
  index.entries_.reserve(count);
  index.paths_.reserve(count);
  std::size_t pos = 12;
  const std::size_t end = size - 20;
  std::string previous_path;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (pos + 62 > end) return std::nullopt;
    const unsigned char* p = data + pos;
    Entry entry{};
    entry.ctime_s = read_u32(p);
    entry.ctime_ns = read_u32(p + 4);
    entry.mtime_s = read_u32(p + 8);
    entry.mtime_ns = read_u32(p + 12);
    entry.dev = read_u32(p + 16);
    entry.ino = read_u32(p + 20);
    entry.mode = read_u32(p + 24);
    entry.uid = read_u32(p + 28);
    entry.gid = read_u32(p + 32);
    entry.size = read_u32(p + 36);
    std::memcpy(entry.sha1, p + 40, 20);
    const std::uint16_t flags = static_cast<std::uint16_t>((p[60] << 8) | p[61]);
    const bool assume_valid = flags & 0x8000;
    const bool extended = flags & 0x4000;
    const unsigned stage = (flags >> 12) & 0x3;
    std::size_t cursor = pos + 62;
    bool skip_or_intent = false;
    if (extended) {
      if (version < 3 || cursor + 2 > end) return std::nullopt;
      const std::uint16_t extra = static_cast<std::uint16_t>((data[cursor] << 8) | data[cursor + 1]);
      skip_or_intent = extra & (0x4000 | 0x2000);  // skip-worktree, intent-to-add
      cursor += 2;
    }
    std::string path;
    if (version == 4) {
      // Prefix compression: a varint of bytes to drop from the previous path, then a suffix.
      std::size_t drop = 0;
      if (cursor >= end) return std::nullopt;
      unsigned char byte = data[cursor++];
      drop = byte & 0x7f;
      while (byte & 0x80) {
        if (cursor >= end) return std::nullopt;
        byte = data[cursor++];
        drop = ((drop + 1) << 7) | (byte & 0x7f);
      }
      if (drop > previous_path.size()) return std::nullopt;
      const void* nul = std::memchr(data + cursor, 0, end - cursor);
      if (!nul) return std::nullopt;
      std::size_t length = static_cast<const unsigned char*>(nul) - (data + cursor);
      path = previous_path.substr(0, previous_path.size() - drop) +
             std::string(bytes.substr(cursor, length));
      pos = cursor + length + 1;
    } else {
      const void* nul = std::memchr(data + cursor, 0, end - cursor);
      if (!nul) return std::nullopt;
      std::size_t length = static_cast<const unsigned char*>(nul) - (data + cursor);
      path = std::string(bytes.substr(cursor, length));
      // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
      std::size_t entry_length = (cursor - pos) + length;
      pos += (entry_length + 8) & ~std::size_t{7};
    }
    entry.trusted = stage == 0 && !assume_valid && !skip_or_intent;
    previous_path = path;
    index.entries_.push_back(entry);
    index.paths_.push_back(std::move(path));
  }
  index.by_path_.reserve(count);
  for (std::size_t i = 0; i < index.paths_.size(); ++i) {
    if (index.entries_[i].trusted) index.by_path_.emplace(index.paths_[i], i);
  }
  return index;
}

std::optional<std::string> GitIndex::unchanged_blob_id(std::string_view path,
                                                       const struct stat& info) const {
  auto found = by_path_.find(path);
  if (found == by_path_.end()) return std::nullopt;
  const Entry& entry = entries_[found->second];
  const auto u32 = [](auto value) { return static_cast<std::uint32_t>(value); };
  if (entry.mtime_s != u32(info.st_mtim.tv_sec) || entry.mtime_ns != u32(info.st_mtim.tv_nsec) ||
      entry.ctime_s != u32(info.st_ctim.tv_sec) || entry.ctime_ns != u32(info.st_ctim.tv_nsec) ||
      entry.ino != u32(info.st_ino) || entry.uid != u32(info.st_uid) ||
      entry.gid != u32(info.st_gid) || entry.size != u32(info.st_size)) {
    return std::nullopt;
  }
  // Same kind of file and, for a regular file, the same executable bit.
  const std::uint32_t kind = entry.mode & 0170000;
  if (S_ISLNK(info.st_mode) ? kind != 0120000
                            : (!S_ISREG(info.st_mode) || kind != 0100000 ||
                               ((entry.mode & 0100) != 0) != ((info.st_mode & S_IXUSR) != 0))) {
    return std::nullopt;
  }
  // Racy: changed in the same instant the index was written, so stat data cannot tell.
  if (entry.mtime_s > u32(index_mtime_.tv_sec) ||
      (entry.mtime_s == u32(index_mtime_.tv_sec) && entry.mtime_ns >= u32(index_mtime_.tv_nsec))) {
    return std::nullopt;
  }
  return util::to_hex(entry.sha1, 20);
}

}  // namespace memo::hash
