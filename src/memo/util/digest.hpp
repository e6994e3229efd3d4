#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace memo::util {

// Streaming SHA-1 / SHA-256 / SHA-512 over OpenSSL's EVP interface. SHA-1 exists only for git
// blob ids (so a file's digest equals what git's index holds) and npm's shasum, SHA-512 for
// npm's integrity; everything memo names itself uses SHA-256.
class Hasher {
 public:
  enum class Algorithm { Sha1, Sha256, Sha512 };
  explicit Hasher(Algorithm algorithm);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(std::string_view bytes);
  void update(const void* data, std::size_t size);
  // Lowercase hex of the digest; the hasher cannot be updated afterwards.
  std::string hex_digest();
  // The digest's raw bytes (for base64 forms such as npm's "sha512-…"); the same one-time rule.
  std::string digest();

 private:
  void* context_;
};

std::string sha256_hex(std::string_view bytes);
std::string sha1_hex(std::string_view bytes);

// git's blob id: SHA-1 of "blob <size>\0" followed by the bytes.
std::string git_blob_id(std::string_view bytes);

// HMAC-SHA256 of `message` under `key`: the 32 raw bytes (Azure's Shared Key and SAS signatures).
std::string hmac_sha256(std::string_view key, std::string_view message);

std::string to_hex(const unsigned char* data, std::size_t size);
bool is_hex_digest(std::string_view text, std::size_t length);

}  // namespace memo::util
