#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace memo::store::remote {

// AWS's shared files, the way its CLI and SDKs find them: ~/.aws/credentials (or
// AWS_SHARED_CREDENTIALS_FILE) and ~/.aws/config (or AWS_CONFIG_FILE); a leading "~/" in
// either variable is the home folder.
std::filesystem::path aws_credentials_file();
std::filesystem::path aws_config_file();

// The profile named by AWS_PROFILE, else "default".
std::string aws_profile_name();

using AwsProfile = std::map<std::string, std::string>;  // "aws_access_key_id" -> value

// The keys of `profile` in one of those INI files: a section "[name]" in the credentials file,
// "[profile name]" (or "[default]") in the config file. Nothing when the file or the section is
// not there; an error when the file cannot be read. Nested settings (an indented block under
// "s3 =") are skipped.
enum class AwsFileKind { Credentials, Config };
std::expected<std::optional<AwsProfile>, std::string> read_aws_profile(
    const std::filesystem::path& file, AwsFileKind kind, const std::string& profile);

}  // namespace memo::store::remote
