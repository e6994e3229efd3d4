#include "memo/archive/confined_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "memo/util/files.hpp"

namespace memo::archive {

std::pair<std::string_view, std::string_view> split_parent(std::string_view path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {std::string_view(), path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::expected<util::Fd, std::string> open_dir_beneath(int root_fd, std::string_view relative_dir) {
  util::Fd current(::dup(root_fd));
  if (!current) return std::unexpected(util::errno_message(errno));
  std::size_t start = 0;
  while (start < relative_dir.size()) {
    std::size_t end = relative_dir.find('/', start);
    if (end == std::string_view::npos) end = relative_dir.size();
    std::string part(relative_dir.substr(start, end - start));
    start = end + 1;
    if (part.empty() || part == "." || part == "..") {
      return std::unexpected("unsafe folder \"" + std::string(relative_dir) + "\"");
    }
    int next =
        ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      return std::unexpected(std::string(relative_dir) + ": " + util::errno_message(errno));
    }
    current.reset(next);
  }
  return current;
}

}  // namespace memo::archive
