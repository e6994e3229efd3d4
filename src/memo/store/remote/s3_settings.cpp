#include "memo/store/remote/s3_settings.hpp"

#include <cctype>

#include "memo/store/remote/mila_cache_location.hpp"
#include "memo/util/ascii.hpp"
#include "memo/util/environment.hpp"
#include "memo/util/printable.hpp"

namespace memo::store::remote {

namespace {

constexpr char kDefaultRegion[] = "us-east-1";

using Text = std::expected<std::optional<std::string>, std::string>;

// A string option; an empty one counts as not set (a ${VAR} that was empty).
Text option_text(const nlohmann::json& options, const char* name) {
  auto found = options.find(name);
  if (found == options.end() || found->is_null()) return std::nullopt;
  if (!found->is_string()) {
    return std::unexpected(kOptions + name + ": must be a string");
  }
  auto value = found->get<std::string>();
  if (value.empty()) return std::nullopt;
  return value;
}

// S3 and the stores like it name buckets with letters, digits, '.', '-' and '_' only.
std::expected<void, std::string> check_bucket(const std::string& bucket,
                                              const std::string& origin) {
  if (bucket.size() > 255) return std::unexpected(origin + ": longer than a bucket name can be");
  for (unsigned char c : bucket) {
    if (!std::isalnum(c) && c != '.' && c != '-' && c != '_') {
      return std::unexpected(origin + ": \"" + util::printable(bucket) +
                             "\" is not a bucket name (letters, digits, '.', '-', '_')");
    }
  }
  return {};
}

struct Located {
  std::string value;
  std::string origin;
};

// The bucket, and the region when it comes with it (mila.json names both).
std::expected<std::pair<Located, std::optional<Located>>, std::string> find_bucket(
    const nlohmann::json& options, const std::filesystem::path& repo_root) {
  auto bucket = option_text(options, "bucket");
  if (!bucket) return std::unexpected(bucket.error());
  if (*bucket) return std::pair{Located{**bucket, kOptions + "bucket"}, std::nullopt};
  auto account = option_text(options, "account");
  if (!account) return std::unexpected(account.error());
  auto mila = read_mila_cache_location(repo_root, *account);
  if (!mila) return std::unexpected(mila.error());
  if (!*mila) {
    return std::unexpected(kOptions +
                           "bucket: missing; name the S3 bucket entries go to (or set "
                           "state.checksums in mila.json)");
  }
  std::optional<Located> region;
  if (!(*mila)->region.empty()) region = Located{(*mila)->region, "mila.json's defaultRegion"};
  return std::pair{Located{(*mila)->bucket, "mila.json's state.checksums"}, region};
}

std::expected<Located, std::string> find_region(const nlohmann::json& options,
                                                const std::optional<Located>& with_bucket,
                                                const AwsProfileChoice& profile) {
  auto region = option_text(options, "region");
  if (!region) return std::unexpected(region.error());
  if (*region) return Located{**region, kOptions + "region"};
  if (with_bucket) return *with_bucket;
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto value = util::nonempty_env_value(variable)) return Located{*value, variable};
  }
  auto from_profile = aws_profile_region(profile);
  if (!from_profile) return std::unexpected(from_profile.error());
  if (*from_profile) return Located{**from_profile, "profile \"" + profile.name + "\"'s region"};
  return Located{kDefaultRegion, "the default"};
}

std::expected<void, std::string> check_region(const Located& region) {
  for (unsigned char c : region.value) {
    if (!std::isalnum(c) && c != '-' && c != '_') {
      return std::unexpected(region.origin + ": \"" + util::printable(region.value) +
                             "\" is not a region name (such as us-east-1)");
    }
  }
  return {};
}

std::expected<std::optional<Located>, std::string> find_endpoint(const nlohmann::json& options) {
  auto endpoint = option_text(options, "endpoint");
  if (!endpoint) return std::unexpected(endpoint.error());
  if (*endpoint) return Located{**endpoint, kOptions + "endpoint"};
  for (const char* variable : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
    if (auto value = util::nonempty_env_value(variable)) return Located{*value, variable};
  }
  return std::nullopt;
}

