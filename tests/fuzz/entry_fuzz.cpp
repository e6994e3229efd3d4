// The store's entry parser: any bytes in an entry file give an entry or an error, never a
// crash; an entry that parses prints back to text that parses to the same entry.

#include "fuzz_support.hpp"
#include "memo/hash/manifest.hpp"
#include "memo/store/entry.hpp"
#include "memo/util/digest.hpp"

namespace {

void check(std::string_view text) {
  auto entry = memo::store::parse_entry(text);
  if (!entry) return;
  // command-ms is written with three decimals, so the first print may round; from then on
  // printing and parsing change nothing.
  std::string printed = memo::store::serialize_entry(*entry);
  auto again = memo::store::parse_entry(printed);
  if (!again) memo::fuzz::fail("a parsed entry, serialized, does not parse");
  if (memo::store::serialize_entry(*again) != printed) {
    memo::fuzz::fail("a parsed entry does not round-trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = memo::fuzz::as_text(data, size);
  check(input);
  // The header's checksum would stop almost every mutation: the input is also taken as the
  // body under a header with the right checksum, in both formats (packed outputs or none).
  for (int format : {memo::store::kUnpackedEntryFormatVersion, memo::store::kEntryFormatVersion}) {
    check("memo-entry " + std::to_string(format) + " " + memo::util::sha256_hex(input) + "\n" +
          std::string(input));
  }
  return 0;
}
