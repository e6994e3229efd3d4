// The lockfile reader for pnpm-lock.yaml, also as Rush's (lockfile_pnpm.cpp): any bytes give a
// lockfile or an error, never a crash or a hang.

#include "lockfile_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes = memo::fuzz::as_text(data, size);
  memo::fuzz::check_lockfile(bytes, "pnpm-lock.yaml", "pnpm");
  memo::fuzz::check_lockfile(bytes, "common/config/rush/pnpm-lock.yaml", "rush");
  return 0;
}
