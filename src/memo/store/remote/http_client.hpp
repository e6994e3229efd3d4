#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "memo/store/remote/backend.hpp"

namespace memo::store::remote {

// How long a request may take before the remote counts as unreachable or stalled.
struct HttpTimeouts {
  long connect_ms = 1500;  // the whole connect, TLS included
  long stall_s = 15;       // a transfer moving less than 1 KiB/s for this long is given up
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // The body: `body`, or when `source` is set, the bytes it gives (with Content-Length
  // `source_size` when known, else chunked).
  std::string_view body;
  ArtifactSource* source = nullptr;
  std::optional<std::uint64_t> source_size;
  // A 2xx answer's body goes here when set; other answers' bodies are kept (short) for errors.
  ArtifactSink* sink = nullptr;
  // S3: libcurl signs the request with SigV4 ("aws:amz:<region>:s3") with these credentials.
  std::string aws_sigv4;
  std::string user_password;  // "<access key>:<secret key>"
  // Or the two apart, when the name may hold a ':' (Swift's access keys are "account:user").
  std::string username;
  std::string password;
  // HTTPS: the PEM file of the certificates to trust instead of the system's (a private CA, a
  // test server's self-signed certificate); empty for the system's.
  std::string ca_file;
};

struct HttpResponse {
  long status = 0;
  std::string body;  // a non-2xx answer's body, or a 2xx body without a sink (both capped)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

  std::optional<std::string> header(std::string_view name) const;
};

// Whether an HTTP status says the request succeeded (2xx).
inline bool is_success(long status) {
  return status >= 200 && status < 300;
}

// Sends one request and waits for the answer. Any answer is a response, whatever its status;
// an error means there was none (or the sink or source stopped the transfer).
RemoteResult<HttpResponse> http_perform(const HttpRequest& request, const HttpTimeouts& timeouts);

// `text` percent-encoded for a URL path segment or query value (unreserved characters kept).
std::string url_encode(std::string_view text);

// A non-2xx response as a RemoteError: 401/403 Denied, everything else Server. `what` says what
// was being done ("GET <url>"); the server's own words are kept short.
RemoteError status_error(const HttpResponse& response, const std::string& what);

}  // namespace memo::store::remote
