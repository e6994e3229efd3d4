// The lockfile reader for npm's package-lock.json / npm-shrinkwrap.json (lockfile_npm.cpp): any
// bytes give a lockfile or an error, never a crash or a hang.

#include "lockfile_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes = memo::fuzz::as_text(data, size);
  memo::fuzz::check_lockfile(bytes, "package-lock.json", "npm");
  return 0;
}
