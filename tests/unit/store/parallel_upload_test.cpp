#include "memo/store/remote/parallel_upload.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "support/artifact_streams.hpp"

namespace memo::store::remote {
namespace {

using memo::testing::random_bytes;
using memo::testing::StringSource;

constexpr std::size_t kPart = 1000;

// Keeps every part it is sent by index, and how many were being sent at once at most.
struct RecordingSender {
  std::mutex mutex;
  std::map<std::size_t, std::string> parts;
  std::atomic<int> sending{0};
  std::atomic<int> most_at_once{0};
  std::optional<std::size_t> fail_at;

  PartSender sender() {
    return [this](std::size_t index, std::string_view bytes) -> RemoteResult<void> {
      const int now = ++sending;
      for (int seen = most_at_once; now > seen && !most_at_once.compare_exchange_weak(seen, now);) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      --sending;
      if (fail_at && index == *fail_at) {
        return std::unexpected(RemoteError{RemoteError::Kind::Server, "part refused"});
      }
      std::lock_guard lock(mutex);
      parts[index] = std::string(bytes);
      return {};
    };
  }
  std::string joined() {
    std::string all;
    for (const auto& [index, bytes] : parts) all += bytes;
    return all;
  }
};

RemoteResult<std::size_t> upload(StringSource& source, RecordingSender& sender,
                                 std::size_t in_flight) {
  auto first = read_first_parts(source, kPart);
  EXPECT_TRUE(first);
  if (!first) return std::unexpected(first.error());
  return upload_parts(source, std::move(*first), kPart, in_flight, sender.sender());
}

TEST(ParallelUpload, AnArtifactThatFitsOnePartIsReadWhole) {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, kPart - 1, kPart}) {
    const std::string bytes = random_bytes(size, 3);
    StringSource source(bytes);
    auto first = read_first_parts(source, kPart);
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_EQ(first->size(), 1u) << size;
    EXPECT_EQ(first->front(), bytes);
  }
}

TEST(ParallelUpload, OneByteMoreThanAPartIsTwoParts) {
  const std::string bytes = random_bytes(kPart + 1, 4);
  StringSource source(bytes);
  auto first = read_first_parts(source, kPart);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0], bytes.substr(0, kPart));
  EXPECT_EQ((*first)[1], bytes.substr(kPart));
}

TEST(ParallelUpload, EveryPartIsSentOnceInOrderOfItsIndex) {
  for (std::size_t size : {2 * kPart, 2 * kPart + 1, 17 * kPart + 333}) {
    const std::string bytes = random_bytes(size, 5);
    StringSource source(bytes);
    RecordingSender sender;
    auto sent = upload(source, sender, 3);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(*sent, (size + kPart - 1) / kPart);
    EXPECT_EQ(sender.parts.size(), *sent);
    EXPECT_TRUE(sender.joined() == bytes) << size;
  }
}

TEST(ParallelUpload, NoMoreThanTheLimitAreSentAtOnce) {
  const std::string bytes = random_bytes(40 * kPart, 6);
  StringSource source(bytes);
  RecordingSender sender;
  ASSERT_TRUE(upload(source, sender, 3));
  EXPECT_LE(sender.most_at_once, 3);
  EXPECT_GE(sender.most_at_once, 2) << "the parts went one at a time";
}

TEST(ParallelUpload, AFailedPartStopsTheReadingAndIsTheError) {
  const std::string bytes = random_bytes(100 * kPart, 7);
  StringSource source(bytes);
  RecordingSender sender;
  sender.fail_at = 4;
  auto sent = upload(source, sender, 3);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().message, "part refused");
  EXPECT_LT(source.offset, bytes.size()) << "the whole artifact was read after a failure";
}

TEST(ParallelUpload, ASourceThatFailsIsAnAbortedUploadNamingWhy) {
  const std::string bytes = random_bytes(10 * kPart, 8);
  StringSource source(bytes);
  source.fail_at = 5 * kPart;
  RecordingSender sender;
  auto sent = upload(source, sender, 2);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, RemoteError::Kind::Aborted);
  EXPECT_NE(sent.error().message.find("the packer failed"), std::string::npos)
      << sent.error().message;
}

// A source that must not be read again once it said it had ended.
struct EndOnceSource : ArtifactSource {
  std::string bytes;
  std::size_t offset = 0;
  bool ended = false;
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    if (ended) return std::unexpected("read after its end");
    std::size_t count = std::min(buffer.size(), bytes.size() - offset);
    bytes.copy(buffer.data(), count, offset);
    offset += count;
    ended = count == 0;
    return count;
  }
};

TEST(ParallelUpload, TheSourceIsNotReadPastItsEnd) {
  for (std::size_t size : {2 * kPart + 10, 3 * kPart}) {
    EndOnceSource source;
    source.bytes = random_bytes(size, 9);
    auto first = read_first_parts(source, kPart);
    ASSERT_TRUE(first);
    RecordingSender sender;
    auto sent = upload_parts(source, std::move(*first), kPart, 2, sender.sender());
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_TRUE(sender.joined() == source.bytes);
  }
}

}  // namespace
}  // namespace memo::store::remote
