#include "memo/store/artifact/compression.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace memo::store::artifact {
namespace {

std::string random_bytes(std::size_t size) {
  std::mt19937 generator(7);
  std::string bytes(size, '\0');
  for (auto& c : bytes) c = static_cast<char>(generator());
  return bytes;
}

struct Decoded {
  std::string bytes;
  std::string error;
  bool finished = false;
};

// Decompresses `stream` fed in pieces of `piece` bytes.
Decoded decode(std::string_view stream, std::size_t piece = 1000) {
  auto decompressor = make_decompressor(Compression::Zstd);
  Decoded decoded;
  auto emit = [&](std::string_view out) -> std::expected<void, std::string> {
    decoded.bytes.append(out);
    return {};
  };
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    auto added = decompressor->add(stream.substr(at, piece), emit);
    if (!added) {
      decoded.error = added.error();
      return decoded;
    }
  }
  decoded.finished = decompressor->finished();
  return decoded;
}

// Compressed, stored, compressed again: what an artifact with one incompressible file is.
std::string mixed_stream(const std::string& head, const std::string& stored,
                         const std::string& tail) {
  auto compressor = make_compressor(Compression::Zstd);
  std::string out;
  EXPECT_TRUE(compressor->add(head, out));
  EXPECT_TRUE(compressor->add_stored(stored, out));
  EXPECT_TRUE(compressor->add(tail, out));
  EXPECT_TRUE(compressor->finish(out));
  return out;
}

TEST(Compression, StoredBytesBetweenCompressedOnesComeBackWhole) {
  const std::string head(100'000, 'h'), stored = random_bytes(300'000), tail(5'000, 't');
  std::string stream = mixed_stream(head, stored, tail);
  EXPECT_LT(stream.size(), stored.size() + 1000);
  Decoded decoded = decode(stream);
  EXPECT_EQ(decoded.error, "");
  EXPECT_TRUE(decoded.finished);
  EXPECT_EQ(decoded.bytes, head + stored + tail);
}

TEST(Compression, FramesAndBlocksSplitAnywhereComeBackWhole) {
  const std::string head(3'000, 'h'), stored = random_bytes(140'000), tail(500, 't');
  std::string stream = mixed_stream(head, stored, tail);
  for (std::size_t piece : {1u, 2u, 5u, 7u, 131'075u}) {
    Decoded decoded = decode(stream, piece);
    EXPECT_EQ(decoded.error, "") << piece;
    EXPECT_TRUE(decoded.finished) << piece;
    EXPECT_EQ(decoded.bytes, head + stored + tail) << piece;
  }
}

TEST(Compression, ARawFrameHoldingAnotherKindOfBlockIsRefused) {
  auto compressor = make_compressor(Compression::Zstd);
  std::string out;
  ASSERT_TRUE(compressor->add_stored("abc", out));
  ASSERT_TRUE(compressor->finish(out));
  // The first block's header: type 2 (compressed) instead of 0.
  out[6] = static_cast<char>(out[6] | 4);
  Decoded decoded = decode(out);
  EXPECT_NE(decoded.error.find("bad zstd data"), std::string::npos) << decoded.error;
}

TEST(Compression, AStreamEndingInStoredBytesIsFinished) {
  auto compressor = make_compressor(Compression::Zstd);
  std::string out;
  const std::string stored = random_bytes(200'000);
  ASSERT_TRUE(compressor->add_stored(stored, out));
  ASSERT_TRUE(compressor->finish(out));
  Decoded decoded = decode(out, 65536);
  EXPECT_TRUE(decoded.finished);
  EXPECT_EQ(decoded.bytes, stored);
}

TEST(Compression, AnEmptyStreamIsOneFinishedFrame) {
  auto compressor = make_compressor(Compression::Zstd);
  std::string out;
  ASSERT_TRUE(compressor->finish(out));
  EXPECT_FALSE(out.empty());
  Decoded decoded = decode(out);
  EXPECT_TRUE(decoded.finished);
  EXPECT_EQ(decoded.bytes, "");
}

TEST(Compression, AStreamCutInsideItsStoredFrameIsNotFinished) {
  std::string stream = mixed_stream("head", random_bytes(300'000), "tail");
  Decoded decoded = decode(std::string_view(stream).substr(0, 200'000));
  EXPECT_EQ(decoded.error, "");
  EXPECT_FALSE(decoded.finished);
}

TEST(Compression, GarbageAfterTheLastFrameIsRefused) {
  std::string stream = mixed_stream("head", random_bytes(1000), "tail") + "not zstd at all";
  Decoded decoded = decode(stream);
  EXPECT_NE(decoded.error.find("bad zstd data"), std::string::npos) << decoded.error;
}

TEST(Compression, RandomBytesLookIncompressibleAndTextDoesNot) {
  EXPECT_TRUE(looks_incompressible(random_bytes(1 << 20)));
  EXPECT_FALSE(looks_incompressible(std::string(1 << 20, 'x')));
  std::string text;
  while (text.size() < (1 << 20)) text += "export const value = require('./value');\n";
  EXPECT_FALSE(looks_incompressible(text));
}

}  // namespace
}  // namespace memo::store::artifact
