#include "memo/hash/digest_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <ctime>
#include <expected>
#include <map>

#include "memo/hash/manifest.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/fd.hpp"
#include "memo/util/files.hpp"
#include "memo/util/parallel.hpp"

namespace memo::hash {

namespace {

constexpr std::string_view kHeader = "memo-file-digests 1 ";
// More changed files than this, and the walk with git's index is the faster way.
constexpr std::size_t kMostFilesDigestedAgain = 64;
// Likewise for folders listed again.
constexpr std::size_t kMostFoldersListedAgain = 64;

template <typename Number>
void append_number(std::string& out, Number value) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

void append_signature(std::string& out, const StatSignature& signature) {
  append_number(out, signature.inode);
  out += ':';
  append_number(out, signature.size);
  out += ':';
  append_number(out, signature.mtime_ns);
  out += ':';
  append_number(out, signature.ctime_ns);
  out += ':';
  append_number(out, signature.mode);
}

// Reads one space-ended field off the front of `line`.
std::optional<std::string_view> take_field(std::string_view& line) {
  std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view field = line.substr(0, space);
  line.remove_prefix(space + 1);
  return field;
}

template <typename Number>
bool parse_number(std::string_view text, Number& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

std::optional<StatSignature> parse_signature(std::string_view text) {
  StatSignature signature;
  std::string_view parts[5];
  for (int i = 0; i < 5; ++i) {
    std::size_t colon = text.find(':');
    if ((colon == std::string_view::npos) != (i == 4)) return std::nullopt;
    parts[i] = text.substr(0, colon);
    if (colon != std::string_view::npos) text.remove_prefix(colon + 1);
  }
  if (!parse_number(parts[0], signature.inode) || !parse_number(parts[1], signature.size) ||
      !parse_number(parts[2], signature.mtime_ns) || !parse_number(parts[3], signature.ctime_ns) ||
      !parse_number(parts[4], signature.mode)) {
    return std::nullopt;
  }
  return signature;
}

bool is_folder_path(std::string_view path) {
  if (path.empty()) return true;  // the package itself
  if (path.find('\0') != std::string_view::npos) return false;
  if (path.front() == '/' || path.back() == '/') return false;
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t slash = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = slash + 1;
  }
  return true;
}

bool is_file_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

}  // namespace

std::int64_t wall_clock_ns() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

namespace {

std::string_view file_line(DigestRecord& record, const std::string& manifest_prefix,
                           const FileDigest& digest) {
  std::string line;
  append_manifest_line(line, "file",
                       {manifest_prefix.empty() ? digest.path : manifest_prefix + "/" + digest.path,
                        digest.mode, digest.blob_id});
  line.pop_back();  // the line break
  return record.written.emplace_back(std::move(line));
}

}  // namespace

std::optional<DigestRecord> make_record(std::int64_t started_ns, const WalkTrace& trace,
                                        const std::vector<FileDigest>& digests,
                                        const std::string& manifest_prefix) {
  if (!trace.complete) return std::nullopt;
  DigestRecord record;
  record.started_ns = started_ns;
  record.folders = trace.folders;
  record.gitignores = trace.gitignores;
  for (const auto& item : record.folders) {
    if (item.path.find('\n') != std::string::npos) return std::nullopt;
  }
  for (const auto& item : record.gitignores) {
    if (item.path.find('\n') != std::string::npos) return std::nullopt;
  }
  std::map<std::string_view, std::uint32_t> folder_index;
  for (std::uint32_t i = 0; i < record.folders.size(); ++i)
    folder_index[record.folders[i].path] = i;
  // Every name and every line back to back in two strings; the views are taken once both are
  // complete, as appending may move them.
  std::string& names = record.written.emplace_back();
  std::string& lines = record.written.emplace_back();
  std::vector<std::size_t> name_ends, line_ends;
  name_ends.reserve(digests.size());
  line_ends.reserve(digests.size());
  std::string path_in_repo;
  for (const auto& digest : digests) {
    if (digest.path.find('\n') != std::string::npos) return std::nullopt;
    std::size_t slash = digest.path.rfind('/');
    std::string_view path = digest.path;
    std::string_view folder =
        slash == std::string::npos ? std::string_view() : path.substr(0, slash);
    auto found = folder_index.find(folder);
    if (found == folder_index.end()) return std::nullopt;  // a file in a folder never listed
    record.files.push_back({found->second, {}, digest.signature, {}});
    names += slash == std::string::npos ? path : path.substr(slash + 1);
    name_ends.push_back(names.size());
    path_in_repo.assign(manifest_prefix);
    if (!manifest_prefix.empty()) path_in_repo += '/';
    path_in_repo += digest.path;
    append_manifest_line(lines, "file", {path_in_repo, digest.mode, digest.blob_id});
    lines.pop_back();  // the line break
    line_ends.push_back(lines.size());
  }
  std::size_t name_start = 0, line_start = 0;
  for (std::size_t i = 0; i < record.files.size(); ++i) {
    record.files[i].name = std::string_view(names).substr(name_start, name_ends[i] - name_start);
    record.files[i].line = std::string_view(lines).substr(line_start, line_ends[i] - line_start);
    name_start = name_ends[i];
    line_start = line_ends[i];
  }
  return record;
}

std::string encode_record(const DigestRecord& record) {
  std::string body = "started " + std::to_string(record.started_ns) + "\n";
  for (const auto& folder : record.folders) {
    body += "d ";
    append_signature(body, folder.signature);
    body += ' ';
    body += folder.path;
    body += '\n';
  }
  for (const auto& gitignore : record.gitignores) {
    body += "g ";
    append_signature(body, gitignore.signature);
    body += ' ';
    body += gitignore.path;
    body += '\n';
  }
  // A manifest line holds no tab (quoting escapes it): the tab ends it, the name follows.
  for (const auto& file : record.files) {
    body += "f ";
    body += std::to_string(file.folder);
    body += ' ';
    append_signature(body, file.signature);
    body += ' ';
    body += file.line;
    body += '\t';
    body += file.name;
    body += '\n';
  }
  return std::string(kHeader) + util::sha256_hex(body) + "\n" + body;
}

std::optional<DigestRecord> decode_record(std::string text) {
  DigestRecord record;
  record.text = std::make_unique<const std::string>(std::move(text));
  std::string_view rest = *record.text;
  if (!rest.starts_with(kHeader)) return std::nullopt;
  rest.remove_prefix(kHeader.size());
  if (rest.find('\n') != 64) return std::nullopt;
  std::string_view checksum = rest.substr(0, 64);
  std::string_view body = rest.substr(65);
  if (util::sha256_hex(body) != checksum) return std::nullopt;

  bool started = false;
  while (!body.empty()) {
    std::size_t newline = body.find('\n');
    if (newline == std::string_view::npos) return std::nullopt;  // a last line cut short
    std::string_view line = body.substr(0, newline);
    body.remove_prefix(newline + 1);
    auto kind = take_field(line);
    if (!kind) return std::nullopt;
    if (*kind == "f") {
      DigestRecord::File file;
      auto folder = take_field(line);
      auto signature_text = take_field(line);
      if (!folder || !signature_text) return std::nullopt;
      auto signature = parse_signature(*signature_text);
      std::size_t tab = line.find('\t');
      if (!signature || !parse_number(*folder, file.folder) ||
          file.folder >= record.folders.size() || tab == std::string_view::npos ||
          !line.starts_with("file \"")) {
        return std::nullopt;
      }
      file.signature = *signature;
      file.line = line.substr(0, tab);
      file.name = line.substr(tab + 1);
      if (!is_file_name(file.name)) return std::nullopt;
      record.files.push_back(file);
    } else if (*kind == "d" || *kind == "g") {
      auto signature_text = take_field(line);
      auto signature = signature_text ? parse_signature(*signature_text) : std::nullopt;
      if (!signature) return std::nullopt;
      if (*kind == "d") {
        if (!is_folder_path(line)) return std::nullopt;
        record.folders.push_back({std::string(line), *signature});
      } else {
        if (line.empty() || line.find('\0') != std::string_view::npos) return std::nullopt;
        record.gitignores.push_back({std::string(line), *signature});
      }
    } else if (*kind == "started") {
      if (started || !parse_number(line, record.started_ns) || record.started_ns <= 0) {
        return std::nullopt;
      }
      started = true;
    } else {
      return std::nullopt;
    }
  }
  if (!started) return std::nullopt;
  return record;
}

std::optional<DigestRecord> read_record(const std::filesystem::path& file,
                                        const std::filesystem::path& root) {
  auto fd = util::open_regular_file(AT_FDCWD, file.c_str());
  if (!fd) return std::nullopt;
  struct stat info {
  }, root_info{};
  if (::fstat(fd->get(), &info) != 0 || ::stat(root.c_str(), &root_info) != 0 ||
      info.st_dev != root_info.st_dev) {
    return std::nullopt;
  }
  auto text = util::read_open_file(fd->get(), file.string());
  if (!text) return std::nullopt;
  auto record = decode_record(std::move(*text));
  if (record) record->written_ns = signature_of(info).mtime_ns;
  return record;
}

bool write_record(const std::filesystem::path& file, const std::filesystem::path& root,
                  const DigestRecord& record) {
  if (!util::create_directories(file.parent_path())) return false;
  struct stat folder_info {
  }, root_info{};
  if (::stat(file.parent_path().c_str(), &folder_info) != 0 ||
      ::stat(root.c_str(), &root_info) != 0 || folder_info.st_dev != root_info.st_dev) {
    return false;
  }
  return util::write_file_atomically(file, encode_record(record)).has_value();
}

std::string manifest_lines(const DigestRecord& record) {
  std::size_t size = 0;
  for (const auto& file : record.files) size += file.line.size() + 1;
  std::string lines;
  lines.reserve(size);
  for (const auto& file : record.files) {
    lines += file.line;
    lines += '\n';
  }
  return lines;
}

namespace {

// Whether the walk would take from the folder `index` of the record the same entries as the
// record holds: `listing` is what it takes now.
bool same_entries(const DigestRecord& record, std::uint32_t index, const FolderListing& listing) {
  const std::string& folder = record.folders[index].path;
  std::vector<std::string_view> files, folders;
  for (const auto& file : record.files) {
    if (file.folder == index) files.push_back(file.name);
  }
  const std::string below = folder.empty() ? "" : folder + "/";
  for (const auto& other : record.folders) {
    std::string_view path = other.path;
    if (path.empty() || !path.starts_with(below)) continue;
    path.remove_prefix(below.size());
    if (path.find('/') == std::string_view::npos) folders.push_back(path);
  }
  bool had_gitignore = false;
  for (const auto& gitignore : record.gitignores) {
    had_gitignore |= gitignore.path == below + ".gitignore";
  }
  std::sort(files.begin(), files.end());
  std::sort(folders.begin(), folders.end());
  return had_gitignore == listing.has_gitignore &&
         std::equal(files.begin(), files.end(), listing.files.begin(), listing.files.end()) &&
         std::equal(folders.begin(), folders.end(), listing.folders.begin(), listing.folders.end());
}

}  // namespace

namespace {

// One check of a record against the package as it is now, step by step; each step says
// whether the record still holds and updates what changed without changing the key.
class RecordReuse {
 public:
  RecordReuse(int root_fd, const std::string& manifest_prefix, DigestRecord& record)
      : root_fd_(root_fd),
        manifest_prefix_(manifest_prefix),
        record_(record),
        trusted_before_(std::min(record.started_ns, record.written_ns) - kTrustMarginNs) {}

