#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "memo/store/remote/backend.hpp"
#include "memo/util/fd.hpp"

namespace memo::store::remote {

// An upload's bytes held until their size is known, for a protocol that wants a Content-Length
// and has no parts (turbo's PUT /v8/artifacts): up to `memory_limit` bytes stay in memory, a
// bigger artifact goes to an unnamed temp file instead, so memory stays bounded whatever its
// size. The file has no name: nothing is left behind, even when memo is killed.
class SpooledUpload {
 public:
  static std::expected<SpooledUpload, std::string> read(ArtifactSource& source,
                                                        std::size_t memory_limit);

  std::uint64_t size() const { return size_; }
  // The bytes, when they fitted in memory.
  std::optional<std::string_view> in_memory() const;
  // A source that gives the bytes from the first one; each replay starts again.
  std::unique_ptr<ArtifactSource> replay() const;

 private:
  SpooledUpload() = default;
  std::expected<void, std::string> spill(ArtifactSource& source, std::string_view more);

  std::string head_;
  util::Fd file_;
  std::uint64_t size_ = 0;
};

// `source`, held to the exact size it said: a byte more, or one fewer at its end, is an error
// that stops the upload before its last byte goes, so the server never keeps an artifact of
// the announced size that is not the whole artifact.
class ExactSizeSource final : public ArtifactSource {
 public:
  ExactSizeSource(ArtifactSource& source, std::uint64_t size) : source_(source), size_(size) {}
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override;

 private:
  ArtifactSource& source_;
  std::uint64_t size_;
  std::uint64_t given_ = 0;
};

}  // namespace memo::store::remote
