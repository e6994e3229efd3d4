#include "memo/util/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace memo::util {

namespace {

// The two algorithms, fetched once: OpenSSL 3 would otherwise look them up at every digest.
// Its config file is not read: memo needs nothing from it, and reading it costs every run.
struct Algorithms {
  EVP_MD* sha1;
  EVP_MD* sha256;
  EVP_MD* sha512;
  Algorithms() {
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
    sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  }
};

const EVP_MD* algorithm_md(Hasher::Algorithm algorithm) {
  static const Algorithms fetched;
  switch (algorithm) {
    case Hasher::Algorithm::Sha1:
      return fetched.sha1;
    case Hasher::Algorithm::Sha512:
      return fetched.sha512;
    case Hasher::Algorithm::Sha256:
      break;
  }
  return fetched.sha256;
}

}  // namespace

Hasher::Hasher(Algorithm algorithm) : context_(EVP_MD_CTX_new()) {
  auto* ctx = static_cast<EVP_MD_CTX*>(context_);
  const EVP_MD* md = algorithm_md(algorithm);
  if (!ctx || EVP_DigestInit_ex(ctx, md, nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not start a digest");
  }
}

Hasher::~Hasher() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_));
}

void Hasher::update(std::string_view bytes) {
  update(bytes.data(), bytes.size());
}

void Hasher::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data, size);
}

std::string Hasher::hex_digest() {
  std::string bytes = digest();
  return to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string Hasher::digest() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string sha256_hex(std::string_view bytes) {
  Hasher hasher(Hasher::Algorithm::Sha256);
  hasher.update(bytes);
  return hasher.hex_digest();
}

std::string sha1_hex(std::string_view bytes) {
  Hasher hasher(Hasher::Algorithm::Sha1);
  hasher.update(bytes);
  return hasher.hex_digest();
}

std::string git_blob_id(std::string_view bytes) {
  Hasher hasher(Hasher::Algorithm::Sha1);
  std::string header = "blob " + std::to_string(bytes.size());
  hasher.update(header.data(), header.size() + 1);  // includes the terminating NUL
  hasher.update(bytes);
  return hasher.hex_digest();
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const auto* md = algorithm_md(Hasher::Algorithm::Sha256);
  if (!HMAC(md, key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &size)) {
    throw std::runtime_error("OpenSSL could not compute an HMAC");
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[data[i] >> 4];
    hex[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return hex;
}

bool is_hex_digest(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace memo::util
