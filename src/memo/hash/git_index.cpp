#include "memo/hash/git_index.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>
#include <utility>

#include "memo/util/digest.hpp"
#include "memo/util/fd.hpp"
#include "memo/util/files.hpp"

namespace memo::hash {

namespace fs = std::filesystem;

namespace {

// Stat data, id and flags (62 bytes), one path byte and its NUL: no entry is smaller.
constexpr std::size_t kMinEntrySize = 64;

std::uint32_t read_u32(const unsigned char* p) {
  std::uint32_t value;
  std::memcpy(&value, p, 4);
  return ntohl(value);
}

std::string trim_line_end(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The git folders of the work tree holding `folder`: "<top>/.git", or the folder a ".git" file
// points to (worktrees, submodules), and the folder its "commondir" names (a worktree's main
// repository, which holds config and info/).
std::expected<GitRepoDirs, std::string> find_git_dirs(const fs::path& folder) {
  for (fs::path dir = folder;; dir = dir.parent_path()) {
    std::error_code error;
    fs::path dot_git = dir / ".git";
    auto status = fs::symlink_status(dot_git, error);
    std::optional<fs::path> git_dir;
    if (!error && fs::is_directory(status)) git_dir = dot_git;
    if (!error && fs::is_regular_file(status)) {
      auto text = util::read_file(dot_git);
      if (!text || !text->starts_with("gitdir: "))
        return std::unexpected(dot_git.string() + " is not a gitdir pointer");
      fs::path target = trim_line_end(text->substr(8));
      git_dir = target.is_absolute() ? target : dir / target;
    }
    if (git_dir) {
      GitRepoDirs dirs{dir, *git_dir, *git_dir};
      if (auto common = util::read_file(*git_dir / "commondir")) {
        fs::path named = trim_line_end(*common);
        if (!named.empty()) dirs.common_dir = named.is_absolute() ? named : *git_dir / named;
      }
      return dirs;
    }
    if (dir == dir.root_path() || dir.empty()) return std::unexpected("not in a git work tree");
  }
}

// memo's digests are SHA-1 blob ids: a SHA-256 repository's index holds other ids, laid out
// differently.
std::optional<std::string> object_format_reason(const std::vector<GitConfigEntry>& config) {
  for (const GitConfigEntry& entry : config) {
    if (entry.key == "extensions.objectformat" && entry.value != "sha1") {
      return "objects are " + entry.value + " (" + entry.source + "), not SHA-1";
    }
  }
  return std::nullopt;
}

// The index file's bytes, mapped rather than read: a big repo's index is megabytes, and only
// parts of it are kept.
class MappedFile {
 public:
  static std::expected<MappedFile, std::string> open(const fs::path& file) {
    util::Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::unexpected("cannot open " + file.string());
    MappedFile mapped;
    if (::fstat(fd.get(), &mapped.info_) != 0 || mapped.info_.st_size <= 0) {
      return std::unexpected(file.string() + " is empty or unreadable");
    }
    void* data = ::mmap(nullptr, mapped.size(), PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (data == MAP_FAILED) return std::unexpected("cannot map " + file.string());
    mapped.data_ = data;
    return mapped;
  }
  MappedFile(MappedFile&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), info_(other.info_) {}
  MappedFile& operator=(MappedFile&&) = delete;
  ~MappedFile() {
    if (data_) ::munmap(data_, size());
  }

  std::string_view bytes() const { return {static_cast<const char*>(data_), size()}; }
  const struct timespec& mtime() const { return info_.st_mtim; }

 private:
  MappedFile() = default;
  std::size_t size() const { return static_cast<std::size_t>(info_.st_size); }

  void* data_ = nullptr;
  struct stat info_ {};
};

// The entries' prefixes for `folders`: empty for the whole tree, nullopt when none is inside.
std::optional<std::vector<std::string>> prefixes_for(const fs::path& work_tree,
                                                     const std::vector<fs::path>& folders) {
  std::vector<std::string> prefixes;
  for (const auto& wanted : folders) {
    std::string prefix = wanted.lexically_relative(work_tree).generic_string();
    if (prefix.starts_with("..") || prefix.empty()) continue;
    if (prefix == ".") return std::vector<std::string>{};
    prefixes.push_back(prefix + "/");
  }
  if (!folders.empty() && prefixes.empty()) return std::nullopt;
  return prefixes;
}

}  // namespace

std::expected<GitIndex, std::string> GitIndex::load_for(const fs::path& folder,
                                                        const std::vector<fs::path>& folders,
                                                        const GitEnvironment& env) {
  auto dirs = find_git_dirs(folder);
  if (!dirs) return std::unexpected(dirs.error());
  const std::vector<GitConfigEntry> config = repo_config(*dirs, env);
  if (auto reason = object_format_reason(config)) return std::unexpected(*reason);
  if (auto reason = content_filter_reason(*dirs, env, config)) {
    return std::unexpected("git may convert file contents: " + *reason);
  }
  auto prefixes = prefixes_for(dirs->work_tree, folders);
  if (!prefixes) return std::unexpected("no hashed folder is inside the work tree");
  auto mapped = MappedFile::open(dirs->git_dir / "index");
  if (!mapped) return std::unexpected(mapped.error());
  auto index = parse(mapped->bytes(), mapped->mtime(), *prefixes);
  if (!index) return std::unexpected("git's index: " + index.error());
  // .gitattributes files below the top filter the files under them as well.
  if (index->has_gitattributes_) return std::unexpected("git's index holds .gitattributes files");
  index->work_tree_ = dirs->work_tree;
  return index;
}

namespace {

std::unexpected<std::string> damaged(const std::string& why) {
  return std::unexpected("damaged (" + why + ")");
}

// The header's version and entry count, once the checksum and the count hold.
struct IndexHeader {
  std::uint32_t version;
  std::uint32_t count;
};

std::expected<IndexHeader, std::string> read_header(std::string_view bytes) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t size = bytes.size();
  if (size < 12 + 20 || std::memcmp(data, "DIRC", 4) != 0) return damaged("no DIRC header");
  // The trailing SHA-1 covers everything before it: a torn or altered index is not used.
  // (index.skipHash writes zeros there instead.)
  static constexpr unsigned char kZeros[20] = {};
  if (std::memcmp(data + size - 20, kZeros, 20) != 0 &&
      util::to_hex(data + size - 20, 20) != util::sha1_hex(bytes.substr(0, size - 20))) {
    return damaged("checksum mismatch");
  }
  const std::uint32_t version = read_u32(data + 4);
  if (version < 2 || version > 4) {
    return std::unexpected("unknown version " + std::to_string(version));
  }
  const std::uint32_t count = read_u32(data + 8);
  // Every entry takes at least kMinEntrySize bytes: a count the file cannot hold is damage,
  // and reserving room for it could exhaust memory.
  if (count > (size - 12 - 20) / kMinEntrySize) {
    return damaged(std::to_string(count) + " entries claimed in " + std::to_string(size) +
                   " bytes");
  }
  return IndexHeader{version, count};
}

// Whether a path lies below one of the prefixes ("pkg/"); every path when there are none. Each
// folder above a path is looked up, rather than each prefix tried: paths are shallow, prefixes
// can be many.
class PrefixFilter {
 public:
  explicit PrefixFilter(const std::vector<std::string>& prefixes)
      : prefixes_(prefixes.begin(), prefixes.end()) {}

  bool keeps_all() const { return prefixes_.empty(); }
  bool keeps(std::string_view path) const {
    if (prefixes_.empty()) return true;
    for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
         slash = path.find('/', slash + 1)) {
      if (prefixes_.contains(path.substr(0, slash + 1))) return true;
    }
    return false;
  }

 private:
  std::unordered_set<std::string_view> prefixes_;
};

}  // namespace

// Reads the entries of an index one after the other.
class GitIndex::EntryReader {
 public:
  EntryReader(std::string_view bytes, std::uint32_t version)
      : bytes_(bytes),
        data_(reinterpret_cast<const unsigned char*>(bytes.data())),
        end_(bytes.size() - 20),
        version_(version) {}

