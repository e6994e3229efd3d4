#include "memo/store/remote/spooled_upload.hpp"

#include <gtest/gtest.h>

#include "support/artifact_streams.hpp"

namespace memo::store::remote {
namespace {

using memo::testing::random_bytes;
using memo::testing::StringSource;

std::string replayed(const SpooledUpload& upload) {
  auto source = upload.replay();
  std::string bytes;
  char buffer[70000];
  for (;;) {
    auto read = source->read(buffer);
    EXPECT_TRUE(read);
    if (!read || *read == 0) return bytes;
    bytes.append(buffer, *read);
  }
}

TEST(SpooledUpload, UpToTheLimitStaysInMemory) {
  for (std::size_t size : {std::size_t{0}, std::size_t{10}, std::size_t{1000}}) {
    const std::string bytes = random_bytes(size, size);
    StringSource source(bytes);
    auto upload = SpooledUpload::read(source, 1000);
    ASSERT_TRUE(upload) << upload.error();
    EXPECT_EQ(upload->size(), size);
    ASSERT_TRUE(upload->in_memory());
    EXPECT_TRUE(*upload->in_memory() == bytes);
    EXPECT_TRUE(replayed(*upload) == bytes);
  }
}

TEST(SpooledUpload, BeyondTheLimitGoesToAFileAndReplaysByteForByte) {
  const std::string bytes = random_bytes(3 << 20, 5);
  StringSource source(bytes);
  auto upload = SpooledUpload::read(source, 1 << 20);
  ASSERT_TRUE(upload) << upload.error();
  EXPECT_FALSE(upload->in_memory());
  EXPECT_EQ(upload->size(), bytes.size());
  EXPECT_TRUE(replayed(*upload) == bytes);
  EXPECT_TRUE(replayed(*upload) == bytes) << "a second replay starts again";
}

TEST(SpooledUpload, OneByteOverTheLimitIsSpooled) {
  const std::string bytes = random_bytes(1001, 6);
  StringSource source(bytes);
  auto upload = SpooledUpload::read(source, 1000);
  ASSERT_TRUE(upload) << upload.error();
  EXPECT_FALSE(upload->in_memory());
  EXPECT_EQ(upload->size(), 1001u);
  EXPECT_TRUE(replayed(*upload) == bytes);
}

TEST(SpooledUpload, ASourceErrorIsTheUploadsError) {
  const std::string bytes = random_bytes(5 << 20, 7);
  for (std::size_t fail_at : {std::size_t{0}, std::size_t{3 << 20}}) {
    StringSource source(bytes);
    source.fail_at = fail_at;
    auto upload = SpooledUpload::read(source, 1 << 20);
    ASSERT_FALSE(upload);
    EXPECT_EQ(upload.error(), "the packer failed");
  }
}

// Reads `source` to its end: the bytes, or the first error.
std::expected<std::string, std::string> drain(ArtifactSource& source) {
  std::string bytes;
  char buffer[70000];
  for (;;) {
    auto read = source.read(buffer);
    if (!read) return std::unexpected(read.error());
    if (*read == 0) return bytes;
    bytes.append(buffer, *read);
  }
}

TEST(ExactSizeSource, GivesTheBytesOfTheSizeSaid) {
  const std::string bytes = random_bytes(300'000, 5);
  StringSource inner(bytes);
  ExactSizeSource exact(inner, bytes.size());
  auto got = drain(exact);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(*got, bytes);
}

TEST(ExactSizeSource, AShorterSourceIsAnError) {
  const std::string bytes = random_bytes(300'000, 5);
  StringSource inner(bytes);
  ExactSizeSource exact(inner, bytes.size() + 1);
  auto got = drain(exact);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().find("shorter"), std::string::npos) << got.error();
}

TEST(ExactSizeSource, ALongerSourceIsAnErrorBeforeTheLastByteGoes) {
  const std::string bytes = random_bytes(300'000, 5);
  StringSource inner(bytes);
  ExactSizeSource exact(inner, bytes.size() - 1);
  std::string given;
  char buffer[70000];
  std::string error;
  for (;;) {
    auto read = exact.read(buffer);
    if (!read) {
      error = read.error();
      break;
    }
    if (*read == 0) break;
    given.append(buffer, *read);
  }
  EXPECT_NE(error.find("longer"), std::string::npos) << error;
  EXPECT_LT(given.size(), bytes.size() - 1);
}

}  // namespace
}  // namespace memo::store::remote
