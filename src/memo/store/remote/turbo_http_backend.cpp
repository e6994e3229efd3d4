#include "memo/store/remote/turbo_http_backend.hpp"

#include <initializer_list>
#include <memory>
#include <optional>

#include "memo/store/remote/backends.hpp"
#include "memo/store/remote/base_url.hpp"
#include "memo/store/remote/redirect.hpp"
#include "memo/store/remote/secret_redaction.hpp"
#include "memo/store/remote/server_message.hpp"
#include "memo/store/remote/spooled_upload.hpp"
#include "memo/util/environment.hpp"

namespace memo::store::remote {

namespace {

// An artifact up to this size is sent from memory; a bigger one is spooled to a temp file
// first, because the API has no parts and servers (Vercel's among them) want a Content-Length.
constexpr std::size_t kSingleRequestLimit = 8 << 20;

using OptionalText = std::expected<std::optional<std::string>, std::string>;

// The option `key` when it is a non-empty string, else the first environment variable that is
// set and not empty; an error when the option is there but not a string.
OptionalText option_or_env(const nlohmann::json& options, const char* key,
                           std::initializer_list<const char*> env_names) {
  if (options.is_object() && options.contains(key) && !options[key].is_null()) {
    const auto& value = options[key];
    if (!value.is_string()) return std::unexpected(kOptions + key + ": must be a string");
    if (!value.get<std::string>().empty()) return value.get<std::string>();
  }
  return util::first_nonempty_env_value(env_names);
}

std::expected<std::string, std::string> checked_api_url(std::string url) {
  auto checked = checked_base_url(std::move(url));
  if (checked) return *checked;
  if (checked.error() == BadBaseUrl::HoldsSecret) {
    return std::unexpected(kOptions +
                           "url: holds a user name or password; give the token as TURBO_TOKEN");
  }
  return std::unexpected(kOptions +
                         "url: not an http(s) URL without a query; give the remote cache's base "
                         "URL (https://cache.example.com), as TURBO_API");
}

}  // namespace

std::expected<TurboHttpConfig, std::string> read_turbo_http_config(const nlohmann::json& options) {
  TurboHttpConfig config;
  auto url = option_or_env(options, "url", {"MEMO_TURBO_API", "TURBO_API"});
  if (!url) return std::unexpected(url.error());
  if (!*url) {
    return std::unexpected(kOptions +
                           "url: missing; give the remote cache's base URL (TURBO_API), e.g. "
                           "https://cache.example.com");
  }
  auto api_url = checked_api_url(**url);
  if (!api_url) return std::unexpected(api_url.error());
  config.api_url = *api_url;

  auto token = option_or_env(options, "token", {"MEMO_TURBO_TOKEN", "TURBO_TOKEN"});
  if (!token) return std::unexpected(token.error());
  if (!*token) {
    return std::unexpected(kOptions +
                           "token: missing; set TURBO_TOKEN to the remote cache's token (keep it "
                           "out of committed config files)");
  }
  if (has_control_character(**token)) {
    return std::unexpected(kOptions + "token: holds a line break or another control character");
  }
  config.token = **token;

  auto team = option_or_env(options, "team", {});
  auto team_id = option_or_env(options, "teamId", {});
  if (!team) return std::unexpected(team.error());
  if (!team_id) return std::unexpected(team_id.error());
  if (*team && *team_id && **team != **team_id) {
    return std::unexpected(kOptions + "team and " + kOptions +
                           "teamId: both given and different; give one");
  }
  if (!*team) team = *team_id;
  if (!*team) {
    team = util::first_nonempty_env_value({"MEMO_TURBO_TEAM", "TURBO_TEAM", "TURBO_TEAMID"});
  }
  if (*team) config.team = **team;
  return config;
}

std::string turbo_team_query(const std::string& team) {
  if (team.empty()) return "";
  return (team.starts_with("team_") ? "teamId=" : "slug=") + url_encode(team);
}

TurboHttpBackend::TurboHttpBackend(TurboHttpConfig config, HttpTimeouts timeouts)
    : config_(std::move(config)), timeouts_(timeouts) {}

std::string TurboHttpBackend::where() const {
  return config_.api_url + (config_.team.empty() ? "" : " (team " + config_.team + ")");
}

std::string TurboHttpBackend::artifact_url(const std::string& key) const {
  std::string url = config_.api_url + "/v8/artifacts/" + url_encode(key);
  std::string query = turbo_team_query(config_.team);
  return query.empty() ? url : url + "?" + query;
}

std::vector<std::string> TurboHttpBackend::auth_headers() const {
  return {"Authorization: Bearer " + config_.token};
}

RemoteError TurboHttpBackend::scrubbed(RemoteError error) const {
  error.message = without_secrets(std::move(error.message), {config_.token});
  return error;
}

RemoteError TurboHttpBackend::refused(const HttpResponse& response, const std::string& what,
                                      Access access) const {
  RemoteError error = status_error(response, what);
  std::string plain;
  if (response.status == 401) {
    plain = "the token was refused: check TURBO_TOKEN (or " + kOptions + "token)";
  } else if (response.status == 403) {
    plain = access == Access::Write ? "the token may not write to this team's cache (read-only)"
                                    : "the token may not read this team's cache";
  } else if (response.status == 400 && response.body.find("team") != std::string::npos) {
    plain = "the server wants a team: set " + kOptions + "team or TURBO_TEAM";
  } else if (response.status == 413) {
    plain = "the artifact is bigger than the server accepts (turborepo-remote-cache: BODY_LIMIT)";
  }
  if (!plain.empty()) {
    error.message = what + ": " + plain + " (HTTP " + std::to_string(response.status) + ")" +
                    server_says(response);
  }
  return scrubbed(std::move(error));
}

// A 3xx is followed once without the token: turborepo-remote-cache with TURBO_CACHE_READ_URL
// sends reads on to a CDN.
RemoteResult<bool> TurboHttpBackend::fetch(const std::string& method, const ArtifactId& id,
                                           ArtifactSink* sink) {
  HttpRequest request;
  request.method = method;
  request.url = artifact_url(id.key);
  request.headers = auth_headers();
  request.sink = sink;
  const std::string what = method + " " + request.url.substr(0, request.url.find('?'));
  auto response = perform_following_redirect(request, timeouts_);
  if (!response) return std::unexpected(scrubbed(response.error()));
  if (is_success(response->status)) return true;
  if (response->status == 404) return false;
  return std::unexpected(refused(*response, what, Access::Read));
}

RemoteResult<bool> TurboHttpBackend::get(const ArtifactId& id, ArtifactSink& sink) {
  return fetch("GET", id, &sink);
}

RemoteResult<bool> TurboHttpBackend::has(const ArtifactId& id) {
  return fetch("HEAD", id, nullptr);
}

RemoteResult<void> TurboHttpBackend::put(const ArtifactId& id, ArtifactSource& source) {
  HttpRequest request;
  request.method = "PUT";
  request.url = artifact_url(id.key);
  const std::string what = "PUT " + request.url.substr(0, request.url.find('?'));
  request.headers = auth_headers();
  request.headers.push_back("Content-Type: application/octet-stream");
  // A big artifact whose size is known ahead streams as it is made; any other is spooled.
  if (auto size = source.exact_size(); size && *size > kSingleRequestLimit) {
    ExactSizeSource exact(source, *size);
    request.source = &exact;
    request.source_size = *size;
    return sent(http_perform(request, timeouts_), what);
  }
  auto upload = SpooledUpload::read(source, kSingleRequestLimit);
  if (!upload) {
    return std::unexpected(RemoteError{RemoteError::Kind::Aborted, what + ": " + upload.error()});
  }
  std::unique_ptr<ArtifactSource> replay;
  if (auto bytes = upload->in_memory()) {
    request.body = *bytes;
  } else {
    replay = upload->replay();
    request.source = replay.get();
    request.source_size = upload->size();
  }
  return sent(http_perform(request, timeouts_), what);
}

RemoteResult<void> TurboHttpBackend::sent(const RemoteResult<HttpResponse>& response,
                                          const std::string& what) const {
  if (!response) return std::unexpected(scrubbed(response.error()));
  if (is_success(response->status)) return {};
  return std::unexpected(refused(*response, what, Access::Write));
}

MadeBackend make_turbo_http_backend(const BackendSettings& settings) {
  auto config = read_turbo_http_config(settings.options);
  if (!config) return std::unexpected(config.error());
  return std::make_unique<TurboHttpBackend>(std::move(*config), settings.timeouts);
}

}  // namespace memo::store::remote
