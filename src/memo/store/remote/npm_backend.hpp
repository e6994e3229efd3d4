#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "memo/store/remote/backend.hpp"
#include "memo/store/remote/http_client.hpp"
#include "memo/store/remote/npmrc.hpp"

namespace memo::store::remote {

// Where backfill's npm provider keeps entries: each one a version "0.0.0-<key>" of one
// package on an npm registry, published with the credentials of an .npmrc.
struct NpmConfig {
  std::string package_name;  // "memo-cache" or "@acme/memo-cache"
  std::string registry_url;  // ends with "/"
  NpmCredentials credentials;
  std::string npmrc_path;  // the .npmrc the credentials came from, for messages; may be empty
};

// The config from `options` (npmPackageName, registryUrl, npmrcUserconfig: relative to
// `repo_root`, else NPM_CONFIG_USERCONFIG, else ~/.npmrc), or the one-line error naming the
// option to fix.
std::expected<NpmConfig, std::string> read_npm_config(const nlohmann::json& options,
                                                      const std::filesystem::path& repo_root);

// Whether npm would let a new package be published under `name`: lowercase letters, digits,
// "-", "." and "_", not starting with "." or "_", at most 214 characters, with an optional
// "@scope/" of the same characters.
bool is_valid_npm_package_name(std::string_view name);

// The version that holds the entry for `key`.
std::string npm_entry_version(const std::string& key);

// The package.json an entry's tarball starts with.
std::string npm_entry_package_json(const std::string& package_name, const std::string& key);

// An npm registry as a cache: a put is one publish (PUT <registry>/<name> with the tarball
// inside, base64), a get one GET of the version's tarball, streamed.
class NpmBackend final : public Backend {
 public:
  NpmBackend(NpmConfig config, HttpTimeouts timeouts);

  std::string name() const override { return "npm"; }
  std::string where() const override;
  // npm tarballs: gzip, everything below "package/", package.json first.
  ArtifactLayout layout(const ArtifactId& id) const override;

  RemoteResult<bool> get(const ArtifactId& id, ArtifactSink& sink) override;
  RemoteResult<bool> has(const ArtifactId& id) override;
  RemoteResult<void> put(const ArtifactId& id, ArtifactSource& source) override;

  // <registry>/<name>/-/<name without scope>-<version>.tgz, where registries serve tarballs.
  std::string tarball_url(const std::string& version) const;

 private:
  enum class Access { Read, Publish };

  std::string document_url() const;
  std::vector<std::string> headers() const;
  std::string publish_document(const std::string& key, std::string tarball) const;
  RemoteResult<bool> fetch(const std::string& method, const ArtifactId& id, ArtifactSink* sink);
  RemoteResult<bool> listed_in_packument(const ArtifactId& id);
  RemoteResult<void> settle_conflict(const ArtifactId& id, const HttpResponse& response,
                                     const std::string& what);
  std::string login_advice() const;
  RemoteError refused(const HttpResponse& response, const std::string& what, Access access) const;
  RemoteError scrubbed(RemoteError error) const;

  NpmConfig config_;
  HttpTimeouts timeouts_;
};

}  // namespace memo::store::remote
