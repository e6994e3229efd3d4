#include "memo/archive/restore.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <set>

#include "memo/archive/confined_dir.hpp"
#include "memo/hash/file_walk.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/parallel.hpp"

namespace memo::archive {

namespace {

class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Outputs grouped by folder, so each folder is opened once per phase.
struct FolderGroup {
  std::string folder;
  std::vector<std::size_t> items;
};

std::vector<FolderGroup> group_by_folder(const std::vector<OutputFile>& outputs) {
  std::map<std::string_view, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    groups[split_parent(outputs[i].path).first].push_back(i);
  }
  std::vector<FolderGroup> result;
  for (auto& [folder, items] : groups) result.push_back({std::string(folder), std::move(items)});
  return result;
}

// The folders (and their missing ancestors) that phase 1 will have to create, so that a failed
// restore can remove them again and leave the package as it found it.
std::set<std::string> missing_folders(int root_fd, const std::vector<FolderGroup>& groups) {
  std::set<std::string> missing, present;
  for (const auto& group : groups) {
    for (std::size_t end = 0; end != std::string::npos && !group.folder.empty();) {
      end = group.folder.find('/', end + 1);
      std::string prefix = group.folder.substr(0, end);
      if (missing.contains(prefix) || present.contains(prefix)) continue;
      auto dir = open_dir_beneath(root_fd, prefix, false);
      if (dir) {
        ::close(*dir);
        present.insert(prefix);
      } else {
        missing.insert(prefix);
      }
    }
  }
  return missing;
}

// Removes the folders of `created` that are empty, deepest first.
void remove_empty_folders(int root_fd, const std::set<std::string>& created) {
  for (auto it = created.rbegin(); it != created.rend(); ++it) {
    auto [parent, name] = split_parent(*it);
    auto dir = open_dir_beneath(root_fd, parent, false);
    if (!dir) continue;
    ::unlinkat(*dir, std::string(name).c_str(), AT_REMOVEDIR);
    ::close(*dir);
  }
}

// The process's umask. Reading it means setting it: call it before any thread starts.
mode_t current_umask() {
  mode_t old = ::umask(022);
  ::umask(old);
  return old;
}

std::string temp_name_for(std::string_view name) {
  return util::unique_temp_name(".memo-" + std::string(name.substr(0, 64)));
}

// Copies one blob into a new file `name` in `dir_fd`, checking size and digest on the way.
std::expected<std::uint64_t, std::string> stage_file(int dir_fd, const std::string& name,
                                                     const OutputFile& file,
                                                     const BlobOpener& open_blob, mode_t umask,
                                                     bool& created, int& open_error,
                                                     std::atomic<bool>& bad_entry) {
  auto blob = open_blob(file.digest);
  if (!blob) {
    bad_entry = true;
    return std::unexpected(blob.error());
  }
  FdGuard source(*blob);
  int out = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     file.mode & ~umask);
  if (out < 0) {
    open_error = errno;
    return std::unexpected(file.path + ": " + util::errno_message(open_error));
  }
  created = true;
  FdGuard target(out);
  util::Hasher hasher(util::Hasher::Algorithm::Sha256);
  char buffer[65536];
  std::uint64_t total = 0;
  bool at_end = false;
  while (!at_end) {
    ssize_t n = ::read(source.get(), buffer, sizeof buffer);
    // Once the entry's size is read, no second read to see 0 (most outputs are small, and this
    // saves a system call each); extra bytes would still fail the digest.
    at_end = n == 0 || (n > 0 && total + static_cast<std::uint64_t>(n) >= file.size &&
                        static_cast<std::size_t>(n) < sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(file.path + ": " + util::errno_message(errno));
    if (n == 0) break;
    hasher.update(buffer, static_cast<size_t>(n));
    for (ssize_t done = 0; done < n;) {
      ssize_t written = ::write(out, buffer + done, static_cast<size_t>(n - done));
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) return std::unexpected(file.path + ": " + util::errno_message(errno));
      done += written;
    }
    total += static_cast<std::uint64_t>(n);
  }
  if (total != file.size || hasher.hex_digest() != file.digest) {
    bad_entry = true;
    return std::unexpected(file.path + ": stored bytes do not match the entry's digest");
  }
  // The umask may have taken bits the entry wants (a 0664 output under umask 022).
  if ((file.mode & umask) != 0 && ::fchmod(out, file.mode) != 0) {
    return std::unexpected(file.path + ": " + util::errno_message(errno));
  }
  return total;
}

}  // namespace

