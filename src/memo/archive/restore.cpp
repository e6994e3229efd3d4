#include "memo/archive/restore.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <map>
#include <mutex>

#include "memo/archive/confined_dir.hpp"
#include "memo/archive/folder_preparation.hpp"
#include "memo/archive/link_containment.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/parallel.hpp"
#include "memo/util/staging_name.hpp"

namespace memo::archive {

namespace {

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

// The process's umask, read without setting it (other threads may be creating files).
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("Umask:"))
      return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  }
  mode_t old = ::umask(022);  // a kernel without the Umask line (before 4.7)
  ::umask(old);
  return old;
}

// What one output became on disk, so a failed restore removes exactly that.
struct Written {
  std::string name;             // its own name, or the staging name it waits under
  bool under_own_name = false;  // nothing stood there: written directly
  bool renamed = false;         // moved from its staging name over the old file
  dev_t device = 0;
  ino_t inode = 0;
};

// A failure of one output: its message, and whether the entry is to blame.
struct OutputFailure {
  std::string message;
  bool entry_at_fault = false;
  std::optional<std::string> bad_blob;
};

OutputFailure package_problem(const std::string& path, int error_number) {
  return {path + ": " + util::errno_message(error_number)};
}

OutputFailure stored_bytes_wrong(const OutputFile& file) {
  return {file.path + ": stored bytes do not match the entry's digest", true, stored_blob(file)};
}

// Hashes the whole blob open as `source`: its bytes must be the entry's before they are shared.
std::expected<void, OutputFailure> verify_blob(int source, const OutputFile& file) {
  auto content = util::sha256_of_open_file(source);
  if (!content) return std::unexpected(package_problem(file.path, content.error()));
  if (content->size != file.size || content->sha256 != file.digest) {
    return std::unexpected(stored_bytes_wrong(file));
  }
  return {};
}

// Errors that say a file cannot be shared between these two places (another file system, no
// reflinks, too many links, a store file this user may not link), not that the package is wrong.
bool cannot_share(int error_number) {
  return error_number == EXDEV || error_number == EOPNOTSUPP || error_number == ENOTTY ||
         error_number == EINVAL || error_number == ENOSYS || error_number == EPERM ||
         error_number == EACCES || error_number == EMLINK || error_number == ENOENT;
}

// Writes the `n` bytes at `buffer` to `target`, the restored `file`. (Not util::write_all: a
// restored file is no pipe, and its signal-mask calls would cost two system calls a chunk.)
std::expected<void, OutputFailure> write_bytes(int target, const char* buffer, ssize_t n,
                                               const OutputFile& file) {
  for (ssize_t done = 0; done < n;) {
    ssize_t written = ::write(target, buffer + done, static_cast<size_t>(n - done));
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return std::unexpected(package_problem(file.path, errno));
    done += written;
  }
  return {};
}

// Copies the blob open as `source` into `target`, checking size and digest on the way.
std::expected<std::uint64_t, OutputFailure> copy_verified(int source, int target,
                                                          const OutputFile& file) {
  util::Hasher hasher(util::Hasher::Algorithm::Sha256);
  char buffer[65536];
  std::uint64_t total = 0;
  for (bool at_end = false; !at_end;) {
    ssize_t n = ::read(source, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(package_problem(file.path, errno));
    // Once the entry's size is read, no second read to see 0 (most outputs are small, and this
    // saves a system call each); extra bytes would still fail the digest.
    at_end = n == 0 || (total + static_cast<std::uint64_t>(n) >= file.size &&
                        static_cast<std::size_t>(n) < sizeof buffer);
    hasher.update(buffer, static_cast<size_t>(n));
    if (auto written = write_bytes(target, buffer, n, file); !written)
      return std::unexpected(written.error());
    total += static_cast<std::uint64_t>(n);
  }
  if (total != file.size || hasher.hex_digest() != file.digest) {
    return std::unexpected(stored_bytes_wrong(file));
  }
  return total;
}

// Copies the `file.size` bytes from `offset` on of the pack open as `source` into `target`,
// checking their digest on the way; a pack that ends before them is wrong too.
std::expected<std::uint64_t, OutputFailure> copy_from_pack(int source, std::uint64_t offset,
                                                           int target, const OutputFile& file) {
  util::Hasher hasher(util::Hasher::Algorithm::Sha256);
  char buffer[65536];
  std::uint64_t total = 0;
  while (total < file.size) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buffer, file.size - total));
    ssize_t n = ::pread(source, buffer, want, static_cast<off_t>(offset + total));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(package_problem(file.path, errno));
    if (n == 0) return std::unexpected(stored_bytes_wrong(file));
    hasher.update(buffer, static_cast<size_t>(n));
    if (auto written = write_bytes(target, buffer, n, file); !written)
      return std::unexpected(written.error());
    total += static_cast<std::uint64_t>(n);
  }
  if (hasher.hex_digest() != file.digest) return std::unexpected(stored_bytes_wrong(file));
  return total;
}

