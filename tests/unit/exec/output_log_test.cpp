#include "memo/exec/output_log.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace memo::exec {
namespace {

using Chunks = std::vector<std::pair<OutputStream, std::string>>;

// Replays `log`, handed over `piece` bytes at a time.
std::expected<Chunks, std::string> replay(const std::string& log, std::size_t piece = 3) {
  std::size_t at = 0;
  auto read = [&](char* into, std::size_t want) -> std::expected<std::size_t, std::string> {
    std::size_t n = std::min({want, piece, log.size() - at});
    std::memcpy(into, log.data() + at, n);
    at += n;
    return n;
  };
  Chunks chunks;
  auto replayed = replay_output_records(read, [&](OutputStream stream, std::string_view bytes) {
    chunks.emplace_back(stream, std::string(bytes));
  });
  if (!replayed) return std::unexpected(replayed.error());
  return chunks;
}

TEST(OutputLogTest, ChunksComeBackInTheirOrderAndOnTheirStreams) {
  std::string log;
  append_output_records(log, OutputStream::Stdout, "building\n");
  append_output_records(log, OutputStream::Stderr, "warning: x\n");
  append_output_records(log, OutputStream::Stdout, std::string("bin\0ary", 7));
  auto chunks = replay(log);
  ASSERT_TRUE(chunks) << chunks.error();
  Chunks expected{{OutputStream::Stdout, "building\n"},
                  {OutputStream::Stderr, "warning: x\n"},
                  {OutputStream::Stdout, std::string("bin\0ary", 7)}};
  EXPECT_EQ(*chunks, expected);
}

TEST(OutputLogTest, AnEmptyLogReplaysNothingAndEmptyChunksAreNotRecorded) {
  std::string log;
  append_output_records(log, OutputStream::Stdout, "");
  EXPECT_TRUE(log.empty());
  auto chunks = replay(log);
  ASSERT_TRUE(chunks) << chunks.error();
  EXPECT_TRUE(chunks->empty());
}

TEST(OutputLogTest, AChunkOverTheRecordSizeIsSplit) {
  std::string big(kMaxOutputRecord + 10, 'x');
  std::string log;
  append_output_records(log, OutputStream::Stderr, big);
  auto chunks = replay(log, 1 << 20);
  ASSERT_TRUE(chunks) << chunks.error();
  ASSERT_EQ(chunks->size(), 2u);
  EXPECT_EQ((*chunks)[0].second.size() + (*chunks)[1].second.size(), big.size());
}

TEST(OutputLogTest, ALogCutShortOrHoldingOtherBytesIsAnError) {
  std::string log;
  append_output_records(log, OutputStream::Stdout, "hello\n");
  EXPECT_FALSE(replay(log.substr(0, log.size() - 1)));
  EXPECT_FALSE(replay(log.substr(0, 3)));
  EXPECT_FALSE(replay("x" + log.substr(1)));
  std::string zero_sized = log.substr(0, 1) + std::string(4, '\0');
  EXPECT_FALSE(replay(zero_sized));
}

}  // namespace
}  // namespace memo::exec
