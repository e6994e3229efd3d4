#include "memo/util/staging_name.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <vector>

#include "memo/util/dir.hpp"
#include "memo/util/fd.hpp"
#include "memo/util/files.hpp"

namespace memo::util {

namespace {

constexpr std::string_view kPrefix = ".memo-";
constexpr std::string_view kSuffix = ".tmp";

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string staging_name_for(std::string_view name) {
  return unique_temp_name(std::string(kPrefix) + std::string(name.substr(0, 64)));
}

std::optional<long> staging_name_owner(std::string_view name) {
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  name.remove_suffix(kSuffix.size());
  std::size_t counter = name.rfind('.');
  if (counter == std::string_view::npos || !all_digits(name.substr(counter + 1))) {
    return std::nullopt;
  }
  name = name.substr(0, counter);
  std::size_t pid_start = name.rfind('.');
  if (pid_start == std::string_view::npos || pid_start < kPrefix.size()) return std::nullopt;
  std::string_view digits = name.substr(pid_start + 1);
  long pid = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (!all_digits(digits) || error != std::errc() || pid <= 0) return std::nullopt;
  return pid;
}

bool is_stale_staging_name(std::string_view name) {
  auto owner = staging_name_owner(name);
  if (!owner || *owner == ::getpid()) return false;
  return ::kill(static_cast<pid_t>(*owner), 0) != 0 && errno == ESRCH;
}

std::size_t remove_stale_staging_files(int dir_fd) {
  Dir dir(Fd(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
  if (!dir) return 0;
  std::vector<std::string> stale;
  while (dirent* entry = ::readdir(dir.get())) {
    if (is_stale_staging_name(entry->d_name)) stale.emplace_back(entry->d_name);
  }
  std::size_t removed = 0;
  for (const auto& name : stale) removed += ::unlinkat(dir_fd, name.c_str(), 0) == 0;
  return removed;
}

}  // namespace memo::util
