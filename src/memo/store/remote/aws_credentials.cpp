#include "memo/store/remote/aws_credentials.hpp"

#include "memo/store/remote/aws_shared_files.hpp"
#include "memo/store/remote/backends.hpp"
#include "memo/util/environment.hpp"

namespace memo::store::remote {

namespace {

std::expected<S3Credentials, std::string> from_options(const GivenCredentials& given) {
  if (!given.secret_access_key) {
    return std::unexpected(kOptions +
                           "secretAccessKey: missing; accessKeyId needs its secret key (or leave "
                           "both out to use AWS_ACCESS_KEY_ID or a profile)");
  }
  if (!given.access_key_id) {
    return std::unexpected(kOptions +
                           "accessKeyId: missing; secretAccessKey needs the access key it "
                           "belongs to");
  }
  return S3Credentials{*given.access_key_id, *given.secret_access_key,
                       given.session_token.value_or(""), kOptions + "accessKeyId"};
}

std::expected<std::optional<S3Credentials>, std::string> from_environment() {
  auto access = util::nonempty_env_value("AWS_ACCESS_KEY_ID");
  auto secret = util::nonempty_env_value("AWS_SECRET_ACCESS_KEY");
  if (!access && !secret) return std::nullopt;
  if (!secret) {
    return std::unexpected(
        "AWS_SECRET_ACCESS_KEY: not set; AWS_ACCESS_KEY_ID needs its secret key beside it");
  }
  if (!access) {
    return std::unexpected(
        "AWS_ACCESS_KEY_ID: not set; AWS_SECRET_ACCESS_KEY needs the access key it belongs to");
  }
  return S3Credentials{*access, *secret, util::nonempty_env_value("AWS_SESSION_TOKEN").value_or(""),
                       "AWS_ACCESS_KEY_ID"};
}

std::string profile_value(const AwsProfile& profile, const char* key) {
  auto found = profile.find(key);
  return found == profile.end() ? "" : found->second;
}

// The keys a profile section holds, or why it holds none memo can use.
std::expected<S3Credentials, std::string> from_profile_section(const AwsProfile& section,
                                                               const std::string& where) {
  S3Credentials credentials{profile_value(section, "aws_access_key_id"),
                            profile_value(section, "aws_secret_access_key"),
                            profile_value(section, "aws_session_token"), where};
  if (credentials.access_key_id.empty()) {
    return std::unexpected(where +
                           ": has no aws_access_key_id; memo reads keys written in the file, not "
                           "role_arn, sso or credential_process (export them with `aws configure "
                           "export-credentials --format env`)");
  }
  if (credentials.secret_access_key.empty()) {
    return std::unexpected(where + ": has aws_access_key_id but no aws_secret_access_key");
  }
  return credentials;
}

std::expected<std::optional<S3Credentials>, std::string> from_profile(
    const AwsProfileChoice& profile) {
  const auto credentials_file = aws_credentials_file();
  const auto config_file = aws_config_file();
  for (auto [file, kind] : {std::pair{credentials_file, AwsFileKind::Credentials},
                            std::pair{config_file, AwsFileKind::Config}}) {
    auto section = read_aws_profile(file, kind, profile.name);
    if (!section) return std::unexpected(section.error());
    if (!*section) continue;
    // A config section with only a region leaves the keys to another source.
    if (kind == AwsFileKind::Config && !(*section)->count("aws_access_key_id")) continue;
    auto found =
        from_profile_section(**section, "profile \"" + profile.name + "\" in " + file.string());
    if (!found) return std::unexpected(found.error());
    return *found;
  }
  if (profile.chosen) {
    return std::unexpected("profile \"" + profile.name + "\" (from " + profile.origin +
                           "): has no keys in " + credentials_file.string() + " or " +
                           config_file.string());
  }
  return std::nullopt;
}

}  // namespace

AwsProfileChoice choose_aws_profile(const std::optional<std::string>& option) {
  if (option) return {*option, true, kOptions + "profile"};
  if (auto named = util::nonempty_env_value("AWS_PROFILE")) return {*named, true, "AWS_PROFILE"};
  return {"default", false, ""};
}

std::expected<S3Credentials, std::string> find_aws_credentials(const GivenCredentials& given) {
  if (given.access_key_id || given.secret_access_key) return from_options(given);
  if (given.session_token) {
    return std::unexpected(kOptions +
                           "sessionToken: set without accessKeyId and secretAccessKey; a session "
                           "token goes with the temporary keys it was issued with");
  }
  auto environment = from_environment();
  if (!environment) return std::unexpected(environment.error());
  if (*environment) return **environment;
  auto profile = from_profile(choose_aws_profile(given.profile));
  if (!profile) return std::unexpected(profile.error());
  if (*profile) return **profile;
  return std::unexpected(
      "no AWS credentials for the s3 cache: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
      "cacheStorageConfig.options.accessKeyId and secretAccessKey, or write them in " +
      aws_credentials_file().string());
}

std::expected<std::optional<std::string>, std::string> aws_profile_region(
    const AwsProfileChoice& profile) {
  auto section = read_aws_profile(aws_config_file(), AwsFileKind::Config, profile.name);
  if (!section) return std::unexpected(section.error());
  if (!*section) return std::nullopt;
  auto region = profile_value(**section, "region");
  if (region.empty()) return std::nullopt;
  return region;
}

}  // namespace memo::store::remote
