// The output state records (store/output_state.cpp): any bytes in a package's state file give
// a record or none, never a crash, and comparing the record with the package's folder (an
// empty one here) stays inside it.

#include <fcntl.h>
#include <unistd.h>

#include "fuzz_support.hpp"
#include "memo/hash/manifest_diff.hpp"
#include "memo/store/output_state.hpp"
#include "memo/util/digest.hpp"

namespace {

constexpr const char* kPackage = "packages/a";

void write_text(const std::filesystem::path& file, std::string_view text) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) memo::fuzz::fail("cannot write the scratch state file");
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n <= 0) memo::fuzz::fail("cannot write the scratch state file");
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memo::fuzz::ScratchDir store;
  static memo::fuzz::ScratchDir package_root;
  static const std::filesystem::path file = [] {
    std::filesystem::create_directories(store.path() / "state");
    return store.path() / "state" / (memo::util::sha256_hex(kPackage) + ".json");
  }();
  std::string_view text = memo::fuzz::as_text(data, size);
  write_text(file, text);

  memo::store::OutputState state(store.path());
  // The key is the header's first field: read it as the record's reader does, to get past it.
  std::string key(64, '0');
  std::size_t newline = text.find('\n');
  constexpr std::string_view kHeader = "memo-output-state 2 ";
  if (newline != std::string_view::npos && text.starts_with(kHeader)) {
    auto header = memo::hash::split_manifest_line(
        "state " + std::string(text.substr(kHeader.size(), newline - kHeader.size())));
    if (header.size() > 1) key = header[1];
  }
  (void)state.changed_outputs(kPackage, key, package_root.path());
  memo::archive::OutputFile wanted;
  wanted.path = "lib/index.js";
  wanted.size = 6;
  wanted.digest = memo::util::sha256_hex("built\n");
  (void)state.already_in_place(kPackage, package_root.path(), {wanted});
  return 0;
}
