#include "memo/hash/file_walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <unordered_set>

#include "memo/util/dir.hpp"
#include "memo/util/files.hpp"
#include "memo/util/staging_name.hpp"

namespace memo::hash {

namespace {

std::unordered_set<std::string> skipped_below(const fs::path& root, const WalkOptions& options) {
  std::unordered_set<std::string> skipped;  // skip_folders below the root, relative to it
  for (const auto& folder : options.skip_folders) {
    std::string relative = folder.lexically_relative(root).generic_string();
    if (!relative.empty() && relative != "." && !relative.starts_with("..")) {
      skipped.insert(relative);
    }
  }
  return skipped;
}

// Which entries of a folder a walk takes.
struct EntryFilter {
  const WalkOptions& options;
  const GitignoreRules& gitignore;
  const std::unordered_set<std::string>& skipped;

  bool takes_folder(std::string_view name, const std::string& relative) const {
    if (name == "node_modules" || name == ".git") return false;
    if (options.include && !options.include->may_match_below(relative)) return false;
    if (skipped.contains(relative)) return false;
    // A folder of outputs only (lib/ under "lib/**") holds nothing the walk would take.
    if (options.exclude && options.exclude->matches_everything_below(relative)) return false;
    return !(options.gitignore && gitignore.is_ignored(relative, true));
  }
  bool takes_file(const std::string& relative) const {
    if (util::staging_name_owner(std::string_view(relative).substr(relative.rfind('/') + 1))) {
      if (options.staging_files) options.staging_files->push_back(relative);
      return false;
    }
    if (options.gitignore && gitignore.is_ignored(relative, false)) return false;
    if (options.skip_tsbuildinfo && relative.ends_with(".tsbuildinfo")) return false;
    if (options.include && !options.include->matches(relative)) return false;
    return !(options.exclude && options.exclude->matches(relative));
  }
};

struct Entries {
  std::vector<WalkedFile> files;     // paths relative to the walk's root
  std::vector<std::string> folders;  // names
  bool incomplete = false;           // an entry whose type could not be told
};

// Reads every entry of `dir` (the folder `prefix` below the walk's root) and keeps those the
// filter takes. An error when the listing fails part-way: a listing cut short would leave
// files out of the key.
std::expected<Entries, std::string> read_entries(DIR* dir, const std::string& prefix,
                                                 const EntryFilter& filter) {
  Entries entries;
  while (true) {
    errno = 0;
    dirent* entry = ::readdir(dir);
    if (!entry) {
      if (errno == 0) break;
      return std::unexpected(util::errno_message(errno));
    }
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string relative = prefix.empty() ? std::string(name) : prefix + "/" + std::string(name);
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      struct stat info {};
      if (::fstatat(::dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
        entries.incomplete = true;
        continue;
      }
      type = S_ISDIR(info.st_mode)   ? DT_DIR
             : S_ISLNK(info.st_mode) ? DT_LNK
             : S_ISREG(info.st_mode) ? DT_REG
                                     : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      if (filter.takes_folder(name, relative)) entries.folders.emplace_back(name);
    } else if (type == DT_REG || type == DT_LNK) {
      if (filter.takes_file(relative)) entries.files.push_back({relative, type == DT_LNK});
    }
  }
  return entries;
}

// An openat() failure that means the folder is no longer one to walk (gone, or now a symlink),
// rather than that it could not be read.
bool vanished(int error_number) {
  return error_number == ENOENT || error_number == ENOTDIR || error_number == ELOOP;
}

struct Walker {
  const fs::path& root;
  const WalkOptions& options;
  std::vector<WalkedFile> files;
  std::string error;
  GitignoreRules gitignore;
  std::unordered_set<std::string> skipped;

