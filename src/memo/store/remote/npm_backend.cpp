#include "memo/store/remote/npm_backend.hpp"

#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "memo/store/remote/backends.hpp"
#include "memo/store/remote/base_url.hpp"
#include "memo/store/remote/redirect.hpp"
#include "memo/store/remote/secret_redaction.hpp"
#include "memo/store/remote/server_message.hpp"
#include "memo/util/ascii.hpp"
#include "memo/util/base64.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/environment.hpp"
#include "memo/util/files.hpp"

namespace memo::store::remote {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kReadBuffer = 1 << 20;
// A packument lists every entry as a version: it can be big, but not this big.
constexpr std::size_t kPackumentLimit = 64 << 20;

using OptionalText = std::expected<std::optional<std::string>, std::string>;

OptionalText string_option(const nlohmann::json& options, const char* key) {
  if (!options.is_object() || !options.contains(key) || options[key].is_null()) {
    return std::nullopt;
  }
  if (!options[key].is_string()) return std::unexpected(kOptions + key + ": must be a string");
  std::string value = options[key].get<std::string>();
  if (value.empty()) return std::nullopt;
  return value;
}

fs::path home_expanded(const std::string& path) {
  auto home = util::env_value("HOME");
  if (home && (path == "~" || path.starts_with("~/"))) return fs::path(*home) / path.substr(2);
  return path;
}

bool is_name_part(std::string_view part) {
  if (part.empty() || part.front() == '.' || part.front() == '_') return false;
  for (char c : part) {
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!allowed) return false;
  }
  return true;
}

struct Npmrc {
  std::map<std::string, std::string> values;
  std::string path;  // empty when none was read
};

// The .npmrc npm would read as the user's config: the option (which must be readable), else
// NPM_CONFIG_USERCONFIG, else ~/.npmrc (both skipped when missing, as npm skips them).
std::expected<Npmrc, std::string> user_npmrc(const nlohmann::json& options,
                                             const fs::path& repo_root) {
  auto option = string_option(options, "npmrcUserconfig");
  if (!option) return std::unexpected(option.error());
  fs::path path;
  bool required = false;
  if (*option) {
    path = home_expanded(**option);
    if (path.is_relative() && !repo_root.empty()) path = repo_root / path;
    required = true;
  } else if (auto env = util::first_nonempty_env_value(
                 {"NPM_CONFIG_USERCONFIG", "npm_config_userconfig"})) {
    path = home_expanded(*env);
  } else if (auto home = util::env_value("HOME")) {
    path = fs::path(*home) / ".npmrc";
  } else {
    return Npmrc{};
  }
  std::error_code error;
  if (!required && !fs::exists(path, error)) return Npmrc{};
  auto text = util::read_file(path);
  if (!text) {
    return std::unexpected((required ? kOptions + "npmrcUserconfig: " : "the user's .npmrc: ") +
                           text.error());
  }
  return Npmrc{parse_npmrc(*text, [](const std::string& name) { return util::env_value(name); }),
               path.string()};
}

// Whether a refused publish says the version is there already: npm's registry answers 403
// "cannot publish over the previously published versions", Verdaccio 409 "already present".
bool says_version_exists(const HttpResponse& response) {
  if (response.status == 409) return true;
  if (response.status != 400 && response.status != 403) return false;
  const std::string body = util::ascii_lowercase(response.body);
  for (const char* words : {"previously published", "pre-existing", "already present",
                            "already exists", "cannot publish over", "cannot modify"}) {
    if (body.find(words) != std::string::npos) return true;
  }
  return false;
}

// Keeps a small answer whole (a packument), refusing one that grows past `limit`.
class CollectingSink final : public ArtifactSink {
 public:
  explicit CollectingSink(std::size_t limit) : limit_(limit) {}
  bool expect(std::optional<std::uint64_t> size) override { return !size || *size <= limit_; }
  bool write(std::string_view bytes) override {
    if (bytes_.size() + bytes.size() > limit_) return false;
    bytes_ += bytes;
    return true;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::size_t limit_;
  std::string bytes_;
};

std::expected<std::string, std::string> read_whole(ArtifactSource& source) {
  std::string bytes;
  std::vector<char> buffer(kReadBuffer);
  for (;;) {
    auto read = source.read(buffer);
    if (!read) return std::unexpected(read.error());
    if (*read == 0) return bytes;
    bytes.append(buffer.data(), *read);
  }
}

}  // namespace

