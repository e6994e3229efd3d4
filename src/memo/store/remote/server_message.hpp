#pragma once

#include <string>

#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

// The server's own short explanation in a JSON error body, as " (the server says: …)" to put
// after memo's plain words; empty when the body has none. It reads {"message": …} (turborepo-
// remote-cache), {"error": "…"} (npm registries, Verdaccio) and {"error": {"message": …}}
// (Vercel). The caller still removes secrets: a server may echo one.
std::string server_says(const HttpResponse& response);

}  // namespace memo::store::remote
