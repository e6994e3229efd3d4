// The lockfile reader for yarn.lock, yarn 1 and berry (lockfile_yarn.cpp, lockfile_berry.cpp): any
// bytes give a lockfile or an error, never a crash or a hang.

#include "lockfile_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes = memo::fuzz::as_text(data, size);
  memo::fuzz::check_lockfile(bytes, "yarn.lock", "yarn");
  return 0;
}
