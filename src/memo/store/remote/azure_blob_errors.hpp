#pragma once

#include <string>

#include "memo/store/remote/backend.hpp"
#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

// How requests to the Blob service are authorized: what a refusal means depends on it.
enum class AzureAuth { SharedKey, Sas, Bearer, Anonymous };

// Whether the refused request read entries or wrote them.
enum class AzureAccess { Read, Write };

// The error code the Blob service gave (the x-ms-error-code header, else the body's <Code>).
std::string azure_error_code(const HttpResponse& response);

// A non-2xx answer of the Blob service as a RemoteError: 401/403 in words a user can act on
// ("the account key was refused: check AccountKey in the connection string"), never the
// server's own text for those (it may quote what was signed); other answers with the
// service's code and message. `what` names the request ("PUT <url without its query>").
RemoteError azure_status_error(const HttpResponse& response, const std::string& what,
                               AzureAuth auth, AzureAccess access);

}  // namespace memo::store::remote
