#include "memo/store/artifact/compression.hpp"

#include <zlib.h>
#include <zstd.h>
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace memo::store::artifact {

namespace {

// zstd's default level: about as fast as the disk on one core, and ~3x smaller for JavaScript.
constexpr int kZstdLevel = 3;
constexpr std::size_t kChunk = 128 * 1024;

// The gain below which looks_incompressible() gives up.
constexpr double kWorthCompressing = 0.97;

// A zstd frame of raw blocks (RFC 8878, 3.1.1): the magic number, a frame header descriptor
// of 0 (no content size, no checksum, no dictionary) and a window of 128 KiB, the largest a
// block may be; then each block's 3-byte header (last-block bit, type 0 = raw, size) and its
// bytes as they are.
constexpr unsigned char kRawFrameHeader[] = {0x28, 0xB5, 0x2F, 0xFD, 0x00, 7 << 3};
constexpr std::size_t kRawBlock = 128 * 1024;

void append_block_header(std::string& out, std::size_t size, bool last) {
  const auto header = static_cast<std::uint32_t>((size << 3) | (last ? 1 : 0));
  out += static_cast<char>(header & 0xFF);
  out += static_cast<char>((header >> 8) & 0xFF);
  out += static_cast<char>((header >> 16) & 0xFF);
}

class ZstdCompressor : public Compressor {
 public:
  ZstdCompressor() : stream_(ZSTD_createCStream()) {
    ZSTD_CCtx_setParameter(stream_, ZSTD_c_compressionLevel, kZstdLevel);
    ZSTD_CCtx_setParameter(stream_, ZSTD_c_checksumFlag, 1);
  }
  ~ZstdCompressor() override { ZSTD_freeCStream(stream_); }

  std::expected<void, std::string> add(std::string_view bytes, std::string& out) override {
    if (bytes.empty()) return {};
    end_raw_frame(out);
    compressing_ = true;
    ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
    while (input.pos < input.size) {
      if (auto pushed = push(input, ZSTD_e_continue, out); !pushed) {
        return std::unexpected(pushed.error());
      }
    }
    return {};
  }

  std::expected<void, std::string> add_stored(std::string_view bytes, std::string& out) override {
    return store(bytes.size(), &bytes, out);
  }

  std::expected<void, std::string> add_stored_headers(std::size_t size, std::string& out) override {
    return store(size, nullptr, out);
  }

  std::expected<void, std::string> finish(std::string& out) override {
    end_raw_frame(out);
    // A stream with no frame yet still ends as one: an empty compressed frame.
    if (!compressing_ && !wrote_frame_) compressing_ = true;
    return end_compressed_frame(out);
  }

 private:
  // Raw blocks of `size` bytes: `bytes` when given, else only their headers.
  std::expected<void, std::string> store(std::size_t size, const std::string_view* bytes,
                                         std::string& out) {
    if (size == 0) return {};
    if (auto ended = end_compressed_frame(out); !ended) return ended;
    if (!raw_frame_open_) {
      out.append(reinterpret_cast<const char*>(kRawFrameHeader), sizeof kRawFrameHeader);
      raw_frame_open_ = true;
    }
    for (std::size_t at = 0; at < size; at += kRawBlock) {
      const std::size_t block = std::min(kRawBlock, size - at);
      append_block_header(out, block, false);
      if (bytes) out.append(bytes->substr(at, block));
    }
    return {};
  }

  // A raw frame ends with an empty last block, as zstd ends an empty frame.
  void end_raw_frame(std::string& out) {
    if (!raw_frame_open_) return;
    append_block_header(out, 0, true);
    raw_frame_open_ = false;
    wrote_frame_ = true;
  }

  std::expected<void, std::string> end_compressed_frame(std::string& out) {
    if (!compressing_) return {};
    ZSTD_inBuffer input{nullptr, 0, 0};
    while (true) {
      auto left = push(input, ZSTD_e_end, out);
      if (!left) return std::unexpected(left.error());
      if (*left == 0) break;
    }
    compressing_ = false;
    wrote_frame_ = true;
    return {};
  }

  std::expected<std::size_t, std::string> push(ZSTD_inBuffer& input, ZSTD_EndDirective mode,
                                               std::string& out) {
    const std::size_t start = out.size();
    out.resize(start + kChunk);
    ZSTD_outBuffer output{out.data() + start, kChunk, 0};
    std::size_t left = ZSTD_compressStream2(stream_, &output, &input, mode);
    out.resize(start + output.pos);
    if (ZSTD_isError(left)) return std::unexpected(std::string("zstd: ") + ZSTD_getErrorName(left));
    return left;
  }

  ZSTD_CStream* stream_;
  bool compressing_ = false;     // a compressed frame has begun and not ended
  bool raw_frame_open_ = false;  // a raw frame has begun and not ended
  bool wrote_frame_ = false;     // some frame has ended
};

// Reads the frames one after the other. A raw frame as ZstdCompressor writes them (its exact
// header) is read here, handing out each block's bytes straight from the input; any other
// frame goes through libzstd, which copies the bytes twice on the way.
class ZstdDecompressor : public Decompressor {
 public:
  ZstdDecompressor() : stream_(ZSTD_createDStream()) {
    // A frame may not ask for more than 128 MiB of window: a hostile one cannot exhaust memory.
    ZSTD_DCtx_setParameter(stream_, ZSTD_d_windowLogMax, 27);
  }
  ~ZstdDecompressor() override { ZSTD_freeDStream(stream_); }

  std::expected<void, std::string> add(std::string_view bytes, const Emit& emit) override {
    while (!bytes.empty()) {
      std::expected<void, std::string> step;
      switch (phase_) {
        case Phase::FrameStart:
          step = start_frame(bytes, emit);
          break;
        case Phase::RawBlockHeader:
          step = raw_block_header(bytes);
          break;
        case Phase::RawBlockBytes:
          step = raw_block_bytes(bytes, emit);
          break;
        case Phase::Zstd:
          step = through_zstd(bytes, emit);
          break;
      }
      if (!step) return step;
    }
    return {};
  }

  bool finished() const override {
    return frames_ > 0 && phase_ == Phase::FrameStart && head_size_ == 0;
  }

 private:
  enum class Phase { FrameStart, RawBlockHeader, RawBlockBytes, Zstd };

  // Takes bytes into head_ until it holds `size`; whether it does.
  bool gather(std::string_view& bytes, std::size_t size) {
    const std::size_t take = std::min(size - head_size_, bytes.size());
    std::memcpy(head_ + head_size_, bytes.data(), take);
    head_size_ += take;
    bytes.remove_prefix(take);
    return head_size_ == size;
  }

  std::expected<void, std::string> start_frame(std::string_view& bytes, const Emit& emit) {
    if (!gather(bytes, sizeof kRawFrameHeader)) return {};
    head_size_ = 0;
    if (std::memcmp(head_, kRawFrameHeader, sizeof kRawFrameHeader) == 0) {
      phase_ = Phase::RawBlockHeader;
      return {};
    }
    // Another frame: libzstd reads it from its start, the bytes gathered first.
    phase_ = Phase::Zstd;
    std::string_view gathered(head_, sizeof kRawFrameHeader);
    return through_zstd(gathered, emit);
  }

  std::expected<void, std::string> raw_block_header(std::string_view& bytes) {
    if (!gather(bytes, 3)) return {};
    head_size_ = 0;
    const auto b = [this](int i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(head_[i]));
    };
    const std::uint32_t header = b(0) | (b(1) << 8) | (b(2) << 16);
    const std::uint32_t type = (header >> 1) & 3;
    raw_left_ = header >> 3;
    last_block_ = (header & 1) != 0;
    // Only raw blocks here (type 0), no bigger than the frame's window.
    if (type != 0 || raw_left_ > kRawBlock) {
      return std::unexpected(std::string("bad zstd data: a block that is not raw in a raw frame"));
    }
    phase_ = Phase::RawBlockBytes;
    if (raw_left_ == 0) end_raw_block();
    return {};
  }

  std::expected<void, std::string> raw_block_bytes(std::string_view& bytes, const Emit& emit) {
    const std::size_t take = std::min<std::size_t>(raw_left_, bytes.size());
    if (auto taken = emit(bytes.substr(0, take)); !taken) return taken;
    bytes.remove_prefix(take);
    raw_left_ -= take;
    if (raw_left_ == 0) end_raw_block();
    return {};
  }

  void end_raw_block() {
    if (last_block_) {
      ++frames_;
      phase_ = Phase::FrameStart;
    } else {
      phase_ = Phase::RawBlockHeader;
    }
  }

  // Through libzstd up to the end of its frame, or of `bytes`.
  std::expected<void, std::string> through_zstd(std::string_view& bytes, const Emit& emit) {
    ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
    bool more_output = true;
    while (input.pos < input.size || more_output) {
      ZSTD_outBuffer output{buffer_, kChunk, 0};
      std::size_t hint = ZSTD_decompressStream(stream_, &output, &input);
      if (ZSTD_isError(hint)) {
        return std::unexpected(std::string("bad zstd data: ") + ZSTD_getErrorName(hint));
      }
      more_output = output.pos == kChunk;
      if (output.pos > 0) {
        if (auto taken = emit({buffer_, output.pos}); !taken) return taken;
      }
      if (hint == 0 && !more_output) {  // the frame ended: what follows is the next one
        ++frames_;
        phase_ = Phase::FrameStart;
        break;
      }
    }
    bytes.remove_prefix(input.pos);
    return {};
  }

  ZSTD_DStream* stream_;
  char buffer_[kChunk];
  Phase phase_ = Phase::FrameStart;
  char head_[sizeof kRawFrameHeader];  // a frame or block header split between two inputs
  std::size_t head_size_ = 0;
  std::uint32_t raw_left_ = 0;  // bytes of the raw block still to come
  bool last_block_ = false;
  std::uint64_t frames_ = 0;  // frames read to their end
};

class GzipCompressor : public Compressor {
 public:
  GzipCompressor() {
    // windowBits 15 + 16: a gzip wrapper, as npm tarballs have.
    deflateInit2(&stream_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  }
  ~GzipCompressor() override { deflateEnd(&stream_); }

  std::expected<void, std::string> add(std::string_view bytes, std::string& out) override {
    return run(bytes, Z_NO_FLUSH, out);
  }
  std::expected<void, std::string> finish(std::string& out) override {
    return run({}, Z_FINISH, out);
  }

 private:
  std::expected<void, std::string> run(std::string_view bytes, int flush, std::string& out) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream_.avail_in = static_cast<uInt>(bytes.size());
    while (true) {
      const std::size_t start = out.size();
      out.resize(start + kChunk);
      stream_.next_out = reinterpret_cast<Bytef*>(out.data() + start);
      stream_.avail_out = kChunk;
      int result = deflate(&stream_, flush);
      out.resize(start + kChunk - stream_.avail_out);
      if (result == Z_STREAM_ERROR) return std::unexpected("gzip: deflate failed");
      if (flush == Z_FINISH ? result == Z_STREAM_END
                            : stream_.avail_in == 0 && stream_.avail_out != 0)
        return {};
    }
  }

  z_stream stream_{};
};

class GzipDecompressor : public Decompressor {
 public:
  GzipDecompressor() { inflateInit2(&stream_, 15 + 16); }
  ~GzipDecompressor() override { inflateEnd(&stream_); }

  std::expected<void, std::string> add(std::string_view bytes, const Emit& emit) override {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream_.avail_in = static_cast<uInt>(bytes.size());
    while (stream_.avail_in > 0 || more_output_) {
      if (done_) return std::unexpected("bytes after the end of the gzip stream");
      stream_.next_out = reinterpret_cast<Bytef*>(buffer_);
      stream_.avail_out = kChunk;
      int result = inflate(&stream_, Z_NO_FLUSH);
      if (result != Z_OK && result != Z_STREAM_END && result != Z_BUF_ERROR) {
        return std::unexpected("bad gzip data");
      }
      const std::size_t produced = kChunk - stream_.avail_out;
      more_output_ = stream_.avail_out == 0;
      if (produced > 0) {
        if (auto taken = emit({buffer_, produced}); !taken) return taken;
      }
      if (result == Z_STREAM_END) {
        done_ = true;
        if (stream_.avail_in > 0) return std::unexpected("bytes after the end of the gzip stream");
        break;
      }
      if (result == Z_BUF_ERROR && !more_output_) break;
    }
    return {};
  }

  bool finished() const override { return done_; }

 private:
  z_stream stream_{};
  char buffer_[kChunk];
  bool more_output_ = false;
  bool done_ = false;
};

}  // namespace

bool looks_incompressible(std::string_view bytes) {
  // One context and buffer per thread, kept: this runs for every megabyte of a big upload.
  struct Sampler {
    ZSTD_CCtx* context = ZSTD_createCCtx();
    std::string out = std::string(ZSTD_compressBound(kIncompressibleSample), '\0');
    ~Sampler() { ZSTD_freeCCtx(context); }
  };
  thread_local Sampler sampler;
  std::string_view sample = bytes.substr(0, kIncompressibleSample);
  std::size_t size = ZSTD_compressCCtx(sampler.context, sampler.out.data(), sampler.out.size(),
                                       sample.data(), sample.size(), 1);
  return !ZSTD_isError(size) && static_cast<double>(size) >= kWorthCompressing * sample.size();
}

std::unique_ptr<Compressor> make_compressor(Compression compression) {
  if (compression == Compression::Gzip) return std::make_unique<GzipCompressor>();
  return std::make_unique<ZstdCompressor>();
}

std::unique_ptr<Decompressor> make_decompressor(Compression compression) {
  if (compression == Compression::Gzip) return std::make_unique<GzipDecompressor>();
  return std::make_unique<ZstdDecompressor>();
}

}  // namespace memo::store::artifact