bool is_valid_npm_package_name(std::string_view name) {
  if (name.empty() || name.size() > 214) return false;
  if (!name.starts_with('@')) return is_name_part(name);
  auto slash = name.find('/');
  return slash != std::string_view::npos && is_name_part(name.substr(1, slash - 1)) &&
         is_name_part(name.substr(slash + 1));
}

std::string npm_entry_version(const std::string& key) {
  return "0.0.0-" + key;
}

std::string npm_entry_package_json(const std::string& package_name, const std::string& key) {
  nlohmann::ordered_json manifest;
  manifest["name"] = package_name;
  manifest["version"] = npm_entry_version(key);
  manifest["description"] =
      "memo cache entry " + key + ": build outputs stored by memo, not a package to install";
  return manifest.dump(2) + "\n";
}

std::expected<NpmConfig, std::string> read_npm_config(const nlohmann::json& options,
                                                      const fs::path& repo_root) {
  NpmConfig config;
  auto name = string_option(options, "npmPackageName");
  if (!name) return std::unexpected(name.error());
  if (!*name) {
    return std::unexpected(kOptions +
                           "npmPackageName: missing; name the npm package entries are published "
                           "as, e.g. \"@acme/memo-cache\"");
  }
  if (!is_valid_npm_package_name(**name)) {
    return std::unexpected(kOptions +
                           "npmPackageName: not a name npm can publish; use lowercase letters, "
                           "digits, \"-\", \".\" and \"_\", optionally after \"@scope/\"");
  }
  config.package_name = **name;

  auto registry = string_option(options, "registryUrl");
  if (!registry) return std::unexpected(registry.error());
  if (!*registry) {
    return std::unexpected(kOptions +
                           "registryUrl: missing; give the registry entries are published to, "
                           "e.g. https://registry.example.com/");
  }
  auto url = checked_base_url(**registry);
  if (!url) {
    return std::unexpected(
        kOptions + "registryUrl: " +
        (url.error() == BadBaseUrl::HoldsSecret
             ? "holds a user name or password; put credentials in the .npmrc"
             : "not an http(s) URL without a query, e.g. https://registry.example.com/"));
  }
  config.registry_url = *url + "/";

  auto npmrc = user_npmrc(options, repo_root);
  if (!npmrc) return std::unexpected(npmrc.error());
  config.credentials = npm_credentials_for(npmrc->values, config.registry_url);
  config.npmrc_path = npmrc->path;
  return config;
}

NpmBackend::NpmBackend(NpmConfig config, HttpTimeouts timeouts)
    : config_(std::move(config)), timeouts_(timeouts) {}

std::string NpmBackend::where() const {
  return config_.registry_url + " (package " + config_.package_name + ")";
}

ArtifactLayout NpmBackend::layout(const ArtifactId& id) const {
  return ArtifactLayout{ArtifactLayout::Compression::Gzip, "package/",
                        npm_entry_package_json(config_.package_name, id.key)};
}

std::string NpmBackend::document_url() const {
  std::string name = config_.package_name;
  if (auto slash = name.find('/'); slash != std::string::npos) name.replace(slash, 1, "%2f");
  return config_.registry_url + name;
}

std::string NpmBackend::tarball_url(const std::string& version) const {
  const std::string& name = config_.package_name;
  const std::string basename = name.substr(name.find('/') + 1);
  return config_.registry_url + name + "/-/" + basename + "-" + version + ".tgz";
}

std::vector<std::string> NpmBackend::headers() const {
  std::vector<std::string> headers;
  if (auto auth = config_.credentials.authorization_header(); !auth.empty()) {
    headers.push_back(std::move(auth));
  }
  return headers;
}

