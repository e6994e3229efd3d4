#pragma once

#include <expected>
#include <optional>
#include <string>

namespace memo::store::remote {

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // Where they came from, for messages ("AWS_ACCESS_KEY_ID", "profile \"ci\" in <file>").
  std::string origin;
};

// What cacheStorageConfig.options say about credentials (each nothing when not set).
struct GivenCredentials {
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> session_token;
  std::optional<std::string> profile;
};

// The profile to read: the option, else AWS_PROFILE, else "default"; `chosen` says whether
// one was named (then it must exist).
struct AwsProfileChoice {
  std::string name;
  bool chosen = false;
  std::string origin;  // "cacheStorageConfig.options.profile", "AWS_PROFILE"
};
AwsProfileChoice choose_aws_profile(const std::optional<std::string>& option);

// AWS's order: the options' keys, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, else the profile's keys in the credentials file, then in the config file.
// The error names what is missing and where to put it; it never holds a secret.
std::expected<S3Credentials, std::string> find_aws_credentials(const GivenCredentials& given);

// The profile's "region" in AWS's config file, when it has one.
std::expected<std::optional<std::string>, std::string> aws_profile_region(
    const AwsProfileChoice& profile);

}  // namespace memo::store::remote
