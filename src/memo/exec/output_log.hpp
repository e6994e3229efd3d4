#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <string_view>

namespace memo::exec {

enum class OutputStream { Stdout, Stderr };

// A command's output as it streamed, kept so a hit can replay it: a series of records, one per
// chunk read from the command's stdout or stderr, in the order they came, so a replay
// interleaves the two streams as the run did. A record is one byte naming its stream ('o' or
// 'e'), the chunk's length as 4 bytes big-endian, then the chunk.
inline constexpr std::uint32_t kMaxOutputRecord = 1 << 20;

// Appends the records for `bytes` to `log` (several when it is longer than one may be).
void append_output_records(std::string& log, OutputStream stream, std::string_view bytes);

// Reads the records from `read` (which fills a buffer and gives the bytes read, 0 at the end,
// or an error) and hands each chunk to `chunk`, in order. A log cut short or holding anything
// but records is an error, found before the chunk it would have spoiled is handed on.
using ReadBytes = std::function<std::expected<std::size_t, std::string>(char*, std::size_t)>;
using OutputChunk = std::function<void(OutputStream, std::string_view)>;
std::expected<void, std::string> replay_output_records(const ReadBytes& read,
                                                       const OutputChunk& chunk);

}  // namespace memo::exec