// What npm publish sends, with the tarball base64 inside: the version's manifest with its dist
// (shasum, integrity, tarball URL), "latest" moved to it as npm does, and the attachment.
std::string NpmBackend::publish_document(const std::string& key, std::string tarball) const {
  const std::string& name = config_.package_name;
  const std::string version = npm_entry_version(key);
  util::Hasher sha1(util::Hasher::Algorithm::Sha1);
  util::Hasher sha512(util::Hasher::Algorithm::Sha512);
  sha1.update(tarball);
  sha512.update(tarball);

  auto manifest = nlohmann::ordered_json::parse(npm_entry_package_json(name, key));
  manifest["_id"] = name + "@" + version;
  manifest["dist"] = {{"shasum", sha1.hex_digest()},
                      {"integrity", "sha512-" + util::base64_encode(sha512.digest())},
                      {"tarball", tarball_url(version)}};
  nlohmann::ordered_json document;
  document["_id"] = name;
  document["name"] = name;
  document["description"] = manifest["description"];
  document["dist-tags"] = {{"latest", version}};
  document["versions"] = {{version, manifest}};
  const std::string attachment =
      nlohmann::json(name + "-" + version + ".tgz").dump();  // npm names it with the scope
  const std::string length = std::to_string(tarball.size());

  std::string data = util::base64_encode(tarball);
  tarball = std::string();
  std::string text = document.dump();
  text.pop_back();  // its closing "}": the attachment goes last
  text.reserve(text.size() + data.size() + 128);
  text += ",\"_attachments\":{" + attachment +
          ":{\"content_type\":\"application/octet-stream\",\"data\":\"";
  text += data;
  text += "\",\"length\":" + length + "}}}";
  return text;
}

RemoteError NpmBackend::scrubbed(RemoteError error) const {
  error.message = without_secrets(std::move(error.message), config_.credentials.secrets);
  return error;
}

std::string NpmBackend::login_advice() const {
  const std::string key = config_.credentials.kind == NpmCredentials::Kind::None
                              ? npm_credentials_key(config_.registry_url)
                              : config_.credentials.key;
  const std::string file = config_.npmrc_path.empty() ? "no .npmrc was found" : config_.npmrc_path;
  switch (config_.credentials.kind) {
    case NpmCredentials::Kind::None:
      return "the registry wants a login and no .npmrc entry matches " + key + " (" + file +
             "): add " + key + ":_authToken=… to the file npmrcUserconfig names or ~/.npmrc";
    case NpmCredentials::Kind::Token: {
      std::string advice =
          "the registry refused the npm token (check npmrcUserconfig / .npmrc: " + file + ", " +
          key + ":_authToken)";
      if (config_.credentials.token.find("${") != std::string::npos) {
        advice += "; it still holds a ${…} placeholder: is that variable set?";
      }
      return advice;
    }
    case NpmCredentials::Kind::Basic:
      break;
  }
  return "the registry refused the npm user name and password (check npmrcUserconfig / .npmrc: " +
         file + ", " + key + ")";
}

RemoteError NpmBackend::refused(const HttpResponse& response, const std::string& what,
                                Access access) const {
  RemoteError error = status_error(response, what);
  const std::string& name = config_.package_name;
  std::string plain;
  if (response.status == 401) {
    plain = login_advice();
  } else if (response.status == 403) {
    plain = access == Access::Publish ? "the npm user may not publish " + name
                                      : "the npm user may not read " + name;
  } else if (response.status == 413 && access == Access::Publish) {
    plain =
        "the entry is bigger than the registry takes in one publish (raise its limit, such as "
        "Verdaccio's max_body_size, or lower maxSize)";
  }
  if (!plain.empty()) {
    error.message = what + ": " + plain + " (HTTP " + std::to_string(response.status) + ")" +
                    server_says(response);
  }
  return scrubbed(std::move(error));
}

