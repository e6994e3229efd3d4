#include "memo/step/scratch_store.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <chrono>
#include <system_error>

#include "memo/util/files.hpp"

namespace memo::step {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = ".remote-only";
constexpr const char* kOwnerFile = "owner";
// A folder younger than this is left alone: its run may be between making it and locking it.
constexpr auto kGrace = std::chrono::seconds(60);

bool is_abandoned(const fs::path& folder) {
  std::error_code error;
  const auto written = fs::last_write_time(folder, error);
  if (error || fs::file_time_type::clock::now() - written < kGrace) return false;
  util::Fd owner(::open((folder / kOwnerFile).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!owner) return errno == ENOENT;
  return ::flock(owner.get(), LOCK_EX | LOCK_NB) == 0;
}

}  // namespace

ScratchStore ScratchStore::make(const fs::path& cache_folder) {
  sweep_abandoned_scratch_stores(cache_folder);
  fs::path root = cache_folder / util::unique_temp_name(kPrefix);
  // A folder that cannot be made or locked is still this run's: the store's own errors say
  // what is wrong with it, as warnings, and it is removed at the end all the same.
  (void)util::create_directories(root);
  util::Fd owner(
      ::open((root / kOwnerFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (owner) (void)::flock(owner.get(), LOCK_EX);
  return ScratchStore(std::move(root), std::move(owner));
}

ScratchStore::~ScratchStore() {
  if (root_.empty()) return;
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

int sweep_abandoned_scratch_stores(const fs::path& cache_folder) {
  std::error_code error;
  int removed = 0;
  for (fs::directory_iterator it(cache_folder, error), end; !error && it != end;
       it.increment(error)) {
    const fs::path& folder = it->path();
    std::error_code ignored;
    if (!folder.filename().string().starts_with(kPrefix) || !it->is_directory(ignored)) continue;
    if (is_abandoned(folder) && fs::remove_all(folder, ignored) > 0) ++removed;
  }
  return removed;
}

}  // namespace memo::step
