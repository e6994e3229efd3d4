#include "memo/hash/file_walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <unordered_set>

#include "memo/util/files.hpp"

namespace memo::hash {

namespace {

struct Walker {
  const fs::path& root;
  const WalkOptions& options;
  std::vector<WalkedFile> files;
  std::string error;
  GitignoreRules gitignore;
  std::unordered_set<std::string> skipped;  // skip_folders below the root, relative to it

  void prepare() {
    for (const auto& folder : options.skip_folders) {
      std::string relative = folder.lexically_relative(root).generic_string();
      if (!relative.empty() && relative != "." && !relative.starts_with("..")) {
        skipped.insert(relative);
      }
    }
  }

  bool skipped_folder(const std::string& relative) const { return skipped.contains(relative); }

  void consider_file(const std::string& relative, bool is_symlink) {
    if (options.gitignore && gitignore.is_ignored(relative, false)) return;
    if (options.skip_tsbuildinfo && relative.ends_with(".tsbuildinfo")) return;
    if (options.include && !options.include->matches(relative)) return;
    if (options.exclude && options.exclude->matches(relative)) return;
    files.push_back({relative, is_symlink});
  }

  // Walks the folder open as `dir_fd` (which it closes), whose path below the root is `prefix`.
  bool walk(int dir_fd, const std::string& prefix) {
    DIR* dir = ::fdopendir(dir_fd);
    if (!dir) {
      ::close(dir_fd);
      error = (root / prefix).string() + ": " + util::errno_message(errno);
      return false;
    }
    if (options.trace) {
      struct stat info {};
      if (::fstat(::dirfd(dir), &info) == 0) {
        options.trace->folders.push_back({prefix, signature_of(info)});
      } else {
        options.trace->complete = false;
      }
    }
    if (options.gitignore) {
      struct stat info {};
      if (::fstatat(::dirfd(dir), ".gitignore", &info, AT_SYMLINK_NOFOLLOW) == 0) {
        if (options.trace) {
          options.trace->gitignores.push_back(
              {prefix.empty() ? ".gitignore" : prefix + "/.gitignore", signature_of(info)});
        }
        if (auto text = util::read_file_at(::dirfd(dir), ".gitignore"))
          gitignore.add_file(prefix, *text);
      }
    }
    std::vector<std::string> subfolders;
    while (true) {
      errno = 0;
      dirent* entry = ::readdir(dir);
      if (!entry) {
        if (errno == 0) break;
        // A listing cut short would leave files out of the key: the walk fails instead.
        error = (root / prefix).string() + ": " + util::errno_message(errno);
        ::closedir(dir);
        return false;
      }
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      std::string relative = prefix.empty() ? std::string(name) : prefix + "/" + std::string(name);
      unsigned char type = entry->d_type;
      if (type == DT_UNKNOWN) {
        struct stat info {};
        if (::fstatat(::dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
          if (options.trace) options.trace->complete = false;
          continue;
        }
        type = S_ISDIR(info.st_mode)   ? DT_DIR
               : S_ISLNK(info.st_mode) ? DT_LNK
               : S_ISREG(info.st_mode) ? DT_REG
                                       : DT_UNKNOWN;
      }
      if (type == DT_DIR) {
        if (name == "node_modules" || name == ".git") continue;
        if (options.include && !options.include->may_match_below(relative)) continue;
        if (skipped_folder(relative)) continue;
        if (options.gitignore && gitignore.is_ignored(relative, true)) continue;
        subfolders.push_back(std::string(name));
      } else if (type == DT_REG || type == DT_LNK) {
        consider_file(relative, type == DT_LNK);
      }
    }
    int parent_fd = ::dirfd(dir);
    bool ok = true;
    for (const auto& name : subfolders) {
      int child =
          ::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) {  // vanished, or turned into a symlink since readdir
        if (options.trace) options.trace->complete = false;
        continue;
      }
      std::string relative = prefix.empty() ? name : prefix + "/" + name;
      if (!walk(child, relative)) {
        ok = false;
        break;
      }
    }
    ::closedir(dir);
    return ok;
  }
};

}  // namespace

std::expected<std::vector<WalkedFile>, std::string> walk_files(const fs::path& root,
                                                               const WalkOptions& options) {
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(root.string() + ": " + util::errno_message(errno));
  Walker walker{root, options, {}, {}, options.gitignore ? *options.gitignore : GitignoreRules{},
                {}};
  walker.prepare();
  if (!walker.walk(fd, "")) return std::unexpected(walker.error);
  std::sort(walker.files.begin(), walker.files.end(),
            [](const WalkedFile& a, const WalkedFile& b) { return a.path < b.path; });
  return std::move(walker.files);
}

}  // namespace memo::hash