RemoteResult<bool> NpmBackend::fetch(const std::string& method, const ArtifactId& id,
                                     ArtifactSink* sink) {
  HttpRequest request;
  request.method = method;
  request.url = tarball_url(npm_entry_version(id.key));
  request.headers = headers();
  request.sink = sink;
  auto response = perform_following_redirect(request, timeouts_);
  if (!response) return std::unexpected(scrubbed(response.error()));
  if (is_success(response->status)) return true;
  if (response->status == 404) return false;
  return std::unexpected(refused(*response, method + " " + request.url, Access::Read));
}

// For a registry that answers no HEAD for tarballs: whether the (abbreviated) packument lists
// the version.
RemoteResult<bool> NpmBackend::listed_in_packument(const ArtifactId& id) {
  CollectingSink sink(kPackumentLimit);
  HttpRequest request;
  request.url = document_url();
  request.headers = headers();
  request.headers.push_back("Accept: application/vnd.npm.install-v1+json");
  request.sink = &sink;
  auto response = perform_following_redirect(request, timeouts_);
  if (!response) return std::unexpected(scrubbed(response.error()));
  if (response->status == 404) return false;
  const std::string what = "GET " + request.url;
  if (!is_success(response->status)) {
    return std::unexpected(refused(*response, what, Access::Read));
  }
  auto packument = nlohmann::json::parse(sink.bytes(), nullptr, false);
  if (packument.is_discarded() || !packument.is_object()) {
    return std::unexpected(
        RemoteError{RemoteError::Kind::Server, what + ": the answer is not a packument (JSON)"});
  }
  auto versions = packument.find("versions");
  return versions != packument.end() && versions->is_object() &&
         versions->contains(npm_entry_version(id.key));
}

RemoteResult<bool> NpmBackend::get(const ArtifactId& id, ArtifactSink& sink) {
  return fetch("GET", id, &sink);
}

RemoteResult<bool> NpmBackend::has(const ArtifactId& id) {
  auto found = fetch("HEAD", id, nullptr);
  if (!found && (found.error().http_status == 405 || found.error().http_status == 501)) {
    return listed_in_packument(id);
  }
  return found;
}

// A registry that says the version exists already: then the entry is there, and the put has
// done its work; but only when the registry serves it (a clash with another publish is not).
RemoteResult<void> NpmBackend::settle_conflict(const ArtifactId& id, const HttpResponse& response,
                                               const std::string& what) {
  auto there = has(id);
  if (!there) return std::unexpected(there.error());
  if (*there) return {};
  return std::unexpected(refused(response, what, Access::Publish));
}

RemoteResult<void> NpmBackend::put(const ArtifactId& id, ArtifactSource& source) {
  HttpRequest request;
  request.method = "PUT";
  request.url = document_url();
  const std::string what = "PUT " + request.url;
  auto tarball = read_whole(source);
  if (!tarball) {
    return std::unexpected(RemoteError{RemoteError::Kind::Aborted, what + ": " + tarball.error()});
  }
  const std::string document = publish_document(id.key, std::move(*tarball));
  request.headers = headers();
  request.headers.push_back("Content-Type: application/json");
  request.headers.push_back("npm-command: publish");
  request.body = document;
  auto response = http_perform(request, timeouts_);
  // Registries answer concurrent publishes of one package with a 5xx now and then (Verdaccio
  // does): a publish is safe to send again, as an existing version counts as stored.
  if (response && response->status >= 500) response = http_perform(request, timeouts_);
  if (!response) return std::unexpected(scrubbed(response.error()));
  if (is_success(response->status)) return {};
  if (says_version_exists(*response)) return settle_conflict(id, *response, what);
  return std::unexpected(refused(*response, what, Access::Publish));
}

MadeBackend make_npm_backend(const BackendSettings& settings) {
  auto config = read_npm_config(settings.options, settings.repo_root);
  if (!config) return std::unexpected(config.error());
  return std::make_unique<NpmBackend>(std::move(*config), settings.timeouts);
}

}  // namespace memo::store::remote
