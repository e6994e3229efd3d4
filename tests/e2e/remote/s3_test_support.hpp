#pragma once

// What the s3 backend's tests share: artifacts' sources and sinks, environment variables set for
// one test, and settings for a backend on the test's Swift server.
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "memo/store/remote/backends.hpp"
#include "memo/util/digest.hpp"
#include "support/swift_server.hpp"

namespace memo::testing {

namespace remote = memo::store::remote;

// Gives `bytes` in reads of at most `chunk` bytes (a source may give fewer than asked).
class S3StringSource : public remote::ArtifactSource {
 public:
  explicit S3StringSource(std::string bytes, std::size_t chunk = 64 * 1024)
      : bytes_(std::move(bytes)), chunk_(chunk) {}
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    std::size_t n = std::min({buffer.size(), chunk_, bytes_.size() - at_});
    bytes_.copy(buffer.data(), n, at_);
    at_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t chunk_;
  std::size_t at_ = 0;
};

// `size` pseudo-random bytes made as they are read (nothing held), with their SHA-256; fails
// with `failure` once `fail_at` bytes were given, when set.
class S3GeneratedSource : public remote::ArtifactSource {
 public:
  explicit S3GeneratedSource(std::uint64_t size, std::optional<std::uint64_t> fail_at = {})
      : size_(size), fail_at_(fail_at), hasher_(util::Hasher::Algorithm::Sha256) {}
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    if (fail_at_ && given_ >= *fail_at_) return std::unexpected("the sentinel source failed");
    std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size_ - given_));
    for (std::size_t i = 0; i < n; ++i) buffer[i] = static_cast<char>(random_() >> 24);
    hasher_.update(buffer.data(), n);
    given_ += n;
    return n;
  }
  std::string sha256() { return hasher_.hex_digest(); }

 private:
  std::uint64_t size_;
  std::optional<std::uint64_t> fail_at_;
  std::uint64_t given_ = 0;
  std::minstd_rand random_{42};
  util::Hasher hasher_;
};

// Keeps what it is given, or only its SHA-256 for big artifacts.
class S3StringSink : public remote::ArtifactSink {
 public:
  explicit S3StringSink(bool keep = true) : keep_(keep), hasher_(util::Hasher::Algorithm::Sha256) {}
  bool expect(std::optional<std::uint64_t> announced) override {
    expected = announced;
    expected_called = true;
    return true;
  }
  bool write(std::string_view given) override {
    if (keep_) bytes.append(given);
    hasher_.update(given);
    size += given.size();
    return true;
  }
  std::string sha256() { return hasher_.hex_digest(); }

  std::string bytes;
  std::uint64_t size = 0;
  std::optional<std::uint64_t> expected;
  bool expected_called = false;

 private:
  bool keep_;
  util::Hasher hasher_;
};

inline std::string s3_random_bytes(std::size_t size, unsigned seed) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    std::uint64_t word = random();
    for (std::size_t j = 0; j < 8 && i + j < size; ++j)
      bytes[i + j] = static_cast<char>(word >> (8 * j));
  }
  return bytes;
}

// A key as memo makes them: 64 hex digits.
inline std::string artifact_key(const std::string& seed) {
  return util::sha256_hex(seed);
}

// Environment variables set (or, with nothing, unset) for as long as the object lives.
class S3ScopedEnv {
 public:
  explicit S3ScopedEnv(const std::map<std::string, std::optional<std::string>>& values) {
    for (const auto& [name, value] : values) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ~S3ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        ::unsetenv(it->first.c_str());
      }
    }
  }
  S3ScopedEnv(const S3ScopedEnv&) = delete;
  S3ScopedEnv& operator=(const S3ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Every variable the backend reads, unset: a test sees only what it sets itself.
inline std::map<std::string, std::optional<std::string>> no_aws_environment() {
  std::map<std::string, std::optional<std::string>> cleared;
  for (const char* name :
       {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"}) {
    cleared[name] = std::nullopt;
  }
  return cleared;
}

// Options for a backend on the shared Swift server, as `user`.
inline nlohmann::json swift_options(const std::string& bucket,
                                    const S3User& user = SwiftServer::admin()) {
  return {{"bucket", bucket},
          {"endpoint", SwiftServer::shared().endpoint()},
          {"region", SwiftServer::region()},
          {"accessKeyId", user.access_key},
          {"secretAccessKey", user.secret_key}};
}

inline remote::MadeBackend make_s3(const nlohmann::json& options,
                                   const std::filesystem::path& repo_root = {}) {
  remote::BackendSettings settings;
  settings.provider = "s3";
  settings.options = options;
  settings.repo_root = repo_root;
  return remote::make_backend(settings);
}

}  // namespace memo::testing
