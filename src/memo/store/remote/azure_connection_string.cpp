#include "memo/store/remote/azure_connection_string.hpp"

#include <map>

#include "memo/util/ascii.hpp"
#include "memo/util/base64.hpp"

namespace memo::store::remote {

namespace {

// Azurite's account, published in Azure's documentation: not a secret.
constexpr std::string_view kDevelopmentAccount = "devstoreaccount1";
constexpr std::string_view kDevelopmentKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr std::string_view kDevelopmentEndpoint = "http://127.0.0.1:10000/devstoreaccount1";

using Fields = std::map<std::string, std::string>;  // lower-cased name -> value

// `text` without the spaces, tabs and line breaks around it.
std::string_view trimmed_part(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n'))
    text.remove_prefix(1);
  while (!text.empty() &&
         (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

bool is_http_url(std::string_view text) {
  return text.starts_with("http://") || text.starts_with("https://");
}

std::expected<Fields, std::string> split_fields(std::string_view text) {
  Fields fields;
  int part_number = 0;
  while (!text.empty()) {
    const auto semicolon = text.find(';');
    const std::string_view part = trimmed_part(text.substr(0, semicolon));
    text = semicolon == std::string_view::npos ? std::string_view() : text.substr(semicolon + 1);
    ++part_number;
    if (part.empty()) continue;
    const auto equals = part.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      return std::unexpected("part " + std::to_string(part_number) +
                             " is not Name=value (write Name=value;Name=value;…)");
    }
    fields[util::ascii_lowercase(trimmed_part(part.substr(0, equals)))] =
        std::string(trimmed_part(part.substr(equals + 1)));
  }
  return fields;
}

std::string field(const Fields& fields, const std::string& name) {
  auto found = fields.find(name);
  return found == fields.end() ? std::string() : found->second;
}

// Splits "<url>?<sas>" into the endpoint (no trailing '/') and the query.
void set_endpoint(AzureConnection& connection, std::string_view url) {
  const auto question = url.find('?');
  if (question != std::string_view::npos) {
    if (connection.sas.empty()) connection.sas = std::string(url.substr(question + 1));
    url = url.substr(0, question);
  }
  while (url.ends_with('/')) url.remove_suffix(1);
  connection.blob_endpoint = std::string(url);
}

std::expected<void, std::string> set_account_key(AzureConnection& connection,
                                                 const std::string& text) {
  auto key = util::base64_decode(text);
  if (!key || key->empty()) {
    return std::unexpected(
        "AccountKey is not base64; copy it again from the storage account's access keys");
  }
  connection.account_key = std::move(*key);
  return {};
}

std::expected<AzureConnection, std::string> from_fields(const Fields& fields) {
  AzureConnection connection;
  if (util::ascii_lowercase(field(fields, "usedevelopmentstorage")) == "true") {
    connection.account_name = kDevelopmentAccount;
    connection.account_key = *util::base64_decode(kDevelopmentKey);
    // A BlobEndpoint beside it points at an Azurite on another port.
    const std::string endpoint = field(fields, "blobendpoint");
    set_endpoint(connection, is_http_url(endpoint) ? endpoint : kDevelopmentEndpoint);
    return connection;
  }
  connection.account_name = field(fields, "accountname");
  connection.sas = field(fields, "sharedaccesssignature");
  if (connection.sas.starts_with('?')) connection.sas.erase(0, 1);
  if (fields.count("accountkey")) {
    if (auto set = set_account_key(connection, field(fields, "accountkey")); !set) {
      return std::unexpected(set.error());
    }
    if (connection.account_name.empty()) {
      return std::unexpected("AccountKey needs AccountName (the storage account's name)");
    }
  }
  if (const std::string endpoint = field(fields, "blobendpoint"); !endpoint.empty()) {
    if (!is_http_url(endpoint)) {
      return std::unexpected("BlobEndpoint is not an http:// or https:// URL");
    }
    set_endpoint(connection, endpoint);
    return connection;
  }
  std::string protocol = util::ascii_lowercase(field(fields, "defaultendpointsprotocol"));
  if (protocol.empty()) protocol = "https";
  if (protocol != "https" && protocol != "http") {
    return std::unexpected("DefaultEndpointsProtocol is neither https nor http");
  }
  if (connection.account_name.empty()) {
    return std::unexpected("names no account: give AccountName (or BlobEndpoint)");
  }
  std::string suffix = field(fields, "endpointsuffix");
  if (suffix.empty()) suffix = "core.windows.net";
  set_endpoint(connection, protocol + "://" + connection.account_name + ".blob." + suffix);
  return connection;
}

}  // namespace

std::expected<AzureConnection, std::string> parse_azure_connection_string(std::string_view text) {
  text = trimmed_part(text);
  if (text.empty()) return std::unexpected("is empty");
  if (is_http_url(text) && text.find(';') == std::string_view::npos) {
    AzureConnection connection;
    set_endpoint(connection, text);
    return connection;
  }
  auto fields = split_fields(text);
  if (!fields) return std::unexpected(fields.error());
  return from_fields(*fields);
}

}  // namespace memo::store::remote