  bool updated() const { return updated_; }

  // The .gitignore files first: while they hold, the rules a folder is listed again with are
  // the recorded ones.
  bool gitignores_hold() const {
    for (const auto& gitignore : record_.gitignores) {
      auto now = current(gitignore.path);
      if (!now || *now != gitignore.signature) return false;
      if (gitignore.signature != StatSignature{} && !trusted(gitignore.signature)) return false;
    }
    return true;
  }

  // Each folder is there; one whose stat data changed is listed again and must hold the
  // same entries.
  bool folders_hold(const FolderLister& relist) {
    std::size_t listed_again = 0;
    for (std::uint32_t i = 0; i < record_.folders.size(); ++i) {
      auto& folder = record_.folders[i];
      auto now = current(folder.path);
      if (!now || !S_ISDIR(now->mode)) return false;
      if (*now == folder.signature && trusted(folder.signature)) continue;
      // Listed after its stat data was taken: a change from now on shows next time.
      if (!relist || ++listed_again > kMostFoldersListedAgain) return false;
      auto listing = relist(folder.path);
      if (!listing || !same_entries(record_, i, *listing)) return false;
      folder.signature = *now;
      updated_ = true;
    }
    return true;
  }

  // Each file's stat data, folder by folder on all cores; then the few that changed are read
  // again, one after the other.
  bool files_hold() {
    auto states = file_states();
    if (!states) return false;
    auto changed = std::count_if(states->begin(), states->end(),
                                 [](FileState state) { return state != FileState::kSame; });
    if (changed > static_cast<std::ptrdiff_t>(kMostFilesDigestedAgain)) return false;
    for (std::size_t i = 0; i < record_.files.size(); ++i) {
      if ((*states)[i] != FileState::kSame && !digest_again(i, (*states)[i])) return false;
    }
    return true;
  }

