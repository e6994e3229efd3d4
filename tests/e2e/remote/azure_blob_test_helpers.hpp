#pragma once

// Artifacts for the azure-blob tests: sinks and sources over strings, made-up bytes, keys no
// other test uses, and environment variables set for one test.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <string>

#include "memo/store/remote/backend.hpp"
#include "memo/util/digest.hpp"

namespace memo::store::remote {

// A key no other test uses.
inline std::string fresh_key() {
  static std::atomic<int> counter{0};
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return util::sha256_hex(std::string(test->name()) + "/" + std::to_string(::getpid()) + "/" +
                          std::to_string(counter++));
}

inline ArtifactId id_of(const std::string& key) {
  return {key, "@scope/app", "tsc -b"};
}

class StringSink final : public ArtifactSink {
 public:
  bool expect(std::optional<std::uint64_t> size) override {
    expected = size;
    return true;
  }
  bool write(std::string_view part) override {
    bytes.append(part);
    return true;
  }
  std::optional<std::uint64_t> expected;
  std::string bytes;
};

// Hashes what arrives instead of keeping it: a 200 MB download needs no 200 MB.
class HashingSink final : public ArtifactSink {
 public:
  bool expect(std::optional<std::uint64_t>) override { return true; }
  bool write(std::string_view part) override {
    hasher_.update(part);
    size += part.size();
    return true;
  }
  std::string digest() { return hasher_.hex_digest(); }
  std::uint64_t size = 0;

 private:
  util::Hasher hasher_{util::Hasher::Algorithm::Sha256};
};

class RefusingSink final : public ArtifactSink {
 public:
  bool expect(std::optional<std::uint64_t>) override { return true; }
  bool write(std::string_view) override { return false; }
};

// Gives `bytes` in reads of at most `chunk`.
class StringSource final : public ArtifactSource {
 public:
  explicit StringSource(std::string bytes, std::size_t chunk = 64 * 1024)
      : bytes_(std::move(bytes)), chunk_(chunk) {}
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    const std::size_t n = std::min({buffer.size(), chunk_, bytes_.size() - offset_});
    std::copy_n(bytes_.data() + offset_, n, buffer.data());
    offset_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t chunk_;
  std::size_t offset_ = 0;
};

// `size` pseudo-random bytes made as they are read, hashed on the way.
class RandomSource final : public ArtifactSource {
 public:
  RandomSource(std::uint64_t size, std::uint64_t seed) : left_(size), state_(seed | 1) {}
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    const std::size_t n = std::min<std::uint64_t>({buffer.size(), left_, 256 * 1024});
    for (std::size_t i = 0; i < n; ++i) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      buffer[i] = static_cast<char>(state_ >> 24);
    }
    hasher_.update(buffer.data(), n);
    left_ -= n;
    return n;
  }
  std::string digest() { return hasher_.hex_digest(); }

 private:
  std::uint64_t left_;
  std::uint64_t state_;
  util::Hasher hasher_{util::Hasher::Algorithm::Sha256};
};

inline std::string random_bytes(std::size_t size, std::uint64_t seed) {
  RandomSource source(size, seed);
  std::string bytes(size, '\0');
  std::size_t filled = 0;
  while (filled < size) filled += *source.read({bytes.data() + filled, size - filled});
  return bytes;
}

// Gives `good` bytes, then fails.
class FailingSource final : public ArtifactSource {
 public:
  explicit FailingSource(std::size_t good) : left_(good) {}
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    if (left_ == 0) return std::unexpected("the archive could not be read");
    const std::size_t n = std::min(buffer.size(), left_);
    std::fill_n(buffer.data(), n, 'x');
    left_ -= n;
    return n;
  }

 private:
  std::size_t left_;
};

// Variables to set, or (nothing) to unset.
using EnvValues = std::map<std::string, std::optional<std::string>>;

// Sets (or, for nothing, unsets) variables of this process until it dies, then puts back what
// was there.
class ScopedEnv {
 public:
  explicit ScopedEnv(const EnvValues& values) {
    for (const auto& [name, value] : values) {
      const char* old = ::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// Every variable the Azure AD credentials read, unset: a test sets only what it means to.
inline EnvValues without_azure_identity() {
  EnvValues values;
  for (const char* name :
       {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
        "AZURE_POD_IDENTITY_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
        "AZURE_IDENTITY_CREDENTIAL_NAME"}) {
    values[name] = std::nullopt;
  }
  return values;
}

}  // namespace memo::store::remote
