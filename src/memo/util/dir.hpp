#pragma once

#include <dirent.h>

#include <utility>

#include "memo/util/fd.hpp"

namespace memo::util {

// Owns one open directory stream and closes it (with its descriptor) when it goes out of scope.
class Dir {
 public:
  Dir() = default;
  // Takes `folder` over: on success the stream owns the descriptor, on failure it is closed.
  explicit Dir(Fd folder) : dir_(::fdopendir(folder.get())) {
    if (dir_) folder.release();
  }
  explicit Dir(const char* path) : dir_(::opendir(path)) {}
  Dir(Dir&& other) noexcept : dir_(std::exchange(other.dir_, nullptr)) {}
  Dir& operator=(Dir&& other) noexcept {
    if (this != &other) {
      if (dir_) ::closedir(dir_);
      dir_ = std::exchange(other.dir_, nullptr);
    }
    return *this;
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  ~Dir() {
    if (dir_) ::closedir(dir_);
  }

  explicit operator bool() const { return dir_ != nullptr; }
  DIR* get() const { return dir_; }
  int fd() const { return ::dirfd(dir_); }

 private:
  DIR* dir_ = nullptr;
};

}  // namespace memo::util
