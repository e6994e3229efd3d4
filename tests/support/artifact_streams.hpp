#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include "memo/store/remote/backend.hpp"
#include "memo/util/digest.hpp"

namespace memo::testing {

// An artifact's bytes kept in memory as they arrive, with what the server announced.
struct StringSink : store::remote::ArtifactSink {
  bool expect_called = false;
  std::optional<std::uint64_t> announced;
  std::string bytes;
  bool refuse = false;  // expect() says no
  bool expect(std::optional<std::uint64_t> size) override {
    expect_called = true;
    announced = size;
    return !refuse;
  }
  bool write(std::string_view data) override {
    bytes += data;
    return true;
  }
};

// Keeps only the SHA-256 and the size of what arrives: for artifacts too big to hold.
struct HashingSink : store::remote::ArtifactSink {
  util::Hasher hasher{util::Hasher::Algorithm::Sha256};
  std::uint64_t size = 0;
  bool expect(std::optional<std::uint64_t>) override { return true; }
  bool write(std::string_view data) override {
    hasher.update(data);
    size += data.size();
    return true;
  }
};

// Gives `bytes` in pieces of changing sizes, as a compressor would; fails at `fail_at` bytes
// when it is set.
struct StringSource : store::remote::ArtifactSource {
  explicit StringSource(std::string_view data) : bytes(data) {}
  std::string_view bytes;
  std::size_t offset = 0;
  std::optional<std::size_t> fail_at;
  std::minstd_rand piece_sizes{7};
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    if (fail_at && offset >= *fail_at) return std::unexpected("the packer failed");
    std::size_t piece = std::min<std::size_t>(buffer.size(), 1 + piece_sizes() % (256 * 1024));
    std::size_t count = std::min(piece, bytes.size() - offset);
    bytes.copy(buffer.data(), count, offset);
    offset += count;
    return count;
  }
};

// `size` pseudo-random bytes made as they are read, never held: the same seed gives the same
// bytes, and `digest` is the SHA-256 of everything it gave.
struct GeneratedSource : store::remote::ArtifactSource {
  GeneratedSource(std::uint64_t total, std::uint64_t seed) : size(total), random(seed) {}
  std::uint64_t size;
  std::uint64_t given = 0;
  std::mt19937_64 random;
  util::Hasher hasher{util::Hasher::Algorithm::Sha256};
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    std::size_t count =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - given));
    for (std::size_t i = 0; i < count; ++i) buffer[i] = static_cast<char>(random());
    hasher.update(buffer.data(), count);
    given += count;
    return count;
  }
};

// `size` random bytes.
inline std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random());
  return bytes;
}

// The id of the artifact of `package`'s "tsc -b" under `key`.
inline store::remote::ArtifactId id_of(const std::string& key, const std::string& package = "app") {
  return store::remote::ArtifactId{key, package, "tsc -b"};
}

// A key no earlier run or test used: 64 hex digits.
inline std::string fresh_key(std::string_view label) {
  static std::random_device device;
  return util::sha256_hex(std::string(label) + std::to_string(device()) + std::to_string(device()));
}

}  // namespace memo::testing
