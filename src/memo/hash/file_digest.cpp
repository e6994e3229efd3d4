#include "memo/hash/file_digest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>

#include "memo/util/digest.hpp"
#include "memo/util/fd.hpp"
#include "memo/util/files.hpp"
#include "memo/util/parallel.hpp"

namespace memo::hash {

std::expected<FileDigest, std::string> digest_file_at(int dir_fd, const std::string& path,
                                                      bool is_symlink) {
  if (is_symlink) {
    struct stat info {};
    if (::fstatat(dir_fd, path.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      return std::unexpected(path + ": " + util::errno_message(errno));
    }
    char target[4096];
    ssize_t size = ::readlinkat(dir_fd, path.c_str(), target, sizeof target);
    if (size < 0) return std::unexpected(path + ": " + util::errno_message(errno));
    return FileDigest{path, "120000", util::git_blob_id(std::string_view(target, size)),
                      signature_of(info)};
  }
  // Without blocking: a FIFO that appeared since the walk is refused, not waited on.
  auto opened = util::open_regular_file(dir_fd, path.c_str(), O_NOFOLLOW);
  if (!opened) return std::unexpected(path + ": " + util::errno_message(opened.error()));
  const int fd = opened->get();
  struct stat info {};
  if (::fstat(fd, &info) != 0) return std::unexpected(path + ": " + util::errno_message(errno));
  // git's blob header needs the size first; stream the rest so big files use little memory.
  util::Hasher hasher(util::Hasher::Algorithm::Sha1);
  std::string header = "blob " + std::to_string(info.st_size);
  hasher.update(header.data(), header.size() + 1);
  char buffer[65536];
  off_t total = 0;
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(path + ": " + util::errno_message(errno));
    }
    if (n == 0) break;
    hasher.update(buffer, static_cast<size_t>(n));
    total += n;
  }
  if (total != info.st_size) return std::unexpected(path + ": changed while it was read");
  bool executable = (info.st_mode & S_IXUSR) != 0;
  return FileDigest{path, executable ? "100755" : "100644", hasher.hex_digest(),
                    signature_of(info)};
}

namespace {

std::optional<FileDigest> digest_from_index(int dir_fd, const WalkedFile& file,
                                            const GitIndex& index, std::int64_t entry) {
  struct stat info {};
  if (::fstatat(dir_fd, file.path.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
  auto blob_id = index.unchanged_blob_id_at(entry, info);
  if (!blob_id) return std::nullopt;
  const char* mode = S_ISLNK(info.st_mode)      ? "120000"
                     : (info.st_mode & S_IXUSR) ? "100755"
                                                : "100644";
  return FileDigest{file.path, mode, std::move(*blob_id), signature_of(info)};
}

}  // namespace

std::expected<std::vector<FileDigest>, std::string> digest_files(
    const std::filesystem::path& root, const std::vector<WalkedFile>& files,
    const IndexShortcut& shortcut) {
  util::Fd root_dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_dir) return std::unexpected(root.string() + ": " + util::errno_message(errno));
  const int root_fd = root_dir.get();
  std::vector<FileDigest> digests(files.size());
  std::vector<std::int64_t> entries;
  if (shortcut.index) {
    std::vector<std::string_view> paths;
    paths.reserve(files.size());
    for (const auto& file : files) paths.push_back(file.path);
    entries = shortcut.index->locate(shortcut.prefix, paths);
  }
  // Files are looked up from their own folder's fd: one path component to resolve per file
  // instead of the whole relative path.
  std::map<std::string_view, std::vector<std::size_t>> by_folder;
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::string_view path = files[i].path;
    std::size_t slash = path.rfind('/');
    by_folder[slash == std::string_view::npos ? std::string_view() : path.substr(0, slash)]
        .push_back(i);
  }
  std::vector<std::pair<std::string_view, const std::vector<std::size_t>*>> folders;
  for (const auto& [folder, items] : by_folder) folders.emplace_back(folder, &items);

  std::atomic<bool> failed{false};
  std::string first_error;
  std::mutex error_mutex;
  auto fail = [&](std::string message) {
    std::lock_guard lock(error_mutex);
    if (!failed.exchange(true)) first_error = (root / message).string();
  };
  util::parallel_for(
      folders.size(),
      [&](std::size_t f) {
        if (failed) return;
        const auto [folder, items] = folders[f];
        util::Fd dir(folder.empty() ? ::dup(root_fd)
                                    : ::openat(root_fd, std::string(folder).c_str(),
                                               O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir) return fail(std::string(folder) + ": " + util::errno_message(errno));
        const int dir_fd = dir.get();
        const std::size_t name_start = folder.empty() ? 0 : folder.size() + 1;
        for (std::size_t i : *items) {
          if (failed) break;
          WalkedFile leaf{files[i].path.substr(name_start), files[i].is_symlink};
          std::optional<FileDigest> known;
          if (shortcut.index && entries[i] >= 0) {
            known = digest_from_index(dir_fd, leaf, *shortcut.index, entries[i]);
          }
          if (!known) {
            auto digest = digest_file_at(dir_fd, leaf.path, leaf.is_symlink);
            if (!digest) {
              fail(std::string(folder) + (folder.empty() ? "" : "/") + digest.error());
              break;
            }
            known = std::move(*digest);
          }
          known->path = files[i].path;
          digests[i] = std::move(*known);
        }
      },
      1);
  if (failed) return std::unexpected(first_error);
  return digests;
}

}  // namespace memo::hash
