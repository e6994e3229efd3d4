#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "memo/store/remote/backend.hpp"

namespace memo::store::artifact {

using Compression = remote::ArtifactLayout::Compression;

// Compresses a stream piece by piece: what comes out of each call is appended to `out`.
class Compressor {
 public:
  virtual ~Compressor() = default;
  virtual std::expected<void, std::string> add(std::string_view bytes, std::string& out) = 0;
  // Bytes that do not compress (a sample of them did not): zstd keeps them as they are, in a
  // frame of raw blocks between compressed frames, at the cost of a copy; gzip compresses them.
  virtual std::expected<void, std::string> add_stored(std::string_view bytes, std::string& out) {
    return add(bytes, out);
  }
  // What add_stored() of `size` bytes adds besides those bytes (frame and block headers), to
  // count an artifact's size without copying them; only zstd can.
  virtual std::expected<void, std::string> add_stored_headers(std::size_t /*size*/,
                                                              std::string& /*out*/) {
    return std::unexpected(std::string("stored bytes are counted for zstd only"));
  }
  // Ends the stream: the last bytes, and the frame's end.
  virtual std::expected<void, std::string> finish(std::string& out) = 0;
};

// Whether `bytes` look incompressible: a sample of their first kIncompressibleSample bytes
// shrinks by less than 3%.
inline constexpr std::size_t kIncompressibleSample = 64 * 1024;
bool looks_incompressible(std::string_view bytes);

// Decompresses a stream piece by piece, handing out what comes in pieces of at most 128 KiB
// (a small input may stand for gigabytes). A zstd stream may be several frames one after the
// other, as the format allows; it is finished when its last frame is.
class Decompressor {
 public:
  // Takes a piece of output; an error stops the decompression with it.
  using Emit = std::function<std::expected<void, std::string>(std::string_view)>;
  virtual ~Decompressor() = default;
  virtual std::expected<void, std::string> add(std::string_view bytes, const Emit& emit) = 0;
  // Whether the compressed stream came to its proper end (a truncated one did not).
  virtual bool finished() const = 0;
};

std::unique_ptr<Compressor> make_compressor(Compression compression);
std::unique_ptr<Decompressor> make_decompressor(Compression compression);

}  // namespace memo::store::artifact
