// The remote artifact reader: any bytes from a remote are imported into the local store whole
// and verified, or refused, never a crash; and a refused artifact leaves no entry behind. The
// input is taken as the tar stream inside (zstd's checksum would stop almost every mutation of
// a compressed one), and also as the compressed stream itself.

#include <filesystem>

#include "fuzz_support.hpp"
#include "memo/store/artifact/artifact_importer.hpp"
#include "memo/store/artifact/compression.hpp"
#include "memo/store/local_store.hpp"
#include "memo/util/digest.hpp"

namespace {

namespace fs = std::filesystem;
using memo::store::LocalStore;
using memo::store::artifact::ArtifactImporter;

const fs::path& store_root() {
  static const memo::fuzz::ScratchDir scratch;
  return scratch.path();
}

void import(std::string_view bytes) {
  // The seed corpus's entries carry this key.
  static const std::string key = memo::util::sha256_hex("fuzz");
  std::error_code ignored;
  fs::remove_all(store_root() / "entries", ignored);
  LocalStore store(store_root());
  ArtifactImporter importer(store, key, {}, std::nullopt);
  importer.expect(bytes.size());
  for (std::size_t at = 0; at < bytes.size(); at += 4096) {
    if (!importer.write(bytes.substr(at, 4096))) break;
  }
  auto entry = importer.finish();
  auto stored = store.get(key);
  if (!entry) {
    if (stored && *stored) memo::fuzz::fail("a refused artifact left an entry");
    return;
  }
  if (!stored || !*stored) memo::fuzz::fail("an imported artifact left no entry");
  for (const auto& output : entry->outputs) {
    if (output.type != memo::archive::OutputFile::Type::File) continue;
    if (!store.open_blob(output.digest)) memo::fuzz::fail("an imported entry lacks a blob");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = memo::fuzz::as_text(data, size);
  import(input);
  auto compressor =
      memo::store::artifact::make_compressor(memo::store::artifact::Compression::Zstd);
  std::string compressed;
  if (compressor->add(input, compressed) && compressor->finish(compressed)) import(compressed);
  return 0;
}
