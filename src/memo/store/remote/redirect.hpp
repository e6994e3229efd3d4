#pragma once

#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

// Sends `request` like http_perform. When a GET or HEAD is answered with a redirect to an
// absolute http(s) URL (a cache or registry handing reads to a CDN or blob storage), it is
// followed once, with none of the request's headers: credentials stay with the server they
// are for. What the redirect's target answers is a response when it is 2xx or 404 (a miss);
// anything else is an error that says it came from the redirect, for the caller's plain words
// ("the token was refused") are not about that server.
RemoteResult<HttpResponse> perform_following_redirect(const HttpRequest& request,
                                                      const HttpTimeouts& timeouts);

}  // namespace memo::store::remote
