#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <string>
#include <vector>

#include "memo/store/remote/backend.hpp"
#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

// Where turbo's remote-cache API (v8) is and who may use it: cacheStorageConfig's options,
// each falling back to the environment turbo itself reads.
struct TurboHttpConfig {
  std::string api_url;  // no trailing "/": artifacts are at <api_url>/v8/artifacts/<key>
  std::string token;    // Authorization: Bearer <token>
  std::string team;     // empty: the token's own account (Vercel), no team in the query
};

// The config from `options` (url, token, team or teamId) and the environment (MEMO_TURBO_API /
// TURBO_API, MEMO_TURBO_TOKEN / TURBO_TOKEN, MEMO_TURBO_TEAM / TURBO_TEAM / TURBO_TEAMID), or the
// one-line error naming the option to fix.
std::expected<TurboHttpConfig, std::string> read_turbo_http_config(const nlohmann::json& options);

// The query that names the team, as turbo sends it: "teamId=<team>" for a Vercel team id
// ("team_…"), "slug=<team>" for any other name; empty without a team.
std::string turbo_team_query(const std::string& team);

// A cache that speaks turbo's remote-cache API: GET, HEAD and PUT /v8/artifacts/<key>, so the
// same server (Vercel, turborepo-remote-cache and the like) can serve turbo and memo.
class TurboHttpBackend final : public Backend {
 public:
  TurboHttpBackend(TurboHttpConfig config, HttpTimeouts timeouts);

  std::string name() const override { return "http"; }
  std::string where() const override;

  RemoteResult<bool> get(const ArtifactId& id, ArtifactSink& sink) override;
  RemoteResult<bool> has(const ArtifactId& id) override;
  RemoteResult<void> put(const ArtifactId& id, ArtifactSource& source) override;

 private:
  enum class Access { Read, Write };

  std::string artifact_url(const std::string& key) const;
  std::vector<std::string> auth_headers() const;
  RemoteResult<bool> fetch(const std::string& method, const ArtifactId& id, ArtifactSink* sink);
  RemoteError refused(const HttpResponse& response, const std::string& what, Access access) const;
  // What the answer to an upload means: done, or the error to report.
  RemoteResult<void> sent(const RemoteResult<HttpResponse>& response,
                          const std::string& what) const;
  RemoteError scrubbed(RemoteError error) const;

  TurboHttpConfig config_;
  HttpTimeouts timeouts_;
};

}  // namespace memo::store::remote
