#include "memo/store/remote/redirect.hpp"

namespace memo::store::remote {

namespace {

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

RemoteResult<HttpResponse> perform_following_redirect(const HttpRequest& request,
                                                      const HttpTimeouts& timeouts) {
  auto response = http_perform(request, timeouts);
  if (!response || !is_redirect(response->status)) return response;
  if (request.method != "GET" && request.method != "HEAD") return response;
  auto location = response->header("location");
  if (!location || !(location->starts_with("http://") || location->starts_with("https://"))) {
    return response;
  }
  HttpRequest redirected;
  redirected.method = request.method;
  redirected.url = *location;
  redirected.sink = request.sink;
  auto answer = http_perform(redirected, timeouts);
  if (!answer) return answer;
  if ((answer->status >= 200 && answer->status < 300) || answer->status == 404) return answer;
  // Never the query: a signed URL's signature travels there.
  const std::string what = request.method + " " + location->substr(0, location->find('?')) +
                           " (where " + request.url.substr(0, request.url.find('?')) +
                           " redirected)";
  return std::unexpected(status_error(*answer, what));
}

}  // namespace memo::store::remote