 private:
  enum class FileState : char { kSame, kChanged, kChangedLink };

  bool trusted(const StatSignature& signature) const {
    return signature.mtime_ns < trusted_before_ && signature.ctime_ns < trusted_before_;
  }

  // The stat data of a path below the root; an empty signature when it is gone.
  std::optional<StatSignature> current(const std::string& item) const {
    struct stat info {};
    if (::fstatat(root_fd_, item.empty() ? "." : item.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return StatSignature{};
      return std::nullopt;
    }
    return signature_of(info);
  }

  // Each file's state, or nothing when one is gone or is no longer a file or a link.
  std::optional<std::vector<FileState>> file_states() const {
    std::vector<std::vector<std::size_t>> by_folder(record_.folders.size());
    for (std::size_t i = 0; i < record_.files.size(); ++i) {
      by_folder[record_.files[i].folder].push_back(i);
    }
    std::vector<FileState> states(record_.files.size(), FileState::kSame);
    std::atomic<bool> gone{false};
    util::parallel_for(
        by_folder.size(),
        [&](std::size_t f) {
          if (!by_folder[f].empty() && !gone && !stat_folder(f, by_folder[f], states)) {
            gone = true;
          }
        },
        1);
    if (gone) return std::nullopt;
    return states;
  }

  // Sets the state of the files `indexes` of folder `f`; false when one is gone.
  bool stat_folder(std::size_t f, const std::vector<std::size_t>& indexes,
                   std::vector<FileState>& states) const {
    const std::string& path = record_.folders[f].path;
    util::Fd folder(::openat(root_fd_, path.empty() ? "." : path.c_str(),
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!folder) return false;
    std::string name;
    for (std::size_t i : indexes) {
      const auto& file = record_.files[i];
      name.assign(file.name);
      struct stat info {};
      if (::fstatat(folder.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0 ||
          !(S_ISREG(info.st_mode) || S_ISLNK(info.st_mode))) {
        return false;
      }
      if (signature_of(info) != file.signature || !trusted(file.signature)) {
        states[i] = S_ISLNK(info.st_mode) ? FileState::kChangedLink : FileState::kChanged;
      }
    }
    return true;
  }

  bool digest_again(std::size_t i, FileState state) {
    auto& file = record_.files[i];
    const std::string& folder = record_.folders[file.folder].path;
    std::string path =
        folder.empty() ? std::string(file.name) : folder + "/" + std::string(file.name);
    auto digest = digest_file_at(root_fd_, path, state == FileState::kChangedLink);
    if (!digest) return false;
    file.signature = digest->signature;
    file.line = file_line(record_, manifest_prefix_, *digest);
    updated_ = true;
    return true;
  }

  int root_fd_;
  const std::string& manifest_prefix_;
  DigestRecord& record_;
  std::int64_t trusted_before_;
  bool updated_ = false;
};

}  // namespace

RecordCheck reuse_record(const std::filesystem::path& root, const std::string& manifest_prefix,
                         std::int64_t started_ns, DigestRecord& record,
                         const FolderLister& relist) {
  util::Fd root_dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_dir) return RecordCheck::kStale;
  RecordReuse reuse(root_dir.get(), manifest_prefix, record);
  if (!reuse.gitignores_hold() || !reuse.folders_hold(relist) || !reuse.files_hold()) {
    return RecordCheck::kStale;
  }
  if (!reuse.updated()) return RecordCheck::kCurrent;
  // What was trusted was older than the old walk, so older than this one too.
  record.started_ns = started_ns;
  return RecordCheck::kUpdated;
}

}  // namespace memo::hash