// Copies the blob open as `source`, whose bytes are known to be its digest's, into `target`
// in the kernel (a reflink where the file system shares blocks), checking its size.
std::expected<std::uint64_t, OutputFailure> copy_checked(int source, int target,
                                                         const OutputFile& file) {
  std::uint64_t total = 0;
  while (true) {
    ssize_t n = ::copy_file_range(source, nullptr, target, nullptr, 1 << 30, 0);
    if (n < 0 && errno == EINTR) continue;
    // Not between these files (another file system, an old kernel): the ordinary copy.
    if (n < 0 && total == 0 &&
        (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
      return copy_verified(source, target, file);
    }
    if (n < 0) return std::unexpected(package_problem(file.path, errno));
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
  }
  if (total != file.size) return std::unexpected(stored_bytes_wrong(file));
  return total;
}

class Restore {
 public:
  Restore(int root_fd, const std::vector<OutputFile>& outputs, const BlobOpener& open_blob,
          RestoreMode mode)
      : root_fd_(root_fd),
        outputs_(outputs),
        open_blob_(open_blob),
        mode_(mode),
        groups_(group_by_folder(outputs)),
        umask_(current_umask()),
        written_(outputs.size()),
        folders_(root_fd) {}

  std::expected<RestoreStats, RestoreFailure> run() {
    std::vector<std::string> folders;
    for (const auto& group : groups_) folders.push_back(group.folder);
    if (auto made = folders_.make(folders); !made) {
      fail({made.error()});
    } else {
      for_each_group([this](int dir_fd, const FolderGroup& group) { stage(dir_fd, group); });
      if (!failed_) {
        for_each_group([this](int dir_fd, const FolderGroup& group) { commit(dir_fd, group); });
      }
    }
    if (failed_) {
      undo();
      return std::unexpected(failure_);
    }
    folders_.commit();
    RestoreStats stats;
    for (const auto& output : outputs_) {
      (output.type == OutputFile::Type::Symlink ? stats.symlinks : stats.files) += 1;
    }
    stats.bytes = bytes_;
    stats.linked = linked_;
    return stats;
  }

 private:
  template <typename Body>
  void for_each_group(Body body) {
    util::parallel_for(
        groups_.size(),
        [&](std::size_t g) {
          if (failed_) return;
          auto dir = open_dir_beneath(root_fd_, groups_[g].folder);
          if (!dir) return fail({dir.error()});
          util::Fd dir_fd = std::move(*dir);
          body(dir_fd.get(), groups_[g]);
        },
        1);
  }

  void fail(OutputFailure failure) {
    std::lock_guard lock(mutex_);
    if (failure.bad_blob) failure_.bad_blobs.push_back(*failure.bad_blob);
    failure_.entry_at_fault |= failure.entry_at_fault;
    if (!failed_.exchange(true)) failure_.message = std::move(failure.message);
  }

  // Phase 1: every output under its own name when nothing stands there, else under a staging
  // name beside it.
  void stage(int dir_fd, const FolderGroup& group) {
    for (std::size_t i : group.items) {
      if (failed_) return;
      const OutputFile& output = outputs_[i];
      auto staged =
          output.type == OutputFile::Type::Symlink ? stage_link(dir_fd, i) : stage_file(dir_fd, i);
      if (!staged) return fail(std::move(staged.error()));
    }
  }

  // Creates `name` with `create` (returning an fd or -1 with errno), or its staging name when
  // something stands there, and records what was made. `by_name`: what `create` makes has no
  // descriptor of its own (a symlink, a hardlink), and `create` returns any valid one for "made".
  template <typename Create>
  std::expected<util::Fd, OutputFailure> create_output(int dir_fd, std::size_t i, Create create,
                                                       bool by_name = false) {
    const std::string name(split_parent(outputs_[i].path).second);
    Written& written = written_[i];
    written.name = name;
    written.under_own_name = true;
    util::Fd fd(create(written.name));
    if (!fd && errno == EEXIST) {
      written.name = util::staging_name_for(name);
      written.under_own_name = false;
      fd.reset(create(written.name));
    }
    if (!fd) {
      int error = errno;
      written = {};
      return std::unexpected(package_problem(outputs_[i].path, error));
    }
    // What was made, for undo(): a file by its descriptor, a link (which has none) by name.
    struct stat info {};
    if ((by_name ? ::fstatat(dir_fd, written.name.c_str(), &info, AT_SYMLINK_NOFOLLOW)
                 : ::fstat(fd.get(), &info)) == 0) {
      written.device = info.st_dev;
      written.inode = info.st_ino;
    }
    return fd;
  }

  std::expected<void, OutputFailure> stage_link(int dir_fd, std::size_t i) {
    const std::string& target = outputs_[i].link_target;
    auto made = create_output(
        dir_fd, i,
        [&](const std::string& name) {
          // A link has no fd: any valid descriptor stands for "made".
          return ::symlinkat(target.c_str(), dir_fd, name.c_str()) == 0 ? ::dup(dir_fd) : -1;
        },
        true);
    if (!made) return std::unexpected(made.error());
    return {};
  }

  std::expected<void, OutputFailure> stage_file(int dir_fd, std::size_t i) {
    const OutputFile& file = outputs_[i];
    auto blob = open_blob_(file);
    if (!blob) {
      const auto kind = blob.error().kind;
      OutputFailure failure{blob.error().message, kind != BlobOpenError::Kind::Io};
      if (kind == BlobOpenError::Kind::Damaged) failure.bad_blob = stored_blob(file);
      return std::unexpected(failure);
    }
    // An executable is never linked: the store's file has no x bits, and its mode is shared.
    if (mode_ == RestoreMode::Hardlink && (file.mode & 0111) == 0 && !blob->in_pack) {
      auto linked = stage_hardlink(dir_fd, i, *blob);
      if (!linked) return std::unexpected(linked.error());
      if (*linked) return {};
      blob->checked = true;  // hashed already; the copy need not hash it again
    }
    auto target = create_output(dir_fd, i, [&](const std::string& name) {
      return ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      file.mode & ~umask_);
    });
    if (!target) return std::unexpected(target.error());
    auto copied = blob->in_pack ? copy_from_pack(blob->fd.get(), blob->offset, target->get(), file)
                  : mode_ == RestoreMode::Clone && !cannot_clone_
                      ? clone(blob->fd.get(), target->get(), file, blob->checked)
                  : blob->checked ? copy_checked(blob->fd.get(), target->get(), file)
                                  : copy_verified(blob->fd.get(), target->get(), file);
    if (!copied) return std::unexpected(copied.error());
    bytes_ += *copied;
    // The umask may have taken bits the entry wants (a 0664 output under umask 022).
    if ((file.mode & umask_) != 0 && ::fchmod(target->get(), file.mode) != 0) {
      return std::unexpected(package_problem(file.path, errno));
    }
    return {};
  }

  // Links the stored file open as `blob` into the package once its bytes are checked: true when
  // linked, false when it cannot be (the caller copies it).
  std::expected<bool, OutputFailure> stage_hardlink(int dir_fd, std::size_t i, OpenedBlob& blob) {
    const OutputFile& file = outputs_[i];
    if (!blob.checked) {
      if (auto verified = verify_blob(blob.fd.get(), file); !verified) {
        return std::unexpected(verified.error());
      }
    }
    // Read-only, so that a tool writing the output in place fails rather than writes the store.
    struct stat info {};
    if (::fstat(blob.fd.get(), &info) != 0) return false;
    if (static_cast<std::uint64_t>(info.st_size) != file.size) {
      return std::unexpected(stored_bytes_wrong(file));
    }
    if ((info.st_mode & 0222) != 0 && ::fchmod(blob.fd.get(), info.st_mode & 0555) != 0) {
      return false;
    }
    // Linked through the descriptor: the very file just hashed, whatever its name is now.
    const std::string from = "/proc/self/fd/" + std::to_string(blob.fd.get());
    bool unsupported = false;
    auto made = create_output(
        dir_fd, i,
        [&](const std::string& name) {
          if (::linkat(AT_FDCWD, from.c_str(), dir_fd, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
            return ::dup(dir_fd);
          }
          unsupported = cannot_share(errno);
          return -1;
        },
        true);
    if (!made) {
      if (unsupported) return false;
      return std::unexpected(made.error());
    }
    bytes_ += file.size;
    linked_ += 1;
    return true;
  }

  // Shares the blob's blocks with `target` (a reflink), its bytes checked first; a file system
  // without reflinks is said once, and this and every later file is copied.
  std::expected<std::uint64_t, OutputFailure> clone(int source, int target, const OutputFile& file,
                                                    bool checked) {
    if (!checked) {
      if (auto verified = verify_blob(source, file); !verified) {
        return std::unexpected(verified.error());
      }
    }
    struct stat info {};
    if (::fstat(source, &info) == 0 && static_cast<std::uint64_t>(info.st_size) != file.size) {
      return std::unexpected(stored_bytes_wrong(file));
    }
    if (::ioctl(target, FICLONE, source) == 0) {
      linked_ += 1;
      return file.size;
    }
    if (!cannot_share(errno)) return std::unexpected(package_problem(file.path, errno));
    cannot_clone_ = true;
    return copy_checked(source, target, file);
  }

  // Phase 2: staged outputs are renamed over what stood in their place.
  void commit(int dir_fd, const FolderGroup& group) {
    for (std::size_t i : group.items) {
      Written& written = written_[i];
      if (written.under_own_name || failed_) continue;
      std::string name(split_parent(outputs_[i].path).second);
      if (::renameat(dir_fd, written.name.c_str(), dir_fd, name.c_str()) != 0) {
        return fail(package_problem(outputs_[i].path, errno));
      }
      written.renamed = true;
    }
  }

  // Removes what this restore wrote and nothing else: a file under its own name only while it
  // is still the very file written (another process restoring the same package may have
  // renamed its own over it since).
  void undo() {
    for (const auto& group : groups_) {
      auto dir = open_dir_beneath(root_fd_, group.folder);
      if (!dir) continue;
      util::Fd dir_fd = std::move(*dir);
      for (std::size_t i : group.items) {
        const Written& written = written_[i];
        if (written.name.empty() || written.renamed) continue;
        struct stat info {};
        bool still_ours =
            ::fstatat(dir_fd.get(), written.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
            info.st_dev == written.device && info.st_ino == written.inode;
        if (still_ours) ::unlinkat(dir_fd.get(), written.name.c_str(), 0);
      }
    }
    folders_.undo();
  }

  const int root_fd_;
  const std::vector<OutputFile>& outputs_;
  const BlobOpener& open_blob_;
  const RestoreMode mode_;
  const std::vector<FolderGroup> groups_;
  const mode_t umask_;
  std::vector<Written> written_;  // per output; each touched by its folder's thread only
  FolderPreparation folders_;
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::size_t> linked_{0};
  std::atomic<bool> cannot_clone_{false};  // the file system has no reflinks: copy
  std::mutex mutex_;
  RestoreFailure failure_;
};

RestoreFailure entry_problem(std::string message) {
  return {std::move(message), true, {}};
}

}  // namespace

std::expected<RestoreStats, RestoreFailure> restore_outputs(
    const std::filesystem::path& package_root, const std::vector<OutputFile>& outputs,
    const BlobOpener& open_blob, RestoreMode mode) {
  for (const auto& output : outputs) {
    if (auto checked = check_output_file(output); !checked) {
      return std::unexpected(entry_problem("refusing to restore: " + checked.error()));
    }
  }
  util::Fd root(::open(package_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    return std::unexpected(
        RestoreFailure{package_root.string() + ": " + util::errno_message(errno)});
  }
  if (auto leaving = first_link_leaving_package(root.get(), outputs)) {
    return std::unexpected(entry_problem("refusing to restore " + *leaving +
                                         ": the symlink leads outside the package through the "
                                         "links on its way"));
  }
  return Restore(root.get(), outputs, open_blob, mode).run();
}

}  // namespace memo::archive
