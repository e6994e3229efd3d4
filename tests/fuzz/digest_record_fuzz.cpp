// The file-digest records (hash/digest_cache.cpp): any bytes in a record give a record or
// nothing, never a crash; a record that decodes encodes to one that decodes to the same
// manifest lines, and checking it against a package (an empty folder here) never crashes.

#include "fuzz_support.hpp"
#include "memo/hash/digest_cache.hpp"
#include "memo/util/digest.hpp"

namespace {

void check(std::string text, const std::filesystem::path& root) {
  auto record = memo::hash::decode_record(std::move(text));
  if (!record) return;
  std::string lines = memo::hash::manifest_lines(*record);
  auto again = memo::hash::decode_record(memo::hash::encode_record(*record));
  if (!again) memo::fuzz::fail("a decoded record, encoded, does not decode");
  if (memo::hash::manifest_lines(*again) != lines) memo::fuzz::fail("a record does not round-trip");
  (void)memo::hash::reuse_record(root, "packages/a", record->started_ns, *record);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memo::fuzz::ScratchDir root;
  std::string_view input = memo::fuzz::as_text(data, size);
  check(std::string(input), root.path());
  // The header's checksum would stop almost every mutation: the input is also taken as the
  // body under a header with the right checksum.
  check("memo-file-digests 1 " + memo::util::sha256_hex(input) + "\n" + std::string(input),
        root.path());
  return 0;
}
