#pragma once

#include <string>
#include <vector>

#include "memo/store/remote/azure_connection_string.hpp"

namespace memo::store::remote {

// Every text of `connection` no message may hold: the account key in base64 (padded or not),
// the SAS, and its signature (percent-encoded or not).
std::vector<std::string> azure_secrets(const AzureConnection& connection);

// `text` with each of `secrets` in it written "***": a last guard behind messages that are
// made never to quote a secret in the first place.
std::string redacted(std::string text, const std::vector<std::string>& secrets);

}  // namespace memo::store::remote
