#include "memo/hash/git_index.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

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
  // A worktree's git folder names the main one ("commondir"), which holds config and info/.
  fs::path common_dir = git_dir;
  if (auto common = util::read_file(git_dir / "commondir")) {
    while (!common->empty() && (common->back() == '\n' || common->back() == '\r')) {
      common->pop_back();
    }
    if (!common->empty()) {
      common_dir = fs::path(*common).is_absolute() ? fs::path(*common) : git_dir / *common;
    }
  }
  if (auto info = util::read_file(common_dir / "info" / "attributes"); info && !info->empty()) {
    return true;
  }
  // The user's and the system's git config can set core.autocrlf too.
  std::vector<fs::path> configs{common_dir / "config", git_dir / "config.worktree",
                                "/etc/gitconfig"};
  if (const char* home = std::getenv("HOME")) {
    configs.push_back(fs::path(home) / ".gitconfig");
    configs.push_back(fs::path(home) / ".config" / "git" / "config");
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"))
    configs.push_back(fs::path(xdg) / "git" / "config");
  for (const fs::path& file : configs) {
    auto config = util::read_file(file);
    if (!config) continue;
    std::string lower = *config;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("autocrlf") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::optional<GitIndex> GitIndex::load_for(const fs::path& folder,
                                           const std::vector<fs::path>& folders) {
  auto found = find_git_dir(folder);
  if (!found) return std::nullopt;
  auto [work_tree, git_dir] = *found;
  if (repo_filters_content(work_tree, git_dir)) return std::nullopt;
  std::vector<std::string> prefixes;
  bool whole_tree = false;
  for (const auto& wanted : folders) {
    std::string prefix = wanted.lexically_relative(work_tree).generic_string();
    if (prefix.starts_with("..") || prefix.empty()) continue;
    if (prefix == ".") whole_tree = true;
    prefixes.push_back(prefix + "/");
  }
  if (whole_tree) prefixes.clear();
  if (!folders.empty() && prefixes.empty() && !whole_tree) return std::nullopt;  // none inside
  // Mapped, not read: a big repo's index is megabytes, and only parts of it are kept.
  fs::path index_file = git_dir / "index";
  int fd = ::open(index_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_size <= 0) {
    ::close(fd);
    return std::nullopt;
  }
  void* mapped =
      ::mmap(nullptr, static_cast<std::size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) return std::nullopt;
  auto index = parse(
      std::string_view(static_cast<const char*>(mapped), static_cast<std::size_t>(info.st_size)),
      info.st_mtim, prefixes);
  ::munmap(mapped, static_cast<std::size_t>(info.st_size));
  // .gitattributes files below the top filter the files under them as well.
  if (!index || index->has_gitattributes_) return std::nullopt;
  index->work_tree_ = work_tree;
  return index;
}

std::optional<GitIndex> GitIndex::parse(std::string_view bytes, const struct timespec& index_mtime,
                                        const std::vector<std::string>& prefixes) {
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
  if (prefixes.empty()) {
    // No more than the bytes can hold (an entry takes 62 or more): a damaged count asks for TBs.
    index.entries_.reserve(std::min<std::size_t>(count, size / 62));
    index.path_spans_.reserve(std::min<std::size_t>(count, size / 62));
  }
  // Each folder above a path is looked up, rather than each prefix tried: paths are shallow,
  // prefixes can be many.
  const std::unordered_set<std::string_view> prefix_set(prefixes.begin(), prefixes.end());
  auto wanted = [&prefix_set](std::string_view path) {
    if (prefix_set.empty()) return true;
    for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
         slash = path.find('/', slash + 1)) {
      if (prefix_set.contains(path.substr(0, slash + 1))) return true;
    }
    return false;
  };
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
      const std::uint16_t extra =
          static_cast<std::uint16_t>((data[cursor] << 8) | data[cursor + 1]);
      skip_or_intent = extra & (0x4000 | 0x2000);  // skip-worktree, intent-to-add
      cursor += 2;
    }
    std::string_view path;
    std::string v4_path;
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
      v4_path.assign(previous_path, 0, previous_path.size() - drop);
      v4_path.append(bytes.substr(cursor, length));
      path = v4_path;
      pos = cursor + length + 1;
    } else {
      const void* nul = std::memchr(data + cursor, 0, end - cursor);
      if (!nul) return std::nullopt;
      std::size_t length = static_cast<const unsigned char*>(nul) - (data + cursor);
      path = bytes.substr(cursor, length);
      // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
      std::size_t entry_length = (cursor - pos) + length;
      pos += (entry_length + 8) & ~std::size_t{7};
    }
    if (path == ".gitattributes" || path.ends_with("/.gitattributes")) {
      index.has_gitattributes_ = true;
    }
    if (wanted(path)) {
      entry.trusted = stage == 0 && !assume_valid && !skip_or_intent;
      index.entries_.push_back(entry);
      index.path_spans_.emplace_back(static_cast<std::uint32_t>(index.path_arena_.size()),
                                     static_cast<std::uint32_t>(path.size()));
      index.path_arena_.append(path);
    }
    if (version == 4) previous_path = std::move(v4_path);
  }
  return index;
}

