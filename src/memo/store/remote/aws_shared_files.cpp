#include "memo/store/remote/aws_shared_files.hpp"

#include <algorithm>
#include <string_view>

#include "memo/util/ascii.hpp"
#include "memo/util/environment.hpp"
#include "memo/util/files.hpp"

namespace memo::store::remote {

namespace {

std::filesystem::path home_folder() {
  return util::env_value("HOME").value_or("");
}

std::filesystem::path file_from(const char* variable, const char* default_name) {
  auto set = util::env_value(variable);
  if (!set || set->empty()) return home_folder() / ".aws" / default_name;
  if (set->starts_with("~/")) return home_folder() / set->substr(2);
  return *set;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// The profile a section header names, or nothing for a section of another kind.
std::optional<std::string> profile_of_section(std::string_view header, AwsFileKind kind) {
  std::string_view name = trimmed(header);
  if (kind == AwsFileKind::Credentials) return std::string(name);
  if (name == "default") return std::string(name);
  if (name.starts_with("profile ") || name.starts_with("profile\t")) {
    return std::string(trimmed(name.substr(8)));
  }
  return std::nullopt;  // [sso-session x], [services x]
}

}  // namespace

std::filesystem::path aws_credentials_file() {
  return file_from("AWS_SHARED_CREDENTIALS_FILE", "credentials");
}

std::filesystem::path aws_config_file() {
  return file_from("AWS_CONFIG_FILE", "config");
}

std::string aws_profile_name() {
  auto named = util::env_value("AWS_PROFILE");
  return named && !named->empty() ? *named : "default";
}

std::expected<std::optional<AwsProfile>, std::string> read_aws_profile(
    const std::filesystem::path& file, AwsFileKind kind, const std::string& profile) {
  auto status = util::status_unless_missing(file);
  if (!status) return std::unexpected(status.error());
  if (status->type() == std::filesystem::file_type::not_found) return std::nullopt;
  auto text = util::read_file(file);
  if (!text) return std::unexpected(text.error());
  std::optional<AwsProfile> found;
  bool inside = false;
  std::string_view rest = *text;
  while (!rest.empty()) {
    std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    std::string_view content = trimmed(line);
    if (content.empty() || content.front() == '#' || content.front() == ';') continue;
    if (line.front() == ' ' || line.front() == '\t') continue;  // a nested setting's line
    if (content.front() == '[') {
      auto close = content.find(']');
      auto named =
          profile_of_section(content.substr(1, close == content.npos ? close : close - 1), kind);
      inside = named && *named == profile;
      if (inside && !found) found.emplace();
      continue;
    }
    auto equals = content.find('=');
    if (!inside || equals == std::string_view::npos) continue;
    std::string key = util::ascii_lowercase(trimmed(content.substr(0, equals)));
    (*found)[key] = std::string(trimmed(content.substr(equals + 1)));
  }
  return found;
}

}  // namespace memo::store::remote
