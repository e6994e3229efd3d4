#pragma once

#include <expected>
#include <string>

#include "memo/store/remote/aws_credentials.hpp"
#include "memo/store/remote/backends.hpp"
#include "memo/store/remote/http_client.hpp"
#include "memo/store/remote/s3_object_name.hpp"

namespace memo::store::remote {

// Everything the s3 backend needs, resolved from cacheStorageConfig.options, the environment,
// AWS's shared files and mila.json (see docs/remote/s3.md for the order).
struct S3Settings {
  std::string bucket;
  std::string region;
  // An S3-compatible store's base URL ("http://127.0.0.1:9000"): objects are then addressed
  // path-style, <endpoint>/<bucket>/<object>. Empty for AWS itself (virtual-hosted).
  std::string endpoint;
  S3ObjectNamer namer;
  S3Credentials credentials;
  HttpTimeouts timeouts;
};

// The settings, or the one-line error naming the option (or variable, or file) and the fix.
std::expected<S3Settings, std::string> read_s3_settings(const BackendSettings& settings);

}  // namespace memo::store::remote
