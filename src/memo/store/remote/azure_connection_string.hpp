#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace memo::store::remote {

// What a storage connection string says about the blob service.
struct AzureConnection {
  // Scheme, host, port and path, without a trailing '/' or a query:
  // "https://account.blob.core.windows.net", "http://127.0.0.1:10000/devstoreaccount1".
  std::string blob_endpoint;
  std::string account_name;  // may be empty with a SAS or an Azure AD token
  std::string account_key;   // the key's bytes (base64-decoded); empty when there is none
  std::string sas;           // the SAS query without its '?'; empty when there is none
};

// Reads "Name=value;Name=value" (names in any case: AccountName, AccountKey,
// SharedAccessSignature, BlobEndpoint, DefaultEndpointsProtocol, EndpointSuffix,
// UseDevelopmentStorage) or a bare blob service URL (what lage hands a token credential).
// An error says what is wrong and never repeats the text: it holds secrets.
std::expected<AzureConnection, std::string> parse_azure_connection_string(std::string_view text);

}  // namespace memo::store::remote
