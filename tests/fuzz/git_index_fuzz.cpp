// The git index reader (hash/git_index.cpp): any bytes in .git/index give an index or nothing,
// never a crash; what an index holds is then looked up as the file digests do.

#include <sys/stat.h>

#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "memo/hash/git_index.hpp"

namespace {

void check(std::string_view bytes, const std::vector<std::string>& prefixes) {
  struct timespec mtime {
    1700000000, 5
  };
  auto index = memo::hash::GitIndex::parse(bytes, mtime, prefixes);
  if (!index) return;
  struct stat info {};
  info.st_mode = S_IFREG | 0644;
  info.st_mtim = {1600000000, 0};
  info.st_ctim = {1600000000, 0};
  for (const char* path : {"a", "packages/a/index.js", "packages/a/lib/x.js", "b/c", ""}) {
    (void)index->unchanged_blob_id(path, info);
  }
  std::vector<std::string_view> paths = {"", "index.js", "lib/x.js", "package.json", "src/a.ts"};
  for (std::string_view prefix : {"", "packages/a/", "b/"}) {
    for (std::int64_t entry : index->locate(prefix, paths)) {
      if (entry < -1 || entry >= static_cast<std::int64_t>(index->size())) {
        memo::fuzz::fail("locate() gave an entry the index does not have");
      }
      if (entry >= 0) (void)index->unchanged_blob_id_at(entry, info);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes = memo::fuzz::as_text(data, size);
  check(bytes, {});
  // The trailing SHA-1 would stop almost every mutation; all zeros there (index.skipHash) is
  // accepted, so the input is also read with such a trailer.
  std::string skip_hash = std::string(bytes) + std::string(20, '\0');
  check(skip_hash, {});
  check(skip_hash, {"packages/a/"});
  return 0;
}