  std::expected<ReadEntry, std::string> next() {
    if (pos_ + 62 > end_) return truncated();
    const unsigned char* p = data_ + pos_;
    ReadEntry read{stat_data(p), {}};
    const std::uint16_t flags = static_cast<std::uint16_t>((p[60] << 8) | p[61]);
    const bool assume_valid = flags & 0x8000;
    const unsigned stage = (flags >> 12) & 0x3;
    std::size_t cursor = pos_ + 62;
    bool skip_or_intent = false;
    if (flags & 0x4000) {  // extended flags follow
      if (version_ < 3 || cursor + 2 > end_) return damaged("extended flags in version 2");
      const std::uint16_t extra =
          static_cast<std::uint16_t>((data_[cursor] << 8) | data_[cursor + 1]);
      skip_or_intent = extra & (0x4000 | 0x2000);  // skip-worktree, intent-to-add
      cursor += 2;
    }
    auto path = version_ == 4 ? compressed_path(cursor) : padded_path(cursor);
    if (!path) return std::unexpected(path.error());
    // The flags hold the path's length (capped at 0xFFF): another layout (a SHA-256
    // index's 32-byte ids) or damage shows here.
    if ((flags & 0xFFF) != std::min<std::size_t>(path->size(), 0xFFF)) {
      return damaged("a path's length does not match its entry");
    }
    read.entry.trusted = stage == 0 && !assume_valid && !skip_or_intent;
    read.path = *path;
    return read;
  }