// The endpoint without its trailing '/', or why it cannot be one.
std::expected<std::string, std::string> checked_endpoint(const Located& endpoint) {
  std::string url = endpoint.value;
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return std::unexpected(endpoint.origin +
                           ": not an http:// or https:// URL (such as http://127.0.0.1:9000)");
  }
  const auto authority_end = url.find('/', scheme_end + 3);
  const std::string authority = url.substr(scheme_end + 3, authority_end - scheme_end - 3);
  // Never print credentials a URL might carry: say only that it holds some.
  if (authority.find('@') != std::string::npos) {
    return std::unexpected(endpoint.origin +
                           ": holds credentials; give them as accessKeyId and secretAccessKey");
  }
  if (authority.empty()) return std::unexpected(endpoint.origin + ": names no host");
  for (unsigned char c : url) {
    if (util::is_ascii_control(c) || c == ' ' || c == '?' || c == '#') {
      return std::unexpected(endpoint.origin + ": must be a plain URL (no spaces, query or '#')");
    }
  }
  while (url.ends_with('/')) url.pop_back();
  return url;
}

std::expected<S3ObjectNamer, std::string> find_namer(const nlohmann::json& options) {
  auto prefix = option_text(options, "prefix");
  if (!prefix) return std::unexpected(prefix.error());
  auto key_template = option_text(options, "keyTemplate");
  if (!key_template) return std::unexpected(key_template.error());
  const std::string prefix_text = prefix->value_or("");
  if (auto alone = S3ObjectNamer::parse(prefix_text, "<key>"); !alone) {
    return std::unexpected(kOptions + "prefix: " + alone.error());
  }
  auto namer = S3ObjectNamer::parse(prefix_text, key_template->value_or("<key>"));
  if (!namer) return std::unexpected(kOptions + "keyTemplate: " + namer.error());
  return namer;
}

std::expected<GivenCredentials, std::string> given_credentials(const nlohmann::json& options) {
  GivenCredentials given;
  for (auto [name, field] : {std::pair{"accessKeyId", &GivenCredentials::access_key_id},
                             std::pair{"secretAccessKey", &GivenCredentials::secret_access_key},
                             std::pair{"sessionToken", &GivenCredentials::session_token},
                             std::pair{"profile", &GivenCredentials::profile}}) {
    auto value = option_text(options, name);
    if (!value) return std::unexpected(value.error());
    given.*field = *value;
  }
  return given;
}

}  // namespace

std::expected<S3Settings, std::string> read_s3_settings(const BackendSettings& backend) {
  const nlohmann::json& options = backend.options;
  if (!options.is_object()) {
    return std::unexpected("cacheStorageConfig.options: must be an object with a \"bucket\"");
  }
  S3Settings settings;
  settings.timeouts = backend.timeouts;
  auto bucket = find_bucket(options, backend.repo_root);
  if (!bucket) return std::unexpected(bucket.error());
  if (auto checked = check_bucket(bucket->first.value, bucket->first.origin); !checked) {
    return std::unexpected(checked.error());
  }
  settings.bucket = bucket->first.value;
  auto given = given_credentials(options);
  if (!given) return std::unexpected(given.error());
  auto region = find_region(options, bucket->second, choose_aws_profile(given->profile));
  if (!region) return std::unexpected(region.error());
  if (auto checked = check_region(*region); !checked) return std::unexpected(checked.error());
  settings.region = region->value;
  auto endpoint = find_endpoint(options);
  if (!endpoint) return std::unexpected(endpoint.error());
  if (*endpoint) {
    auto checked = checked_endpoint(**endpoint);
    if (!checked) return std::unexpected(checked.error());
    settings.endpoint = *checked;
  }
  auto namer = find_namer(options);
  if (!namer) return std::unexpected(namer.error());
  settings.namer = std::move(*namer);
  auto credentials = find_aws_credentials(*given);
  if (!credentials) return std::unexpected(credentials.error());
  settings.credentials = std::move(*credentials);
  return settings;
}

}  // namespace memo::store::remote
