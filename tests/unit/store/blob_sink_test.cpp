#include "memo/store/blob_sink.hpp"

#include <gtest/gtest.h>

#include "memo/util/digest.hpp"
#include "support/artifact_streams.hpp"
#include "support/temp_dir.hpp"

namespace memo::store {
namespace {

using memo::testing::random_bytes;
using memo::testing::TempDir;

// Writes `bytes` through a sink in pieces of `piece` bytes; the digest it gives.
std::string sunk(const std::string& bytes, std::size_t piece, util::AtomicFile* file) {
  BlobSink sink(bytes.size(), file);
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    auto written = sink.write(std::string_view(bytes).substr(at, piece));
    EXPECT_TRUE(written);
  }
  auto digest = sink.finish();
  EXPECT_TRUE(digest);
  return digest ? *digest : "";
}

TEST(BlobSinkTest, SmallAndBigBlobsGiveTheirSha256AndTheirBytes) {
  TempDir dir;
  // Below the size that gets a thread of its own, at it, and over it by part of a chunk.
  for (std::size_t size :
       {std::size_t{0}, std::size_t{10}, std::size_t{4} << 20, (std::size_t{9} << 20) + 12345}) {
    const std::string bytes = random_bytes(size, size);
    for (std::size_t piece : {std::size_t{1000}, std::size_t{128} << 10, std::size_t{3} << 20}) {
      auto file = util::AtomicFile::create(dir / "blob");
      ASSERT_TRUE(file);
      EXPECT_EQ(sunk(bytes, piece, &*file), util::sha256_hex(bytes)) << size << " in " << piece;
      ASSERT_TRUE(file->commit());
      EXPECT_TRUE(dir.read("blob") == bytes) << size << " in " << piece;
    }
  }
}

TEST(BlobSinkTest, WithoutAFileOnlyTheDigestIsTaken) {
  const std::string bytes = random_bytes(6 << 20, 1);
  EXPECT_EQ(sunk(bytes, 64 << 10, nullptr), util::sha256_hex(bytes));
}

TEST(BlobSinkTest, ABlobGivenUpHalfWayStopsItsThread) {
  const std::string bytes = random_bytes(8 << 20, 2);
  BlobSink sink(bytes.size(), nullptr);
  ASSERT_TRUE(sink.write(std::string_view(bytes).substr(0, 3 << 20)));
  // No finish(): the destructor must end the thread, with nothing left waiting.
}

}  // namespace
}  // namespace memo::store
