#include "memo/archive/folder_preparation.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "memo/archive/confined_dir.hpp"
#include "memo/util/fd.hpp"
#include "memo/util/files.hpp"
#include "memo/util/staging_name.hpp"

namespace memo::archive {

std::expected<void, std::string> FolderPreparation::make(const std::vector<std::string>& folders) {
  for (const auto& folder : folders) {
    for (std::size_t end = 0; end != std::string::npos && !folder.empty();) {
      end = folder.find('/', end + 1);
      std::string prefix = folder.substr(0, end);
      if (present_.contains(prefix)) continue;
      if (auto made = make_one(prefix); !made) return made;
      present_.insert(prefix);
    }
  }
  return {};
}

// Makes the last folder of `folder`, whose parent is there already.
std::expected<void, std::string> FolderPreparation::make_one(const std::string& folder) {
  auto [parent_path, name_view] = split_parent(folder);
  const std::string parent(parent_path), name(name_view);
  auto opened = open_dir_beneath(root_fd_, parent);
  if (!opened) return std::unexpected(opened.error());
  util::Fd parent_fd = std::move(*opened);
  util::Fd existing(
      ::openat(parent_fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (existing) return {};
  if (errno == ELOOP || errno == ENOTDIR) {
    // A symlink or a file where the entry has a folder: the folder wins, as in the entry, and
    // what stood there waits aside until the restore is through.
    std::string aside = util::staging_name_for(name);
    if (::renameat(parent_fd.get(), name.c_str(), parent_fd.get(), aside.c_str()) != 0) {
      return std::unexpected(folder + ": " + util::errno_message(errno));
    }
    moved_.push_back({parent, name, aside});
  } else if (errno != ENOENT) {
    return std::unexpected(folder + ": " + util::errno_message(errno));
  }
  if (::mkdirat(parent_fd.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
    return std::unexpected(folder + ": " + util::errno_message(errno));
  }
  created_.push_back(folder);
  return {};
}

void FolderPreparation::commit() {
  for (const auto& moved : moved_) {
    auto dir = open_dir_beneath(root_fd_, moved.parent);
    if (!dir) continue;
    util::Fd dir_fd = std::move(*dir);
    ::unlinkat(dir_fd.get(), moved.aside.c_str(), 0);
  }
  moved_.clear();
  created_.clear();
}

void FolderPreparation::undo() {
  std::sort(created_.begin(), created_.end());
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    auto [parent, name] = split_parent(*it);
    auto dir = open_dir_beneath(root_fd_, parent);
    if (!dir) continue;
    util::Fd dir_fd = std::move(*dir);
    ::unlinkat(dir_fd.get(), std::string(name).c_str(), AT_REMOVEDIR);
  }
  for (auto it = moved_.rbegin(); it != moved_.rend(); ++it) {
    auto dir = open_dir_beneath(root_fd_, it->parent);
    if (!dir) continue;
    util::Fd dir_fd = std::move(*dir);
    // Fails only when the folder made in its place could not be removed (another process
    // wrote into it): then it stays aside rather than clobber that.
    ::renameat(dir_fd.get(), it->aside.c_str(), dir_fd.get(), it->name.c_str());
  }
  moved_.clear();
  created_.clear();
}

}  // namespace memo::archive