 private:
  static std::unexpected<std::string> truncated() { return damaged("an entry runs past the end"); }

  static Entry stat_data(const unsigned char* p) {
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
    return entry;
  }

  // The NUL-terminated bytes at `cursor`.
  std::expected<std::string_view, std::string> terminated(std::size_t cursor) const {
    const void* nul = std::memchr(data_ + cursor, 0, end_ - cursor);
    if (!nul) return truncated();
    std::size_t length = static_cast<const unsigned char*>(nul) - (data_ + cursor);
    return bytes_.substr(cursor, length);
  }

  // Versions 2 and 3: the path, then 1 to 8 NULs to a multiple of 8 bytes.
  std::expected<std::string_view, std::string> padded_path(std::size_t cursor) {
    auto path = terminated(cursor);
    if (!path) return path;
    std::size_t entry_length = (cursor - pos_) + path->size();
    pos_ += (entry_length + 8) & ~std::size_t{7};
    return path;
  }

  // Version 4's prefix compression: a varint of bytes to drop from the previous path, then the
  // suffix that follows what is kept.
  std::expected<std::string_view, std::string> compressed_path(std::size_t cursor) {
    if (cursor >= end_) return truncated();
    unsigned char byte = data_[cursor++];
    std::size_t drop = byte & 0x7f;
    while (byte & 0x80) {
      if (cursor >= end_) return truncated();
      byte = data_[cursor++];
      drop = ((drop + 1) << 7) | (byte & 0x7f);
    }
    if (drop > previous_path_.size()) return damaged("a path drops more than it follows");
    auto suffix = terminated(cursor);
    if (!suffix) return suffix;
    previous_path_.resize(previous_path_.size() - drop);
    previous_path_.append(*suffix);
    pos_ = cursor + suffix->size() + 1;
    return std::string_view(previous_path_);
  }

  std::string_view bytes_;
  const unsigned char* data_;
  std::size_t end_;
  std::uint32_t version_;
  std::size_t pos_ = 12;
  std::string previous_path_;  // version 4
};

std::expected<GitIndex, std::string> GitIndex::parse(std::string_view bytes,
                                                     const struct timespec& index_mtime,
                                                     const std::vector<std::string>& prefixes) {
  auto header = read_header(bytes);
  if (!header) return std::unexpected(header.error());
  GitIndex index;
  index.index_mtime_ = index_mtime;
  const PrefixFilter filter(prefixes);
  if (filter.keeps_all()) {
    index.entries_.reserve(header->count);
    index.path_spans_.reserve(header->count);
  }
  EntryReader reader(bytes, header->version);
  for (std::uint32_t i = 0; i < header->count; ++i) {
    auto read = reader.next();
    if (!read) return std::unexpected(read.error());
    index.add(*read, filter.keeps(read->path));
  }
  return index;
}

void GitIndex::add(const ReadEntry& read, bool kept) {
  if (read.path == ".gitattributes" || read.path.ends_with("/.gitattributes")) {
    has_gitattributes_ = true;
  }
  if (!kept) return;
  entries_.push_back(read.entry);
  path_spans_.emplace_back(static_cast<std::uint32_t>(path_arena_.size()),
                           static_cast<std::uint32_t>(read.path.size()));
  path_arena_.append(read.path);
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