std::optional<std::string> GitIndex::unchanged_blob_id(std::string_view wanted,
                                                       const struct stat& info) const {
  // Entries are sorted by path: binary search.
  std::size_t low = 0, high = entries_.size();
  while (low < high) {
    std::size_t middle = (low + high) / 2;
    if (path(middle) < wanted)
      low = middle + 1;
    else
      high = middle;
  }
  if (low == entries_.size() || path(low) != wanted) return std::nullopt;
  return unchanged_blob_id_at(static_cast<std::int64_t>(low), info);
}

std::vector<std::int64_t> GitIndex::locate(std::string_view prefix,
                                           const std::vector<std::string_view>& paths) const {
  std::vector<std::int64_t> found(paths.size(), -1);
  std::size_t low = 0, high = entries_.size();
  while (low < high) {  // the first entry at or after the prefix
    std::size_t middle = (low + high) / 2;
    if (path(middle) < prefix)
      low = middle + 1;
    else
      high = middle;
  }
  std::size_t entry = low;
  for (std::size_t i = 0; i < paths.size() && entry < entries_.size(); ++i) {
    // Compare "<prefix><path>" with the entry without building the string.
    auto compare = [&](std::size_t e) {
      std::string_view candidate = path(e);
      if (!candidate.starts_with(prefix)) return candidate < prefix ? -1 : 1;
      int order = candidate.substr(prefix.size()).compare(paths[i]);
      return order < 0 ? -1 : order > 0 ? 1 : 0;
    };
    int order = 0;
    while (entry < entries_.size() && (order = compare(entry)) < 0) ++entry;
    if (entry < entries_.size() && order == 0) found[i] = static_cast<std::int64_t>(entry);
  }
  return found;
}

std::optional<std::string> GitIndex::unchanged_blob_id_at(std::int64_t index,
                                                          const struct stat& info) const {
  if (index < 0 || static_cast<std::size_t>(index) >= entries_.size()) return std::nullopt;
  const Entry& entry = entries_[static_cast<std::size_t>(index)];
  if (!entry.trusted) return std::nullopt;
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
  // Size 0 is how git marks ("smudges") an entry it found racily clean but changed: unchanged
  // only if its blob is the empty one.
  static constexpr unsigned char kEmptyBlob[20] = {0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6,
                                                   0x43, 0x4b, 0x8b, 0x29, 0xae, 0x77, 0x5a,
                                                   0xd8, 0xc2, 0xe4, 0x8c, 0x53, 0x91};
  if (entry.size == 0 && std::memcmp(entry.sha1, kEmptyBlob, 20) != 0) return std::nullopt;
  // Racy: changed in the same instant the index was written, so stat data cannot tell.
  if (entry.mtime_s > u32(index_mtime_.tv_sec) ||
      (entry.mtime_s == u32(index_mtime_.tv_sec) && entry.mtime_ns >= u32(index_mtime_.tv_nsec))) {
    return std::nullopt;
  }
  return util::to_hex(entry.sha1, 20);
}

}  // namespace memo::hash
