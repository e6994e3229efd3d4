#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "memo/util/fd.hpp"

namespace memo::archive {

// Opens the folder `relative_dir` below the folder open as `root_fd`, one component at a time
// with O_NOFOLLOW, so no symlink (planted before or during a restore) can lead outside the root.
// "" opens the root itself. An error when a component is missing, not a folder, or a symlink.
std::expected<util::Fd, std::string> open_dir_beneath(int root_fd, std::string_view relative_dir);

// The folder part and the last component of a relative path ("a/b/c" -> "a/b", "c").
std::pair<std::string_view, std::string_view> split_parent(std::string_view path);

}  // namespace memo::archive
