#include "memo/exec/output_log.hpp"

#include <algorithm>
#include <vector>

namespace memo::exec {

namespace {

constexpr std::size_t kHeaderSize = 5;

// Reads exactly `size` bytes; false at a clean end before the first byte.
std::expected<bool, std::string> read_exactly(const ReadBytes& read, char* into, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    auto n = read(into + got, size - got);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) {
      if (got == 0) return false;
      return std::unexpected(std::string("the output log is cut short"));
    }
    got += *n;
  }
  return true;
}

}  // namespace

void append_output_records(std::string& log, OutputStream stream, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto size =
        static_cast<std::uint32_t>(std::min<std::size_t>(bytes.size(), kMaxOutputRecord));
    log += stream == OutputStream::Stdout ? 'o' : 'e';
    for (int shift = 24; shift >= 0; shift -= 8) log += static_cast<char>((size >> shift) & 0xff);
    log.append(bytes.substr(0, size));
    bytes.remove_prefix(size);
  }
}

std::expected<void, std::string> replay_output_records(const ReadBytes& read,
                                                       const OutputChunk& chunk) {
  std::vector<char> buffer;
  for (;;) {
    char header[kHeaderSize];
    auto more = read_exactly(read, header, kHeaderSize);
    if (!more) return std::unexpected(more.error());
    if (!*more) return {};
    if (header[0] != 'o' && header[0] != 'e') {
      return std::unexpected(std::string("the output log holds something else than records"));
    }
    std::uint32_t size = 0;
    for (std::size_t i = 1; i < kHeaderSize; ++i) {
      size = (size << 8) | static_cast<unsigned char>(header[i]);
    }
    if (size == 0 || size > kMaxOutputRecord) {
      return std::unexpected(std::string("the output log holds a record of a wrong size"));
    }
    buffer.resize(size);
    auto read_chunk = read_exactly(read, buffer.data(), size);
    if (!read_chunk) return std::unexpected(read_chunk.error());
    if (!*read_chunk) return std::unexpected(std::string("the output log is cut short"));
    chunk(header[0] == 'o' ? OutputStream::Stdout : OutputStream::Stderr, {buffer.data(), size});
  }
}

}  // namespace memo::exec