  // Walks the folder open as `folder`, whose path below the root is `prefix`.
  bool walk(util::Fd folder, const std::string& prefix) {
    util::Dir dir(std::move(folder));
    if (!dir) {
      error = (root / prefix).string() + ": " + util::errno_message(errno);
      return false;
    }
    if (options.trace) {
      struct stat info {};
      if (::fstat(dir.fd(), &info) == 0) {
        options.trace->folders.push_back({prefix, signature_of(info)});
      } else {
        options.trace->complete = false;
      }
    }
    if (options.gitignore) {
      struct stat info {};
      if (::fstatat(dir.fd(), ".gitignore", &info, AT_SYMLINK_NOFOLLOW) == 0) {
        if (options.trace) {
          options.trace->gitignores.push_back(
              {prefix.empty() ? ".gitignore" : prefix + "/.gitignore", signature_of(info)});
        }
        auto text = util::read_file_at(dir.fd(), ".gitignore");
        if (text) {
          gitignore.add_file(prefix, *text);
        } else if (!vanished(errno) && errno != util::kNotRegularFile) {
          error = (root / prefix / ".gitignore").string() + ": " + util::errno_message(errno);
          return false;
        }
      }
    }
    auto entries = read_entries(dir.get(), prefix, EntryFilter{options, gitignore, skipped});
    if (!entries) {
      error = (root / prefix).string() + ": " + entries.error();
      return false;
    }
    if (entries->incomplete && options.trace) options.trace->complete = false;
    std::move(entries->files.begin(), entries->files.end(), std::back_inserter(files));
    for (const auto& name : entries->folders) {
      util::Fd child(
          ::openat(dir.fd(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child && vanished(errno)) {  // or turned into a symlink since readdir
        if (options.trace) options.trace->complete = false;
        continue;
      }
      if (!child) {  // EMFILE, EACCES, EIO: skipping it would leave its files out
        error = (root / prefix / name).string() + ": " + util::errno_message(errno);
        return false;
      }
      std::string relative = prefix.empty() ? name : prefix + "/" + name;
      if (!walk(std::move(child), relative)) return false;
    }
    return true;
  }
};

}  // namespace

std::expected<std::vector<WalkedFile>, std::string> walk_files(const fs::path& root,
                                                               const WalkOptions& options) {
  util::Fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return std::unexpected(root.string() + ": " + util::errno_message(errno));
  Walker walker{root,
                options,
                {},
                {},
                options.gitignore ? *options.gitignore : GitignoreRules{},
                skipped_below(root, options)};
  if (!walker.walk(std::move(fd), "")) return std::unexpected(walker.error);
  std::sort(walker.files.begin(), walker.files.end(),
            [](const WalkedFile& a, const WalkedFile& b) { return a.path < b.path; });
  return std::move(walker.files);
}

std::expected<FolderListing, std::string> list_folder(const fs::path& root,
                                                      const std::string& relative,
                                                      const WalkOptions& options) {
  const fs::path folder = relative.empty() ? root : root / relative;
  // The root may be reached through a symlink, as walk_files allows; folders below never are.
  util::Fd fd(::open(folder.c_str(),
                     O_RDONLY | O_DIRECTORY | O_CLOEXEC | (relative.empty() ? 0 : O_NOFOLLOW)));
  if (!fd) return std::unexpected(folder.string() + ": " + util::errno_message(errno));
  util::Dir dir(std::move(fd));
  if (!dir) return std::unexpected(folder.string() + ": " + util::errno_message(errno));
  FolderListing listing;
  struct stat info {};
  listing.has_gitignore = ::fstatat(dir.fd(), ".gitignore", &info, AT_SYMLINK_NOFOLLOW) == 0;
  const GitignoreRules none;
  const auto skipped = skipped_below(root, options);
  auto entries =
      read_entries(dir.get(), relative,
                   EntryFilter{options, options.gitignore ? *options.gitignore : none, skipped});
  if (!entries) return std::unexpected(folder.string() + ": " + entries.error());
  if (entries->incomplete) return std::unexpected(folder.string() + ": an entry vanished");
  for (auto& file : entries->files) {
    std::size_t slash = file.path.rfind('/');
    listing.files.push_back(slash == std::string::npos ? file.path : file.path.substr(slash + 1));
  }
  listing.folders = std::move(entries->folders);
  std::sort(listing.files.begin(), listing.files.end());
  std::sort(listing.folders.begin(), listing.folders.end());
  return listing;
}

}  // namespace memo::hash