std::expected<RestoreStats, std::string> restore_outputs(const std::filesystem::path& package_root,
                                                         const std::vector<OutputFile>& outputs,
                                                         const BlobOpener& open_blob,
                                                         bool* entry_is_bad) {
  std::atomic<bool> bad_entry{false};
  for (const auto& output : outputs) {
    if (!is_safe_relative_path(output.path) ||
        (output.type == OutputFile::Type::Symlink &&
         !is_contained_symlink(output.path, output.link_target))) {
      if (entry_is_bad) *entry_is_bad = true;
      return std::unexpected("refusing to restore \"" + output.path + "\": it would leave the package");
    }
  }
  int root = ::open(package_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return std::unexpected(package_root.string() + ": " + util::errno_message(errno));
  FdGuard root_fd(root);

  const auto groups = group_by_folder(outputs);
  const mode_t umask = current_umask();
  const auto created_folders = missing_folders(root_fd.get(), groups);
  // Each output is written under its own name when nothing stands there (a failure removes it
  // again), else under a temp name renamed over the old file once every output is good.
  std::vector<std::string> temps(outputs.size());
  std::vector<char> direct(outputs.size(), 0);
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string first_error;
  auto fail = [&](std::string message) {
    std::lock_guard lock(error_mutex);
    if (!failed.exchange(true)) first_error = std::move(message);
  };
  std::atomic<std::uint64_t> bytes{0};

  // Phase 1: stage every output under a temp name beside its destination.
  util::parallel_for(groups.size(), [&](std::size_t g) {
    if (failed) return;
    auto dir = open_dir_beneath(root_fd.get(), groups[g].folder, true);
    if (!dir) return fail(dir.error());
    FdGuard dir_fd(*dir);
    for (std::size_t i : groups[g].items) {
      if (failed) return;
      const OutputFile& output = outputs[i];
      // Under its own name first (O_EXCL); where something stands there, under a temp name.
      const std::string name(split_parent(output.path).second);
      std::string target = name;
      bool free_name = true;
      if (output.type == OutputFile::Type::Symlink) {
        if (::symlinkat(output.link_target.c_str(), dir_fd.get(), target.c_str()) != 0) {
          if (errno != EEXIST) return fail(output.path + ": " + util::errno_message(errno));
          free_name = false;
          target = temp_name_for(name);
          if (::symlinkat(output.link_target.c_str(), dir_fd.get(), target.c_str()) != 0) {
            return fail(output.path + ": " + util::errno_message(errno));
          }
        }
      } else {
        bool created = false;
        int open_error = 0;
        auto staged = stage_file(dir_fd.get(), target, output, open_blob, umask, created, open_error,
                                 bad_entry);
        if (!staged && !created && open_error == EEXIST) {
          free_name = false;
          target = temp_name_for(name);
          staged = stage_file(dir_fd.get(), target, output, open_blob, umask, created, open_error,
                                 bad_entry);
        }
        if (!staged) {
          // Only what this restore created is removed (O_EXCL: nothing else was there).
          if (created) ::unlinkat(dir_fd.get(), target.c_str(), 0);
          return fail(staged.error());
        }
        bytes += *staged;
      }
      direct[i] = free_name;
      temps[i] = std::move(target);
    }
  }, 1);

  // Phase 2: rename into place, or on failure remove what phase 1 staged.
  util::parallel_for(groups.size(), [&](std::size_t g) {
    auto dir = open_dir_beneath(root_fd.get(), groups[g].folder, false);
    if (!dir) return fail(dir.error());
    FdGuard dir_fd(*dir);
    for (std::size_t i : groups[g].items) {
      if (temps[i].empty()) continue;
      if (failed) {
        ::unlinkat(dir_fd.get(), temps[i].c_str(), 0);
        continue;
      }
      if (direct[i]) continue;  // already under its own name
      std::string name(split_parent(outputs[i].path).second);
      if (::renameat(dir_fd.get(), temps[i].c_str(), dir_fd.get(), name.c_str()) != 0) {
        int saved = errno;
        ::unlinkat(dir_fd.get(), temps[i].c_str(), 0);
        fail(outputs[i].path + ": " + util::errno_message(saved));
      }
    }
  }, 1);
  if (failed) {
    // Outputs written under their own name were not there before: remove them all, whichever
    // folder and thread met the failure.
    for (const auto& group : groups) {
      auto dir = open_dir_beneath(root_fd.get(), group.folder, false);
      if (!dir) continue;
      FdGuard dir_fd(*dir);
      for (std::size_t i : group.items) {
        if (direct[i]) ::unlinkat(dir_fd.get(), temps[i].c_str(), 0);
      }
    }
    remove_empty_folders(root_fd.get(), created_folders);
    if (entry_is_bad) *entry_is_bad = bad_entry;
    return std::unexpected(first_error);
  }

  RestoreStats stats;
  for (const auto& output : outputs) {
    (output.type == OutputFile::Type::Symlink ? stats.symlinks : stats.files) += 1;
  }
  stats.bytes = bytes;
  return stats;
}

std::expected<std::vector<std::string>, std::string> find_changed_outputs(
    const std::filesystem::path& package_root, const std::vector<OutputFile>& outputs) {
  int root = ::open(package_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return std::unexpected(package_root.string() + ": " + util::errno_message(errno));
  FdGuard root_fd(root);
  std::vector<char> changed(outputs.size(), 0);
  util::parallel_for(outputs.size(), [&](std::size_t i) {
    const OutputFile& output = outputs[i];
    auto [folder, name] = split_parent(output.path);
    auto dir = open_dir_beneath(root_fd.get(), folder, false);
    if (!dir) {
      changed[i] = 1;
      return;
    }
    FdGuard dir_fd(*dir);
    std::string leaf(name);
    if (output.type == OutputFile::Type::Symlink) {
      char target[4096];
      ssize_t size = ::readlinkat(dir_fd.get(), leaf.c_str(), target, sizeof target);
      changed[i] = size < 0 || std::string_view(target, size) != output.link_target;
      return;
    }
    int fd = ::openat(dir_fd.get(), leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      changed[i] = 1;
      return;
    }
    FdGuard file(fd);
    struct stat info {};
    if (::fstat(fd, &info) != 0 || (info.st_mode & 0777) != output.mode ||
        static_cast<std::uint64_t>(info.st_size) != output.size) {
      changed[i] = 1;
      return;
    }
    util::Hasher hasher(util::Hasher::Algorithm::Sha256);
    char buffer[65536];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) hasher.update(buffer, static_cast<size_t>(n));
    changed[i] = n < 0 || hasher.hex_digest() != output.digest;
  });
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (changed[i]) paths.push_back(outputs[i].path);
  }
  return paths;
}

std::expected<std::size_t, std::string> clear_outputs(const std::filesystem::path& package_root,
                                                      const hash::GlobSet& outputs) {
  hash::WalkOptions options;
  options.include = &outputs;
  auto files = hash::walk_files(package_root, options);
  if (!files) return std::unexpected(files.error());
  int root = ::open(package_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return std::unexpected(package_root.string() + ": " + util::errno_message(errno));
  FdGuard root_fd(root);
  std::size_t removed = 0;
  for (const auto& file : *files) {
    auto [folder, name] = split_parent(file.path);
    auto dir = open_dir_beneath(root_fd.get(), folder, false);
    if (!dir) continue;
    FdGuard dir_fd(*dir);
    if (::unlinkat(dir_fd.get(), std::string(name).c_str(), 0) == 0) ++removed;
  }
  return removed;
}

}  // namespace memo::archive
